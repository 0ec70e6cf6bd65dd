package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/library"
	"folio/backend/model"
	"folio/backend/model/modeltest"
	"folio/backend/store"
)

// reversed is a second "model": the real MiniLM with its vector's
// components in reverse order, so its vectors differ from the first
// model's (every stored vector tells which model made it) while searches
// rank alike. hold, when set, is called before each batch.
type reversed struct {
	Embedder
	hold func(ctx context.Context, call int) error
	mu   sync.Mutex
	n    int
}

func (r *reversed) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	r.mu.Lock()
	r.n++
	call := r.n
	r.mu.Unlock()
	if r.hold != nil {
		if err := r.hold(ctx, call); err != nil {
			return nil, err
		}
	}
	vecs, err := r.Embedder.Embed(ctx, texts)
	for _, v := range vecs {
		slices.Reverse(v)
	}
	return vecs, err
}

// Switching the embedding model on a real library: the re-embedding runs
// in the background of the caller; midway (held inside its second batch)
// keyword and dense search still answer from the old model's vectors,
// which are all still there; cancelled, it keeps what it staged, and after
// a restart it resumes and embeds only the rest; once complete every
// stored vector is the new model's, the index holds exactly them, the
// searches use the new model, and the next start opens it.
func TestUseEmbedderReembedsInBackground(t *testing.T) {
	testenv.OutsideRace(t, "embeds with the real model")
	mdl := testenv.Model(t)
	data, docs := t.TempDir(), t.TempDir()
	for _, name := range []string{"minilm-a", "minilm-b"} {
		if err := os.MkdirAll(filepath.Join(data, model.ModelsDir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(mdl, filepath.Join(data, model.ModelsDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := model.SetActive(data, "minilm-a"); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(docs, "lighthouse.txt"), "The Zephyr lighthouse was built in 1887 on Gannet Rock. Its keeper kept a log of every passing ship.")
	write(t, filepath.Join(docs, "bread.txt"), "Knead the dough for ten minutes, then let it rise for an hour.")
	for i, p := range testenv.Paragraphs(70) {
		write(t, filepath.Join(docs, fmt.Sprintf("p%02d.txt", i)), p)
	}
	ctx := t.Context()
	e, err := Open(ctx, Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	st := e.Status()
	if st.Model != "minilm-a" || st.Vectors != st.Chunks || st.Chunks <= 2*32 {
		t.Fatalf("status after indexing = %+v; want minilm-a, every chunk embedded, more than two batches", st)
	}
	total := st.Chunks
	lighthouse := func(e *Engine, mode string) {
		t.Helper()
		q := map[string]string{"keyword": "Zephyr lighthouse", "dense": "a tower by the sea that warns ships"}[mode]
		hits, err := e.Search(ctx, q, SearchOptions{K: 1, Mode: mode})
		if err != nil || len(hits) == 0 || filepath.Base(hits[0].Path) != "lighthouse.txt" {
			t.Fatalf("%s search: %v, %+v", mode, err, hits)
		}
	}
	staged := func(e *Engine) int {
		n := 0
		if err := e.store.EachStagedVector(func(uint64, []float32) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Cleanup(func() { openEmbedder = openEmbedderReal })
	// Run 1: held inside the second batch, searched, then cancelled.
	midway, release := make(chan struct{}), make(chan struct{})
	runCtx, cancel := context.WithCancel(ctx)
	openEmbedder = func(dir string) (Embedder, error) {
		enc, err := openEmbedderReal(dir)
		return &reversed{Embedder: enc, hold: func(ctx context.Context, call int) error {
			if call == 2 {
				close(midway)
				<-release
				return ctx.Err()
			}
			return nil
		}}, err
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := e.UseEmbedder(runCtx, filepath.Join(data, model.ModelsDir, "minilm-b"), nil)
		done <- result{n, err}
	}()
	<-midway
	if st := e.Status(); st.Model != "minilm-a" || st.Reembedding != "minilm-b" || st.Vectors != total {
		t.Fatalf("status midway = %+v; want minilm-a serving all %d vectors, re-embedding with minilm-b", st, total)
	}
	lighthouse(e, "keyword")
	lighthouse(e, "dense")
	if n := staged(e); n != 32 {
		t.Fatalf("midway %d vectors staged; want the first batch, 32", n)
	}
	cancel()
	close(release)
	r := <-done
	if !errors.Is(r.err, context.Canceled) || r.n != 32 {
		t.Fatalf("cancelled run: %d embedded, err %v; want 32 and context.Canceled", r.n, r.err)
	}
	if p, _ := e.PendingEmbedder(); p != "minilm-b" {
		t.Fatalf("pending embedder after cancel = %q", p)
	}

	// A restart: the old model still serves; the re-embedding resumes.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(ctx, Config{DataDir: data}); err != nil {
		t.Fatal(err)
	}
	if st := e.Status(); st.Model != "minilm-a" || st.Vectors != total || staged(e) != 32 {
		t.Fatalf("after restart: %+v, %d staged; want minilm-a with %d vectors, 32 staged", st, staged(e), total)
	}
	openEmbedder = func(dir string) (Embedder, error) {
		enc, err := openEmbedderReal(dir)
		return &reversed{Embedder: enc}, err
	}
	var last core.Progress
	n, err := e.UseEmbedder(ctx, filepath.Join(data, model.ModelsDir, "minilm-b"), func(p core.Progress) {
		if p.Phase == library.PhaseReembedding {
			last = p
		}
	})
	if err != nil || n != total-32 {
		t.Fatalf("resumed run: %d embedded, err %v; want %d", n, err, total-32)
	}
	if want := library.ReembedLabel("minilm-b", total, total); last.Detail != want {
		t.Fatalf("last progress %q; want %q", last.Detail, want)
	}
	checkSwitched := func(e *Engine) {
		t.Helper()
		if st := e.Status(); st.Model != "minilm-b" || st.Vectors != total || st.Reembedding != "" {
			t.Fatalf("status = %+v; want minilm-b with %d vectors", st, total)
		}
		if m, _ := e.store.Setting(store.SettingModel); string(m) != "minilm-b" {
			t.Fatalf("library's vectors are tagged %q", m)
		}
		if p, _ := e.PendingEmbedder(); p != "" || staged(e) != 0 {
			t.Fatalf("pending %q, %d staged after the switch", p, staged(e))
		}
		// Every stored vector is the new model's: the reverse of the old one.
		a, err := openEmbedderReal(mdl)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		err = e.store.EachChunk(func(c core.Chunk) error {
			v, ok, err := e.store.Vector(c.ID)
			if err != nil || !ok {
				return fmt.Errorf("chunk %d: no vector (%v)", c.ID, err)
			}
			want, err := a.Embed(ctx, []string{library.EmbedText(e.pathOf(store.DocOf(c.ID)), c)})
			if err != nil {
				return err
			}
			slices.Reverse(want[0])
			if !close32(v, want[0]) {
				return fmt.Errorf("chunk %d: its vector is not the new model's", c.ID)
			}
			if !e.vectors.Has(c.ID) {
				return fmt.Errorf("chunk %d: not in the index", c.ID)
			}
			seen++
			return nil
		})
		if err != nil || seen != total || e.vectors.Len() != total {
			t.Fatalf("%v; %d chunks checked, index holds %d; want %d", err, seen, e.vectors.Len(), total)
		}
		lighthouse(e, "keyword")
		lighthouse(e, "dense")
	}
	checkSwitched(e)
	// The next start opens the new model, keeping its vectors.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	openEmbedder = openEmbedderReal
	if e, err = Open(ctx, Config{DataDir: data}); err != nil {
		t.Fatal(err)
	}
	if st := e.Status(); st.Model != "minilm-b" || st.Vectors != total {
		t.Fatalf("after the next start: %+v; want minilm-b keeping %d vectors", st, total)
	}
}

var openEmbedderReal = openEmbedder

func close32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > 2e-3 || d < -2e-3 {
			return false
		}
	}
	return true
}

// The switch under concurrent searches (for -race, with tiny models of two
// dimensions): searches running throughout never fail, whichever model
// answers them, and the switch ends with the new model's vectors only.
func TestUseEmbedderSwitchUnderSearches(t *testing.T) {
	data, docs := t.TempDir(), t.TempDir()
	for name, hidden := range map[string]int{"tiny-a": 32, "tiny-b": 48} {
		if _, err := modeltest.Write(filepath.Join(data, model.ModelsDir, name), modeltest.Tiny{Seed: uint64(hidden), Hidden: hidden}); err != nil {
			t.Fatal(err)
		}
	}
	if err := model.SetActive(data, "tiny-a"); err != nil {
		t.Fatal(err)
	}
	for i, p := range testenv.Paragraphs(40) {
		write(t, filepath.Join(docs, fmt.Sprintf("p%02d.txt", i)), p)
	}
	ctx := t.Context()
	e, err := Open(ctx, Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	searched := make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				if n == 0 {
					searched <- errors.New("no search ran")
				}
				close(searched)
				return
			default:
			}
			if _, err := e.Ask(ctx, "p3w1 p7w2", Filter{}); err != nil {
				searched <- err
				close(searched)
				return
			}
			n++
		}
	}()
	n, err := e.UseEmbedder(ctx, filepath.Join(data, model.ModelsDir, "tiny-b"), nil)
	close(stop)
	for err := range searched {
		t.Fatalf("search during the switch: %v", err)
	}
	st := e.Status()
	if err != nil || n != st.Chunks || st.Model != "tiny-b" || st.Vectors != st.Chunks {
		t.Fatalf("switch: %d embedded, %v; status %+v", n, err, st)
	}
	if err := e.store.EachVector(func(id uint64, v []float32) error {
		if len(v) != 48 {
			return fmt.Errorf("chunk %d has a %d-d vector", id, len(v))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
