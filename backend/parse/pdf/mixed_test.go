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
	"time"
	"unicode"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/pdf/imagepdf"
)

// renderCrop renders the area of page of src (in points from the page's
// top left) at dpi with pdftoppm, as a gray picture.
func renderCrop(t *testing.T, src string, page int, x, y, w, h float64, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	px := func(v float64) string { return strconv.Itoa(int(v * float64(dpi) / 72)) }
	n := strconv.Itoa(page)
	if b, err := exec.Command(pdftoppm, "-r", strconv.Itoa(dpi), "-f", n, "-l", n, "-x", px(x), "-y", px(y), "-W", px(w), "-H", px(h),
		"-gray", "-singlefile", "-png", src, filepath.Join(dir, "c")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	f, err := os.Open(filepath.Join(dir, "c.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pdftotextWords returns poppler's words of the area of page of src (in
// points from the top left) that are made of four or more letters.
func pdftotextWords(t *testing.T, src string, page int, x, y, w, h float64) []string {
	t.Helper()
	n := strconv.Itoa(page)
	f := func(v float64) string { return strconv.Itoa(int(v)) }
	out, err := exec.Command("pdftotext", "-f", n, "-l", n, "-r", "72", "-x", f(x), "-y", f(y), "-W", f(w), "-H", f(h), src, "-").Output()
	if err != nil {
		t.Skipf("pdftotext: %v", err)
	}
	var words []string
	for _, w := range strings.Fields(string(out)) {
		if len(w) >= 4 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			words = append(words, w)
		}
	}
	return words
}

type placedWord struct {
	text string
	r    core.Rect
}

func placed(doc core.Document) []placedWord {
	var out []placedWord
	for _, b := range doc.Boxes {
		out = append(out, placedWord{doc.Text[b.Start:b.End], b.Rect})
	}
	return out
}

// TestOCRMixedPage: a text page with a scanned figure of words on it
// (tracemonkey.pdf's abstract rendered at 300 dpi, placed between lines
// of real text from its second page) keeps its text layer word for word,
// box for box, and gains the figure's words, with boxes inside the
// figure, read between the lines above and below it; the page is marked
// as OCR of one region. A figure without words adds nothing.
func TestOCRMixedPage(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of a figure (a second of CPU): skipped with -short")
	}
	needPageOCR(t)
	src := testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	// The abstract, in points from page 1's top left.
	ax, ay, aw, ah := 50.0, 350.0, 250.0, 130.0
	scan := renderCrop(t, src, 1, ax, ay, aw, ah, 300)
	want := pdftotextWords(t, src, 1, ax+2, ay+2, aw-4, ah-4)
	if len(want) < 30 {
		t.Fatalf("pdftotext found only %d words in the abstract", len(want))
	}
	out, err := exec.Command("pdftotext", "-f", "2", "-l", "2", src, "-").Output()
	if err != nil {
		t.Skipf("pdftotext: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); len(l) > 30 && len(lines) < 12 {
			lines = append(lines, l)
		}
	}
	// Six lines above the figure, six below; the figure's bottom left at
	// (72, 300) in user space, 250 x 130 points.
	var text []imagepdf.Line
	for i, l := range lines {
		y := 740 - 14*float64(i)
		if i >= 6 {
			y = 280 - 14*float64(i-6)
		}
		text = append(text, imagepdf.Line{X: 72, Y: y, Size: 9, Text: l})
	}
	fig := core.Rect{X0: 72, Y0: 300, X1: 72 + aw, Y1: 300 + ah}
	dir := t.TempDir()
	mixed := filepath.Join(dir, "mixed.pdf")
	page := imagepdf.Page{Image: scan, DPI: 300, Width: 612, Height: 792, ImageX: fig.X0, ImageY: fig.Y0, Text: text}
	if err := imagepdf.WriteFile(mixed, page); err != nil {
		t.Fatal(err)
	}

	base, err := New(Config{NoOCR: true}).Parse(context.Background(), mixed)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(Config{}).Parse(context.Background(), mixed)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Check(); err != nil {
		t.Fatal(err)
	}
	if o := got.Pages[0].OCR; o == nil || o.Regions != 1 || o.Confidence < 70 {
		t.Fatalf("page OCR mark %+v: want one region read with a good confidence", o)
	}
	if base.Pages[0].OCR != nil {
		t.Errorf("without OCR the page is marked %+v", base.Pages[0].OCR)
	}
	// The text layer, word for word and box for box.
	have := map[placedWord]int{}
	for _, w := range placed(got) {
		have[w]++
	}
	for _, w := range placed(base) {
		if have[w] == 0 {
			t.Errorf("the text layer's %q at %+v is gone", w.text, w.r)
		}
		have[w]--
	}
	// The rest is the figure's words, inside it.
	var added []string
	for _, w := range placed(got) {
		if have[w] <= 0 {
			continue
		}
		have[w]--
		added = append(added, w.text)
		if w.r.X0 < fig.X0-1 || w.r.Y0 < fig.Y0-1 || w.r.X1 > fig.X1+1 || w.r.Y1 > fig.Y1+1 {
			t.Errorf("OCR word %q at %+v lies outside the figure %+v", w.text, w.r, fig)
		}
	}
	found := 0
	joined := " " + strings.Join(added, " ") + " "
	for _, w := range want {
		if strings.Contains(joined, w) {
			found++
		}
	}
	if found < len(want)*85/100 {
		t.Errorf("OCR found %d of the figure's %d words; added %q", found, len(want), joined)
	}
	// Reading order: the figure between the lines above and below it.
	flat := strings.Join(strings.Fields(got.Text), " ")
	above := strings.Index(flat, strings.Join(strings.Fields(lines[5]), " "))
	below := strings.Index(flat, strings.Join(strings.Fields(lines[6]), " "))
	inFig := strings.Index(flat, "Dynamic languages such as JavaScript")
	if above < 0 || below < 0 || inFig < 0 || !(above < inFig && inFig < below) {
		t.Errorf("order: line above at %d, figure at %d, line below at %d; text %q", above, inFig, below, flat)
	}
	t.Logf("%d of %d words of the figure found; confidence %.1f", found, len(want), got.Pages[0].OCR.Confidence)

	// Over its OCR budget, the page keeps its text layer and says so.
	got, err = New(Config{OCRPageTimeout: time.Nanosecond}).Parse(context.Background(), mixed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != base.Text || got.Pages[0].OCR != nil || !strings.Contains(strings.Join(got.Warnings, "\n"), "OCR of its images abandoned") {
		t.Errorf("over the budget: OCR %+v, warnings %q", got.Pages[0].OCR, got.Warnings)
	}
	// Cancelled while its pictures are read, the parse stops and says so.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = New(Config{Progress: func(int, int) { cancel() }}).Parse(ctx, mixed)
	if err == nil || !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), mixed) {
		t.Errorf("cancelled: err = %v, want cancelled, naming the file", err)
	}

	// A figure without words: a smooth picture, nothing read.
	blank := image.NewGray(image.Rect(0, 0, 1000, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 1000; x++ {
			blank.Pix[y*1000+x] = uint8(80 + (x*120)/1000 + (y*40)/600)
		}
	}
	page.Image = blank
	photo := filepath.Join(dir, "photo.pdf")
	if err := imagepdf.WriteFile(photo, page); err != nil {
		t.Fatal(err)
	}
	got, err = New(Config{}).Parse(context.Background(), photo)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != base.Text || got.Pages[0].OCR != nil {
		t.Errorf("a figure without words changed the page: OCR %+v, text %q", got.Pages[0].OCR, got.Text)
	}
}
