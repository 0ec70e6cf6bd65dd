package index

import (
	"folio/backend/internal/testenv"

	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// clustered makes n vectors that behave like sentence embeddings, after the
// ANN kit's generator: a Gaussian mixture in a 32-d latent space, projected
// to dim dimensions, plus isotropic noise, L2-normalised.
type clustered struct {
	dim, latent int
	proj        []float64
	centers     [][]float64
	r           *rand.Rand
}

func newClustered(dim, k int, seed uint64) *clustered {
	c := &clustered{dim: dim, latent: 32, r: rand.New(rand.NewPCG(seed, 2))}
	c.proj = make([]float64, dim*c.latent)
	for i := range c.proj {
		c.proj[i] = c.r.NormFloat64() / math.Sqrt(float64(c.latent))
	}
	for range k {
		z := make([]float64, c.latent)
		for j := range z {
			z[j] = c.r.NormFloat64()
		}
		c.centers = append(c.centers, z)
	}
	return c
}

func (c *clustered) gen(n int) [][]float32 {
	out := make([][]float32, n)
	z := make([]float64, c.latent)
	for i := range out {
		ctr := c.centers[c.r.IntN(len(c.centers))]
		for j := range z {
			z[j] = ctr[j] + 0.8*c.r.NormFloat64()
		}
		v := make([]float32, c.dim)
		var ss float64
		for d := range v {
			var s float64
			for j, x := range c.proj[d*c.latent : (d+1)*c.latent] {
				s += x * z[j]
			}
			s += 0.05 * c.r.NormFloat64()
			v[d] = float32(s)
			ss += s * s
		}
		inv := float32(1 / math.Sqrt(ss))
		for d := range v {
			v[d] *= inv
		}
		out[i] = v
	}
	return out
}

// testSize picks a data size that keeps the race-detector run short.
func testSize(full int) int {
	if testenv.Race || testing.Short() {
		return max(full/5, 500)
	}
	return full
}

func buildGraph(t testing.TB, cfg GraphConfig, vecs [][]float32, workers int) *Graph {
	t.Helper()
	g := NewGraph(cfg)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(vecs); i += workers {
				if err := g.Add(uint64(i), vecs[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return g
}

// recallAt10 is the mean fraction of Exact's top 10 that Search returns.
func recallAt10(g *Graph, qs [][]float32, keep func(uint64) bool) float64 {
	hit, total := 0, 0
	for _, q := range qs {
		want := g.Exact(q, 10, keep)
		got := g.Search(q, 10, keep)
		for _, w := range want {
			total++
			if slices.ContainsFunc(got, func(r Result) bool { return r.ID == w.ID }) {
				hit++
			}
		}
	}
	return float64(hit) / float64(max(total, 1))
}

func TestDotMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for n := 0; n <= 1000; n += 1 + r.IntN(7) {
		a, b := make([]float32, n), make([]float32, n+r.IntN(3))
		var want float64
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			want += float64(a[i]) * float64(b[i])
		}
		for name, f := range map[string]func(a, b []float32) float32{"dot": dot, "dotGo": dotGo} {
			got := float64(f(a, b))
			if tol := 1e-5 * (1 + math.Sqrt(float64(n))); math.Abs(got-want) > tol {
				t.Errorf("%s len %d = %v, want %v (±%g)", name, n, got, want, tol)
			}
		}
	}
}

func TestGraphRecallClustered(t *testing.T) {
	n := testSize(10000)
	c := newClustered(384, n/50, 7)
	data, qs := c.gen(n), c.gen(200)
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			g := buildGraph(t, GraphConfig{Dim: 384}, data, workers)
			if g.Len() != n || g.Deleted() != 0 {
				t.Fatalf("Len, Deleted = %d, %d; want %d, 0", g.Len(), g.Deleted(), n)
			}
			got := recallAt10(g, qs, nil)
			t.Logf("n=%d recall@10 = %.4f (EfSearch %d)", n, got, g.Config().EfSearch)
			if got < 0.95 {
				t.Errorf("recall@10 at n=%d = %.4f, want ≥ 0.95", n, got)
			}
		})
	}
}

