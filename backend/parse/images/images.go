// Package images reads image files (PNG, JPEG, TIFF with all its pages,
// GIF, WebP) through OCR (package ocr): a scan, a photographed page or a
// screenshot becomes a Document whose every word has a core.Box, as a PDF's
// words do.
//
// Coordinates: an image is laid out as a page one point a pixel, its
// user space with the origin at the bottom left (as a PDF page's): page i's
// Box is {0, 0, width, height} and a word's rectangle is its pixel box
// flipped upright. Each page is marked as read by OCR, with Tesseract's
// mean word confidence (core.PageSpan.OCR).
//
// Each page is read within Config.PageTimeout; a page over it is dropped
// with a warning. A file whose pages hold no words fails with core.ErrEmpty,
// one that cannot be decoded with core.ErrCorrupt, naming the file.
package images

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/ocr"
)

// Defaults used for zero Config fields.
const (
	DefaultMaxBytes    = 256 << 20
	DefaultPageTimeout = 60 * time.Second
	// DefaultMaxPages bounds the pages read from one multi-page TIFF.
	DefaultMaxPages = 500
)

// Extensions are the file extensions this parser handles.
var Extensions = []string{".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".webp"}

// PageSeparator joins the text of consecutive pages (as in PDFs).
const PageSeparator = "\n\n"

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	MaxBytes    int64
	PageTimeout time.Duration
	MaxPages    int
	// OCR holds the languages to read; zero means ocr's defaults.
	OCR ocr.Options
	// Progress, when set, is called before each page is read (1-based).
	Progress func(page, pages int)
}

// Parser reads image files. It is safe for concurrent use.
type Parser struct{ cfg Config }

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.PageTimeout <= 0 {
		cfg.PageTimeout = DefaultPageTimeout
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	return &Parser{cfg: cfg}
}

// Parse reads the words of every page of the image at path.
func (p *Parser) Parse(ctx context.Context, path string) (core.Document, error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	f, err := parse.OpenFile(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if fi.Size() > p.cfg.MaxBytes {
		return core.Document{}, fmt.Errorf("parse %s: %w (%d bytes, limit %d)", path, core.ErrTooLarge, fi.Size(), p.cfg.MaxBytes)
	}
	if !ocr.Available() {
		return core.Document{}, fmt.Errorf("parse %s: %w: an image, and %v (needs OCR)", path, core.ErrEmpty, ocr.ErrNotAvailable)
	}
	pages, format, err := decode(f, fi.Size(), p.cfg.MaxPages)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w: %v", path, core.ErrCorrupt, err)
	}
	opt := p.cfg.OCR
	if opt.DPI <= 0 {
		// The resolution the file states, which tells Tesseract how large
		// its text is; without one, ocr's default.
		opt.DPI = fileDPI(f)
	}
	doc := core.Document{Path: path, Format: format}
	var b strings.Builder
	withText := 0
	for i, img := range pages.images {
		num := i + 1
		if p.cfg.Progress != nil {
			p.cfg.Progress(num, len(pages.images))
		}
		var pg ocr.Page
		var err error
		if i < len(pages.errs) && pages.errs[i] != nil {
			err = fmt.Errorf("cannot be decoded: %v", pages.errs[i])
		} else {
			pctx, cancel := context.WithTimeout(ctx, p.cfg.PageTimeout)
			pg, err = ocr.Recognize(pctx, img, opt)
			cancel()
		}
		if ctx.Err() != nil {
			return core.Document{}, fmt.Errorf("parse %s: page %d: %w", path, num, ctx.Err())
		}
		if i > 0 {
			b.WriteString(PageSeparator)
		}
		start := b.Len()
		bounds := img.Bounds()
		box := core.Rect{X1: float64(bounds.Dx()), Y1: float64(bounds.Dy())}
		span := core.PageSpan{Page: num, Start: start, Box: &box}
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: OCR abandoned after %v", num, p.cfg.PageTimeout))
		case err != nil:
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %v", num, err))
		default:
			text, spans := pg.Layout()
			b.WriteString(text)
			span.OCR = &core.PageOCR{Confidence: round1(pg.Conf), Languages: pg.Languages}
			for _, s := range spans {
				doc.Boxes = append(doc.Boxes, core.Box{Start: start + s.Start, End: start + s.End, Page: num,
					Rect: UserRect(pg.Words[s.Word].Box, bounds.Dy(), 1)})
			}
			if text == "" {
				doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: OCR found no words", num))
			} else {
				withText++
			}
		}
		span.End = b.Len()
		doc.Pages = append(doc.Pages, span)
	}
	if pages.more {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("pages after %d: not read (limit %d)", len(pages.images), p.cfg.MaxPages))
	}
	if withText == 0 {
		why := "OCR found no words"
		if len(doc.Warnings) > 0 {
			why = doc.Warnings[0]
		}
		return core.Document{}, fmt.Errorf("parse %s: %w: an image without text (%s)", path, core.ErrEmpty, why)
	}
	doc.Text = b.String()
	return doc, nil
}

