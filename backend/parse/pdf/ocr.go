package pdf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os/exec"
	"sort"
	"strconv"
	"time"

	"folio/backend/core"
	"folio/backend/parse/ocr"
)

// OCR of pages without a text layer.
//
// The page image comes from poppler's pdftoppm, run as a separate process
// (poppler is GPL: it is never linked into Folio), rendering the page's
// CropBox in gray at OCRDPI with its /Rotate applied. Decoding the page's
// image XObjects directly is not done: the PDF library gives no access to
// a stream's raw bytes and panics on the DCT, CCITT, JBIG2 and JPX filters
// scans use, and a renderer also gets masks, Decode arrays, colour spaces,
// images drawn in strips and the placement matrix right. See docs/ocr.md.
//
// Tesseract's word boxes, in the rendered image's pixels, are mapped back
// into the page's user space (unrotated, origin at the bottom left of the
// MediaBox's coordinates), so highlights on a scanned page are drawn
// exactly as on a text page.

// Defaults of the OCR settings.
const (
	DefaultOCRDPI = 300
	// DefaultOCRPageTimeout is one page's OCR budget, rendering included:
	// a dense 300 dpi page takes Tesseract a few seconds.
	DefaultOCRPageTimeout = 60 * time.Second
	// maxOCRPixels bounds a rendered page; larger pages render at a lower
	// resolution.
	maxOCRPixels = 40 << 20
)

// pdftoppm is the renderer's command; tests may change it.
var pdftoppm = "pdftoppm"

// ocrReady reports whether pages can be read by OCR here: Tesseract with a
// language pack, and pdftoppm.
func ocrReady() (bool, string) {
	if !ocr.Available() {
		return false, ocr.ErrNotAvailable.Error()
	}
	if _, err := exec.LookPath(pdftoppm); err != nil {
		return false, "pdftoppm (poppler-utils), which renders pages for OCR, is not installed"
	}
	return true, ""
}

// ocrResult is what OCR read on one page: text, word boxes in user space.
type ocrResult struct {
	text  string
	boxes []wordBox
	info  core.PageOCR
}

// ocrPage renders page num of the PDF at file and reads it with OCR.
func (p *Parser) ocrPage(ctx context.Context, file string, num int, pi pageInfo) (ocrResult, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.OCRPageTimeout)
	defer cancel()
	crop := pi.crop
	w, h := crop[2]-crop[0], crop[3]-crop[1]
	dpi := float64(p.cfg.OCRDPI)
	if px := w * h * (dpi / 72) * (dpi / 72); px > maxOCRPixels {
		dpi *= math.Sqrt(maxOCRPixels / px)
	}
	dpi = max(math.Floor(dpi), 36)
	img, err := render(ctx, file, num, dpi)
	if err != nil {
		return ocrResult{}, err
	}
	pg, err := ocr.Recognize(ctx, img, ocr.Options{Languages: p.cfg.OCRLanguages, DPI: int(dpi), Cache: p.cfg.OCRCache})
	if err != nil {
		return ocrResult{}, err
	}
	text, boxes := ocrLayout(pg, crop, pi.rotate)
	return ocrResult{text: text, boxes: boxes, info: core.PageOCR{Confidence: math.Round(pg.Conf*10) / 10, Languages: pg.Languages}}, nil
}

