package engine

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"folio/backend/index"
	"folio/backend/model/modeltest"
)

func TestSearchModesFiltersAndReopen(t *testing.T) {
	ctx := context.Background()
	docs, data, models := t.TempDir(), t.TempDir(), t.TempDir()
	embedder, reranker := filepath.Join(models, "embed"), filepath.Join(models, "rerank")
	if _, err := modeltest.Write(embedder, modeltest.Tiny{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := modeltest.Write(reranker, modeltest.Tiny{Seed: 6, Labels: 1}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(docs, "pets", "cat.txt"), "the cat sat on the mat.")
	write(t, filepath.Join(docs, "pets", "dog.md"), "# dog\n\nthe dog runs on the mat.")
	write(t, filepath.Join(docs, "world", "hello.txt"), "hello world, the cat is un-able.")
	cfg := Config{DataDir: data, ModelDir: embedder, Reranker: reranker}
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	paths := func(opt SearchOptions) []string {
		t.Helper()
		hits, err := e.Search(ctx, "the cat mat", opt)
		if err != nil {
			t.Fatalf("Search(%+v): %v", opt, err)
		}
		var out []string
		for _, h := range hits {
			rel, _ := filepath.Rel(docs, h.Path)
			out = append(out, rel)
		}
		return out
	}
	tests := []struct {
		opt  SearchOptions
		want []string // nil: any order of all three
	}{
		{SearchOptions{Mode: "bm25"}, []string{"pets/cat.txt", "pets/dog.md", "world/hello.txt"}},
		{SearchOptions{Filter: Filter{Folders: []string{filepath.Join(docs, "pets")}}}, nil},
		{SearchOptions{Filter: Filter{Types: []string{"md"}}}, []string{"pets/dog.md"}},
		{SearchOptions{Filter: Filter{Types: []string{".txt"}, Folders: []string{filepath.Join(docs, "world")}}}, []string{"world/hello.txt"}},
		{SearchOptions{Filter: Filter{Files: []string{filepath.Join(docs, "pets", "cat.txt")}}}, []string{"pets/cat.txt"}},
		{SearchOptions{Filter: Filter{Folders: []string{filepath.Join(docs, "pet")}}}, []string{}},
	}
	for _, tt := range tests {
		got := paths(tt.opt)
		if tt.want == nil {
			if len(got) != 2 || got[0][:5] != "pets/" || got[1][:5] != "pets/" {
				t.Errorf("Search(%+v) = %v, want the two pets files", tt.opt, got)
			}
			continue
		}
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Search(%+v) = %v, want %v", tt.opt, got, tt.want)
		}
	}
	// Every mode finds all three files; rerank orders them by the
	// cross-encoder.
	byMode := map[string][]string{}
	for _, mode := range []string{"dense", "hybrid", "rerank"} {
		if got := paths(SearchOptions{Mode: mode}); len(got) != 3 {
			t.Errorf("mode %s found %v, want all three files", mode, got)
		} else {
			byMode[mode] = got
		}
	}
	if _, err := e.Search(ctx, "cat", SearchOptions{Mode: "fuzzy"}); err == nil {
		t.Error("an unknown mode was accepted")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening loads the saved graph (no rebuild) and finds the same.
	e, err = Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.vectors.Rebuilding() || e.vectors.Len() != 3 {
		t.Errorf("after reopening: rebuilding %v, %d vectors; want the snapshot's 3", e.vectors.Rebuilding(), e.vectors.Len())
	}
	if snap, err := e.store.Blob(index.VectorSnapshot); err != nil || snap == nil {
		t.Errorf("no vector snapshot stored: %v", err)
	}
	for mode, want := range byMode {
		if got := paths(SearchOptions{Mode: mode}); !reflect.DeepEqual(got, want) {
			t.Errorf("after reopening, mode %s = %v, want %v", mode, got, want)
		}
	}
}
