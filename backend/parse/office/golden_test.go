package office

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"folio/backend/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden parses one small file per format (written by
// scripts/fixtures/office_fixtures.py) and compares text and locations with
// testdata/<name>.golden.json; -update rewrites them.
func TestGolden(t *testing.T) {
	for _, name := range []string{"sample.docx", "sample.pptx", "sample.odt", "sample.odp"} {
		t.Run(name, func(t *testing.T) {
			doc, err := New(Config{}).Parse(context.Background(), filepath.Join("testdata", name))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			testenv.GoldenDocument(t, filepath.Join("testdata", name+".golden.json"), doc, *update)
		})
	}
}
