package ocr

import (
	"context"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"folio/backend/internal/testenv"
)

// needOCR skips the test in a build or on a machine without Tesseract.
func needOCR(t *testing.T) {
	t.Helper()
	if !Built {
		t.Skip("built without Tesseract (no cgo, or -tags noocr): skipping")
	}
	if !Available() {
		t.Skip("no Tesseract language pack installed (apt-get install tesseract-ocr-eng): skipping")
	}
}

func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
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

func TestRecognizeRealScan(t *testing.T) {
	needOCR(t)
	img := loadPNG(t, testenv.SharedFile(t, "data/office/textract/png/standardized_text.png"))
	pg, err := Recognize(context.Background(), img, Options{Languages: []string{"eng"}})
	if err != nil {
		t.Fatal(err)
	}
	text, spans := pg.Layout()
	if got := strings.Join(strings.Fields(text), " "); !strings.Contains(got, "the quick brown fox jumps over the lazy dog") {
		t.Errorf("text = %q", text)
	}
	if len(spans) != len(pg.Words) || len(pg.Words) < 9 {
		t.Fatalf("%d spans for %d words", len(spans), len(pg.Words))
	}
	b := img.Bounds()
	for i, w := range pg.Words {
		if text[spans[i].Start:spans[i].End] != w.Text {
			t.Errorf("span %d = %q, word %q", i, text[spans[i].Start:spans[i].End], w.Text)
		}
		if w.Box.Empty() || !w.Box.In(b) {
			t.Errorf("word %q box %v outside the image %v", w.Text, w.Box, b)
		}
		if w.Conf < 0 || w.Conf > 100 {
			t.Errorf("word %q confidence %v", w.Text, w.Conf)
		}
		// Words of a line go left to right.
		if i > 0 && !w.NewLine && w.Box.Min.X < pg.Words[i-1].Box.Max.X-2 {
			t.Errorf("word %q starts left of %q on the same line", w.Text, pg.Words[i-1].Text)
		}
	}
	// "dog", on the last line, is below "brown", on the first.
	find := func(s string) Word {
		for _, w := range pg.Words {
			if w.Text == s {
				return w
			}
		}
		t.Fatalf("no word %q in %q", s, text)
		return Word{}
	}
	if brown, dog := find("brown"), find("dog"); dog.Box.Min.Y <= brown.Box.Max.Y {
		t.Errorf("dog %v is not below brown %v", dog.Box, brown.Box)
	}
	if pg.Conf < 50 {
		t.Errorf("mean confidence %.1f on a clean image", pg.Conf)
	}
}

func TestRecognizeCancelledMidPage(t *testing.T) {
	if testing.Short() {
		t.Skip("a 4000x4000 page: skipped with -short")
	}
	needOCR(t)
	// A large page of real text: tile the textract sample to 4000x4000.
	src := loadPNG(t, testenv.SharedFile(t, "data/office/textract/png/raw_text.png"))
	sb := src.Bounds()
	big := image.NewGray(image.Rect(0, 0, 4000, 4000))
	for y := 0; y < 4000; y++ {
		for x := 0; x < 4000; x++ {
			big.Set(x, y, src.At(sb.Min.X+x%sb.Dx(), sb.Min.Y+y%sb.Dy()))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	_, err := Recognize(ctx, big, Options{Languages: []string{"eng"}})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The engine is still usable afterwards.
	if _, err := Recognize(context.Background(), src, Options{Languages: []string{"eng"}}); err != nil {
		t.Fatal(err)
	}
}

func TestRecognizeRefusesBadImages(t *testing.T) {
	needOCR(t)
	if _, err := Recognize(context.Background(), image.NewGray(image.Rect(0, 0, 0, 0)), Options{}); err == nil {
		t.Error("empty image accepted")
	}
	if _, err := Recognize(context.Background(), image.NewGray(image.Rect(0, 0, 20000, 20000)), Options{}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("huge image: err = %v", err)
	}
	if _, err := Recognize(context.Background(), image.NewGray(image.Rect(0, 0, 10, 10)), Options{Languages: []string{"xx-none"}}); err != ErrNotAvailable {
		t.Errorf("missing pack: err = %v", err)
	}
	// A blank page reads as no words, not an error.
	blank := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	pg, err := Recognize(context.Background(), blank, Options{})
	if err != nil || len(pg.Words) != 0 || pg.Conf != 0 {
		t.Errorf("blank page: %d words, conf %v, err %v", len(pg.Words), pg.Conf, err)
	}
}

func TestLocaleLanguage(t *testing.T) {
	for _, tt := range []struct{ lang, want string }{
		{"de_DE.UTF-8", "deu"}, {"fr_CA", "fra"}, {"C.UTF-8", ""}, {"POSIX", ""}, {"en_GB.UTF-8", "eng"}, {"xx_YY", ""},
	} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tt.lang)
		if got := localeLanguage(); got != tt.want {
			t.Errorf("LANG=%s: %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestLayoutSeparators(t *testing.T) {
	pg := Page{Words: []Word{
		{Text: "a", NewLine: true, NewPara: true, NewBlock: true}, {Text: "b"},
		{Text: "c", NewLine: true}, {Text: "d", NewLine: true, NewPara: true},
	}}
	text, spans := pg.Layout()
	if text != "a b\nc\n\nd" {
		t.Errorf("text = %q", text)
	}
	for i, s := range spans {
		if text[s.Start:s.End] != pg.Words[i].Text {
			t.Errorf("span %d = %q", i, text[s.Start:s.End])
		}
	}
}