func TestGraphExactMatchesBruteForce(t *testing.T) {
	c := newClustered(48, 20, 1)
	data := c.gen(3000) // three pages
	g := buildGraph(t, GraphConfig{Dim: 48}, data, 1)
	g.Delete(5, 1500, 2999)
	keep := func(k uint64) bool { return k%3 != 0 }
	for qi, q := range c.gen(20) {
		type pair struct {
			id uint64
			s  float64
		}
		var all []pair
		for i, v := range data {
			if i == 5 || i == 1500 || i == 2999 || !keep(uint64(i)) {
				continue
			}
			var s float64
			for j := range v {
				s += float64(q[j]) * float64(v[j])
			}
			all = append(all, pair{uint64(i), s})
		}
		slices.SortFunc(all, func(a, b pair) int { return -cmpF(a.s, b.s) })
		got := g.Exact(q, 7, keep)
		if len(got) != 7 {
			t.Fatalf("query %d: %d results, want 7", qi, len(got))
		}
		for i, r := range got {
			if r.ID != all[i].id || math.Abs(r.Score-all[i].s) > 1e-5 {
				t.Errorf("query %d rank %d = %d (%.6f), want %d (%.6f)", qi, i, r.ID, r.Score, all[i].id, all[i].s)
			}
		}
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestGraphDeleteReplaceFilter(t *testing.T) {
	n := testSize(4000)
	c := newClustered(64, 40, 2)
	data, qs := c.gen(n), c.gen(100)
	g := buildGraph(t, GraphConfig{Dim: 64}, data, 2)

	// Delete every key ending in 0..3, then check none comes back.
	var del []uint64
	for i := range n {
		if i%10 < 4 {
			del = append(del, uint64(i))
		}
	}
	if got := g.Delete(append(del, 1<<40)...); got != len(del) {
		t.Errorf("Delete returned %d, want %d", got, len(del))
	}
	if got := g.Delete(del[0]); got != 0 {
		t.Errorf("second Delete returned %d, want 0", got)
	}
	if g.Len() != n-len(del) || g.Deleted() != len(del) {
		t.Errorf("Len, Deleted = %d, %d; want %d, %d", g.Len(), g.Deleted(), n-len(del), len(del))
	}
	for _, q := range qs {
		for _, r := range g.Search(q, 10, nil) {
			if r.ID%10 < 4 {
				t.Fatalf("Search returned deleted key %d", r.ID)
			}
		}
	}
	if got := recallAt10(g, qs, nil); got < 0.95 {
		t.Errorf("recall@10 after deleting 40%% = %.4f, want ≥ 0.95", got)
	}

	// Filter: only keys ending in 7.
	keep := func(k uint64) bool { return k%10 == 7 }
	for _, q := range qs {
		res := g.Search(q, 10, keep)
		if len(res) != 10 {
			t.Fatalf("filtered Search returned %d results, want 10", len(res))
		}
		for _, r := range res {
			if !keep(r.ID) {
				t.Fatalf("filtered Search returned key %d", r.ID)
			}
		}
	}
	if got := recallAt10(g, qs, keep); got < 0.95 {
		t.Errorf("filtered recall@10 = %.4f, want ≥ 0.95", got)
	}

	// Replace: key 9 takes query 0's vector, so it must come first.
	if err := g.Add(9, qs[0]); err != nil {
		t.Fatal(err)
	}
	if res := g.Search(qs[0], 1, nil); len(res) != 1 || res[0].ID != 9 || res[0].Score < 0.9999 {
		t.Errorf("after replacing key 9 with the query, Search = %v, want key 9 score 1", res)
	}
	if v, ok := g.Lookup(9); !ok || !slices.Equal(v, qs[0]) {
		t.Errorf("Lookup(9) = %v, %v; want the new vector", ok, v[:min(3, len(v))])
	}
	if g.Len() != n-len(del) || g.Deleted() != len(del)+1 {
		t.Errorf("after replace: Len, Deleted = %d, %d; want %d, %d", g.Len(), g.Deleted(), n-len(del), len(del)+1)
	}
	// The old vector of key 9 must not be found under key 9 any more.
	for _, r := range g.Search(data[9], 10, nil) {
		if r.ID == 9 && r.Score > 0.9999 {
			t.Errorf("Search found the replaced vector of key 9")
		}
	}
	// Re-adding a deleted key brings it back.
	if err := g.Add(0, data[0]); err != nil {
		t.Fatal(err)
	}
	if res := g.Search(data[0], 1, nil); len(res) != 1 || res[0].ID != 0 {
		t.Errorf("re-added key 0: Search = %v, want key 0 first", res)
	}
	if !g.Has(0) || g.Has(10) {
		t.Errorf("Has(0), Has(10) = %v, %v; want true, false", g.Has(0), g.Has(10))
	}
	keys := g.Keys()
	if len(keys) != g.Len() || slices.Contains(keys, 10) || !slices.Contains(keys, 0) {
		t.Errorf("Keys: %d keys (Len %d), contains 10: %v, contains 0: %v", len(keys), g.Len(), slices.Contains(keys, 10), slices.Contains(keys, 0))
	}
}

func TestGraphBadInput(t *testing.T) {
	g := NewGraph(GraphConfig{Dim: 4})
	err := g.Add(77, []float32{1, 2, 3})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("77")) {
		t.Errorf("Add with wrong dim: err = %v, want an error naming key 77", err)
	}
	if res := g.Search([]float32{1, 0, 0, 0}, 5, nil); len(res) != 0 {
		t.Errorf("Search on empty graph = %v", res)
	}
	if err := g.Add(1, []float32{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    []float32
		k    int
	}{{"short query", []float32{1}, 3}, {"k=0", []float32{1, 0, 0, 0}, 0}} {
		if res := g.Search(tc.q, tc.k, nil); res != nil {
			t.Errorf("%s: Search = %v, want nil", tc.name, res)
		}
		if res := g.Exact(tc.q, tc.k, nil); res != nil {
			t.Errorf("%s: Exact = %v, want nil", tc.name, res)
		}
	}
	g.Delete(1)
	if res := g.Search([]float32{1, 0, 0, 0}, 5, nil); len(res) != 0 {
		t.Errorf("Search with everything deleted = %v", res)
	}
}

// TestGraphConcurrentAddSearch runs two inserters, searchers and a deleter
// at once; run it with -race.
func TestGraphConcurrentAddSearch(t *testing.T) {
	n := testSize(6000)
	c := newClustered(64, 60, 4)
	data, qs := c.gen(n), c.gen(50)
	g := NewGraph(GraphConfig{Dim: 64})
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				if err := g.Add(uint64(i), data[i]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var searchers sync.WaitGroup
	for range 2 {
		searchers.Add(1)
		go func() {
			defer searchers.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				q := qs[i%len(qs)]
				for _, r := range g.Search(q, 10, func(k uint64) bool { return k%5 != 1 }) {
					if r.ID%5 == 1 {
						t.Errorf("filtered key %d returned", r.ID)
						return
					}
				}
				g.Exact(q, 3, nil)
				g.Lookup(uint64(i))
			}
		}()
	}
	searchers.Add(1)
	go func() {
		defer searchers.Done()
		// One pass over a fifth of the keys: however the goroutines are
		// scheduled, most of the graph stays live.
		for i := 3; i < n; i += 5 {
			select {
			case <-done:
				return
			default:
			}
			g.Delete(uint64(i))
			g.Len()
		}
	}()
	searchers.Add(1)
	go func() { // snapshots taken while everything else runs
		defer searchers.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := g.Export(io.Discard, 1); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	searchers.Wait()
	if g.Len()+g.Deleted() != n {
		t.Errorf("Len+Deleted = %d+%d, want %d", g.Len(), g.Deleted(), n)
	}
	if g.Len() < n*4/5 {
		t.Errorf("Len = %d of %d after deleting at most a fifth", g.Len(), n)
	}
	if got := recallAt10(g, qs, nil); got < 0.95 {
		t.Errorf("recall@10 after concurrent build = %.4f, want ≥ 0.95", got)
	}
}

func TestGraphSnapshotRoundTrip(t *testing.T) {
	n := testSize(5000)
	c := newClustered(96, 50, 5)
	data, qs := c.gen(n+400), c.gen(100)
	g := buildGraph(t, GraphConfig{Dim: 96}, data[:n], 2)
	g.Delete(1, 2, 3)
	var buf bytes.Buffer
	if err := g.Export(&buf, 42); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	store := map[uint64][]float32{}
	for i, v := range data[:n] {
		store[uint64(i)] = v
	}
	delete(store, 1)
	delete(store, 2)
	delete(store, 3)
	yield := func(fn func(uint64, []float32) error) error {
		for k, v := range store {
			if err := fn(k, v); err != nil {
				return err
			}
		}
		return nil
	}

	t.Run("same vectors", func(t *testing.T) {
		h, seq, err := ImportGraph(bytes.NewReader(snap), GraphConfig{Dim: 96}, yield)
		if err != nil {
			t.Fatal(err)
		}
		if seq != 42 || h.Len() != g.Len() || h.Deleted() != g.Deleted() {
			t.Fatalf("seq, Len, Deleted = %d, %d, %d; want 42, %d, %d", seq, h.Len(), h.Deleted(), g.Len(), g.Deleted())
		}
		for i, q := range qs {
			if got, want := h.Search(q, 10, nil), g.Search(q, 10, nil); !slices.Equal(got, want) {
				t.Fatalf("query %d: imported graph returns %v, want %v", i, got, want)
			}
		}
		var again bytes.Buffer
		if err := h.Export(&again, 42); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), snap) {
			t.Errorf("re-exported snapshot differs from the original")
		}
	})

	t.Run("catch up", func(t *testing.T) {
		// After the snapshot the store gained 400 vectors and lost 500.
		later := maps(store)
		for i := n; i < n+400; i++ {
			later[uint64(i)] = data[i]
		}
		for i := 10; i < 510; i++ {
			delete(later, uint64(i))
		}
		h, _, err := ImportGraph(bytes.NewReader(snap), GraphConfig{Dim: 96}, func(fn func(uint64, []float32) error) error {
			for k, v := range later {
				if err := fn(k, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if h.Len() != len(later) {
			t.Fatalf("Len = %d, want %d", h.Len(), len(later))
		}
		for _, q := range qs {
			for _, r := range h.Search(q, 10, nil) {
				if _, ok := later[r.ID]; !ok {
					t.Fatalf("imported graph returned key %d, deleted after the snapshot", r.ID)
				}
			}
		}
		// The same recall as a graph built from scratch on the same vectors.
		fresh := NewGraph(GraphConfig{Dim: 96})
		for k, v := range later {
			if err := fresh.Add(k, v); err != nil {
				t.Fatal(err)
			}
		}
		rh, rf := recallAt10(h, qs, nil), recallAt10(fresh, qs, nil)
		if rh < 0.95 || rh < rf-0.02 {
			t.Errorf("recall@10 of caught-up graph = %.4f, from scratch %.4f; want ≥ 0.95 and within 0.02", rh, rf)
		}
		for i := n; i < n+400; i += 37 {
			if res := h.Search(data[i], 1, nil); len(res) != 1 || res[0].ID != uint64(i) {
				t.Errorf("vector added after the snapshot (key %d) not found first: %v", i, res)
			}
		}
	})

	t.Run("corrupt", func(t *testing.T) {
		flip := bytes.Clone(snap)
		flip[len(flip)/2] ^= 0x10
		badVersion := bytes.Clone(snap)
		badVersion[8] = 9
		for _, tc := range []struct {
			name string
			in   []byte
			cfg  GraphConfig
			want string
		}{
			{"flipped byte", flip, GraphConfig{Dim: 96}, ""},
			{"truncated", snap[:len(snap)-3], GraphConfig{Dim: 96}, "truncated"},
			{"truncated header", snap[:20], GraphConfig{Dim: 96}, "truncated"},
			{"empty", nil, GraphConfig{Dim: 96}, "truncated"},
			{"bad magic", append([]byte("NOTASNAP"), snap[8:]...), GraphConfig{Dim: 96}, "magic"},
			{"bad version", badVersion, GraphConfig{Dim: 96}, "version 9"},
			{"wrong dim", snap, GraphConfig{Dim: 384}, "dimension 96, want 384"},
			{"wrong M", snap, GraphConfig{Dim: 96, M: 8}, "M=16"},
		} {
			_, _, err := ImportGraph(bytes.NewReader(tc.in), tc.cfg, yield)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
			}
		}
		_, _, err := ImportGraph(bytes.NewReader(snap), GraphConfig{Dim: 96}, func(fn func(uint64, []float32) error) error {
			return fn(5, []float32{1, 2})
		})
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("key 5")) {
			t.Errorf("short stored vector: err = %v, want one naming key 5", err)
		}
		stop := errors.New("store failed")
		if _, _, err := ImportGraph(bytes.NewReader(snap), GraphConfig{Dim: 96}, func(func(uint64, []float32) error) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("failing store: err = %v, want it wrapped", err)
		}
	})
}

func maps(m map[uint64][]float32) map[uint64][]float32 {
	out := make(map[uint64][]float32, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func FuzzImportGraph(f *testing.F) {
	c := newClustered(8, 5, 9)
	data := c.gen(60)
	g := buildGraph(f, GraphConfig{Dim: 8, M: 4}, data, 1)
	g.Delete(3)
	var buf bytes.Buffer
	if err := g.Export(&buf, 7); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:40])
	var empty bytes.Buffer
	NewGraph(GraphConfig{Dim: 8}).Export(&empty, 0)
	f.Add(empty.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		h, _, err := ImportGraph(bytes.NewReader(in), GraphConfig{}, func(fn func(uint64, []float32) error) error {
			for i, v := range data[:30] {
				if err := fn(uint64(i), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return
		}
		// Whatever was accepted must be searchable without panicking.
		if h.Config().Dim == 8 {
			h.Search(data[0], 5, nil)
			h.Exact(data[0], 5, nil)
			h.Add(999, data[40])
		}
	})
}

// BenchmarkDot384 times the SIMD dot on 384-d vectors and reports its
// speed-up over the portable Go loop measured in the same run.
func BenchmarkDot384(b *testing.B) {
	c := newClustered(384, 2, 1)
	v := c.gen(2)
	var sink float32
	b.ResetTimer()
	for range b.N {
		sink += dot(v[0], v[1])
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	t0 := time.Now() // the reference: the Go loop, same count
	for range b.N {
		sink += dotGo(v[0], v[1])
	}
	ref := float64(time.Since(t0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(ref/ns, "x_vs_go")
	_ = sink
}
