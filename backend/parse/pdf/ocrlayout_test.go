package pdf

import (
	"image"
	"strings"
	"testing"

	"folio/backend/parse/ocr"
)

// ocrLine makes the words of one text line as Tesseract gives them: each
// word's box from its baseline (y = y0 + slope*x, image pixels, y down)
// 8 pixels up and 2 down, 10-point lines, words 6 pixels apart, or 300
// (15 em at half a point a pixel) where "|" stands between them.
func ocrLine(y0, slope float64, words ...string) []ocr.Word {
	var out []ocr.Word
	x := 50
	for _, w := range words {
		if w == "|" {
			x += 294
			continue
		}
		i := len(out)
		x1 := x + 20*len([]rune(w))
		at := func(x int) int { return int(y0 + slope*float64(x) + 0.5) }
		out = append(out, ocr.Word{Text: w, Conf: 90, NewLine: i == 0, LineSize: 10,
			Box:      image.Rect(x, min(at(x), at(x1))-8, x1, max(at(x), at(x1))+2),
			Baseline: [2]image.Point{{x, at(x)}, {x1, at(x1)}}})
		x = x1 + 6
	}
	return out
}

// shift moves words right by dx pixels.
func shift(ws []ocr.Word, dx int) []ocr.Word {
	for i := range ws {
		ws[i].Box = ws[i].Box.Add(image.Pt(dx, 0))
		ws[i].Baseline[0].X += dx
		ws[i].Baseline[1].X += dx
	}
	return ws
}

func TestOCRLayout(t *testing.T) {
	page := func(lines ...[]ocr.Word) ocr.Page {
		var p ocr.Page
		for _, l := range lines {
			p.Words = append(p.Words, l...)
		}
		p.Width, p.Height = 1000, 1000
		return p
	}
	// Two columns of three lines, 15 pixels apart, which Tesseract gave
	// row by row across the columns: read left column first, as a text
	// layer would be.
	twoCols := page(
		ocrLine(100, 0, "left", "one", "a"), shift(ocrLine(100, 0, "right", "one", "a"), 500),
		ocrLine(115, 0, "left", "two", "b"), shift(ocrLine(115, 0, "right", "two", "b"), 500),
		ocrLine(130, 0, "left", "three", "c"), shift(ocrLine(130, 0, "right", "three", "c"), 500))
	// Two lines skewed by a slope of 0.03 (1.7°), each split by a wide
	// gap into two short segments (no columns): the right one's baseline
	// is 11.6 pixels (0.58 em) below the left one's, more than the 0.4 em
	// within which segments share a line, yet each is one line once the
	// page is levelled.
	skewed := page(ocrLine(100, 0.03, "ab", "cd", "|", "ef", "gh"), ocrLine(120, 0.03, "ij", "kl", "|", "mn", "op"))
	// Without baselines or line sizes the boxes' bottoms and heights stand
	// in; ligatures are spelled out.
	bare := page(ocrLine(100, 0, "ﬁrst", "line"), ocrLine(130, 0, "second", "line"))
	for i := range bare.Words {
		bare.Words[i].Baseline, bare.Words[i].LineSize = [2]image.Point{}, 0
	}
	// A listing, code with a comment at a tab stop on each line (one
	// Tesseract line each), whose third line's code runs into its comment:
	// the code lines are 238 pixels (11.9 em) long, the comments start 162
	// pixels (8.1 em) after them, so the first two rows alone read as two
	// columns; the third line crosses that gap on the next row, 5 pixels
	// (0.25 em) below, so the listing is read row by row, each code line
	// with its comment, as is the row after it.
	code := func(y float64, comment ...string) []ocr.Word {
		c := shift(ocrLine(y, 0, comment...), 400)
		c[0].NewLine = false
		return append(ocrLine(y, 0, "v1", ":=", "ld", "state"), c...)
	}
	listing := page(code(100, "//", "load", "k"), code(115, "//", "store", "k"),
		ocrLine(130, 0, "v6", ":=", "call(v0,", "v2,", "false)", "//", "call", "set"),
		code(145, "//", "test", "it"))
	// Two columns and, a blank line below them (20 pixels, 1 em), a line
	// across both: still read column by column, then the line.
	colsThenLine := page(twoCols.Words, ocrLine(160, 0, "below", "the", "two", "columns", "a", "line", "across", "the", "page"))
	crop := [4]float64{0, 0, 500, 500} // half a point a pixel
	for _, tt := range []struct {
		name   string
		pg     ocr.Page
		rotate int
		want   string
	}{
		{"two columns", twoCols, 0, "left one a\nleft two b\nleft three c\nright one a\nright two b\nright three c"},
		{"two columns, page turned 90°", twoCols, 90, "left one a\nleft two b\nleft three c\nright one a\nright two b\nright three c"},
		{"listing with trailing comments", listing, 0, "v1 := ld state // load k\nv1 := ld state // store k\nv6 := call(v0, v2, false) // call set\nv1 := ld state // test it"},
		{"two columns, then a line across", colsThenLine, 0, "left one a\nleft two b\nleft three c\nright one a\nright two b\nright three c\nbelow the two columns a line across the page"},
		{"skewed", skewed, 0, "ab cd ef gh\nij kl mn op"},
		{"no baselines", bare, 0, "first line\nsecond line"},
		{"no words", ocr.Page{Width: 10, Height: 10}, 0, ""},
	} {
		text, boxes := ocrLayout(tt.pg, crop, tt.rotate)
		if text != tt.want {
			t.Errorf("%s: text %q, want %q", tt.name, text, tt.want)
			continue
		}
		if len(boxes) != len(strings.Fields(text)) {
			t.Errorf("%s: %d boxes for %d words", tt.name, len(boxes), len(strings.Fields(text)))
			continue
		}
		// Each word's box is its pixel box in user space.
		for _, b := range boxes {
			w := text[b.start:b.end]
			found := false
			for _, ow := range tt.pg.Words {
				if ligatures.Replace(ow.Text) == w && pixelsToUser(ow.Box, tt.pg.Width, tt.pg.Height, crop, tt.rotate) == b.r {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: word %q has box %+v, not one of its OCR boxes", tt.name, w, b.r)
			}
		}
	}
	if s := ocrSkew(skewed.Words); s < 0.028 || s > 0.032 {
		t.Errorf("ocrSkew = %v, want 0.03", s)
	}
	if s := ocrSkew(twoCols.Words); s != 0 {
		t.Errorf("ocrSkew of level lines = %v", s)
	}
}
