package ocr

import (
	"bytes"
	"context"
	"image"
	"reflect"
	"sync"
	"testing"

	"folio/backend/internal/testenv"
)

// mapCache is an in-memory Cache that counts its calls.
type mapCache struct {
	mu         sync.Mutex // guards the fields
	m          map[string][]byte
	gets, puts int
}

func (c *mapCache) Get(key []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	v, ok := c.m[string(key)]
	return v, ok
}

func (c *mapCache) Put(key, val []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.puts++
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[string(key)] = append([]byte(nil), val...)
}

func samplePage() Page {
	return Page{Width: 200, Height: 100, Conf: 87.25, Languages: []string{"eng", "deu"}, Words: []Word{
		{Text: "Grüße", Box: image.Rect(10, 10, 60, 30), Conf: 91.5, NewLine: true, NewPara: true, NewBlock: true},
		{Text: "aus", Box: image.Rect(70, 10, 100, 30), Conf: 83},
		{Text: "Köln.", Box: image.Rect(10, 40, 70, 60), Conf: 87.25, NewLine: true},
	}}
}

func TestCacheEntryRoundTrip(t *testing.T) {
	pg := samplePage()
	got, err := decodePage(encodePage(pg), 200, 100, []string{"eng", "deu"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pg) {
		t.Fatalf("decoded %+v, want %+v", got, pg)
	}
	empty := Page{Width: 5, Height: 7, Languages: []string{"eng"}}
	if got, err := decodePage(encodePage(empty), 5, 7, []string{"eng"}); err != nil || len(got.Words) != 0 || got.Width != 5 {
		t.Fatalf("empty page: %+v, %v", got, err)
	}
}

// Every damaged, truncated or mismatched entry is refused (a miss), never
// a page that breaks Recognize's invariants, and never a panic.
func TestCacheEntryDamageIsAMiss(t *testing.T) {
	e := encodePage(samplePage())
	langs := []string{"eng", "deu"}
	for i := range e {
		for _, bit := range []byte{0x01, 0x80} {
			d := bytes.Clone(e)
			d[i] ^= bit
			if _, err := decodePage(d, 200, 100, langs); err == nil {
				t.Fatalf("byte %d flipped (%#x): decoded without error", i, bit)
			}
		}
	}
	for n := 0; n < len(e); n++ {
		if _, err := decodePage(e[:n], 200, 100, langs); err == nil {
			t.Fatalf("entry cut to %d of %d bytes: decoded without error", n, len(e))
		}
	}
	if _, err := decodePage(append(bytes.Clone(e), 0), 200, 100, langs); err == nil {
		t.Error("a byte too many: decoded without error")
	}
	for _, c := range []struct {
		w, h  int
		langs []string
	}{{201, 100, langs}, {200, 99, langs}, {200, 100, []string{"eng"}}, {200, 100, []string{"deu", "eng"}}} {
		if _, err := decodePage(e, c.w, c.h, c.langs); err == nil {
			t.Errorf("entry for 200x100 eng+deu read as %dx%d %v", c.w, c.h, c.langs)
		}
	}
	// A word outside the image, well encoded, is refused too.
	bad := samplePage()
	bad.Words[1].Box = image.Rect(150, 10, 250, 30)
	if _, err := decodePage(encodePage(bad), 200, 100, langs); err == nil {
		t.Error("a word outside the image: decoded without error")
	}
}

func TestCacheKeyCoversWhatOCRReads(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6}
	base := cacheKey(pix, 3, 2, 300, []string{"eng"}, "5.3.0", "eng:1:2;")
	if len(base) != KeySize {
		t.Fatalf("key of %d bytes, want %d", len(base), KeySize)
	}
	if !bytes.Equal(base, cacheKey(bytes.Clone(pix), 3, 2, 300, []string{"eng"}, "5.3.0", "eng:1:2;")) {
		t.Fatal("the same image gives another key")
	}
	for name, k := range map[string][]byte{
		"a pixel":    cacheKey([]byte{1, 2, 3, 4, 5, 7}, 3, 2, 300, []string{"eng"}, "5.3.0", "eng:1:2;"),
		"the shape":  cacheKey(pix, 2, 3, 300, []string{"eng"}, "5.3.0", "eng:1:2;"),
		"the dpi":    cacheKey(pix, 3, 2, 150, []string{"eng"}, "5.3.0", "eng:1:2;"),
		"a language": cacheKey(pix, 3, 2, 300, []string{"eng", "deu"}, "5.3.0", "eng:1:2;"),
		"tesseract":  cacheKey(pix, 3, 2, 300, []string{"eng"}, "5.4.1", "eng:1:2;"),
		"the model":  cacheKey(pix, 3, 2, 300, []string{"eng"}, "5.3.0", "eng:1:3;"),
	} {
		if bytes.Equal(k, base) {
			t.Errorf("changing %s keeps the key", name)
		}
	}
}

// TestRecognizeUsesCache reads a real scan twice through a cache: the
// second read runs no Tesseract and gives the same page; other languages
// miss; a damaged entry is read again and replaced.
func TestRecognizeUsesCache(t *testing.T) {
	needOCR(t)
	img := loadPNG(t, testenv.SharedFile(t, "data/office/textract/png/standardized_text.png"))
	ctx := context.Background()
	c := &mapCache{}
	read0, cached0 := Counts()
	first, err := Recognize(ctx, img, Options{Languages: []string{"eng"}, Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if read, cached := Counts(); read != read0+1 || cached != cached0 || c.puts != 1 {
		t.Fatalf("first read: Tesseract ran %d times, cache served %d, %d puts; want 1, 0, 1", read-read0, cached-cached0, c.puts)
	}
	// The same picture decoded again is the same page.
	again, err := Recognize(ctx, loadPNG(t, testenv.SharedFile(t, "data/office/textract/png/standardized_text.png")), Options{Languages: []string{"eng"}, Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if read, cached := Counts(); read != read0+1 || cached != cached0+1 {
		t.Fatalf("second read: Tesseract ran %d times in all, cache served %d; want 1, 1", read-read0, cached-cached0)
	}
	if !reflect.DeepEqual(again, first) || len(first.Words) < 9 {
		t.Fatalf("cached page differs:\n%+v\nwant\n%+v", again, first)
	}
	if len(Languages()) > 1 {
		other := Languages()[0]
		if other == "eng" {
			other = Languages()[1]
		}
		if _, err := Recognize(ctx, img, Options{Languages: []string{other}, Cache: c}); err != nil {
			t.Fatal(err)
		}
		if read, _ := Counts(); read != read0+2 {
			t.Fatalf("other languages (%s): Tesseract ran %d times in all, want 2", other, read-read0)
		}
	}
	for k, v := range c.m {
		v[len(v)-1] ^= 0xff // damage every entry
		c.m[k] = v
	}
	puts := c.puts
	third, err := Recognize(ctx, img, Options{Languages: []string{"eng"}, Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if c.puts != puts+1 || !reflect.DeepEqual(third, first) {
		t.Fatalf("damaged entry: %d puts (want %d), same page %v", c.puts, puts+1, reflect.DeepEqual(third, first))
	}
}
