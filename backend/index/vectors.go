package index

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"folio/backend/store"
)

// VectorSnapshot is the name the HNSW graph's snapshot is stored under.
const VectorSnapshot = "vectors.hnsw"

// VectorsConfig configures a vector index. Zero fields take the defaults.
type VectorsConfig struct {
	// Dim is the vectors' dimension (required).
	Dim int
	// Graph configures the HNSW graph (its Dim is taken from Dim).
	Graph GraphConfig
	// GraphFrom is the number of vectors from which searches walk the HNSW
	// graph; below it an exact scan is as fast (default 20000).
	GraphFrom int
	// CompactAt is the share of deleted nodes that makes the graph be
	// rebuilt without them (default 0.25).
	CompactAt float64
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger

	// holdRebuild, in tests, keeps a rebuild from swapping its graph in
	// until it is closed.
	holdRebuild chan struct{}
}

// Defaults for VectorsConfig.
const (
	defaultGraphFrom = 20000
	defaultCompactAt = 0.25
)

// Vectors is the library's vector index: the store keeps the vectors (the
// source of truth) and an HNSW graph in memory serves searches. The graph
// is saved as a snapshot in the store and loaded at start; writes made
// after the snapshot are caught up from the stored vectors. When the
// snapshot is missing or unusable, an exact scan serves searches while the
// graph is rebuilt in the background. Safe for concurrent use.
type Vectors struct {
	st  *store.Store
	cfg VectorsConfig
	log *slog.Logger

	putMu sync.Mutex // serialises writes against the start and end of a rebuild

	mu         sync.RWMutex // guards serve, pending and rebuilding
	serve      vecServer    // a *Graph, or an *Exact while the graph is rebuilt
	pending    []change     // writes made while a rebuild runs
	rebuilding bool

	saveMu   sync.Mutex // serialises snapshot writes and guards savedSeq
	savedSeq uint64

	stop chan struct{} // closed by Close to abandon a rebuild
	bg   sync.WaitGroup
}

// vecServer is what answers searches: the graph or the exact scan.
type vecServer interface {
	Add(key uint64, vec []float32) error
	Delete(keys ...uint64) int
	Has(key uint64) bool
	Len() int
}

// change is one write made while a rebuild runs, replayed onto the new
// graph. vec is nil for a delete.
type change struct {
	key uint64
	vec []float32
}

// OpenVectors loads the vector index of st: the snapshot when it is usable,
// else the stored vectors into an exact scan while a graph is built.
func OpenVectors(ctx context.Context, st *store.Store, cfg VectorsConfig) (*Vectors, error) {
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("vector index: dimension %d", cfg.Dim)
	}
	if cfg.GraphFrom <= 0 {
		cfg.GraphFrom = defaultGraphFrom
	}
	if cfg.CompactAt <= 0 {
		cfg.CompactAt = defaultCompactAt
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Graph.Dim = cfg.Dim
	v := &Vectors{st: st, cfg: cfg, log: cfg.Logger, stop: make(chan struct{})}
	seq, err := st.VectorSeq()
	if err != nil {
		return nil, err
	}
	g, why := v.loadSnapshot(seq)
	if g != nil {
		v.serve = g
		v.maybeCompact()
		return v, nil
	}
	// No usable snapshot: scan exactly while the graph is built.
	ex := NewExact(cfg.Dim)
	if err := st.EachVector(func(id uint64, vec []float32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return ex.Add(id, vec)
	}); err != nil {
		return nil, fmt.Errorf("load vectors: %w", err)
	}
	v.serve = ex
	if ex.Len() == 0 {
		v.serve = NewGraph(cfg.Graph)
		return v, nil
	}
	v.log.Warn("vector index: rebuilding the graph in the background; searches scan every vector meanwhile",
		"reason", why, "vectors", ex.Len())
	ids, slab := ex.Copy()
	v.startRebuild(ids, func(i int) []float32 { return slab[i*cfg.Dim : (i+1)*cfg.Dim] })
	return v, nil
}

