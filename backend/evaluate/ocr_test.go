package evaluate

import (
	"image"
	"image/color"
	"math"
	"reflect"
	"testing"
)

func TestEditDistanceAndNorm(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"kitten", "sitting", 3}, {"", "abc", 3}, {"same", "same", 0}, {"ﬁle", "file", 2}} {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := normText("spe-\ncialization  of ﬁles\n\nJust-in-Time"); got != "specialization of files Just-in-Time" {
		t.Errorf("normText = %q", got)
	}
}

func TestBBoxAndSkew(t *testing.T) {
	doc := `<page width="600.000000" height="800.000000">
<word xMin="100.0" yMin="100.0" xMax="150.0" yMax="110.0">Trace&amp;</word>
<word xMin="295.0" yMin="395.0" xMax="305.0" yMax="405.0">x</word>`
	ws := parseBBox(doc)
	if len(ws) != 2 || ws[0].text != "trace" || ws[0].x1 != 150 {
		t.Fatalf("parseBBox = %+v", ws)
	}
	skewWords(ws, doc, 1)
	// The word at the centre stays; one up and left of it moves right
	// and up (clockwise on the page, y down), keeping its size.
	if math.Abs(ws[1].x0-295) > 1e-9 || math.Abs(ws[1].y0-395) > 1e-9 {
		t.Errorf("centre word moved: %+v", ws[1])
	}
	if !(ws[0].x0 > 100 && ws[0].y0 < 100) || math.Abs((ws[0].x1-ws[0].x0)-50) > 1e-9 {
		t.Errorf("skewed word = %+v", ws[0])
	}
}

func TestBestEnd(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		from int
		want int
	}{
		{"cat", "the cat sat", 0, 7},     // exact, ends after "the cat"
		{"cot", "the cat sat", 0, 7},     // one substitution there, two at "sat"
		{"287", "one 287 two 287", 0, 7}, // two exact places: the first
		{"287", "one 287 two 287", 8, 15},
		{"287", "one 287 two 287", 16, 7}, // none at or after from: the first
		{"", "abc", 2, 2},                 // the empty line matches anywhere
	} {
		if got := bestEnd([]rune(tt.p), []rune(tt.s), tt.from); got != tt.want {
			t.Errorf("bestEnd(%q, %q, %d) = %d, want %d", tt.p, tt.s, tt.from, got, tt.want)
		}
	}
}

func TestLinesInOrderOf(t *testing.T) {
	for _, tt := range []struct {
		name, text, lines string
		out               string
		edits             int // edit distance of normText(out) from text
	}{
		{"columns swapped", "a b c d", "c d\na b", "a b\nc d", 0},
		// Lines move, errors within them stay.
		{"error kept", "the cat sat", "sat\nthe cot", "the cot\nsat", 1},
		// "287" twice: each after the line read before it.
		{"repeated line", "one 287 two 287", "two\n287\none\n287", "one\n287\ntwo\n287", 0},
		// A line split where the reference has one (code and its comment)
		// keeps its halves' order; blank lines go.
		{"split line", "x := 1 // one y := 2 // two", "y := 2\n\n// two\nx := 1\n// one", "x := 1\n// one\ny := 2\n// two", 0},
		// A hyphenated word across two lines stays joined by normText.
		{"hyphen", "a compiler reads", "reads\na com-\npiler", "a com-\npiler\nreads", 0},
		// A line OCR did not read still counts as missed.
		{"missed", "a b", "a b\n|||", "a b\n|||", 4},
		{"no lines", "a b", "", "", 3},
	} {
		out := linesInOrderOf(tt.text, tt.lines)
		if out != tt.out {
			t.Errorf("%s: linesInOrderOf = %q, want %q", tt.name, out, tt.out)
		}
		if e := editDistance([]rune(normText(tt.text)), []rune(normText(out))); e != tt.edits {
			t.Errorf("%s: %d edits, want %d", tt.name, e, tt.edits)
		}
	}
}

func TestUndrawnWords(t *testing.T) {
	// A white page 30 by 10 pixels at 72 dpi (a point a pixel) with a
	// black 2 by 2 square at (3, 3).
	img := image.NewGray(image.Rect(0, 0, 30, 10))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, p := range []image.Point{{3, 3}, {4, 3}, {3, 4}, {4, 4}} {
		img.SetGray(p.X, p.Y, color.Gray{})
	}
	ws := []refWord{
		{text: "ink", x0: 0, y0: 0, x1: 10, y1: 10},    // 4 dark of 100 pixels
		{text: "wide", x0: 0, y0: 0, x1: 30, y1: 10},   // 4 of 300: still over 1%
		{text: "blank", x0: 20, y0: 0, x1: 30, y1: 10}, // none
		{text: "off", x0: 40, y0: 0, x1: 50, y1: 10},   // off the page
	}
	got := drawnWords(ws, img, 72)
	if want := []bool{true, true, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("drawnWords = %v, want %v", got, want)
	}

	for _, tt := range []struct {
		name, ref string
		words     []string
		drawn     []bool
		want      string
		dropped   int
	}{
		{"margin numbers", "Them, Soon 287\n1\n2\nS32\n❚❘ ❙",
			[]string{"them", "soon", "287", "1", "2", "s32", "", ""},
			[]bool{true, true, true, false, false, false, true, true}, "Them, Soon 287\n\n\n\n❚❘ ❙", 5},
		// pdftotext joins a superscript to its word ("Gal∗+"); -bbox has
		// it apart: the joined word is found by its letters.
		{"joined superscript", "Gal∗+ , Eich∗", []string{"gal", "", "", "eich", ""},
			[]bool{true, true, true, false, true}, "Gal∗+ , ", 5},
		{"a word not in -bbox stays", "a b c", []string{"a", "c"}, []bool{true, false}, "a b ", 1},
		{"all drawn", "x  y", []string{"x", "y"}, []bool{true, true}, "x  y", 0},
	} {
		var ws []refWord
		for _, w := range tt.words {
			ws = append(ws, refWord{text: w})
		}
		got, n := dropUndrawn(tt.ref, ws, tt.drawn)
		if got != tt.want || n != tt.dropped {
			t.Errorf("%s: dropUndrawn = %q, %d; want %q, %d", tt.name, got, n, tt.want, tt.dropped)
		}
	}
	if got := normText("Soon ❚❘ ❙ 287"); got != "Soon 287" {
		t.Errorf("normText left dingbats: %q", got)
	}
}

func TestNormTextUnseen(t *testing.T) {
	for in, want := range map[string]string{
		"Gal∗+ , Eich∗ ,":          "Gal*+, Eich*,",
		"{gal , brendan} ( x )":    "{gal, brendan} (x)",
		"a naı̈ve Trace-\nMonkey":  "a naïve TraceMonkey",
		"Soon ❚❘ ❙ 287":            "Soon 287",
		"pro-\ngram 3 - 4, e-mail": "program 3 - 4, e-mail",
		"ﬁle\t\n  ends .":          "file ends.",
	} {
		if got := normText(in); got != want {
			t.Errorf("normText(%q) = %q, want %q", in, got, want)
		}
	}
}
