package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatchKeepsTheLibraryUpToDate runs Watch and changes the folder under
// it: a file made while closed, one made while watching, an edit, a move
// and a delete.
func TestWatchKeepsTheLibraryUpToDate(t *testing.T) {
	docs := t.TempDir()
	e := openWithModel(t, t.TempDir(), Config{})
	write(t, filepath.Join(docs, "old.txt"), "the cat sat.")
	indexPaths(t, e, docs)
	write(t, filepath.Join(docs, "while-closed.txt"), "the dog ran while folio was closed.")

	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan IndexReport, 16)
	done := make(chan error, 1)
	go func() { done <- e.Watch(ctx, func(r IndexReport) { runs <- r }, nil) }()
	next := func(what string, ok func(IndexReport) bool) IndexReport {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case r := <-runs:
				if ok(r) {
					return r
				}
			case <-deadline:
				t.Fatalf("%s: no run reported it within 30 s", what)
			}
		}
	}
	next("the start-up rescan", func(r IndexReport) bool { return r.New == 1 })

	path := filepath.Join(docs, "sub", "new.txt")
	write(t, path, paragraphs)
	first := next("a new file", func(r IndexReport) bool { return r.New == 1 })
	write(t, path, strings.Replace(paragraphs, "the dog runs on the mat.", "a bird sang on the mat.", 1))
	edit := next("an edit", func(r IndexReport) bool { return r.Changed == 1 })
	if edit.ChunksEmbedded == 0 || edit.ChunksEmbedded >= first.ChunksEmbedded {
		t.Errorf("the edit embedded %d chunks of %d", edit.ChunksEmbedded, first.ChunksEmbedded)
	}
	if err := os.Rename(path, filepath.Join(docs, "moved.txt")); err != nil {
		t.Fatal(err)
	}
	move := next("a move", func(r IndexReport) bool { return r.Moved == 1 })
	if move.ChunksEmbedded != 0 || move.Removed != 0 {
		t.Errorf("the move: %+v", move)
	}
	if err := os.Remove(filepath.Join(docs, "old.txt")); err != nil {
		t.Fatal(err)
	}
	next("a delete", func(r IndexReport) bool { return r.Removed == 1 })

	st := states(t, e)
	if len(st) != 2 || st["moved.txt"].State != "indexed" || st["while-closed.txt"].State != "indexed" {
		t.Errorf("library after watching: %+v", st)
	}
	hits, err := e.Search(context.Background(), "bird sang", SearchOptions{K: 1})
	if err != nil || len(hits) != 1 || filepath.Base(hits[0].Path) != "moved.txt" {
		t.Errorf("search after watching: %+v, %v", hits, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}
