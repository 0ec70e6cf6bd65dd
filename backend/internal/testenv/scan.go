package testenv

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"folio/backend/parse/pdf/imagepdf"
)

// ScannedPDF makes a scanned copy of pages first to last of the PDF at
// src, as a scanner would: pdftoppm renders each at dpi in gray, and the
// top part of each picture (share of its height, 1 for all of it) is
// wrapped as a JPEG in an image-only PDF at path. It skips the test when
// pdftoppm (poppler-utils) is missing.
func ScannedPDF(t testing.TB, src string, first, last, dpi int, share float64, path string) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) is not installed: skipping")
	}
	dir := t.TempDir()
	if b, err := exec.Command("pdftoppm", "-r", fmt.Sprint(dpi), "-f", fmt.Sprint(first), "-l", fmt.Sprint(last),
		"-gray", "-png", src, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	slices.Sort(pngs)
	var pages []imagepdf.Page
	for _, p := range pngs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sub, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok && share > 0 && share < 1 {
			b := img.Bounds()
			b.Max.Y = b.Min.Y + int(float64(b.Dy())*share)
			img = sub.SubImage(b)
		}
		pages = append(pages, imagepdf.Page{Image: img, DPI: float64(dpi), JPEGQuality: 85})
	}
	if len(pages) != last-first+1 {
		t.Fatalf("pdftoppm made %d pages of %s, want %d", len(pages), src, last-first+1)
	}
	if err := imagepdf.WriteFile(path, pages...); err != nil {
		t.Fatal(err)
	}
}
