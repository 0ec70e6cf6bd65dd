package pdf

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"math"
	"sort"
	"strings"
	"unicode"

	"folio/backend/core"
	"folio/backend/parse/ocr"
)

// OCR of the pictures on a page that has a text layer.
//
// A page with a text layer can also hold a scanned figure, a photographed
// form or a pasted screenshot whose words are pixels. The page keeps its
// text layer; OCR reads only the image regions that could hold words and
// hold no text-layer words (imageRegions), each rendered on its own by
// pdftoppm at the page's OCR resolution (-x -y -W -H, in the pixels of the
// whole page rendered with its CropBox and /Rotate, so pixelMatrix maps
// both ways). A region's words are kept only when they look like text
// (keepRegion: enough words, a good mean confidence), so a photograph adds
// nothing; words whose boxes overlap the text layer's are dropped. The
// kept words go into the page's text where the picture stands in reading
// order (insertRegion), with their boxes in user space, and the page is
// marked core.PageOCR with the number of regions read.
//
// The page's OCR budget (Config.OCRPageTimeout) covers all its regions.

// Thresholds of the image regions read by OCR, in points (1/72 inch).
const (
	// minRegionArea is the smallest region read: one square inch holds a
	// few words of print.
	minRegionArea = 72 * 72
	// minRegionSide is its shortest side: thinner images are rules,
	// borders and bars.
	minRegionSide = 18
	// regionJoin is the widest gap between images read as one picture
	// (a scan stored as strips or tiles).
	regionJoin = 1.0
	// maxRegions is the most regions read on a page, largest first.
	maxRegions = 8
	// regionBorder is the white margin, in pixels, put around a rendered
	// region: Tesseract finds words touching the image's edge poorly.
	regionBorder = 16
	// minRegionWords and minRegionConf decide whether a region's words are
	// text (keepRegion); minWordConf drops single words below it.
	minRegionWords = 3
	minRegionConf  = 65
	minWordConf    = 30
)

// imageRegions returns the regions of a page worth reading by OCR: the
// images drawn on it (user space), clipped to its crop box, those that
// touch joined into one, at least minRegionArea large with no side under
// minRegionSide, and holding the centre of none of the text layer's
// words; the maxRegions largest, from the top of the user space down.
func imageRegions(images []rect, words []wordBox, crop [4]float64) []rect {
	var rs []rect
	for _, r := range images {
		r = rect{max(r.x0, crop[0]), max(r.y0, crop[1]), min(r.x1, crop[2]), min(r.y1, crop[3])}
		if r.x1 > r.x0 && r.y1 > r.y0 {
			rs = append(rs, r)
		}
	}
	rs = joinRects(rs, regionJoin)
	out := rs[:0]
	for _, r := range rs {
		w, h := r.x1-r.x0, r.y1-r.y0
		if w*h < minRegionArea || min(w, h) < minRegionSide || holdsWord(r, words) {
			continue
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return area(out[i]) > area(out[j]) })
	if len(out) > maxRegions {
		out = out[:maxRegions]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].y1 > out[j].y1 })
	return out
}

func area(r rect) float64 { return (r.x1 - r.x0) * (r.y1 - r.y0) }

// joinRects replaces rectangles that overlap or lie within gap of each
// other by their union, until none do.
func joinRects(rs []rect, gap float64) []rect {
	near := func(a, b rect) bool {
		return a.x0 <= b.x1+gap && b.x0 <= a.x1+gap && a.y0 <= b.y1+gap && b.y0 <= a.y1+gap
	}
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(rs); i++ {
			for j := i + 1; j < len(rs); j++ {
				if near(rs[i], rs[j]) {
					rs[i] = union(rs[i], rs[j])
					rs[j] = rs[len(rs)-1]
					rs = rs[:len(rs)-1]
					j = i // rs[i] grew: compare it with all again
					changed = true
				}
			}
		}
	}
	return rs
}

// holdsWord reports whether the centre of any word lies in r.
func holdsWord(r rect, words []wordBox) bool {
	for _, w := range words {
		cx, cy := (w.r.x0+w.r.x1)/2, (w.r.y0+w.r.y1)/2
		if cx >= r.x0 && cx <= r.x1 && cy >= r.y0 && cy <= r.y1 {
			return true
		}
	}
	return false
}

