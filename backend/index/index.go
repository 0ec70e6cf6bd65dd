// Package index holds Folio's in-memory search structures: an exact vector
// index over one contiguous slab and a BM25 keyword index. Both are rebuilt
// from the store at start; the store stays the source of truth.
package index

import "sort"

// Result is one match: a chunk id and its score (higher is better).
type Result struct {
	ID    uint64
	Score float64
}

// topK keeps the k best results seen so far.
type topK struct {
	k   int
	res []Result // sorted best first
}

func (t *topK) push(r Result) {
	if len(t.res) == t.k && r.Score <= t.res[len(t.res)-1].Score {
		return
	}
	i := sort.Search(len(t.res), func(i int) bool { return t.res[i].Score < r.Score })
	if len(t.res) < t.k {
		t.res = append(t.res, Result{})
	}
	copy(t.res[i+1:], t.res[i:])
	t.res[i] = r
}