// ocrLayout orders the words OCR read on a rendered page (its CropBox with
// /Rotate applied) into text with the text layer's layout logic
// (layout.go), within Tesseract's blocks: Tesseract finds the blocks and
// their order, which keeps a figure's labels apart from the text columns
// beside it; within a block, Tesseract's lines are split into segments at
// gaps over ocrSegmentGap em and ordered as a text page's are (columns
// left first, such as a listing's code before its comments; lines by
// baseline; tables as rows). A word's reading frame is its place on the
// displayed page, in points, turned by the page's skew so that lines are
// level; its em is its line's size (its box's height when Tesseract gave
// none); its box is its pixel rectangle in user space (pixelsToUser).
// Ligatures are spelled out, as on text pages.
func ocrLayout(pg ocr.Page, crop [4]float64, rotate int) (string, []wordBox) {
	if len(pg.Words) == 0 || pg.Width <= 0 || pg.Height <= 0 {
		return "", nil
	}
	dw, dh := crop[2]-crop[0], crop[3]-crop[1]
	if rotate == 90 || rotate == 270 {
		dw, dh = dh, dw
	}
	sx, sy := dw/float64(pg.Width), dh/float64(pg.Height) // points a pixel
	sin, cos := math.Sincos(-math.Atan(ocrSkew(pg.Words)))
	// level turns a pixel (x, y), y down, by the skew and returns it in
	// points, y up.
	level := func(x, y float64) (float64, float64) {
		return (x*cos - y*sin) * sx, -(x*sin + y*cos) * sy
	}
	pw := &pageWriter{crop: rect{crop[0], crop[1], crop[2], crop[3]}}
	var segs []*segment
	var cur *segment
	for _, w := range pg.Words {
		if w.NewBlock && len(segs) > 0 {
			layoutSegments(pw, segs)
			segs = nil
		}
		b := w.Box
		mid := float64(b.Min.X+b.Max.X) / 2
		base := float64(b.Max.Y)
		if bl := w.Baseline; bl[1].X > bl[0].X {
			base = float64(bl[0].Y) + float64(bl[1].Y-bl[0].Y)*(mid-float64(bl[0].X))/float64(bl[1].X-bl[0].X)
		}
		x0, _ := level(float64(b.Min.X), base)
		x1, _ := level(float64(b.Max.X), base)
		_, y := level(mid, base)
		_, top := level(mid, float64(b.Min.Y))
		_, bottom := level(mid, float64(b.Max.Y))
		em := w.LineSize
		if em <= 0 {
			em = top - bottom
		}
		wd := &word{x0: x0, x1: max(x1, x0), y: y, em: max(em, 0.01), top: top, bottom: bottom,
			text: ligatures.Replace(w.Text), r: pixelsToUser(b, pg.Width, pg.Height, crop, rotate)}
		if cur == nil || w.NewLine || w.NewBlock || wd.x0-cur.x1 > ocrSegmentGap*max(cur.em, wd.em) {
			cur = &segment{x0: wd.x0, x1: wd.x1, y: wd.y, em: wd.em, top: wd.top, bottom: wd.bottom}
			segs = append(segs, cur)
		}
		cur.add(wd)
	}
	layoutSegments(pw, segs)
	return pw.b.String(), pw.boxes
}

// ocrSegmentGap is the gap, in em, that splits a line Tesseract read into
// segments (a listing's code and its comments, table cells). Wider than
// the text layer's segmentGap: OCR boxes hold ink, not advances, and
// Tesseract has seen the words as one line.
const ocrSegmentGap = 2.0

// layoutSegments writes a block's segments in reading order, as
// layoutPage does a frame's.
func layoutSegments(pw *pageWriter, segs []*segment) {
	var lines [][]*segment
	if len(segs) > maxLayoutSegments {
		lines = rows(segs)
	} else {
		lines = readingOrder(segs)
	}
	pw.lines(lines, nil)
}

// ocrSkew is the slope of a page's text lines in its image (y down): the
// median over lines at least 100 pixels long of the slope of the baseline
// from the line's first word to its last; 0 without such lines.
func ocrSkew(ws []ocr.Word) float64 {
	var slopes []float64
	for i := 0; i < len(ws); {
		j := i + 1
		for j < len(ws) && !ws[j].NewLine {
			j++
		}
		a, b := ws[i].Baseline[0], ws[j-1].Baseline[1]
		if b.X-a.X >= 100 && ws[i].Baseline[1].X > a.X && b.X > ws[j-1].Baseline[0].X {
			slopes = append(slopes, float64(b.Y-a.Y)/float64(b.X-a.X))
		}
		i = j
	}
	if len(slopes) == 0 {
		return 0
	}
	sort.Float64s(slopes)
	return slopes[len(slopes)/2]
}

