package pdf

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"folio/backend/internal/testenv"
)

// TestUnusable: the decision on a page's glyph counts, on cases derived
// by hand from what real pages give.
func TestUnusable(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    textQuality
		want bool
	}{
		{"no glyphs", textQuality{}, false},
		{"a text page", textQuality{mapped: 3000}, false},
		{"a text page with a few unmapped symbols", textQuality{mapped: 3000, unmapped: 40}, false},
		{"a figure label in an unmapped font on a text page", textQuality{mapped: 400, unmapped: 150}, false},
		{"body text unmapped, title mapped (TAMReview)", textQuality{mapped: 40, unmapped: 2500}, true},
		{"exactly half unmapped", textQuality{mapped: 500, unmapped: 500}, false},
		{"just over half unmapped", textQuality{mapped: 499, unmapped: 501}, true},
		{"a stray line of unmapped glyphs alone", textQuality{unmapped: minUnusableGlyphs - 1}, false},
		{"a short line of unmapped glyphs alone", textQuality{unmapped: minUnusableGlyphs}, true},
		{"plain codes in a font stating no encoding", textQuality{guessed: 3000}, false},
		{"plain codes and some mapped text", textQuality{guessed: 2000, mapped: 100}, false},
		{"guessed codes beside many unmapped ones", textQuality{guessed: 300, unmapped: 200, mapped: 50}, true},
		{"guessed codes beside few unmapped ones", textQuality{guessed: 300, unmapped: 20, mapped: 10}, false},
	} {
		if got := tt.q.unusable(); got != tt.want {
			t.Errorf("%s %+v: unusable = %v, want %v", tt.name, tt.q, got, tt.want)
		}
	}
}

func TestJunkText(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"a", false},
		{"fi", false},
		{"é", false},
		{"ǣ", false}, // a letter, if an unlikely one
		{"€", false},
		{"\u2022", false}, // bullet
		{"\x01", true},
		{"\x00", true},
		{"a\x03", true},
		{"\uE001", true}, // private use
		{"\U000F0001", true},
		{"\uFFFD", true},
		{"\uFFFF", true},
		{"\uFDD0", true},
		{"\xff", true}, // not UTF-8
	} {
		if got := junkText(tt.s); got != tt.want {
			t.Errorf("junkText(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestMeasureText(t *testing.T) {
	in := func(x float64) rect { return rect{x, 100, x + 5, 110} }
	glyphs := []glyph{
		{text: "a", bbox: in(10)},
		{text: "b", bbox: in(20), guess: true},
		{text: "", bbox: in(30)},
		{text: "\uE000", bbox: in(40)},
		{text: " ", space: true, bbox: in(50)},     // spaces do not count
		{text: "", bbox: rect{700, 100, 705, 110}}, // outside the crop box
	}
	got := measureText(glyphs, [4]float64{0, 0, 612, 792})
	if want := (textQuality{mapped: 1, guessed: 1, unmapped: 2}); got != want {
		t.Errorf("measureText = %+v, want %+v", got, want)
	}
}

// unmappedFontPDF is a one-page PDF with a title in Helvetica and body
// lines in a subset TrueType font that numbers its glyphs 1, 2, 3…
// without ToUnicode or encoding, as old office exports write them.
func unmappedFontPDF(lines int) []byte {
	var c strings.Builder
	c.WriteString("BT /F1 14 Tf 72 740 Td (A readable title) Tj ET\n")
	for i := 0; i < lines; i++ {
		c.WriteString("BT /F2 10 Tf 72 " + itoa(700-14*i) + " Td <0102030405060708090A0B0C0D0E0F10111213> Tj ET\n")
	}
	content := c.String()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
		"<< /Length " + itoa(len(content)) + " >>\nstream\n" + content + "\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Unknown /FirstChar 1 /LastChar 19 /Widths [" + strings.Repeat("500 ", 19) + "] /FontDescriptor 7 0 R >>",
		"<< /Type /FontDescriptor /FontName /ABCDEF+Unknown /Flags 4 /Ascent 800 /Descent -200 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /StemV 80 /CapHeight 700 >>",
	}
	return objectsPDF(objs)
}

// TestUnusableTextLayerNoOCR: without OCR, a page drawn mostly in a font
// without a Unicode map keeps what text it has and says it needs OCR; a
// page with a line of such glyphs under a title says nothing.
func TestUnusableTextLayerNoOCR(t *testing.T) {
	for _, tt := range []struct {
		lines int
		warn  bool
	}{{0, false}, {1, false}, {20, true}} {
		path := filepath.Join(t.TempDir(), "unmapped.pdf")
		if err := os.WriteFile(path, unmappedFontPDF(tt.lines), 0o600); err != nil {
			t.Fatal(err)
		}
		doc, err := New(Config{NoOCR: true}).Parse(context.Background(), path)
		if err != nil {
			t.Fatalf("%d lines: %v", tt.lines, err)
		}
		if !strings.Contains(doc.Text, "A readable title") {
			t.Errorf("%d lines: text %q lost the title", tt.lines, doc.Text)
		}
		warned := strings.Contains(strings.Join(doc.Warnings, "\n"), "the text layer is unusable (needs OCR)")
		if warned != tt.warn {
			t.Errorf("%d lines: warnings %q, want the unusable text layer reported: %v", tt.lines, doc.Warnings, tt.warn)
		}
	}
}

// onePage copies page n of the PDF at src to a file of its own with
// poppler's pdfseparate (fonts and all), skipping without it.
func onePage(t *testing.T, src string, n int) string {
	t.Helper()
	if _, err := exec.LookPath("pdfseparate"); err != nil {
		t.Skip("pdfseparate (poppler-utils) is not installed")
	}
	out := filepath.Join(t.TempDir(), "page.pdf")
	p := strconv.Itoa(n)
	if b, err := exec.Command("pdfseparate", "-f", p, "-l", p, src, out).CombinedOutput(); err != nil {
		t.Fatalf("pdfseparate: %v %s", err, b)
	}
	return out
}

// englishWords counts the words of text that are among the commonest of
// English (punctuation around them and case ignored).
func englishWords(text string) int {
	common := map[string]bool{}
	for _, w := range strings.Fields("the of and to a in is that for it as was with be by on not this are or from at which an have has been their its") {
		common[w] = true
	}
	n := 0
	for _, w := range strings.Fields(text) {
		if common[strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))] {
			n++
		}
	}
	return n
}

