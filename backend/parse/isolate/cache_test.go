package isolate

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/parse/ocr"
)

// memCache is an in-memory ocr.Cache.
type memCache struct {
	mu sync.Mutex // guards m
	m  map[string][]byte
}

func (c *memCache) Get(key []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[string(key)]
	return v, ok
}

func (c *memCache) Put(key, val []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[string(key)] = bytes.Clone(val)
}

// TestOCRCacheOverPipes runs both ends of the cache protocol over real
// pipes, as between a child and its parent: gets are answered in order,
// puts reach the cache, other lines (progress, messages) pass on, and no
// request shows in the stderr the parent keeps.
func TestOCRCacheOverPipes(t *testing.T) {
	key := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	cache := &memCache{m: map[string][]byte{string(key(1)): []byte("entry one")}}
	reqR, reqW, err := os.Pipe() // child's stderr
	if err != nil {
		t.Fatal(err)
	}
	ansR, ansW, err := os.Pipe() // child's stdin
	if err != nil {
		t.Fatal(err)
	}
	defer ansR.Close()
	stderr := &headTail{max: 1 << 20}
	progress := make(chan string, 10)
	pw := &progressWriter{next: stderr, out: progress, cache: &cacheServer{cache: cache, reply: ansW}}
	copied := make(chan struct{})
	go func() {
		io.Copy(pw, reqR)
		close(copied)
	}()
	out := &lockedWriter{w: reqW}
	child := &childCache{in: bufio.NewReader(ansR), out: out}

	if v, ok := child.Get(key(1)); !ok || string(v) != "entry one" {
		t.Fatalf("Get(1) = %q, %v", v, ok)
	}
	if v, ok := child.Get(key(2)); ok {
		t.Fatalf("Get(2) = %q: hit in an empty slot", v)
	}
	big := make([]byte, 300<<10) // longer than a pipe's buffer
	for i := range big {
		big[i] = byte(rand.IntN(256))
	}
	child.Put(key(2), big)
	out.printf("%sOCR page 1 of 2\n", progressMarker)
	out.printf("a message\n")
	if v, ok := child.Get(key(2)); !ok || !bytes.Equal(v, big) {
		t.Fatalf("Get(2) after Put: %d bytes, %v; want the %d put", len(v), ok, len(big))
	}
	out.printf("%sget nothex\n", cacheMarker) // a bad request is answered with a miss
	if line, err := child.in.ReadString('\n'); err != nil || line != "\n" {
		t.Fatalf("bad request answered %q, %v", line, err)
	}
	out.printf("%sput %x !!notbase64\n", cacheMarker, key(3))
	if v, ok := child.Get(key(3)); ok {
		t.Fatalf("a put that is not base64 stored %q", v)
	}
	fmt.Fprint(reqW, "last words without a newline")
	reqW.Close()
	<-copied
	pw.flush()

	kept := string(stderr.head) + string(stderr.tail)
	if strings.Contains(kept, cacheMarker) {
		t.Errorf("the parent's stderr keeps cache requests: %.300q", kept)
	}
	for _, want := range []string{"a message\n", progressMarker + "OCR page 1 of 2\n", "last words without a newline"} {
		if !strings.Contains(kept, want) {
			t.Errorf("the parent's stderr lacks %q: %q", want, kept)
		}
	}
	if msg := <-progress; msg != "OCR page 1 of 2" {
		t.Errorf("progress %q", msg)
	}

	// The parent gone (its end of stdin closed): every get is a miss.
	ansW.Close()
	if _, ok := child.Get(key(1)); ok {
		t.Error("Get with the parent gone: hit")
	}
	if !child.off {
		t.Error("the child still asks a parent that is gone")
	}
}

// TestOCRCacheInRealChildren reads a real scan (an image file) in two
// children through one cache: the first runs Tesseract and stores the
// page, the second takes it from the cache and returns the same document.
func TestOCRCacheInRealChildren(t *testing.T) {
	if !ocr.Available() {
		t.Skipf("OCR unavailable (%v): skipping", ocr.ErrNotAvailable)
	}
	png := testenv.SharedFile(t, "data/office/textract/png/standardized_text.png")
	cache := &memCache{m: map[string][]byte{}}
	var read, cached []int
	p := New(Config{OCRCache: cache, OCRPages: func(_ string, r, c int) { read, cached = append(read, r), append(cached, c) }})
	ctx := context.Background()
	first, err := p.Parse(ctx, png)
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Parse(ctx, png)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(read, []int{1, 0}) || !slices.Equal(cached, []int{0, 1}) || len(cache.m) != 1 {
		t.Fatalf("Tesseract read %v, the cache served %v, %d entries; want [1 0], [0 1], 1", read, cached, len(cache.m))
	}
	if !reflect.DeepEqual(first, again) || !strings.Contains(first.Text, "quick brown fox") {
		t.Fatalf("the cached read differs or lacks the text:\n%+v\n%+v", first, again)
	}
}
