package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"folio/backend/core"
)

// Golden compares v, as indented JSON, with the golden file at path; with
// update set (each package's -update flag) it rewrites the file instead.
func Golden(t testing.TB, path string, v any, update bool) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the parse result (rerun with -update if the change is intended):\ngot:\n%s", path, got)
	}
}

// documentGolden is what a parser's golden file records of a document.
type documentGolden struct {
	Format    string          `json:"format"`
	Text      string          `json:"text"`
	Locations []core.Location `json:"locations"`
	Warnings  []string        `json:"warnings,omitempty"`
}

// GoldenDocument checks a parsed document's contract (core.Document.Check)
// and compares its format, text, locations and warnings with the golden
// file at path, as Golden does.
func GoldenDocument(t testing.TB, path string, doc core.Document, update bool) {
	t.Helper()
	if err := doc.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	Golden(t, path, documentGolden{doc.Format, doc.Text, doc.Locations, doc.Warnings}, update)
}