// pixelsToUser maps a rectangle in the pixels of the rendered page (its
// CropBox with /Rotate applied, width x height pixels, origin top left)
// to the page's user space.
func pixelsToUser(r image.Rectangle, width, height int, crop [4]float64, rotate int) rect {
	cw, ch := crop[2]-crop[0], crop[3]-crop[1]
	dw, dh := cw, ch // the displayed page's size in points
	if rotate == 90 || rotate == 270 {
		dw, dh = ch, cw
	}
	m := pixelMatrix(crop, rotate, dw/float64(width), dh/float64(height))
	return boxOf(m, float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y))
}

// pixelMatrix maps the pixels of the rendered page (its CropBox with
// /Rotate applied, origin top left, sx by sy points a pixel) to the
// page's user space.
func pixelMatrix(crop [4]float64, rotate int, sx, sy float64) matrix {
	switch rotate {
	case 90:
		return matrix{0, sx, sy, 0, crop[0], crop[1]}
	case 180:
		return matrix{-sx, 0, 0, sy, crop[2], crop[1]}
	case 270:
		return matrix{0, -sx, -sy, 0, crop[2], crop[3]}
	}
	return matrix{sx, 0, 0, -sy, crop[0], crop[3]}
}

// render runs pdftoppm for one page and decodes its 8-bit gray PGM.
func render(ctx context.Context, file string, num int, dpi float64) (image.Image, error) {
	return renderArea(ctx, file, num, dpi, image.Rectangle{})
}

// renderArea renders the area of one page (in the pixels of the whole
// page rendered at dpi; empty for the whole page) and decodes its 8-bit
// gray PGM.
func renderArea(ctx context.Context, file string, num int, dpi float64, area image.Rectangle) (image.Image, error) {
	n := strconv.Itoa(num)
	args := []string{"-r", strconv.FormatFloat(dpi, 'f', 0, 64), "-f", n, "-l", n}
	if !area.Empty() {
		args = append(args, "-x", strconv.Itoa(area.Min.X), "-y", strconv.Itoa(area.Min.Y),
			"-W", strconv.Itoa(area.Dx()), "-H", strconv.Itoa(area.Dy()))
	}
	cmd := exec.CommandContext(ctx, pdftoppm, append(args, "-gray", "-cropbox", "--", file)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rendering for OCR: %v", err)
	}
	img, derr := readPGM(bufio.NewReaderSize(out, 1<<20))
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if derr != nil || werr != nil {
		msg := bytes.TrimSpace(stderr.Bytes())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return nil, fmt.Errorf("rendering for OCR failed: %v %v %s", derr, werr, msg)
	}
	return img, nil
}

// readPGM decodes a binary 8-bit PGM (P5), as pdftoppm -gray writes.
func readPGM(r *bufio.Reader) (*image.Gray, error) {
	var vals [3]int
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "P5" {
		return nil, errors.New("not a PGM image")
	}
	for i := range vals {
		// Skip white space and comments, then read a decimal number.
		c, err := r.ReadByte()
		for err == nil && (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '#') {
			if c == '#' {
				_, err = r.ReadString('\n')
			}
			if err == nil {
				c, err = r.ReadByte()
			}
		}
		for err == nil && c >= '0' && c <= '9' && vals[i] < 1<<24 {
			vals[i] = vals[i]*10 + int(c-'0')
			c, err = r.ReadByte()
		}
		if err != nil {
			return nil, fmt.Errorf("PGM header: %v", err)
		}
	}
	w, h, maxv := vals[0], vals[1], vals[2]
	if w <= 0 || h <= 0 || maxv != 255 || int64(w)*int64(h) > ocr.MaxPixels {
		return nil, fmt.Errorf("PGM of %dx%d, max %d: not an 8-bit page image", w, h, maxv)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, fmt.Errorf("PGM pixels: %v", err)
	}
	return img, nil
}
