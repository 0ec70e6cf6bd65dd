package index

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/store"
)

const vecTestDim = 32

// vecTestGraph is the graph configuration of the vector index tests.
var vecTestGraph = GraphConfig{Dim: vecTestDim, M: 8, EfConstruction: 64, EfSearch: 64}

// vecLibrary is a store with documents of ten chunks each, for the vector
// index tests.
type vecLibrary struct {
	t    *testing.T
	dir  string
	st   *store.Store
	gen  *clustered
	vecs map[uint64][]float32 // what the library holds now
	docs []string
}

func newVecLibrary(t *testing.T) *vecLibrary {
	l := &vecLibrary{t: t, dir: t.TempDir(), gen: newClustered(vecTestDim, 20, 7), vecs: map[uint64][]float32{}}
	l.reopen()
	t.Cleanup(func() { l.st.Close() })
	return l
}

func (l *vecLibrary) reopen() {
	if l.st != nil {
		l.st.Close()
	}
	st, err := store.Open(l.dir)
	if err != nil {
		l.t.Fatal(err)
	}
	l.st = st
}

func (l *vecLibrary) open(cfg VectorsConfig) *Vectors {
	l.t.Helper()
	cfg.Dim = vecTestDim
	cfg.Graph = vecTestGraph
	if cfg.GraphFrom == 0 {
		cfg.GraphFrom = 1 // walk the graph even when small
	}
	v, err := OpenVectors(context.Background(), l.st, cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	return v
}

// add stores n documents and puts their chunks' vectors through v.
func (l *vecLibrary) add(v *Vectors, n int) {
	l.t.Helper()
	for range n {
		path := fmt.Sprintf("/doc%d", len(l.docs))
		chunks := make([]core.Chunk, 10)
		for i := range chunks {
			chunks[i].Text = "x"
		}
		if _, err := l.st.PutDocument(store.FileRecord{Path: path}, &core.Document{Text: "x"}, chunks, nil); err != nil {
			l.t.Fatal(err)
		}
		ids := make([]uint64, len(chunks))
		vecs := l.gen.gen(len(chunks))
		for i, c := range chunks {
			ids[i] = c.ID
			l.vecs[c.ID] = vecs[i]
		}
		if err := v.Put(ids, vecs); err != nil {
			l.t.Fatal(err)
		}
		l.docs = append(l.docs, path)
	}
}

// remove deletes the i-th document from the store and its vectors from v.
func (l *vecLibrary) remove(v *Vectors, i int) {
	l.t.Helper()
	ids, err := l.st.RemoveFile(l.docs[i])
	if err != nil {
		l.t.Fatal(err)
	}
	for _, id := range ids {
		delete(l.vecs, id)
	}
	v.Remove(ids...)
}

// check asserts v holds exactly the library's vectors, and that searches
// find a query's exact top 10 (recall ≥ 0.9) and nothing removed.
func (l *vecLibrary) check(v *Vectors, what string) {
	l.t.Helper()
	if v.Len() != len(l.vecs) {
		l.t.Errorf("%s: Len = %d, want %d", what, v.Len(), len(l.vecs))
	}
	ex := NewExact(vecTestDim)
	for id, vec := range l.vecs {
		_ = ex.Add(id, vec)
		if !v.Has(id) {
			l.t.Errorf("%s: chunk %d missing", what, id)
			return
		}
	}
	hit, total := 0, 0
	for _, q := range l.gen.gen(20) {
		want := map[uint64]bool{}
		for _, r := range ex.Search(q, 10, nil) {
			want[r.ID] = true
		}
		for _, r := range v.Search(q, 10, nil) {
			if _, ok := l.vecs[r.ID]; !ok {
				l.t.Fatalf("%s: search returned removed chunk %d", what, r.ID)
			}
			if want[r.ID] {
				hit++
			}
		}
		total += len(want)
	}
	if float64(hit) < 0.9*float64(total) {
		l.t.Errorf("%s: recall@10 %d/%d", what, hit, total)
	}
}

func waitRebuilt(t *testing.T, v *Vectors) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for v.Rebuilding() {
		if time.Now().After(deadline) {
			t.Fatal("the rebuild did not finish within two minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestVectorsSnapshotCatchesUpWithLaterWrites(t *testing.T) {
	l := newVecLibrary(t)
	v := l.open(VectorsConfig{})
	l.add(v, 40)
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	snap, _ := l.st.Blob(VectorSnapshot)
	// Writes after the snapshot, then a crash: no Close, no Save.
	l.add(v, 10)
	l.remove(v, 3)
	l.remove(v, 45)
	l.check(v, "before the crash")
	l.reopen()
	if now, _ := l.st.Blob(VectorSnapshot); string(now) != string(snap) {
		t.Fatal("the snapshot changed without Save")
	}
	v = l.open(VectorsConfig{})
	if v.Rebuilding() {
		t.Fatal("a usable snapshot was not used")
	}
	l.check(v, "after reopening")
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	// Close saved the caught-up graph.
	seq, _ := l.st.VectorSeq()
	v = l.open(VectorsConfig{})
	if v.savedSeq != seq {
		t.Errorf("after Close, the snapshot covers write %d, want %d", v.savedSeq, seq)
	}
	l.check(v, "after Close and reopening")
}

func TestVectorsServeExactlyWhileRebuilding(t *testing.T) {
	for _, damage := range []string{"missing", "corrupt", "from the future"} {
		t.Run(damage, func(t *testing.T) {
			l := newVecLibrary(t)
			v := l.open(VectorsConfig{})
			l.add(v, 30)
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
			switch damage {
			case "missing":
				if err := l.st.DeleteBlob(VectorSnapshot); err != nil {
					t.Fatal(err)
				}
			case "corrupt":
				snap, _ := l.st.Blob(VectorSnapshot)
				snap[len(snap)/2] ^= 0x40
				if err := l.st.PutBlob(VectorSnapshot, snap); err != nil {
					t.Fatal(err)
				}
			case "from the future":
				// The library was restored from an older backup.
				seq, _ := l.st.VectorSeq()
				g := NewGraph(vecTestGraph)
				var buf bytesBuffer
				if err := g.Export(&buf, seq+5); err != nil {
					t.Fatal(err)
				}
				if err := l.st.PutBlob(VectorSnapshot, buf.b); err != nil {
					t.Fatal(err)
				}
			}
			hold := make(chan struct{})
			v = l.open(VectorsConfig{holdRebuild: hold})
			if !v.Rebuilding() {
				t.Fatal("no rebuild started")
			}
			if _, ok := v.server().(*Exact); !ok {
				t.Fatalf("searches are served by %T while rebuilding, want *Exact", v.server())
			}
			l.check(v, "while rebuilding")
			// Writes during the rebuild reach the new graph.
			l.add(v, 3)
			l.remove(v, 0)
			close(hold)
			waitRebuilt(t, v)
			if _, ok := v.server().(*Graph); !ok {
				t.Fatalf("after the rebuild, searches are served by %T", v.server())
			}
			l.check(v, "after the rebuild")
			// The rebuild saves its snapshot after it starts serving the
			// graph: wait for it (a generous bound, not a timing check).
			var snap []byte
			var err error
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if snap, err = l.st.Blob(VectorSnapshot); err != nil || snap != nil {
					break
				}
			}
			if err != nil || snap == nil {
				t.Errorf("no snapshot saved after the rebuild: %v", err)
			}
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// bytesBuffer is an io.Writer collecting bytes.
type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func TestVectorsCompactAfterManyDeletes(t *testing.T) {
	l := newVecLibrary(t)
	hold := make(chan struct{})
	v := l.open(VectorsConfig{CompactAt: 0.3, holdRebuild: hold})
	l.add(v, 40)
	for i := range 11 { // 27.5%: not yet
		l.remove(v, i)
	}
	if v.Rebuilding() {
		t.Fatal("compaction started below CompactAt")
	}
	l.remove(v, 11) // 30%
	if !v.Rebuilding() {
		t.Fatal("no compaction after 30% of the graph was deleted")
	}
	l.remove(v, 12) // during the rebuild: replayed onto the new graph
	close(hold)
	waitRebuilt(t, v)
	g := v.server().(*Graph)
	if g.Deleted() > 10 {
		t.Errorf("after compaction, %d deleted nodes remain; at most the 10 deleted during it may", g.Deleted())
	}
	l.check(v, "after compaction")
	_ = v.Close()
}

func TestVectorsConcurrentWritesSearchesAndRebuild(t *testing.T) {
	l := newVecLibrary(t)
	v := l.open(VectorsConfig{})
	l.add(v, 20)
	_ = v.Close()
	_ = l.st.DeleteBlob(VectorSnapshot)
	v = l.open(VectorsConfig{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	qs := l.gen.gen(1)
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if res := v.Search(qs[0], 5, nil); len(res) == 0 {
					t.Error("a search during writes found nothing")
					return
				}
			}
		})
	}
	// The library's own bookkeeping is single-writer, like the engine's.
	l.add(v, 20)
	for i := range 5 {
		l.remove(v, i*3)
	}
	close(stop)
	wg.Wait()
	waitRebuilt(t, v)
	l.check(v, "after concurrent writes")
	_ = v.Close()
}

func TestVectorsRejectWrongDimensions(t *testing.T) {
	l := newVecLibrary(t)
	v := l.open(VectorsConfig{})
	if err := v.Put([]uint64{1}, [][]float32{make([]float32, 3)}); err == nil {
		t.Error("a 3-d vector was accepted by a 32-d index")
	}
	if seq, _ := l.st.VectorSeq(); seq != 0 {
		t.Errorf("a refused write reached the store (sequence %d)", seq)
	}
	if _, err := OpenVectors(context.Background(), l.st, VectorsConfig{}); err == nil {
		t.Error("OpenVectors accepted dimension 0")
	}
}

func TestVectorsCheckpointWaitsForEnoughWrites(t *testing.T) {
	l := newVecLibrary(t)
	v := l.open(VectorsConfig{})
	l.add(v, 1) // one batch
	if err := v.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if snap, _ := l.st.Blob(VectorSnapshot); snap != nil {
		t.Fatal("Checkpoint saved after a single write")
	}
	l.add(v, checkpointWrites)
	if err := v.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if snap, _ := l.st.Blob(VectorSnapshot); snap == nil {
		t.Fatalf("no snapshot after %d writes", checkpointWrites+1)
	}
	_ = v.Close()
}
