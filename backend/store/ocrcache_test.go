package store

import (
	"bytes"
	"fmt"
	"testing"
)

func ocrKey(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 32) }

// The cache keeps entries across a restart, sits under its own prefix
// (no orphans, no check problems) and is trimmed least recently used
// first: an entry read since the last Open outlives older ones.
func TestOCRCacheAcrossReopenAndTrim(t *testing.T) {
	s, dir := openTemp(t)
	c := s.OCRCache()
	if _, ok := c.Get(ocrKey(1)); ok {
		t.Fatal("empty cache: hit")
	}
	val := bytes.Repeat([]byte("x"), 10<<10)
	for i := 1; i <= 10; i++ {
		c.Put(ocrKey(i), append([]byte(fmt.Sprint(i)), val...))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c = s.OCRCache()
	n, size, err := s.OCRCacheSize()
	if err != nil || n != 10 || size < 100<<10 {
		t.Fatalf("after reopen: %d entries, %d bytes, %v; want 10 of 10 KB", n, size, err)
	}
	// Read entry 1, the oldest: it is written again, and so the newest.
	if v, ok := c.Get(ocrKey(1)); !ok || !bytes.HasPrefix(v, []byte("1x")) {
		t.Fatalf("entry 1 after reopen: %.10q, %v", v, ok)
	}
	if o, err := s.Orphans(); err != nil || len(o) != 0 {
		t.Fatalf("orphans %v, %v: cache entries are no documents", o, err)
	}
	// Bound the cache to about half: the oldest entries go, entry 1 stays.
	dropped, err := s.TrimOCRCache(size / 2)
	if err != nil {
		t.Fatal(err)
	}
	n2, size2, _ := s.OCRCacheSize()
	if dropped == 0 || n2 != n-dropped || size2 > size/2 {
		t.Fatalf("trimmed to %d bytes: dropped %d, %d entries of %d bytes left", size/2, dropped, n2, size2)
	}
	if _, ok := c.Get(ocrKey(1)); !ok {
		t.Error("the entry read last was dropped")
	}
	if _, ok := c.Get(ocrKey(2)); ok {
		t.Error("the oldest entry unread since was kept")
	}
	if _, ok := c.Get(ocrKey(10)); !ok {
		t.Error("the newest entry was dropped")
	}
	if d, err := s.TrimOCRCache(size); err != nil || d != 0 {
		t.Errorf("under the bound: dropped %d, %v", d, err)
	}
}
