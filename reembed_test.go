package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/library"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// Settings → Models, "Use for search": the library switches to another
// embedding model (here one of another dimension) in the background, as
// an indexing run: progress events carry the re-embedding line, the end
// comes as library:indexed, and then the status, the model list and the
// vectors are the new model's. An unknown name is refused, naming it.
func TestSetActiveEmbedderReembeds(t *testing.T) {
	data, docs := t.TempDir(), t.TempDir()
	for name, hidden := range map[string]int{"tiny-a": 32, "tiny-b": 48} {
		if _, err := modeltest.Write(filepath.Join(data, model.ModelsDir, name), modeltest.Tiny{Seed: uint64(hidden), Hidden: hidden}); err != nil {
			t.Fatal(err)
		}
	}
	if err := model.SetActive(data, "tiny-a"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "minutes.txt"), []byte("The board approved the new library budget."), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	if _, err := eng.Index(context.Background(), []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	app := NewApp(eng)
	var (
		mu     sync.Mutex
		labels []string
	)
	done := make(chan engine.IndexReport, 1)
	app.emit = func(name string, payload any) {
		switch p := payload.(type) {
		case core.Progress:
			if p.Phase == library.PhaseReembedding {
				mu.Lock()
				labels = append(labels, p.Detail)
				mu.Unlock()
			}
		case engine.IndexReport:
			done <- p
		}
	}
	t.Cleanup(app.CancelIndexing)

	if err := app.SetActiveEmbedder("no-such-model"); err == nil {
		t.Fatal("an unknown model was accepted")
	}
	if err := app.SetActiveEmbedder("tiny-b"); err != nil {
		t.Fatal(err)
	}
	var rep engine.IndexReport
	select {
	case rep = <-done:
	case <-time.After(time.Minute):
		t.Fatal("no library:indexed event within a minute")
	}
	st, _ := app.Status()
	if rep.Canceled || len(rep.Errors) != 0 || rep.Reembedded != "tiny-b" || rep.ChunksEmbedded != st.Chunks || st.Chunks == 0 {
		t.Fatalf("report %+v for %d chunks", rep, st.Chunks)
	}
	if st.Model != "tiny-b" || st.Vectors != st.Chunks || st.Reembedding != "" {
		t.Fatalf("status %+v; want tiny-b with every chunk embedded", st)
	}
	mu.Lock()
	last := labels[len(labels)-1]
	mu.Unlock()
	if want := library.ReembedLabel("tiny-b", st.Chunks, st.Chunks); last != want {
		t.Fatalf("last progress %q; want %q", last, want)
	}
	list, err := app.Models()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := findModel(list, "embedding", "tiny-b"); !b.Active || !b.InUse {
		t.Fatalf("tiny-b not listed active: %+v", list.Models)
	}
	if a, _ := findModel(list, "embedding", "tiny-a"); a.Active || a.InUse || !a.Removable {
		t.Fatalf("tiny-a still active or not removable: %+v", a)
	}
	if hits, err := eng.Search(context.Background(), "budget", engine.SearchOptions{K: 1, Mode: "dense"}); err != nil || len(hits) != 1 {
		t.Fatalf("dense search on tiny-b: %v, %+v", err, hits)
	}
}
