package library

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"folio/backend/store"
)

// cutShort is a context that ends after its Err has been asked n times:
// a walk stopped part of the way through a folder.
type cutShort struct {
	context.Context
	n int
}

func (c *cutShort) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func writeFiles(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%02d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("text"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A walk cut short is not complete, so the files it did not reach are
// never taken for files gone from the folder.
func TestWalkCutShortIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, 30)
	full := walk(context.Background(), dir, dir)
	if !full.complete || len(full.files) != 30 || len(full.errs) != 0 {
		t.Fatalf("full walk: complete=%v, %d files, errors %v; want complete, 30 files, none", full.complete, len(full.files), full.errs)
	}
	var known []store.FileRecord
	for _, f := range full.files {
		known = append(known, store.FileRecord{Path: f.path, Root: dir, State: store.StateIndexed, DocID: 1})
	}
	for _, stop := range []int{0, 5, 17} {
		w := walk(&cutShort{context.Background(), stop}, dir, dir)
		if len(w.files) >= 30 {
			t.Fatalf("cut after %d entries: the walk found all %d files; the test does not cut it short", stop, len(w.files))
		}
		if w.complete {
			t.Errorf("cut after %d entries: the walk found %d of 30 files and says it is complete", stop, len(w.files))
		}
		var scanned []string
		if w.complete {
			scanned = append(scanned, dir)
		}
		if g := gone(known, scanned, nil, w.files); len(g) != 0 {
			t.Errorf("cut after %d entries: %d files the walk never reached would leave the library", stop, len(g))
		}
	}
}

// A folder that vanishes is reported by path, and its walk is not complete.
func TestWalkErrorsNamed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	w := walk(context.Background(), dir, dir)
	if w.complete {
		t.Error("the walk of a missing folder says it is complete")
	}
	if len(w.errs) != 1 || w.errs[0].Path != dir {
		t.Errorf("errors %v, want one naming %s", w.errs, dir)
	}
}