// keepRegion decides whether the words OCR read in a picture are text: at
// least minRegionWords words holding a letter or digit, and a mean
// confidence of minRegionConf or more over all its words. A photograph or
// a drawing gives a few short "words" of low confidence.
func keepRegion(words []ocr.Word) bool {
	n, sum := 0, 0.0
	for _, w := range words {
		sum += w.Conf
		if strings.IndexFunc(w.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n >= minRegionWords && sum/float64(len(words)) >= minRegionConf
}

// invert returns the inverse of m, false when it has none.
func (m matrix) invert() (matrix, bool) {
	det := m[0]*m[3] - m[1]*m[2]
	if math.Abs(det) < 1e-12 {
		return matrix{}, false
	}
	a, b, c, d := m[3]/det, -m[1]/det, -m[2]/det, m[0]/det
	return matrix{a, b, c, d, -(m[4]*a + m[5]*c), -(m[4]*b + m[5]*d)}, true
}

// regionText is what OCR read in the image regions of one page.
type regionText struct {
	regions []regionWords
	info    core.PageOCR
}

// regionWords are the words kept in one region: text and boxes relative
// to the text.
type regionWords struct {
	r     rect
	text  string
	boxes []wordBox
}

// ocrRegions renders each region of page num at the OCR resolution and
// reads it, keeping the regions keepRegion accepts and, in them, the words
// with a confidence of minWordConf or more that overlap none of the text
// layer's words. All regions share the page's OCR budget. Problems are
// returned as warnings; the error is only the context's.
func (p *Parser) ocrRegions(parent context.Context, file string, num int, pi pageInfo, regions []rect, layer []wordBox) (regionText, []string, error) {
	ctx, cancel := context.WithTimeout(parent, p.cfg.OCRPageTimeout)
	defer cancel()
	var out regionText
	var warns []string
	var confSum float64
	var confN int
	for i, r := range regions {
		dpi := float64(p.cfg.OCRDPI)
		if px := area(r) * (dpi / 72) * (dpi / 72); px > maxOCRPixels {
			dpi *= math.Sqrt(maxOCRPixels / px)
		}
		dpi = max(math.Floor(dpi), 36)
		toUser := pixelMatrix(pi.crop, pi.rotate, 72/dpi, 72/dpi)
		toPx, ok := toUser.invert()
		if !ok {
			break
		}
		b := boxOf(toPx, r.x0, r.y0, r.x1, r.y1)
		box := image.Rect(int(math.Floor(b.x0)), int(math.Floor(b.y0)), int(math.Ceil(b.x1)), int(math.Ceil(b.y1)))
		box = box.Intersect(image.Rect(0, 0, math.MaxInt32, math.MaxInt32))
		if box.Dx() < 8 || box.Dy() < 8 {
			continue
		}
		img, err := renderArea(ctx, file, num, dpi, box)
		if err == nil {
			var pg ocr.Page
			pg, err = ocr.Recognize(ctx, withBorder(img, regionBorder), ocr.Options{Languages: p.cfg.OCRLanguages, DPI: int(dpi), Cache: p.cfg.OCRCache})
			if err == nil && keepRegion(pg.Words) {
				off := box.Min.Sub(image.Pt(regionBorder, regionBorder))
				rw := regionWords{r: r}
				var keep []int
				var boxes []rect
				for j, w := range pg.Words {
					px := w.Box.Add(off)
					u := boxOf(toUser, float64(px.Min.X), float64(px.Min.Y), float64(px.Max.X), float64(px.Max.Y))
					if w.Conf < minWordConf || overlapsWord(u, layer) {
						continue
					}
					keep = append(keep, j)
					boxes = append(boxes, u)
				}
				kept := carryBreaks(pg.Words, keep)
				if len(kept) > 0 {
					text, spans := ocr.Page{Words: kept}.Layout()
					rw.text = text
					for _, s := range spans {
						rw.boxes = append(rw.boxes, wordBox{start: s.Start, end: s.End, r: boxes[s.Word]})
						confSum += kept[s.Word].Conf
						confN++
					}
					out.regions = append(out.regions, rw)
					out.info.Languages = pg.Languages
				}
			}
		}
		if err := parent.Err(); err != nil {
			return regionText{}, nil, err
		}
		if ctx.Err() != nil {
			warns = append(warns, fmt.Sprintf("OCR of its images abandoned after %v (%d of %d read)", p.cfg.OCRPageTimeout, i, len(regions)))
			break
		}
		if err != nil {
			warns = append(warns, fmt.Sprintf("OCR of an image failed: %v", err))
			break // the next region would fail the same way
		}
	}
	out.info.Regions = len(out.regions)
	if confN > 0 {
		out.info.Confidence = math.Round(confSum/float64(confN)*10) / 10
	}
	return out, warns, nil
}

// withBorder returns img with a white margin of n pixels on every side.
func withBorder(img image.Image, n int) image.Image {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()+2*n, b.Dy()+2*n))
	for i := range out.Pix {
		out.Pix[i] = 0xff
	}
	draw.Draw(out, image.Rect(n, n, n+b.Dx(), n+b.Dy()), img, b.Min, draw.Src)
	return out
}

