package pdf

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/pdf/imagepdf"
)

func needPageOCR(t *testing.T) {
	t.Helper()
	if ok, why := ocrReady(); !ok {
		t.Skipf("OCR unavailable (%s): skipping", why)
	}
}

// scanOf renders page of the PDF at src at dpi and wraps the picture, as
// a JPEG, as an image-only PDF the size of the original page, as a scanner
// would.
func scanOf(t *testing.T, src string, page, dpi int) string {
	t.Helper()
	dir := t.TempDir()
	n, d := strconv.Itoa(page), strconv.Itoa(dpi)
	if b, err := exec.Command(pdftoppm, "-r", d, "-f", n, "-l", n, "-gray", "-singlefile", "-png", src, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	f, err := os.Open(filepath.Join(dir, "p.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "scan.pdf")
	if err := imagepdf.WriteFile(out, imagepdf.Page{Image: img, DPI: float64(dpi), JPEGQuality: 85}); err != nil {
		t.Fatal(err)
	}
	return out
}

func iou(a, b core.Rect) float64 {
	ix := min(a.X1, b.X1) - max(a.X0, b.X0)
	iy := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	in := ix * iy
	return in / ((a.X1-a.X0)*(a.Y1-a.Y0) + (b.X1-b.X0)*(b.Y1-b.Y0) - in)
}

// wordBoxes maps each word of doc (on page 1) to its boxes.
func wordBoxes(doc core.Document) map[string][]core.Rect {
	out := map[string][]core.Rect{}
	for _, b := range doc.Boxes {
		if b.Page == 1 {
			w := doc.Text[b.Start:b.End]
			out[w] = append(out[w], b.Rect)
		}
	}
	return out
}

// TestOCRScannedPage reads a 200 dpi scan of tracemonkey.pdf's first page
// and checks the words and where they are: the OCR box of each word that
// occurs once on the page overlaps the original text layer's box of it.
func TestOCRScannedPage(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of a dense 200 dpi page (seconds of CPU): skipped with -short")
	}
	needPageOCR(t)
	orig := testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	scan := scanOf(t, orig, 1, 200)
	want, err := New(Config{}).Parse(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(Config{}).Parse(context.Background(), scan)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Check(); err != nil {
		t.Fatal(err)
	}
	if len(got.Pages) != 1 || got.Pages[0].OCR == nil || got.Pages[0].OCR.Confidence < 70 {
		t.Fatalf("pages %+v: want one page marked OCR with a good confidence", got.Pages)
	}
	text := strings.Join(strings.Fields(got.Text), " ")
	for _, s := range []string{"Trace-based Just-in-Time Type Specialization for Dynamic", "Andreas Gal", "Dynamic languages such as JavaScript"} {
		if !strings.Contains(text, s) {
			t.Errorf("OCR text lacks %q", s)
		}
	}
	// The scan's page box is the original's (to within a pixel), so
	// boxes compare directly.
	wb, gb := wordBoxes(want), wordBoxes(got)
	var ious []float64
	for w, rs := range gb {
		if len(rs) == 1 && len(wb[w]) == 1 && len(w) >= 4 {
			ious = append(ious, iou(rs[0], wb[w][0]))
		}
	}
	if len(ious) < 100 {
		t.Fatalf("only %d words to compare", len(ious))
	}
	good := 0
	for _, v := range ious {
		if v >= 0.5 {
			good++
		}
	}
	if good < len(ious)*8/10 {
		t.Errorf("%d of %d unique words overlap their text-layer box by IoU >= 0.5", good, len(ious))
	}
	t.Logf("%d of %d unique words overlap by IoU >= 0.5; confidence %.1f", good, len(ious), got.Pages[0].OCR.Confidence)
}

// TestNoOCRLeavesPageUnread: with NoOCR the scan fails as it did before
// OCR, saying it needs OCR.
func TestNoOCRLeavesPageUnread(t *testing.T) {
	needPageOCR(t)
	scan := scanOf(t, testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf"), 2, 72)
	_, err := New(Config{NoOCR: true}).Parse(context.Background(), scan)
	if err == nil || !strings.Contains(err.Error(), "needs OCR") {
		t.Errorf("err = %v, want needs OCR", err)
	}
}

// TestOCRCancelled: a cancelled parse stops in the middle of OCR and
// says so.
func TestOCRCancelled(t *testing.T) {
	needPageOCR(t)
	scan := scanOf(t, testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf"), 1, 300)
	ctx, cancel := context.WithCancel(context.Background())
	p := New(Config{Progress: func(int, int) { cancel() }})
	_, err := p.Parse(ctx, scan)
	if err == nil || !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), scan) {
		t.Errorf("err = %v, want cancelled, naming the file", err)
	}
}

func TestPixelsToUser(t *testing.T) {
	crop := [4]float64{10, 20, 110, 220} // 100 x 200 points
	px := image.Rect(0, 0, 10, 20)       // the displayed page's top left corner
	for _, tt := range []struct {
		rot  int
		w, h int // the rendered image, one pixel a point
		want rect
	}{
		{0, 100, 200, rect{10, 200, 20, 220}},    // the top left
		{90, 200, 100, rect{10, 20, 30, 30}},     // the bottom left, turned
		{180, 100, 200, rect{100, 20, 110, 40}},  // the bottom right
		{270, 200, 100, rect{90, 210, 110, 220}}, // the top right, turned
	} {
		if got := pixelsToUser(px, tt.w, tt.h, crop, tt.rot); got != tt.want {
			t.Errorf("rotate %d: %+v, want %+v", tt.rot, got, tt.want)
		}
	}
}

// TestOCRRotatedPage: a scan stored on its side with /Rotate 90 (as a
// scanner fed landscape-first writes it) reads upright, and its word boxes
// land where the words are in the page's unrotated user space: each is
// the original text layer's box turned as the page is.
func TestOCRRotatedPage(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of a page (seconds of CPU): skipped with -short")
	}
	needPageOCR(t)
	orig := testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	dir := t.TempDir()
	if b, err := exec.Command(pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-gray", "-singlefile", "-png", orig, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	f, err := os.Open(filepath.Join(dir, "p.png"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Turn the picture a quarter counter-clockwise; /Rotate 90 turns it
	// back for display.
	b := up.Bounds()
	side := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			side.Set(y, b.Dx()-1-x, up.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	scan := filepath.Join(dir, "side.pdf")
	if err := imagepdf.WriteFile(scan, imagepdf.Page{Image: side, DPI: 150, JPEGQuality: 90, Rotate: 90}); err != nil {
		t.Fatal(err)
	}
	want, err := New(Config{}).Parse(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(Config{OCRDPI: 150}).Parse(context.Background(), scan)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(got.Text), " "), "Trace-based Just-in-Time Type Specialization") {
		t.Errorf("the turned scan does not read upright: %.200q", got.Text)
	}
	if got.Pages[0].Rotate != 90 {
		t.Errorf("rotate = %d", got.Pages[0].Rotate)
	}
	// Original user space (612 x 792) to the turned page's (792 x 612):
	// x' = 792 - y, y' = x.
	wb, gb := wordBoxes(want), wordBoxes(got)
	good, n := 0, 0
	for w, rs := range gb {
		if len(rs) != 1 || len(wb[w]) != 1 || len(w) < 4 {
			continue
		}
		o := wb[w][0]
		turned := core.Rect{X0: 792 - o.Y1, Y0: o.X0, X1: 792 - o.Y0, Y1: o.X1}
		n++
		if iou(rs[0], turned) >= 0.5 {
			good++
		}
	}
	if n < 100 || good < n*8/10 {
		t.Errorf("%d of %d unique words overlap their turned text-layer box by IoU >= 0.5", good, n)
	}
}
