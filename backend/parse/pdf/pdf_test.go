package pdf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lpdf "github.com/ledongthuc/pdf"

	"folio/backend/core"
	"folio/backend/internal/testenv"
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
func minimalPDF(content string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length " + itoa(len(content)) + " >>\nstream\n" + content + "\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
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

func itoa(n int) string { return strconv.Itoa(n) }

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
		{"no text layer", minimalPDF("0 0 m 100 100 l S"), 0, core.ErrEmpty, "needs OCR"},
		{"too large", minimalPDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ET"), 100, core.ErrTooLarge, ""},
		{"bad operator args", minimalPDF("BT /F1 Tf 1 2 3 cm (x) Tj ET"), 0, nil, ""},
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

func TestLayoutSpaces(t *testing.T) {
	g := func(s string, x, w float64) lpdf.Text { return lpdf.Text{S: s, X: x, Y: 100, W: w, FontSize: 10} }
	tests := []struct {
		name string
		in   []lpdf.Text
		want string
	}{
		{"tight", []lpdf.Text{g("a", 0, 5), g("b", 5, 5)}, "ab"},
		{"kerned in word", []lpdf.Text{g("a", 0, 5), g("b", 5.5, 5)}, "ab"},
		{"word gap", []lpdf.Text{g("a", 0, 5), g("b", 7, 5)}, "a b"},
		{"explicit space", []lpdf.Text{g("a", 0, 5), g(" ", 5, 2.5), g("b", 7.5, 5)}, "a b"},
		{"unknown widths stacked", []lpdf.Text{g("a", 0, 0), g("b", 0, 0), g("c", 10, 0)}, "ab c"},
		{"unknown widths kerned", []lpdf.Text{g("a", 0, 0), g("b", 0, 0), g("c", 0.5, 0)}, "abc"},
		{"unknown widths TJ space", []lpdf.Text{g("a", 0, 0), g("b", 0, 0), g("c", 2.5, 0)}, "ab c"},
		{"unknown widths lone glyphs", []lpdf.Text{g("a", 0, 0), g("b", 5.5, 0), g("c", 13, 0)}, "ab c"},
		{"bogus TJ newline dropped", []lpdf.Text{g("a", 0, 5), g("\n", 5, 0), g("b", 5, 5)}, "ab"},
		{"ligature", []lpdf.Text{g("\uFB01", 0, 5), g("x", 5, 5)}, "fix"},
		{"new line", []lpdf.Text{g("a", 0, 5), {S: "b", X: 0, Y: 80, W: 5, FontSize: 10}}, "a\nb"},
		{"invalid utf8", []lpdf.Text{g("\xff", 0, 5)}, "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := layout(tt.in); got != tt.want {
				t.Errorf("layout = %q, want %q", got, tt.want)
			}
		})
	}
}
