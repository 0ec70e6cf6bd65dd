package evaluate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/parse/isolate"
)

func TestMain(m *testing.M) {
	isolate.RunChildIfRequested() // the parsers' child processes
	os.Exit(m.Run())
}

// TestParsingTargets holds the parsers to the quality targets on the
// shared corpora: no crash or hang, at least 90% of the pdf.js text
// assertions and of the Office expectations, and a median character ratio
// against pdftotext within 5%. Speed is a benchmark (folio eval parse).
func TestParsingTargets(t *testing.T) {
	data := filepath.Join(testenv.Shared(t), "data")
	rep, err := Parsing(context.Background(), ParsingConfig{Data: data, NoSpeed: true})
	if err != nil {
		t.Fatal(err)
	}
	p, o := rep.PDF, rep.Office
	t.Logf("pdf.js: %d/%d opened, %d crashes, %d hangs, %d/%d assertions, median ratio %.3f; office: %d/%d",
		p.Opened, p.Files, p.Crashes, p.Hangs, p.AssertionsPassed, p.Assertions, p.MedianRatio, o.Passed, o.Checks)
	if p.Files < 100 {
		t.Errorf("read %d pdf.js files, want the whole corpus (111)", p.Files)
	}
	if p.Crashes != 0 || p.Hangs != 0 {
		t.Errorf("crashes %d, hangs %d; want 0 and 0 (%v)", p.Crashes, p.Hangs, p.Errors)
	}
	if share(p.AssertionsPassed, p.Assertions) < 0.9 {
		t.Errorf("expected_text.json: %d of %d pass, want ≥ 90%%; failed: %v", p.AssertionsPassed, p.Assertions, p.Failed)
	}
	if p.MedianRatio < 0.95 || p.MedianRatio > 1.05 {
		t.Errorf("median character ratio against pdftotext %.3f, want 0.95–1.05", p.MedianRatio)
	}
	if share(o.Passed, o.Checks) < 0.9 {
		t.Errorf("office expectations: %d of %d met, want ≥ 90%%; failed: %v", o.Passed, o.Checks, o.Failed)
	}
	for file, outcome := range p.PerFile {
		if outcome != "ok" && !strings.Contains(outcome, file) {
			t.Errorf("%s: the error does not name the file: %s", file, outcome)
		}
	}
}
