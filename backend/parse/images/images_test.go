package images

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/ocr"
)

func needOCR(t *testing.T) {
	t.Helper()
	if !ocr.Available() {
		t.Skip("Tesseract or its English pack is missing (build with cgo; apt-get install tesseract-ocr-eng libtesseract-dev): skipping")
	}
}

// TestTextractImages reads the image files of textract's test suite and
// finds every line expected.json lists, white space ignored.
func TestTextractImages(t *testing.T) {
	needOCR(t)
	dir := testenv.SharedFile(t, "data/office/textract")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]json.RawMessage
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	p := New(Config{})
	n := 0
	for rel, v := range exp {
		if !strings.HasPrefix(rel, "png/") && !strings.HasPrefix(rel, "jpg/") && !strings.HasPrefix(rel, "gif/") && !strings.HasPrefix(rel, "tiff/") {
			continue
		}
		var want struct{ Contains []string }
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatal(err)
		}
		n++
		doc, err := p.Parse(context.Background(), filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if err := doc.Check(); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		got := strings.ToLower(testenv.Squash(doc.Text))
		for _, line := range want.Contains {
			if !strings.Contains(got, strings.ToLower(testenv.Squash(line))) {
				t.Errorf("%s: %q not found in %q", rel, line, doc.Text)
			}
		}
		if len(doc.Pages) != 1 || doc.Pages[0].OCR == nil || doc.Pages[0].OCR.Confidence <= 0 {
			t.Errorf("%s: pages %+v, want one page marked OCR", rel, doc.Pages)
		}
		checkBoxes(t, rel, doc)
	}
	if n < 7 {
		t.Errorf("only %d images in expected.json", n)
	}
}

// checkBoxes asserts one box a word, inside its page, in text order.
func checkBoxes(t *testing.T, name string, doc core.Document) {
	t.Helper()
	if len(doc.Boxes) != len(strings.Fields(doc.Text)) {
		t.Errorf("%s: %d boxes for %d words", name, len(doc.Boxes), len(strings.Fields(doc.Text)))
	}
	for _, b := range doc.Boxes {
		pg := doc.Pages[b.Page-1]
		if b.Rect.X0 < pg.Box.X0 || b.Rect.Y0 < pg.Box.Y0 || b.Rect.X1 > pg.Box.X1 || b.Rect.Y1 > pg.Box.Y1 {
			t.Errorf("%s: box %+v outside page %+v", name, b.Rect, *pg.Box)
		}
		if strings.TrimSpace(doc.Text[b.Start:b.End]) != doc.Text[b.Start:b.End] {
			t.Errorf("%s: box over %q", name, doc.Text[b.Start:b.End])
		}
	}
}

// TestMultiPageTIFF makes a three-page TIFF of real scans (ImageMagick)
// and reads each page in order, the second one upside down in user space
// terms: its first line is nearest the top.
func TestMultiPageTIFF(t *testing.T) {
	needOCR(t)
	dir := testenv.SharedFile(t, "data/office/textract")
	convert, err := exec.LookPath("convert")
	if err != nil {
		t.Skip("ImageMagick's convert is missing: skipping")
	}
	out := filepath.Join(t.TempDir(), "three.tiff")
	cmd := exec.Command(convert, filepath.Join(dir, "png/raw_text.png"), filepath.Join(dir, "png/standardized_text.png"),
		filepath.Join(dir, "jpg/raw_text.jpg"), "-compress", "Group4", "-type", "bilevel", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("convert failed (%v: %s): skipping", err, b)
	}
	doc, err := New(Config{}).Parse(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pages) != 3 {
		t.Fatalf("%d pages, want 3", len(doc.Pages))
	}
	for i, want := range []string{"mnopqrstuvw", "jumps over", "EMERGENCY ALERT"} {
		pg := doc.Pages[i]
		if !strings.Contains(testenv.Squash(doc.Text[pg.Start:pg.End]), testenv.Squash(want)) {
			t.Errorf("page %d: %q lacks %q", i+1, doc.Text[pg.Start:pg.End], want)
		}
	}
	if err := doc.Check(); err != nil {
		t.Error(err)
	}
	checkBoxes(t, "three.tiff", doc)
	// Page 2's first word ("the") is above its last ("dog"): y grows upwards.
	var first, last core.Box
	for _, b := range doc.Boxes {
		if b.Page == 2 {
			if first.Page == 0 {
				first = b
			}
			last = b
		}
	}
	if first.Rect.Y0 <= last.Rect.Y1 {
		t.Errorf("page 2: first word %+v not above last %+v", first.Rect, last.Rect)
	}
}

func TestBadImages(t *testing.T) {
	needOCR(t)
	dir := t.TempDir()
	p := New(Config{})
	for name, data := range map[string]string{
		"fake.png":      "this is not a picture",
		"truncated.png": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
		"loop.tiff":     "II*\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x00",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := p.Parse(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), path) || !(errors.Is(err, core.ErrCorrupt) || errors.Is(err, core.ErrEmpty)) {
			t.Errorf("%s: err = %v, want a corrupt or empty error naming the file", name, err)
		}
	}
}

// TestFileDPI reads the resolution real files state: pdftoppm's PNGs
// (pHYs in pixels a metre) and textract's JPEG (JFIF, 96 dpi).
func TestFileDPI(t *testing.T) {
	dir := testenv.SharedFile(t, "data/office/textract")
	open := func(p string) *os.File {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	if got := fileDPI(open(filepath.Join(dir, "jpg/raw_text.jpg"))); got != 96 {
		t.Errorf("raw_text.jpg: %d dpi, want 96", got)
	}
	if got := fileDPI(open(filepath.Join(dir, "png/standardized_text.png"))); got != 72 {
		t.Errorf("standardized_text.png: %d dpi, want 72 (2835 pixels a metre)", got)
	}
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm missing: skipping the 150 dpi PNG")
	}
	out := filepath.Join(t.TempDir(), "p")
	if b, err := exec.Command(pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-png",
		testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf"), out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	if got := fileDPI(open(out + ".png")); got != 150 {
		t.Errorf("pdftoppm -r 150: %d dpi, want 150", got)
	}
}
