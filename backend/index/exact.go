package index

import (
	"fmt"
	"slices"
	"sync"
)

// Exact is a brute-force vector index: every search scans all vectors in
// one contiguous slab. Vectors are expected L2-normalised, so the dot
// product is the cosine similarity. Safe for concurrent use.
type Exact struct {
	mu   sync.RWMutex // guards all fields below
	dim  int
	ids  []uint64
	slab []float32 // len(ids)*dim
	pos  map[uint64]int
}

// NewExact returns an empty index of dim-dimensional vectors.
func NewExact(dim int) *Exact { return &Exact{dim: dim, pos: map[uint64]int{}} }

// Len returns the number of vectors.
func (x *Exact) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// Add inserts or replaces the vector for id.
func (x *Exact) Add(id uint64, vec []float32) error {
	if len(vec) != x.dim {
		return fmt.Errorf("vector for chunk %d has %d dimensions, want %d", id, len(vec), x.dim)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if p, ok := x.pos[id]; ok {
		copy(x.slab[p*x.dim:], vec)
		return nil
	}
	x.pos[id] = len(x.ids)
	x.ids = append(x.ids, id)
	x.slab = append(x.slab, vec...)
	return nil
}

// Delete removes the vectors for ids and returns how many it had.
func (x *Exact) Delete(ids ...uint64) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, id := range ids {
		p, ok := x.pos[id]
		if !ok {
			continue
		}
		n++
		last := len(x.ids) - 1
		if p != last {
			x.ids[p] = x.ids[last]
			x.pos[x.ids[p]] = p
			copy(x.slab[p*x.dim:(p+1)*x.dim], x.slab[last*x.dim:])
		}
		x.ids = x.ids[:last]
		x.slab = x.slab[:last*x.dim]
		delete(x.pos, id)
	}
	return n
}

// Search returns the k vectors with the highest dot product with q; keep,
// when not nil, says which ids may be returned.
func (x *Exact) Search(q []float32, k int, keep func(id uint64) bool) []Result {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(q) != x.dim || k <= 0 {
		return nil
	}
	t := topK{k: k}
	for i, id := range x.ids {
		if keep == nil || keep(id) {
			t.push(Result{ID: id, Score: float64(dot(q, x.slab[i*x.dim:(i+1)*x.dim]))})
		}
	}
	return t.res
}

// Copy returns the ids and a copy of their vectors, the i-th vector being
// slab[i*dim:(i+1)*dim].
func (x *Exact) Copy() (ids []uint64, slab []float32) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return slices.Clone(x.ids), slices.Clone(x.slab)
}

// Has reports whether id has a vector.
func (x *Exact) Has(id uint64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.pos[id]
	return ok
}