// loadSnapshot imports the stored graph and catches it up with the stored
// vectors. It returns nil and the reason when the snapshot cannot serve.
func (v *Vectors) loadSnapshot(seq uint64) (*Graph, string) {
	blob, err := v.st.Blob(VectorSnapshot)
	switch {
	case err != nil:
		return nil, "snapshot unreadable: " + err.Error()
	case blob == nil:
		return nil, "no snapshot"
	}
	start := time.Now()
	g, snapSeq, err := ImportGraph(bytes.NewReader(blob), v.cfg.Graph, v.st.EachVector)
	switch {
	case err != nil:
		return nil, "snapshot unusable: " + err.Error()
	case snapSeq > seq:
		return nil, fmt.Sprintf("snapshot covers write %d but the library has only %d", snapSeq, seq)
	case g.Config().Dim != v.cfg.Dim:
		return nil, fmt.Sprintf("snapshot holds %d-d vectors, the model makes %d-d", g.Config().Dim, v.cfg.Dim)
	}
	v.log.Debug("vector index loaded", "vectors", g.Len(), "snapshot_seq", snapSeq, "library_seq", seq,
		"seconds", time.Since(start).Seconds())
	if snapSeq == seq {
		v.savedSeq = seq
	}
	return g, ""
}

// Put stores vectors for chunk ids and adds them to the index. When it
// returns nil, the vectors are on disk.
func (v *Vectors) Put(ids []uint64, vecs [][]float32) error {
	for i, vec := range vecs {
		if len(vec) != v.cfg.Dim {
			return fmt.Errorf("vector for chunk %d has %d dimensions, want %d", ids[i], len(vec), v.cfg.Dim)
		}
	}
	v.putMu.Lock()
	defer v.putMu.Unlock()
	if err := v.st.PutVectors(ids, vecs); err != nil {
		return err
	}
	s := v.record(func() []change {
		out := make([]change, len(ids))
		for i := range ids {
			out[i] = change{ids[i], slices.Clone(vecs[i])}
		}
		return out
	})
	for i, id := range ids {
		if err := s.Add(id, vecs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Remove drops the vectors of ids from the index (the store deletes them
// with their document).
func (v *Vectors) Remove(ids ...uint64) {
	if len(ids) == 0 {
		return
	}
	v.putMu.Lock()
	defer v.putMu.Unlock()
	s := v.record(func() []change {
		out := make([]change, len(ids))
		for i, id := range ids {
			out[i] = change{key: id}
		}
		return out
	})
	s.Delete(ids...)
	v.maybeCompact()
}

// record returns the current server, noting the writes for replay when a
// rebuild runs. The caller holds putMu.
func (v *Vectors) record(changes func() []change) vecServer {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.rebuilding {
		v.pending = append(v.pending, changes()...)
	}
	return v.serve
}

func (v *Vectors) server() vecServer {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.serve
}

// Has reports whether chunk id has a vector.
func (v *Vectors) Has(id uint64) bool { return v.server().Has(id) }

// Len returns the number of vectors.
func (v *Vectors) Len() int { return v.server().Len() }

// Rebuilding reports whether the graph is being rebuilt (searches are
// exact meanwhile, or use the graph being compacted).
func (v *Vectors) Rebuilding() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.rebuilding
}

// Search returns the k chunks whose vectors have the highest dot product
// with q; keep, when not nil, says which chunks may be returned.
func (v *Vectors) Search(q []float32, k int, keep func(id uint64) bool) []Result {
	switch s := v.server().(type) {
	case *Exact:
		return s.Search(q, k, keep)
	case *Graph:
		if s.Len() < v.cfg.GraphFrom {
			return s.Exact(q, k, keep)
		}
		res := s.Search(q, k, keep)
		if keep != nil && len(res) < k {
			// A narrow filter can leave the graph walk short: scan.
			return s.Exact(q, k, keep)
		}
		return res
	}
	return nil
}

// checkpointWrites is how many vector writes (batches stored or deleted)
// Checkpoint lets pass before it saves the graph: loading an older
// snapshot then catches up with at most that many batches.
const checkpointWrites = 16

// Checkpoint saves the snapshot once checkpointWrites writes have passed
// since the last one, so small changes (a watcher's single edits) do not
// rewrite the whole graph each time; Close always saves.
func (v *Vectors) Checkpoint() error {
	seq, err := v.st.VectorSeq()
	if err != nil {
		return err
	}
	v.saveMu.Lock()
	stale := seq-v.savedSeq >= checkpointWrites
	v.saveMu.Unlock()
	if !stale {
		return nil
	}
	return v.Save()
}

// Save writes a snapshot of the graph when vectors changed since the last
// one. It does nothing while a rebuild runs, nor in a library opened
// read-only (the next writable open saves it).
func (v *Vectors) Save() error {
	if v.st.ReadOnly() {
		return nil
	}
	v.saveMu.Lock()
	defer v.saveMu.Unlock()
	g, ok := v.server().(*Graph)
	if !ok {
		return nil
	}
	// Read the sequence first: the graph then holds at least those writes.
	seq, err := v.st.VectorSeq()
	if err != nil || seq == v.savedSeq {
		return err
	}
	var buf bytes.Buffer
	if err := g.Export(&buf, seq); err != nil {
		return fmt.Errorf("save vector index: %w", err)
	}
	if err := v.st.PutBlob(VectorSnapshot, buf.Bytes()); err != nil {
		return err
	}
	v.savedSeq = seq
	return nil
}

// Close abandons a running rebuild and saves the snapshot.
func (v *Vectors) Close() error {
	select {
	case <-v.stop:
		return nil
	default:
	}
	close(v.stop)
	v.bg.Wait()
	return v.Save()
}

// maybeCompact starts a rebuild without the deleted nodes once they are
// CompactAt of the graph.
func (v *Vectors) maybeCompact() {
	g, ok := v.server().(*Graph)
	if !ok || v.Rebuilding() {
		return
	}
	dead := g.Deleted()
	if dead == 0 || float64(dead) < v.cfg.CompactAt*float64(dead+g.Len()) {
		return
	}
	keys := g.Keys()
	v.log.Info("vector index: compacting the graph", "live", len(keys), "deleted", dead)
	v.startRebuild(keys, func(i int) []float32 {
		vec, _ := g.Lookup(keys[i])
		return vec // nil when deleted since: skipped
	})
}

// startRebuild builds a new graph from the given vectors in the
// background, then replays the writes made meanwhile and swaps it in.
func (v *Vectors) startRebuild(keys []uint64, vecOf func(i int) []float32) {
	v.mu.Lock()
	v.rebuilding, v.pending = true, nil
	v.mu.Unlock()
	v.bg.Add(1)
	go func() {
		defer v.bg.Done()
		start := time.Now()
		g := NewGraph(v.cfg.Graph)
		var grp errgroup.Group
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			grp.Go(func() error {
				for i := w; i < len(keys); i += workers {
					select {
					case <-v.stop:
						return errStopped
					default:
					}
					if vec := vecOf(i); vec != nil {
						if err := g.Add(keys[i], vec); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		if err := grp.Wait(); err != nil {
			if err != errStopped {
				v.log.Error("vector index: rebuild failed; searches stay exact", "err", err)
			}
			v.mu.Lock()
			v.rebuilding, v.pending = false, nil
			v.mu.Unlock()
			return
		}
		if v.cfg.holdRebuild != nil {
			<-v.cfg.holdRebuild
		}
		v.putMu.Lock()
		v.mu.Lock()
		for _, c := range v.pending {
			if c.vec == nil {
				g.Delete(c.key)
			} else if err := g.Add(c.key, c.vec); err != nil {
				v.log.Error("vector index: replay failed", "err", err)
			}
		}
		v.serve, v.pending, v.rebuilding = g, nil, false
		v.mu.Unlock()
		v.putMu.Unlock()
		v.log.Info("vector index: graph ready", "vectors", g.Len(), "seconds", time.Since(start).Seconds())
		if err := v.Save(); err != nil {
			v.log.Error("vector index: save snapshot", "err", err)
		}
	}()
}

// errStopped ends a rebuild abandoned by Close.
var errStopped = fmt.Errorf("vector index closed")
