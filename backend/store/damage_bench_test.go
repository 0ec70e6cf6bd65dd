package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
)

// BenchmarkOpenChecksBlocks measures what reading every block of every
// table at Open costs (Damaged, salvage): it opens a library of 4000
// documents (text, 4 chunks, postings each) with the check and, as the
// reference in the same run, without it, and reports both and their ratio.
//
//	go test ./backend/store -run '^$' -bench OpenChecksBlocks -benchtime 1x
func BenchmarkOpenChecksBlocks(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "lib")
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 4000 {
		var t strings.Builder
		for w := range 600 {
			fmt.Fprintf(&t, "w%dx%d ", i%97, w)
		}
		text := t.String()
		q := len(text) / 4
		chunks := []core.Chunk{{End: q, Text: text[:q]}, {Start: q, End: 2 * q, Text: text[q : 2*q]},
			{Start: 2 * q, End: 3 * q, Text: text[2*q : 3*q]}, {Start: 3 * q, End: len(text), Text: text[3*q:]}}
		post := &Postings{Terms: map[string][]byte{}, Stats: []byte{1}}
		for w := range 50 {
			post.Terms[fmt.Sprintf("t%d_%d", i%211, w)] = []byte{1, 2, 3}
		}
		rec := FileRecord{Path: fmt.Sprintf("/docs/f%05d.txt", i), Root: "/docs"}
		if _, err := s.PutDocument(rec, &core.Document{Text: text}, chunks, post); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	size := int64(0)
	ms, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	for _, m := range ms {
		size += fileSize(m)
	}
	open := func(check bool) time.Duration {
		checkBlocksAtOpen = check
		defer func() { checkBlocksAtOpen = true }()
		start := time.Now()
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		return d
	}
	open(true) // warm the page cache
	var with, without time.Duration
	b.ResetTimer()
	for range b.N {
		for range 3 {
			without += open(false)
			with += open(true)
		}
	}
	n := float64(3 * b.N)
	b.ReportMetric(float64(size)/1e6, "MB_tables")
	b.ReportMetric(with.Seconds()*1e3/n, "ms/open_checked")
	b.ReportMetric(without.Seconds()*1e3/n, "ms/open_reference")
	b.ReportMetric(with.Seconds()/without.Seconds(), "ratio")
}

func fileSize(path string) int64 {
	if i, err := os.Stat(path); err == nil {
		return i.Size()
	}
	return 0
}
