package imagepdf

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/parse/pdf"
)

// TestPDFReads writes a two-page scan (one page lossless, one JPEG) and
// has Folio's reader open it: two pages, no text layer.
func TestPDFReads(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 150))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	path := filepath.Join(t.TempDir(), "scan.pdf")
	if err := WriteFile(path, Page{Image: img, DPI: 150}, Page{Image: img, DPI: 72, JPEGQuality: 80}); err != nil {
		t.Fatal(err)
	}
	_, err := pdf.New(pdf.Config{NoOCR: true}).Parse(context.Background(), path)
	if !errors.Is(err, core.ErrEmpty) || !strings.Contains(err.Error(), "no text layer on any of 2 pages") {
		t.Errorf("err = %v, want no text layer on 2 pages", err)
	}
	if err := Write(nil); err == nil {
		t.Error("no pages accepted")
	}
}
