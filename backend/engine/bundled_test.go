package engine_test

import (
	"os"
	"path/filepath"
	"testing"

	"folio/backend/engine"
	"folio/backend/internal/testenv"
	"folio/backend/model"
)

// A packaged Folio's first run: a fresh library on disk, no `models
// install`, the real all-MiniLM-L6-v2 in the read-only system models
// folder. The library opens in hybrid mode on the bundled model, indexes
// with vectors, and dense search finds a passage by meaning; nothing is
// copied into the library's models folder.
func TestBundledEmbedderFirstRun(t *testing.T) {
	testenv.OutsideRace(t, "embeds with the real model")
	mdl := testenv.Model(t)
	sys := t.TempDir()
	if err := os.Symlink(mdl, filepath.Join(sys, model.DefaultEmbedder)); err != nil {
		t.Fatal(err)
	}
	t.Setenv(model.SystemDirEnv, sys)

	data := filepath.Join(t.TempDir(), "library")
	docs := t.TempDir()
	text := "The Zephyr lighthouse was built in 1887 on Gannet Rock.\n\nIts keeper kept a log of every passing ship."
	if err := os.WriteFile(filepath.Join(docs, "lighthouse.txt"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "bread.txt"), []byte("Knead the dough for ten minutes, then let it rise for an hour."), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(t.Context(), engine.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if st := e.Status(); st.Mode != "hybrid" || st.Model != model.DefaultEmbedder {
		t.Fatalf("status = %+v; want hybrid on the bundled %s", st, model.DefaultEmbedder)
	}
	if _, err := e.Index(t.Context(), []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	if st := e.Status(); st.Vectors == 0 || st.Vectors != st.Chunks {
		t.Fatalf("status after indexing = %+v; want every chunk embedded", st)
	}
	hits, err := e.Search(t.Context(), "tower by the sea that warns ships", engine.SearchOptions{K: 1, Mode: "dense"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || filepath.Base(hits[0].Path) != "lighthouse.txt" {
		t.Fatalf("dense search on the bundled model: %+v", hits)
	}
	if ents, _ := os.ReadDir(filepath.Join(data, model.ModelsDir)); len(ents) != 0 {
		t.Fatalf("the library's models folder holds %d entries; the bundled model must not be copied", len(ents))
	}
}