// TestOCRUnusableTextLayer: TAMReview.pdf's second page draws its body in
// a font without a Unicode map (its text layer gives a few words run
// together, and garbage); read by OCR, it gives the page's English.
func TestOCRUnusableTextLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of a page (seconds of CPU): skipped with -short")
	}
	needPageOCR(t)
	page := onePage(t, testenv.SharedFile(t, "data/pdf/pdfjs/TAMReview.pdf"), 2)
	before, err := New(Config{NoOCR: true}).Parse(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(before.Warnings, "\n"), "the text layer is unusable") {
		t.Errorf("without OCR, warnings %q do not report the unusable text layer", before.Warnings)
	}
	after, err := New(Config{OCRDPI: 200}).Parse(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	if err := after.Check(); err != nil {
		t.Fatal(err)
	}
	if o := after.Pages[0].OCR; o == nil || o.Regions != 0 || o.Confidence < 80 {
		t.Fatalf("page OCR mark %+v: want the whole page read by OCR with a good confidence", o)
	}
	flat := strings.Join(strings.Fields(after.Text), " ")
	for _, s := range []string{"Overview of the Technology Acceptance Model", "Abstract"} {
		if !strings.Contains(flat, s) {
			t.Errorf("OCR text lacks %q: %.300q", s, flat)
		}
	}
	nb, na := englishWords(before.Text), englishWords(after.Text)
	if nb > 10 || na < 60 {
		t.Errorf("common English words: %d in the text layer, %d after OCR; want garbage before and prose after", nb, na)
	}
	t.Logf("common English words: %d in the text layer, %d after OCR (confidence %.1f)", nb, na, after.Pages[0].OCR.Confidence)
}

// TestGoodTextLayersKept: no page of the real text PDFs that the golden
// and expected-text tests read is taken for an unusable text layer.
func TestGoodTextLayersKept(t *testing.T) {
	if testing.Short() {
		t.Skip("reads freeculture.pdf's 352 pages: skipped with -short")
	}
	dir := filepath.Join(testenv.Shared(t), "data", "pdf", "pdfjs")
	files := []string{"tracemonkey.pdf", "freeculture.pdf"}
	var expected []struct{ File string }
	raw, err := os.ReadFile(filepath.Join(dir, "expected_text.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	for _, e := range expected {
		files = append(files, e.File)
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	for _, f := range files {
		golden = append(golden, filepath.Join(dir, f))
	}
	for _, f := range golden {
		doc, err := New(Config{NoOCR: true}).Parse(context.Background(), f)
		if err != nil {
			continue // files that fail are other tests' business
		}
		for _, w := range doc.Warnings {
			if strings.Contains(w, "the text layer is unusable") {
				t.Errorf("%s: %s", filepath.Base(f), w)
			}
		}
	}
}
