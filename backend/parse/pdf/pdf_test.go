package pdf

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/tablerow"
)

func TestTracemonkey(t *testing.T) {
	path := testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	doc, err := New(Config{}).Parse(context.Background(), path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if doc.Format != "pdf" || doc.Path != path {
		t.Errorf("Format, Path = %q, %q; want pdf, %s", doc.Format, doc.Path, path)
	}
	if got, want := len(doc.Pages), 14; got != want {
		t.Fatalf("len(Pages) = %d, want %d", got, want)
	}
	checkSpans(t, doc)
	if len(doc.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", doc.Warnings)
	}

	// Phrases checked against `pdftotext -f N -l N tracemonkey.pdf -`.
	phrases := []struct {
		page   int
		phrase string
	}{
		{1, "Trace-based Just-in-Time Type Specialization for Dynamic"},
		{1, "is available, traditional compilers need to emit generic code that can"},
		{2, "records a trace tree covering all the hot paths through the loop."},
		{3, "LIR snippet for sample program."},
		{5, "In TraceMonkey, we support two representations for numbers:"},
		{8, "trace: one forward and one backward."},
	}
	for _, p := range phrases {
		span := doc.Pages[p.page-1]
		got := doc.Text[span.Start:span.End]
		if !strings.Contains(got, p.phrase) {
			t.Errorf("page %d lacks %q", p.page, p.phrase)
		}
		if i := strings.Index(doc.Text, p.phrase); i >= 0 && doc.PageAt(i) != p.page {
			t.Errorf("PageAt(first %q) = %d, want %d", p.phrase, doc.PageAt(i), p.page)
		}
	}

	// Words must not run together (the library ignores TJ kerning).
	words := map[string]int{}
	for _, w := range strings.Fields(doc.Text) {
		words[strings.Trim(w, ".,;:()")]++
	}
	for _, w := range []string{"trace", "tree", "trees", "compiler", "loop"} {
		if words[w] < 5 {
			t.Errorf("word %q appears %d times, want >= 5", w, words[w])
		}
	}
	for _, glued := range []string{"tracetree", "thetrace", "ofthe", "isavailable"} {
		if strings.Contains(strings.ToLower(doc.Text), glued) {
			t.Errorf("text contains glued words %q", glued)
		}
	}
}

// checkSpans checks that page spans are in range, in order, separated by
// exactly PageSeparator, and cover the whole text.
func checkSpans(t *testing.T, doc core.Document) {
	t.Helper()
	prevEnd := -len(PageSeparator)
	for i, s := range doc.Pages {
		if s.Page != i+1 {
			t.Errorf("Pages[%d].Page = %d, want %d", i, s.Page, i+1)
		}
		if s.Start != prevEnd+len(PageSeparator) || s.End < s.Start || s.End > len(doc.Text) {
			t.Errorf("Pages[%d] = %+v, want start %d, in range [0,%d]", i, s, prevEnd+len(PageSeparator), len(doc.Text))
		}
		prevEnd = s.End
	}
	if prevEnd != len(doc.Text) {
		t.Errorf("last page ends at %d, want %d", prevEnd, len(doc.Text))
	}
}

// minimalPDF builds a valid one-page PDF whose content stream is content.
func minimalPDF(content string) []byte { return pagesPDF(content) }

// pagesPDF builds a valid PDF with one page per content stream, all using
// Helvetica as /F1.
func pagesPDF(contents ...string) []byte {
	n := len(contents)
	font := 3 + 2*n
	kids := make([]string, n)
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", ""}
	for i, c := range contents {
		page, stream := 3+2*i, 4+2*i
		kids[i] = itoa(page) + " 0 R"
		objs = append(objs,
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "+itoa(stream)+" 0 R /Resources << /Font << /F1 "+itoa(font)+" 0 R >> >> >>",
			"<< /Length "+itoa(len(c))+" >>\nstream\n"+c+"\nendstream")
	}
	objs[1] = "<< /Type /Pages /Kids [" + strings.Join(kids, " ") + "] /Count " + itoa(n) + " >>"
	objs = append(objs, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	return objectsPDF(objs)
}

func itoa(n int) string { return strconv.Itoa(n) }

// selfXrefPDF is a one-page PDF whose trailer's /Prev points back at its
// own cross-reference table: the PDF library follows that chain for ever.
func selfXrefPDF() []byte {
	b := pagesPDF("BT /F1 12 Tf 72 700 Td (Hello loop) Tj ET")
	i := bytes.LastIndex(b, []byte("startxref\n"))
	xref := string(bytes.TrimSpace(bytes.Split(b[i+len("startxref\n"):], []byte("\n"))[0]))
	return bytes.Replace(b, []byte("/Root 1 0 R >>"), []byte("/Root 1 0 R /Prev "+xref+" >>"), 1)
}

// nestedPDF is a one-page PDF whose page dictionary holds depth nested
// arrays, never closed.
func nestedPDF(depth int) []byte {
	b := pagesPDF("BT /F1 12 Tf 72 700 Td (Hello deep) Tj ET")
	// Same length before and after the page's dictionary, so the xref
	// offsets of the objects before it still hold; those after are off,
	// which the library forgives.
	return bytes.Replace(b, []byte("/Type /Page /Parent"), []byte("/Type /Page /X "+strings.Repeat("[", depth)+" /Parent"), 1)
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		data    []byte
		max     int64
		wantErr error
		wantMsg string
	}{
		{"not a pdf", []byte("hello world, not a PDF at all"), 0, core.ErrCorrupt, "invalid header"},
		{"truncated", minimalPDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ET")[:200], 0, core.ErrCorrupt, ""},
		{"no text layer", minimalPDF("0 0 m 100 100 l S"), 0, core.ErrEmpty, "no text layer on any of 1 pages"},
		{"too large", minimalPDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ET"), 100, core.ErrTooLarge, ""},
		{"bad operator args", minimalPDF("BT /F1 Tf 1 2 3 cm (x) Tj ET"), 0, nil, ""},
		{"100k nested arrays", nestedPDF(100000), 0, core.ErrCorrupt, "nesting too deep: arrays and dictionaries nested more than 256 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pdf")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{MaxBytes: tt.max}).Parse(context.Background(), path)
			if tt.wantErr == nil {
				// Must not panic; any sentinel error is acceptable.
				if err != nil && !errors.Is(err, core.ErrCorrupt) && !errors.Is(err, core.ErrEmpty) {
					t.Errorf("Parse err = %v, want nil, ErrCorrupt or ErrEmpty", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err %q should name %s and contain %q", err, path, tt.wantMsg)
			}
		})
	}
}

// TestXrefLoopIsCaughtAtOnce: a /Prev that points back at its own section
// made the library loop until the isolate's 60 s limit. The preflight now
// refuses it, naming the loop; where qpdf is there, its repair (which
// rebuilds the cross-reference table from the objects) reads the page.
func TestXrefLoopIsCaughtAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loop.pdf")
	if err := os.WriteFile(path, selfXrefPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	parse := func(p *Parser) (core.Document, error) {
		t.Helper()
		type res struct {
			doc core.Document
			err error
		}
		done := make(chan res, 1)
		go func() {
			doc, err := p.Parse(context.Background(), path)
			done <- res{doc, err}
		}()
		select {
		case r := <-done:
			return r.doc, r.err
		case <-time.After(30 * time.Second):
			t.Fatal("Parse loops on a /Prev chain that comes back to itself")
		}
		return core.Document{}, nil
	}
	alone := New(Config{})
	alone.rw = nil
	_, err := parse(alone)
	if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "xref loop: the cross-reference chain comes back to byte") {
		t.Errorf("without qpdf: err = %v, want the loop named", err)
	}
	if p := New(Config{}); p.rw != nil && p.rw.Available() {
		doc, err := parse(p)
		if err != nil || !strings.Contains(doc.Text, "Hello loop") {
			t.Errorf("with qpdf's repair: %q, %v; want the page's text", doc.Text, err)
		}
	}
}

func TestParseMinimal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hello.pdf")
	// Two lines; the second is a TJ whose kerning (-250/1000 em) is the
	// only word break, as LaTeX writes it.
	content := "BT /F1 12 Tf 72 700 Td (Hello) Tj 0 -20 Td [(big) -250 (world)] TJ ET"
	if err := os.WriteFile(path, minimalPDF(content), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := New(Config{}).Parse(context.Background(), path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if want := "Hello\nbig world"; doc.Text != want {
		t.Errorf("Text = %q, want %q", doc.Text, want)
	}
	checkSpans(t, doc)
}

func TestParseCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Config{}).Parse(ctx, "x.pdf"); !errors.Is(err, context.Canceled) {
		t.Errorf("Parse canceled = %v, want context.Canceled", err)
	}
}

