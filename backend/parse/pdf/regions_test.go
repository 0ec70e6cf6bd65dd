package pdf

import (
	"math"
	"strings"
	"testing"

	"folio/backend/parse/ocr"
)

func TestImageRegions(t *testing.T) {
	letterCrop := [4]float64{0, 0, 612, 792}
	word := func(x0, y0, x1, y1 float64) wordBox { return wordBox{r: rect{x0, y0, x1, y1}} }
	var strips, many []rect
	for i := 0; i < 10; i++ {
		strips = append(strips, rect{100, 300 + 20*float64(i), 400, 320 + 20*float64(i)}) // touching strips
		many = append(many, rect{10 + 60*float64(i), 10, 60 + 60*float64(i), 200})        // apart, 50x190 each
	}
	for _, tt := range []struct {
		name   string
		images []rect
		words  []wordBox
		want   []rect
	}{
		{"a figure", []rect{{100, 300, 300, 450}}, nil, []rect{{100, 300, 300, 450}}},
		{"a figure beside text", []rect{{100, 300, 300, 450}}, []wordBox{word(310, 400, 350, 410), word(100, 460, 150, 470)}, []rect{{100, 300, 300, 450}}},
		{"a background under text", []rect{{0, 0, 612, 792}}, []wordBox{word(100, 400, 150, 410)}, nil},
		{"a searchable scan's invisible text", []rect{{100, 300, 300, 450}}, []wordBox{word(110, 440, 150, 448)}, nil},
		{"a word just touching the figure", []rect{{100, 300, 300, 450}}, []wordBox{word(280, 445, 340, 455)}, []rect{{100, 300, 300, 450}}},
		{"a thin rule", []rect{{72, 400, 540, 402}}, nil, nil},
		{"a long narrow bar", []rect{{72, 400, 540, 415}}, nil, nil},
		{"a small logo", []rect{{72, 700, 132, 760}}, nil, nil},
		{"a scan stored as strips", strips, nil, []rect{{100, 300, 400, 500}}},
		{"a figure off the page's edge", []rect{{-100, 600, 200, 900}}, nil, []rect{{0, 600, 200, 792}}},
		{"a figure outside the page", []rect{{700, 100, 900, 300}}, nil, nil},
		{"more figures than read", many, nil, many[:maxRegions]},
		{"overlapping images", []rect{{100, 100, 200, 200}, {150, 150, 300, 250}}, nil, []rect{{100, 100, 300, 250}}},
	} {
		got := imageRegions(append([]rect(nil), tt.images...), tt.words, letterCrop)
		if len(got) != len(tt.want) {
			t.Errorf("%s: regions %v, want %v", tt.name, got, tt.want)
			continue
		}
		for _, w := range tt.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%s: regions %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
}

func TestKeepRegion(t *testing.T) {
	w := func(text string, conf float64) ocr.Word { return ocr.Word{Text: text, Conf: conf} }
	for _, tt := range []struct {
		name  string
		words []ocr.Word
		want  bool
	}{
		{"nothing read", nil, false},
		{"a printed paragraph", []ocr.Word{w("Dynamic", 95), w("languages", 93), w("such", 96), w("as", 90), w("JavaScript", 91)}, true},
		{"a paragraph with one doubtful word", []ocr.Word{w("Dynamic", 95), w("languages", 93), w("sucb", 20), w("as", 90)}, true},
		{"two words", []ocr.Word{w("Figure", 95), w("3", 93)}, false},
		{"a photograph's speckles", []ocr.Word{w("|", 20), w("ee", 35), w("Sa", 41), w("—", 12), w("iil", 30)}, false},
		{"marks without letters", []ocr.Word{w("|", 96), w("—", 95), w("=", 92), w("...", 90)}, false},
		{"a noisy label", []ocr.Word{w("ACME", 70), w("Corp", 62), w("Ltd", 58), w("x", 40)}, false},
	} {
		if got := keepRegion(tt.words); got != tt.want {
			t.Errorf("%s: keepRegion = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPixelMatrixInverse: user space to the rendered page's pixels and
// back is the identity, for every /Rotate, and the page's top left corner
// as displayed is pixel (0, 0).
func TestPixelMatrixInverse(t *testing.T) {
	crop := [4]float64{10, 20, 110, 220}
	topLeft := map[int][2]float64{0: {10, 220}, 90: {10, 20}, 180: {110, 20}, 270: {110, 220}}
	for _, rot := range []int{0, 90, 180, 270} {
		m := pixelMatrix(crop, rot, 72.0/300, 72.0/300)
		inv, ok := m.invert()
		if !ok {
			t.Fatalf("rotate %d: no inverse", rot)
		}
		for _, p := range [][2]float64{{10, 20}, {55.5, 100}, {110, 220}} {
			px, py := inv.apply(p[0], p[1])
			x, y := m.apply(px, py)
			if math.Abs(x-p[0]) > 1e-9 || math.Abs(y-p[1]) > 1e-9 {
				t.Errorf("rotate %d: %v -> (%v, %v) -> (%v, %v)", rot, p, px, py, x, y)
			}
		}
		tl := topLeft[rot]
		if px, py := inv.apply(tl[0], tl[1]); math.Abs(px) > 1e-9 || math.Abs(py) > 1e-9 {
			t.Errorf("rotate %d: the displayed top left %v is pixel (%v, %v)", rot, tl, px, py)
		}
	}
	if _, ok := (matrix{1, 2, 2, 4, 0, 0}).invert(); ok {
		t.Error("a singular matrix was inverted")
	}
}

func TestCarryBreaks(t *testing.T) {
	all := []ocr.Word{
		{Text: "a", NewLine: true, NewPara: true, NewBlock: true},
		{Text: "noise"},
		{Text: "b"},
		{Text: "junk", NewLine: true, NewPara: true},
		{Text: "c"},
	}
	got := carryBreaks(all, []int{0, 2, 4})
	text, _ := ocr.Page{Words: got}.Layout()
	if text != "a b\n\nc" {
		t.Errorf("text %q, want %q", text, "a b\n\nc")
	}
}

// TestInsertRegions: the words read in a picture go where the picture
// stands in reading order, as a paragraph; the text layer's words keep
// their text and boxes, and every box still covers its word.
func TestInsertRegions(t *testing.T) {
	crop := [4]float64{0, 0, 612, 792}
	// Three lines, top to bottom; a picture between the second and third.
	lines := []struct {
		text string
		y    float64
	}{{"Title", 740}, {"above the figure", 700}, {"below the figure", 400}}
	var b strings.Builder
	var boxes []wordBox
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n")
		}
		x := 72.0
		for j, w := range strings.Fields(l.text) {
			if j > 0 {
				b.WriteString(" ")
			}
			boxes = append(boxes, wordBox{start: b.Len(), end: b.Len() + len(w), r: rect{x, l.y, x + 30, l.y + 10}})
			b.WriteString(w)
			x += 40
		}
	}
	text := b.String()
	fig := regionWords{r: rect{72, 450, 400, 680}, text: "scanned words", boxes: []wordBox{{0, 7, rect{80, 600, 140, 610}}, {8, 13, rect{150, 600, 200, 610}}}}
	for _, tt := range []struct {
		name   string
		rotate int
		regs   []regionWords
		want   string
	}{
		{"between lines", 0, []regionWords{fig}, "Title\nabove the figure\n\nscanned words\n\nbelow the figure"},
		{"below all text", 0, []regionWords{{r: rect{72, 50, 400, 300}, text: "footer scan", boxes: []wordBox{{0, 6, rect{80, 100, 140, 110}}, {7, 11, rect{150, 100, 200, 110}}}}}, "Title\nabove the figure\nbelow the figure\n\nfooter scan"},
		{"above all text", 0, []regionWords{{r: rect{72, 755, 400, 790}, text: "header scan", boxes: []wordBox{{0, 6, rect{80, 760, 140, 770}}, {7, 11, rect{150, 760, 200, 770}}}}}, "header scan\n\nTitle\nabove the figure\nbelow the figure"},
		{"two figures side by side", 0, []regionWords{fig, {r: rect{420, 450, 560, 680}, text: "right figure", boxes: []wordBox{{0, 5, rect{430, 600, 480, 610}}, {6, 12, rect{490, 600, 550, 610}}}}},
			"Title\nabove the figure\n\nscanned words\n\nright figure\n\nbelow the figure"},
		// Turned a half turn, the page reads from the bottom of user space.
		{"a page turned upside down", 180, []regionWords{fig}, "scanned words\n\nTitle\nabove the figure\nbelow the figure"},
	} {
		bx := append([]wordBox(nil), boxes...)
		got, gotBoxes, _ := insertRegions(text, bx, nil, tt.regs, crop, tt.rotate)
		if got != tt.want {
			t.Errorf("%s: text %q, want %q", tt.name, got, tt.want)
			continue
		}
		n := len(boxes)
		for _, r := range tt.regs {
			n += len(r.boxes)
		}
		if len(gotBoxes) != n {
			t.Errorf("%s: %d boxes", tt.name, len(gotBoxes))
		}
		for i, bb := range gotBoxes {
			if i > 0 && bb.start < gotBoxes[i-1].start {
				t.Errorf("%s: boxes out of order at %d", tt.name, i)
			}
			w := got[bb.start:bb.end]
			if strings.ContainsAny(w, " \n") || w == "" {
				t.Errorf("%s: box %d covers %q", tt.name, i, w)
			}
		}
		for _, ob := range boxes {
			w := text[ob.start:ob.end]
			found := false
			for _, bb := range gotBoxes {
				found = found || (bb.r == ob.r && got[bb.start:bb.end] == w)
			}
			if !found {
				t.Errorf("%s: the text layer's %q at %v was lost", tt.name, w, ob.r)
			}
		}
	}
}
