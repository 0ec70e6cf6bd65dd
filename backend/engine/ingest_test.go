package engine

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/model/modeltest"
)

// openWithModel opens a library with a tiny random-weight embedding model,
// which splits text into short chunks.
func openWithModel(t *testing.T, data string, cfg Config) *Engine {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if _, err := modeltest.Write(dir, modeltest.Tiny{Seed: 11, MaxLen: 40}); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.ModelDir = data, dir
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func indexPaths(t *testing.T, e *Engine, paths ...string) IndexReport {
	t.Helper()
	rep, err := e.Index(context.Background(), paths, nil)
	if err != nil {
		t.Fatalf("Index: %v", err)
	}
	return rep
}

func states(t *testing.T, e *Engine) map[string]FileState {
	t.Helper()
	lib, err := e.Library(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]FileState{}
	for _, f := range lib.Files {
		out[filepath.Base(f.Path)] = f
	}
	return out
}

// paragraphs is long enough for several of the tiny model's chunks.
var paragraphs = strings.Repeat("the cat sat on the mat and the mat sat on the cat all day long.\n\n", 3) +
	"the dog runs on the mat.\n\n" +
	strings.Repeat("hello world, the cat is here and the dog is there and both are un-able to run.\n\n", 3)

func TestMovedFilesKeepTheirVectorsAndGoneFilesLeave(t *testing.T) {
	docs := t.TempDir()
	e := openWithModel(t, t.TempDir(), Config{})
	write(t, filepath.Join(docs, "a.txt"), paragraphs)
	write(t, filepath.Join(docs, "b.txt"), "the dog sat.")
	first := indexPaths(t, e, docs)
	if first.New != 2 || first.ChunksEmbedded == 0 {
		t.Fatalf("first run: %+v", first)
	}
	if err := os.MkdirAll(filepath.Join(docs, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(docs, "a.txt"), filepath.Join(docs, "sub", "renamed.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(docs, "b.txt")); err != nil {
		t.Fatal(err)
	}
	rep := indexPaths(t, e, docs)
	if rep.Moved != 1 || rep.Removed != 1 || rep.New != 0 || rep.ChunksEmbedded != 0 {
		t.Errorf("after a rename and a delete: %+v; want 1 moved, 1 removed, nothing embedded", rep)
	}
	st := states(t, e)
	if _, ok := st["a.txt"]; ok || st["renamed.txt"].State != "indexed" || len(st) != 1 {
		t.Errorf("library after the rename: %+v", st)
	}
	hits, err := e.Search(context.Background(), "dog runs", SearchOptions{Mode: "dense", K: 1})
	if err != nil || len(hits) != 1 || filepath.Base(hits[0].Path) != "renamed.txt" {
		t.Errorf("dense search after the rename: %+v, %v", hits, err)
	}

	// A file or folder inside a library folder, indexed on its own, is not
	// a new folder of the library.
	if rep := indexPaths(t, e, filepath.Join(docs, "sub", "renamed.txt")); rep.Unchanged != 1 {
		t.Errorf("indexing a file of the library on its own: %+v", rep)
	}
	indexPaths(t, e, filepath.Join(docs, "sub"))
	if lib, _ := e.Library(context.Background()); len(lib.Folders) != 1 || lib.Files[0].Root != docs {
		t.Errorf("after indexing a file and a subfolder on their own, the library is %+v", lib)
	}

	// A watcher's batch: moved across folders in one go.
	other := t.TempDir()
	indexPaths(t, e, other)
	to := filepath.Join(other, "again.txt")
	if err := os.Rename(filepath.Join(docs, "sub", "renamed.txt"), to); err != nil {
		t.Fatal(err)
	}
	rep, err = e.Update(context.Background(), []string{to}, []string{filepath.Join(docs, "sub")}, nil)
	if err != nil || rep.Moved != 1 || rep.Removed != 0 || rep.ChunksEmbedded != 0 {
		t.Errorf("Update with a move between folders: %+v, %v", rep, err)
	}
	if st := states(t, e); st["again.txt"].Root != other {
		t.Errorf("moved file's root = %q, want %q", st["again.txt"].Root, other)
	}
}

func TestAnEditReembedsOnlyTheChangedChunks(t *testing.T) {
	docs := t.TempDir()
	e := openWithModel(t, t.TempDir(), Config{})
	path := filepath.Join(docs, "notes.txt")
	paras := testenv.Paragraphs(40)
	write(t, path, strings.Join(paras, "\n\n"))
	first := indexPaths(t, e, docs)
	if first.ChunksEmbedded < 8 {
		t.Fatalf("the tiny model made %d chunks; the test needs many", first.ChunksEmbedded)
	}
	paras[1] += " a bird sang in the tree by the sea."
	write(t, path, strings.Join(paras, "\n\n"))
	rep := indexPaths(t, e, docs)
	// The second paragraph grew near the start of the file: its chunk, at
	// most the next too, changes; the rest keep their vectors. (Packing
	// sentences greedily, every chunk after the edit changed: 12 of 11.)
	if rep.Changed != 1 || rep.ChunksEmbedded < 1 || rep.ChunksEmbedded > 2 {
		t.Errorf("after editing one paragraph: %+v; want 1 or 2 of %d chunks embedded again", rep, first.ChunksEmbedded)
	}
	hits, err := e.Search(context.Background(), "bird sang", SearchOptions{Mode: "bm25", K: 1})
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Chunk.Text, "bird") {
		t.Errorf("search after the edit: %+v, %v", hits, err)
	}
	if st := states(t, e); st["notes.txt"].State != "indexed" {
		t.Errorf("after the edit the file is %+v", st["notes.txt"])
	}
}

func TestSizeLimitRetryRemoveRootAndPending(t *testing.T) {
	docs := t.TempDir()
	e := openWithModel(t, t.TempDir(), Config{MaxFileSize: 1000})
	write(t, filepath.Join(docs, "big.txt"), strings.Repeat("words ", 400))
	write(t, filepath.Join(docs, "ok.txt"), "the cat sat.")
	locked := filepath.Join(docs, "locked.txt")
	write(t, locked, "the dog ran.")
	if runtime.GOOS != "windows" && os.Getuid() != 0 {
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
	}
	rep := indexPaths(t, e, docs)
	st := states(t, e)
	if st["big.txt"].State != "skipped" || !strings.Contains(st["big.txt"].Reason, "larger than the 1 kB limit") {
		t.Errorf("big file: %+v", st["big.txt"])
	}
	if os.Getuid() != 0 && runtime.GOOS != "windows" {
		if st["locked.txt"].State != "failed" || !strings.Contains(st["locked.txt"].Reason, "permission denied") {
			t.Errorf("unreadable file: %+v (report %+v)", st["locked.txt"], rep)
		}
		// Fixed without touching the file: a plain scan trusts the record,
		// Retry reads it again.
		if err := os.Chmod(locked, 0o644); err != nil {
			t.Fatal(err)
		}
		indexPaths(t, e, docs)
		if st := states(t, e); st["locked.txt"].State != "failed" {
			t.Errorf("a plain rescan re-read an unchanged failed file: %+v", st["locked.txt"])
		}
		if _, err := e.Retry(context.Background(), []string{locked}, nil); err != nil {
			t.Fatal(err)
		}
		if st := states(t, e); st["locked.txt"].State != "indexed" {
			t.Errorf("after Retry: %+v", st["locked.txt"])
		}
		lib, _ := e.Library(context.Background())
		if len(lib.Folders) != 1 {
			t.Errorf("after Retry the library has folders %+v; a retried file is not a new folder", lib.Folders)
		}
	}

	// A run cancelled before it reads anything leaves the files pending.
	later := t.TempDir()
	write(t, filepath.Join(later, "later.txt"), "read me later.")
	ctx, cancel := context.WithCancel(context.Background())
	e.Pause()
	done := make(chan IndexReport)
	var sawPause sync.Once
	paused := make(chan struct{})
	go func() {
		rep, _ := e.Index(ctx, []string{later}, func(p core.Progress) {
			if p.Paused {
				sawPause.Do(func() { close(paused) })
			}
		})
		done <- rep
	}()
	select {
	case <-paused:
	case <-time.After(time.Minute):
		t.Fatal("a paused run never said so")
	}
	if st := states(t, e); st["later.txt"].State != "pending" {
		t.Errorf("while paused, later.txt is %+v; want pending", st["later.txt"])
	}
	cancel()
	if rep := <-done; !rep.Canceled {
		t.Errorf("cancelled while paused: %+v", rep)
	}
	e.Resume()
	if rep := indexPaths(t, e, later); rep.New != 1 {
		t.Errorf("resumed: %+v; want the pending file read as new", rep)
	}

	n, err := e.RemoveRoot(context.Background(), docs)
	if err != nil || n != 3 {
		t.Errorf("RemoveRoot = %d, %v; want 3 files", n, err)
	}
	lib, _ := e.Library(context.Background())
	for _, f := range lib.Folders {
		if f.Path == docs {
			t.Errorf("the removed folder is still listed")
		}
	}
	if hits, _ := e.Search(context.Background(), "cat sat", SearchOptions{Mode: "bm25"}); len(hits) != 0 {
		t.Errorf("the removed folder's text is still found: %+v", hits)
	}
}