// parseFixture parses testdata/name and checks the document contract.
func parseFixture(t *testing.T, name string) core.Document {
	t.Helper()
	doc, err := New(Config{}).Parse(context.Background(), filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if err := doc.Check(); err != nil {
		t.Fatalf("%s: Check: %v", name, err)
	}
	checkSpans(t, doc)
	checkBoxes(t, doc)
	return doc
}

// checkBoxes checks that every box covers one word of the text and lies
// inside its page's box.
func checkBoxes(t *testing.T, doc core.Document) {
	t.Helper()
	pages := map[int]core.PageSpan{}
	for _, p := range doc.Pages {
		pages[p.Page] = p
	}
	// Every word has a box, except the mark between a table row's label
	// and its cells.
	words := len(strings.Fields(doc.Text))
	for _, l := range doc.Locations {
		if l.Table > 0 && l.Col == 1 && strings.HasSuffix(doc.Text[l.Start:l.End], strings.TrimRight(tablerow.LabelMark, " ")) {
			words--
		}
	}
	if len(doc.Boxes) != words {
		t.Errorf("%d boxes for %d words", len(doc.Boxes), words)
	}
	const eps = 1e-6
	for i, b := range doc.Boxes {
		word := doc.Text[b.Start:b.End]
		if strings.TrimSpace(word) != word || word == "" {
			t.Errorf("box %d covers %q, want one word", i, word)
		}
		p := pages[b.Page]
		if b.Start < p.Start || b.End > p.End {
			t.Errorf("box %d (%q) bytes %d-%d outside page %d's span %d-%d", i, word, b.Start, b.End, b.Page, p.Start, p.End)
		}
		if p.Box == nil {
			t.Fatalf("page %d has no box", b.Page)
		}
		r, pb := b.Rect, *p.Box
		if r.X0 < pb.X0-eps || r.Y0 < pb.Y0-eps || r.X1 > pb.X1+eps || r.Y1 > pb.Y1+eps || r.X1 < r.X0 || r.Y1 < r.Y0 {
			t.Errorf("box %d (%q) %+v not inside page box %+v", i, word, r, pb)
		}
	}
}

// boxOfWord returns the rectangle of the nth (0-based) box whose text is word.
func boxOfWord(t *testing.T, doc core.Document, word string, nth int) core.Rect {
	t.Helper()
	for _, b := range doc.Boxes {
		if doc.Text[b.Start:b.End] == word {
			if nth == 0 {
				return b.Rect
			}
			nth--
		}
	}
	t.Fatalf("no box for %q in %q", word, doc.Text)
	return core.Rect{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.01 }

func TestFixtures(t *testing.T) {
	tests := []struct {
		file     string
		want     string
		warnings []string
	}{
		// TJ kerning makes the word gaps; in-word kerning does not split.
		{"kerning.pdf", "The quick brown fox\njumps over\nlazy dogs", nil},
		// Helvetica without /Widths: AFM widths.
		{"std14.pdf", "Hello World", nil},
		// Form XObjects, nested, drawn twice; a form drawing itself is cut.
		{"form.pdf", "Page text\nForm text nested\nForm text nested\nloop", []string{"page 1: form XObject Loop draws itself"}},
		// /Rotate 90 with rotated text; text outside the CropBox dropped.
		{"rotated.pdf", "First line on top\nsecond line below", nil},
		// Two columns read one after the other.
		{"columns.pdf", "A title across both columns\nleft one alpha beta gamma\nleft two delta epsilon\nleft three zeta eta\nleft four theta iota\nleft five kappa lambda\n" +
			"right one mu nu xi omicron\nright two pi rho sigma\nright three tau upsilon\nright four phi chi psi\nright five omega end\n7", nil},
		// Type0 Identity-H: /W widths, ToUnicode bfchar, bfrange (both
		// forms), a surrogate pair; code 8 has no Unicode.
		{"type0.pdf", "CDE xyz \U0002000B", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := parseFixture(t, tt.file)
			if doc.Text != tt.want {
				t.Errorf("Text = %q, want %q", doc.Text, tt.want)
			}
			if strings.Join(doc.Warnings, "|") != strings.Join(tt.warnings, "|") {
				t.Errorf("Warnings = %q, want %q", doc.Warnings, tt.warnings)
			}
		})
	}
}

// TestWordRects checks word rectangles against where the fixtures draw
// the words (positions computed by hand from the content streams).
func TestWordRects(t *testing.T) {
	// Helvetica 12pt at (72, 700); AFM widths H 722 e 556 l 222 o 556,
	// space 278; ascent 718, descent -207.
	std := parseFixture(t, "std14.pdf")
	helloW := (722 + 556 + 222 + 222 + 556) * 12.0 / 1000
	kern := parseFixture(t, "kerning.pdf")
	// "jumps " in Times at 10pt (j u m p s = 500 500 778 500 389, space
	// 250) plus Tw 6.
	overX := 72 + (500+500+778+500+389+250)*10.0/1000 + 6
	// "lazy" at Tz 50: (278+444+500+500)*10/1000*0.5; then -400 kerning
	// scaled by Tz too.
	lazyX1 := 72 + (278+444+500+500)*10.0/1000*0.5
	t0 := parseFixture(t, "type0.pdf")
	form := parseFixture(t, "form.pdf")
	rot := parseFixture(t, "rotated.pdf")
	// Rotated text: text up is user -x; ascent 683, descent -217 (Times).
	// The fixtures' Times /Widths give 500 to letters the generator does
	// not list (F, j, z).
	tests := []struct {
		name string
		got  core.Rect
		want core.Rect
	}{
		{"std14 Hello", boxOfWord(t, std, "Hello", 0), core.Rect{X0: 72, Y0: 700 - 0.207*12, X1: 72 + helloW, Y1: 700 + 0.718*12}},
		{"std14 World", boxOfWord(t, std, "World", 0), core.Rect{X0: 72 + helloW + 0.278*12, Y0: 700 - 0.207*12, X1: 72 + helloW + 0.278*12 + (944+556+333+222+556)*12.0/1000, Y1: 700 + 0.718*12}},
		{"Tw moves over", boxOfWord(t, kern, "over", 0), core.Rect{X0: overX, Y0: 680 - 2.17, X1: overX + (500+500+444+333)*10.0/1000, Y1: 680 + 6.83}},
		{"Tz squeezes lazy", boxOfWord(t, kern, "lazy", 0), core.Rect{X0: 72, Y0: 660 - 2.17, X1: lazyX1, Y1: 660 + 6.83}},
		{"Tz scales kerning", boxOfWord(t, kern, "dogs", 0), core.Rect{X0: lazyX1 + 0.4*10*0.5, Y0: 660 - 2.17, X1: lazyX1 + 2 + (500+500+500+389)*10.0/1000*0.5, Y1: 660 + 6.83}},
		{"W widths", boxOfWord(t, t0, "CDE", 0), core.Rect{X0: 72, Y0: 700 - 4, X1: 72 + 30, Y1: 700 + 16}},
		{"W range after space", boxOfWord(t, t0, "xyz", 0), core.Rect{X0: 72 + 30 + 5, Y0: 700 - 4, X1: 72 + 35 + 36, Y1: 700 + 16}},
		{"second form copy", boxOfWord(t, form, "Form", 1), core.Rect{X0: 72, Y0: 500 - 0.217*12, X1: 72 + (500+500+333+778)*12.0/1000, Y1: 500 + 0.683*12}},
		{"form Matrix", boxOfWord(t, form, "nested", 0), core.Rect{X0: 272, Y0: 600 - 0.217*12, X1: 272 + (500+444+389+278+444+500)*12.0/1000, Y1: 600 + 0.683*12}},
		{"rotated text", boxOfWord(t, rot, "First", 0), core.Rect{X0: 300 - 0.683*12, Y0: 100, X1: 300 + 0.217*12, Y1: 100 + (500+278+333+389+278)*12.0/1000}},
	}
	for _, tt := range tests {
		g, w := tt.got, tt.want
		if !near(g.X0, w.X0) || !near(g.Y0, w.Y0) || !near(g.X1, w.X1) || !near(g.Y1, w.Y1) {
			t.Errorf("%s: rect = %+v, want %+v", tt.name, g, w)
		}
	}
	if p := rot.Pages[0]; p.Rotate != 90 || p.Box == nil || *p.Box != (core.Rect{X0: 0, Y0: 0, X1: 500, Y1: 792}) {
		t.Errorf("rotated page span = %+v (box %v), want Rotate 90 and the CropBox", p, p.Box)
	}
}

func TestLayoutSpaces(t *testing.T) {
	// g is a glyph of a 10pt font at x with advance w on baseline 100.
	g := func(s string, x, w float64) glyph {
		return glyph{text: s, x: x, y: 100, ex: x + w, ey: 100, em: 10, dx: 1, space: isSpaceText(s),
			bbox: rect{x, 98, x + w, 108}}
	}
	at := func(gl glyph, y float64) glyph {
		gl.y, gl.ey, gl.bbox.y0, gl.bbox.y1 = y, y, y-2, y+8
		return gl
	}
	tests := []struct {
		name string
		in   []glyph
		want string
	}{
		{"tight", []glyph{g("a", 0, 5), g("b", 5, 5)}, "ab"},
		{"kerned in word", []glyph{g("a", 0, 5), g("b", 5.5, 5)}, "ab"},
		{"word gap", []glyph{g("a", 0, 5), g("b", 7, 5)}, "a b"},
		{"explicit space", []glyph{g("a", 0, 5), g(" ", 5, 2.5), g("b", 7.5, 5)}, "a b"},
		{"ligature", []glyph{g("\uFB01", 0, 5), g("x", 5, 5)}, "fix"},
		{"new line", []glyph{g("a", 0, 5), at(g("b", 0, 5), 80)}, "a\nb"},
		{"invalid utf8", []glyph{g("\xff", 0, 5)}, "\uFFFD"},
		{"fake bold duplicate", []glyph{g("a", 0, 5), g("b", 5, 5), g("a", 0.3, 5), g("b", 5.3, 5)}, "ab"},
		{"out of order on one line", []glyph{g("world", 40, 25), g("hello", 0, 25)}, "hello world"},
		{"superscript", []glyph{g("m", 0, 8), g("c", 8, 5), at(g("2", 13, 4), 104), g("i", 20, 3), g("s", 23, 4)}, "mc 2 is"},
		{"outside crop", []glyph{g("a", 0, 5), g("z", 700, 5)}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _ := layoutPage(page{glyphs: tt.in, crop: [4]float64{-10, 0, 612, 792}})
			if got != tt.want {
				t.Errorf("layout = %q, want %q", got, tt.want)
			}
		})
	}
}

// The Info dictionary's Title (and Subject) become the document's title,
// which is indexed as a field of its own and shown in citations.
func TestInfoTitle(t *testing.T) {
	path := testenv.SharedFile(t, "data/pdf/pdfjs/TAMReview.pdf")
	// Without OCR: most of its pages draw their text in fonts without a
	// Unicode map, and reading them would take minutes.
	doc, err := New(Config{NoOCR: true}).Parse(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Overview of the Technology Acceptance Model: Origins, Developments and Future Directions"; doc.Title != want {
		t.Errorf("title %q, want %q", doc.Title, want)
	}
}

// objectsPDF writes objs as objects 1, 2, … of a PDF with an exact xref
// table; object 1 is the catalog.
func objectsPDF(objs []string) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		b.WriteString(itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, off := range offs {
		s := itoa(off)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	return []byte(b.String())
}
