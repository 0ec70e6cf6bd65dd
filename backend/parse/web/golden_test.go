package web

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"folio/backend/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files (and testdata/sample.epub)")

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
			testenv.GoldenDocument(t, filepath.Join("testdata", name+".golden.json"), doc, *update)
		})
	}
}
