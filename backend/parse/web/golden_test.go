package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"folio/backend/core"
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
			got, err := json.MarshalIndent(golden{doc.Format, doc.Text, doc.Locations, doc.Warnings}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test ./backend/parse/web -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update if the change is intended)\n got:\n%s", name, goldenPath, got)
			}
		})
	}
}
