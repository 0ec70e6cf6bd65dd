package evaluate

import (
	"math"
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