// overlapsWord reports whether r overlaps any of words by more than a
// tenth of r's area.
func overlapsWord(r rect, words []wordBox) bool {
	a := area(r)
	for _, w := range words {
		ix := min(r.x1, w.r.x1) - max(r.x0, w.r.x0)
		iy := min(r.y1, w.r.y1) - max(r.y0, w.r.y0)
		if ix > 0 && iy > 0 && ix*iy > a/10 {
			return true
		}
	}
	return false
}

// carryBreaks returns the words of all at the indexes keep (ascending),
// with the line, paragraph and block breaks of the words left out moved
// onto the next word kept, so Layout still breaks lines where OCR did.
func carryBreaks(all []ocr.Word, keep []int) []ocr.Word {
	out := make([]ocr.Word, 0, len(keep))
	var line, para, block bool
	k := 0
	for i, w := range all {
		line, para, block = line || w.NewLine, para || w.NewPara, block || w.NewBlock
		if k < len(keep) && keep[k] == i {
			w.NewLine, w.NewPara, w.NewBlock = line, para, block
			out = append(out, w)
			line, para, block = false, false, false
			k++
		}
	}
	return out
}

// insertRegions puts the words read in image regions into a page's text
// (text, its word boxes and table cell spans, all in byte offsets of
// text), each region as a paragraph of its own where the picture stands in
// reading order among the text layer's words (regionOffset), and returns
// the new text, boxes and spans. The text layer's words keep their text
// and rectangles; boxes come back sorted by offset; regions at the same
// place keep their order.
func insertRegions(text string, boxes []wordBox, spans []cellSpan, regions []regionWords, crop [4]float64, rotate int) (string, []wordBox, []cellSpan) {
	toDisplay, ok := pixelMatrix(crop, rotate, 1, 1).invert()
	if !ok {
		toDisplay = identity
	}
	at := make([]int, len(regions))
	order := make([]int, len(regions))
	for i, rw := range regions {
		at[i], order[i] = regionOffset(text, boxes, spans, rw.r, toDisplay), i
	}
	sort.SliceStable(order, func(a, b int) bool { return at[order[a]] < at[order[b]] })
	// From the last place to the first, so the places found stay valid.
	for k := len(order) - 1; k >= 0; k-- {
		rw, at := regions[order[k]], at[order[k]]
		before, after := "", "\n\n"
		switch {
		case text == "":
			after = ""
		case at == len(text):
			before, after = "\n\n", ""
		case at == 0 || strings.HasSuffix(text[:at], "\n\n"):
		case text[at-1] == '\n':
			before = "\n"
		}
		if after != "" && strings.HasPrefix(text[at:], "\n") {
			after = "\n" // a region placed here already began with a break
		}
		add := before + rw.text + after
		shift := len(add)
		for i := range boxes {
			if boxes[i].start >= at {
				boxes[i].start += shift
				boxes[i].end += shift
			}
		}
		for i := range spans {
			if spans[i].start >= at {
				spans[i].start += shift
				spans[i].end += shift
			}
		}
		base := at + len(before)
		for _, b := range rw.boxes {
			boxes = append(boxes, wordBox{start: base + b.start, end: base + b.end, r: b.r})
		}
		text = text[:at] + add + text[at:]
	}
	sort.SliceStable(boxes, func(i, j int) bool { return boxes[i].start < boxes[j].start })
	return text, boxes, spans
}

// regionOffset returns where in text a picture at r (user space) is read:
// at the start of the line of the first word, in reading order, that
// begins at or below the picture's top on the displayed page and beside
// it (overlapping its width); failing that, the first word that begins at
// or below its top; failing that, the end of the text. The offset never
// falls inside a table cell's span.
func regionOffset(text string, boxes []wordBox, spans []cellSpan, r rect, toDisplay matrix) int {
	d := boxOf(toDisplay, r.x0, r.y0, r.x1, r.y1)
	at, below := -1, -1
	for _, b := range boxes {
		w := boxOf(toDisplay, b.r.x0, b.r.y0, b.r.x1, b.r.y1)
		if w.y0 < d.y0 {
			continue
		}
		if below < 0 {
			below = b.start
		}
		if w.x0 < d.x1 && w.x1 > d.x0 {
			at = b.start
			break
		}
	}
	if at < 0 {
		at = below
	}
	if at < 0 {
		return len(text)
	}
	for moved := true; moved; {
		moved = false
		at = strings.LastIndexByte(text[:at], '\n') + 1
		for _, s := range spans {
			if s.start < at && at < s.end {
				at, moved = s.start, true
			}
		}
	}
	return at
}
