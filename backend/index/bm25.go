package index

import (
	"math"
	"sync"
)

// BM25 is an in-memory inverted index scored with Okapi BM25. Safe for
// concurrent use.
type BM25 struct {
	mu       sync.RWMutex // guards all fields below
	postings map[string]map[uint64]uint32
	docLen   map[uint64]int
	docTerms map[uint64][]string // unique terms per chunk, for Remove
	totalLen int
}

// BM25 parameters (the usual defaults).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// NewBM25 returns an empty keyword index.
func NewBM25() *BM25 {
	return &BM25{
		postings: map[string]map[uint64]uint32{},
		docLen:   map[uint64]int{},
		docTerms: map[uint64][]string{},
	}
}

// Add indexes text under id, replacing what id had before.
func (x *BM25) Add(id uint64, text string) {
	terms := Terms(text)
	tf := map[string]uint32{}
	for _, t := range terms {
		tf[t]++
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
	uniq := make([]string, 0, len(tf))
	for t, n := range tf {
		p := x.postings[t]
		if p == nil {
			p = map[uint64]uint32{}
			x.postings[t] = p
		}
		p[id] = n
		uniq = append(uniq, t)
	}
	x.docTerms[id] = uniq
	x.docLen[id] = len(terms)
	x.totalLen += len(terms)
}

// Remove drops ids from the index; unknown ids are ignored.
func (x *BM25) Remove(ids ...uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		x.removeLocked(id)
	}
}

func (x *BM25) removeLocked(id uint64) {
	terms, ok := x.docTerms[id]
	if !ok {
		return
	}
	for _, t := range terms {
		p := x.postings[t]
		delete(p, id)
		if len(p) == 0 {
			delete(x.postings, t)
		}
	}
	x.totalLen -= x.docLen[id]
	delete(x.docTerms, id)
	delete(x.docLen, id)
}

// Len returns the number of indexed chunks.
func (x *BM25) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docLen)
}

// IDF returns the inverse document frequency of a term (as from Terms).
func (x *BM25) IDF(term string) float64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.idfLocked(term)
}

func (x *BM25) idfLocked(term string) float64 {
	n := float64(len(x.docLen))
	df := float64(len(x.postings[term]))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// Search returns the k chunks scoring highest for query.
func (x *BM25) Search(query string, k int) []Result {
	q := Terms(query)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.docLen) == 0 || k <= 0 {
		return nil
	}
	avg := float64(x.totalLen) / float64(len(x.docLen))
	scores := map[uint64]float64{}
	seen := map[string]bool{}
	for _, t := range q {
		if seen[t] {
			continue
		}
		seen[t] = true
		idf := x.idfLocked(t)
		for id, tf := range x.postings[t] {
			f := float64(tf)
			norm := 1 - bm25B + bm25B*float64(x.docLen[id])/avg
			scores[id] += idf * f * (bm25K1 + 1) / (f + bm25K1*norm)
		}
	}
	top := topK{k: k}
	for id, s := range scores {
		top.push(Result{ID: id, Score: s})
	}
	return top.res
}