// UserRect maps a pixel rectangle (origin top left) of an image height
// pixels tall to user space (origin bottom left), scale points a pixel.
func UserRect(r image.Rectangle, height int, scale float64) core.Rect {
	return core.Rect{X0: float64(r.Min.X) * scale, Y0: float64(height-r.Max.Y) * scale,
		X1: float64(r.Max.X) * scale, Y1: float64(height-r.Min.Y) * scale}
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// decoded is a file's pages; more is set when pages were left out.
type decoded struct {
	images []image.Image
	errs   []error // per page: why it could not be decoded, or nil
	more   bool
}

// maxPixels bounds one page's pixels before it is decoded.
const maxPixels = ocr.MaxPixels

// decode reads every page of the image in f: each IFD of a TIFF, the first
// frame of a GIF, the one image of the others. format names what it is
// ("png", "jpeg", "tiff", "gif", "webp").
func decode(f *os.File, size int64, maxPages int) (decoded, string, error) {
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	format := sniff(head)
	if format == "" {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(f.Name())), ".")
		return decoded{}, "", fmt.Errorf("not a PNG, JPEG, TIFF, GIF or WebP image (the content does not match .%s)", ext)
	}
	if format == "tiff" {
		return decodeTIFF(f, size, maxPages)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return decoded{}, format, err
	}
	var cfg image.Config
	var err error
	r := bufio.NewReader(f)
	switch format {
	case "png":
		cfg, err = png.DecodeConfig(r)
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(r)
	case "gif":
		cfg, err = gif.DecodeConfig(r)
	case "webp":
		cfg, err = webp.DecodeConfig(r)
	}
	if err != nil {
		return decoded{}, format, err
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return decoded{}, format, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return decoded{}, format, err
	}
	r = bufio.NewReader(f)
	var img image.Image
	switch format {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "gif":
		img, err = gif.Decode(r)
	case "webp":
		img, err = webp.Decode(r)
	}
	if err != nil {
		return decoded{}, format, err
	}
	return decoded{images: []image.Image{img}}, format, nil
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("empty image (%dx%d)", w, h)
	}
	if int64(w)*int64(h) > maxPixels {
		return fmt.Errorf("image of %dx%d pixels is larger than the %d-pixel limit", w, h, maxPixels)
	}
	return nil
}

// sniff names the image format head starts with, or "".
func sniff(head []byte) string {
	s := string(head)
	switch {
	case strings.HasPrefix(s, "\x89PNG\r\n\x1a\n"):
		return "png"
	case strings.HasPrefix(s, "\xff\xd8\xff"):
		return "jpeg"
	case strings.HasPrefix(s, "II*\x00"), strings.HasPrefix(s, "MM\x00*"):
		return "tiff"
	case strings.HasPrefix(s, "GIF87a"), strings.HasPrefix(s, "GIF89a"):
		return "gif"
	case len(s) >= 12 && s[:4] == "RIFF" && s[8:12] == "WEBP":
		return "webp"
	}
	return ""
}

