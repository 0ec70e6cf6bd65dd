package pdf

import (
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden is what a golden file records: the text, the page spans and the
// word boxes (rounded to 1/1000 pt so that float noise does not matter).
type golden struct {
	Text  string          `json:"text"`
	Pages []core.PageSpan `json:"pages"`
	Boxes []core.Box      `json:"boxes"`
	// Locations are set when the document has tables.
	Locations []core.Location `json:"locations,omitempty"`
	Warnings  []string        `json:"warnings,omitempty"`
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// TestGolden parses every testdata/*.pdf and compares the result with
// testdata/<name>.golden.json (rewrite with go test -update).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.pdf (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".pdf")
		t.Run(name, func(t *testing.T) {
			doc, err := New(Config{}).Parse(context.Background(), file)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			g := golden{Text: doc.Text, Pages: doc.Pages, Boxes: doc.Boxes, Locations: doc.Locations, Warnings: doc.Warnings}
			for i := range g.Boxes {
				r := &g.Boxes[i].Rect
				r.X0, r.Y0, r.X1, r.Y1 = round3(r.X0), round3(r.Y0), round3(r.X1), round3(r.Y1)
			}
			testenv.Golden(t, filepath.Join("testdata", name+".golden.json"), g, *update)
		})
	}
}

// FuzzPDF feeds arbitrary bytes to the parser in process: it must return a
// document or an error wrapping a core sentinel, never panic or hang. The
// qpdf pre-pass is left out so that the fuzzer exercises this package.
func FuzzPDF(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pdf"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(minimalPDF("BT /F1 12 Tf 72 700 Td [(a) -300 (b)] TJ ET"))
	f.Add(minimalPDF("BT /F1 12 Tf <4142 Tj (\\q\\777) ' 1 2 (x) \" BI /W 1 ID \x00\xff( EI Q Q Q ET"))
	f.Add([]byte("%PDF-1.4\n"))
	// Hostile files the preflight refuses: a /Prev loop, 100k nested '['.
	f.Add(selfXrefPDF())
	f.Add(nestedPDF(100000))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.pdf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p := New(Config{PageTimeout: 2e9, MaxOps: 200000, MaxGlyphs: 20000})
		p.rw = nil
		var doc core.Document
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			doc, err = p.Parse(context.Background(), path)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("Parse hung:\n%s", buf[:runtime.Stack(buf, true)])
		}
		if err != nil {
			for _, s := range []error{core.ErrCorrupt, core.ErrEmpty, core.ErrEncrypted, core.ErrTooLarge} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Parse error %v wraps no core sentinel", err)
		}
		if err := doc.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}
