package web

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files (and testdata/sample.epub)")

// golden is what a golden file holds.
type golden struct {
	Format    string          `json:"format"`
	Text      string          `json:"text"`
	Locations []core.Location `json:"locations"`
	Warnings  []string        `json:"warnings,omitempty"`
}

func TestGolden(t *testing.T) {
	if *update {
		// The EPUB fixture is built from sampleEPUB (stored entries and a
		// fixed time, so it is reproducible).
		if err := os.WriteFile(filepath.Join("testdata", "sample.epub"), makeZip(t, sampleEPUB()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"sample.html", "sample.md", "sample.epub"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc := mustParse(t, name, data)
			testenv.Golden(t, filepath.Join("testdata", name+".golden.json"), golden{doc.Format, doc.Text, doc.Locations, doc.Warnings}, *update)
		})
	}
}