// decodeTIFF decodes each page (IFD) of a TIFF. golang.org/x/image/tiff
// reads only the first IFD, so each page is decoded from a view of the
// file whose header points at that page's IFD instead.
func decodeTIFF(f *os.File, size int64, maxPages int) (decoded, string, error) {
	offs, more, err := tiffIFDs(f, size, maxPages)
	if err != nil {
		return decoded{}, "tiff", err
	}
	var out decoded
	out.more = more
	var firstErr error
	for _, off := range offs {
		v := &headerView{r: f, off: off, order: tiffOrder(f)}
		cfg, err := tiff.DecodeConfig(io.NewSectionReader(v, 0, size))
		if err == nil {
			err = checkSize(cfg.Width, cfg.Height)
		}
		var img image.Image
		if err == nil {
			img, err = tiff.Decode(io.NewSectionReader(v, 0, size))
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			// A page that cannot be decoded stays a page, empty, so the
			// page numbers of the others hold.
			img = image.NewGray(image.Rect(0, 0, 1, 1))
		}
		out.images = append(out.images, img)
		out.errs = append(out.errs, err)
	}
	if firstErr != nil && len(offs) == 1 {
		return decoded{}, "tiff", firstErr
	}
	return out, "tiff", nil
}

// tiffOrder returns the TIFF's byte order.
func tiffOrder(r io.ReaderAt) binary.ByteOrder {
	b := make([]byte, 2)
	r.ReadAt(b, 0)
	if string(b) == "MM" {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// tiffIFDs follows the chain of IFD offsets, at most max of them; a loop
// or an offset outside the file ends the chain.
func tiffIFDs(r io.ReaderAt, size int64, max int) (offs []uint32, more bool, err error) {
	order := tiffOrder(r)
	b := make([]byte, 4)
	if _, err := r.ReadAt(b, 4); err != nil {
		return nil, false, fmt.Errorf("TIFF header: %v", err)
	}
	off := order.Uint32(b)
	seen := map[uint32]bool{}
	for off != 0 && int64(off)+2 <= size && !seen[off] {
		if len(offs) == max {
			return offs, true, nil
		}
		seen[off] = true
		offs = append(offs, off)
		c := make([]byte, 2)
		if _, err := r.ReadAt(c, int64(off)); err != nil {
			break
		}
		next := int64(off) + 2 + 12*int64(order.Uint16(c))
		if _, err := r.ReadAt(b, next); err != nil {
			break
		}
		off = order.Uint32(b)
	}
	if len(offs) == 0 {
		return nil, false, errors.New("TIFF without pages")
	}
	return offs, false, nil
}

// headerView is a TIFF file whose first-IFD offset (bytes 4 to 8) reads as
// off.
type headerView struct {
	r     io.ReaderAt
	off   uint32
	order binary.ByteOrder
}

func (v *headerView) ReadAt(p []byte, at int64) (int, error) {
	n, err := v.r.ReadAt(p, at)
	var hdr [4]byte
	v.order.PutUint32(hdr[:], v.off)
	for i := 0; i < n; i++ {
		if pos := at + int64(i); pos >= 4 && pos < 8 {
			p[i] = hdr[pos-4]
		}
	}
	return n, err
}

// fileDPI returns the resolution a PNG (pHYs) or JPEG (JFIF) states, or 0
// when it states none, or one outside 70 to 1200 dpi (such as a JPEG's
// bare 1:1 aspect ratio), which the tesseract command would not believe
// either.
func fileDPI(f *os.File) int {
	head := make([]byte, 64<<10)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	dpi := 0.0
	switch sniff(head) {
	case "png":
		// Chunks after the 8-byte signature: length, type, data, CRC.
		for i := 8; i+12 <= len(head); {
			l := int(binary.BigEndian.Uint32(head[i:]))
			typ := string(head[i+4 : i+8])
			if typ == "pHYs" && l == 9 && i+8+9 <= len(head) {
				if head[i+8+8] == 1 { // unit: the metre
					dpi = float64(binary.BigEndian.Uint32(head[i+8:])) * 0.0254
				}
				break
			}
			if typ == "IDAT" || l < 0 || l > len(head) {
				break
			}
			i += 12 + l
		}
	case "jpeg":
		// APP0 JFIF right after SOI: units, X density.
		if len(head) >= 18 && head[2] == 0xFF && head[3] == 0xE0 && string(head[6:11]) == "JFIF\x00" {
			x := float64(binary.BigEndian.Uint16(head[14:]))
			switch head[13] {
			case 1:
				dpi = x
			case 2:
				dpi = x * 2.54
			}
		}
	}
	if dpi < 70 || dpi > 1200 {
		return 0
	}
	return int(dpi + 0.5)
}
