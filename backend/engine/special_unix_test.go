//go:build unix

package engine

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFIFOInFolderIsListedSkipped: a FIFO inside a scanned folder is never
// opened (that would wait for a writer for ever); the folder's other files
// are indexed and the FIFO is listed as skipped, with the reason. A FIFO
// named on purpose is refused with an error naming it.
func TestFIFOInFolderIsListedSkipped(t *testing.T) {
	docs := t.TempDir()
	write(t, filepath.Join(docs, "a.txt"), "The heron colony counted 214 nests.")
	fifo := filepath.Join(docs, "x.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	e := open(t, t.TempDir())
	defer e.Close()
	type result struct {
		rep IndexReport
		err error
	}
	index := func(path string) IndexReport {
		t.Helper()
		done := make(chan result, 1)
		go func() {
			rep, err := e.Index(context.Background(), []string{path}, nil)
			done <- result{rep, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatalf("Index(%s): %v", path, r.err)
			}
			return r.rep
		case <-time.After(30 * time.Second):
			t.Fatalf("Index(%s) blocks on the FIFO", path)
		}
		return IndexReport{}
	}
	rep := index(docs)
	if rep.New != 1 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Errorf("indexing the folder: %+v, want 1 new, 1 skipped", rep)
	}
	st := states(t, e)
	if got := st["x.txt"]; got.State != "skipped" || got.Reason != "not a regular file (a FIFO)" {
		t.Errorf("the FIFO's state: %+v, want skipped: not a regular file (a FIFO)", got)
	}
	if st["a.txt"].State != "indexed" {
		t.Errorf("a.txt: %+v", st["a.txt"])
	}
	rep = index(fifo)
	if len(rep.Errors) != 1 || rep.Errors[0].Path != fifo || rep.Errors[0].Reason != "not a regular file (a FIFO)" {
		t.Errorf("indexing the FIFO by name: %+v", rep.Errors)
	}
}
