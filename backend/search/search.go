// Package search runs hybrid retrieval: a dense vector search and a BM25
// keyword search, merged by reciprocal-rank fusion. With no embedding model
// it falls back to keywords alone.
package search

import (
	"context"
	"fmt"
	"sort"

	"folio/backend/index"
)

// Embedder turns texts into L2-normalised vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Modes of a search.
const (
	ModeHybrid  = "hybrid"
	ModeKeyword = "keyword"
)

// Result is one fused match. Dense and Keyword are the raw scores from each
// retriever (zero when that retriever did not return the chunk).
type Result struct {
	ID      uint64
	Score   float64 // reciprocal-rank fusion score
	Dense   float64 // cosine similarity with the query
	Keyword float64 // BM25 score
}

// Searcher searches one library. Embed may be nil (keyword search only).
type Searcher struct {
	Vectors  *index.Exact
	Keywords *index.BM25
	Embed    Embedder
	// Candidates is how many results each retriever contributes before
	// fusion (default 50).
	Candidates int
}

// rrfK is the usual reciprocal-rank-fusion constant.
const rrfK = 60

// Mode reports whether searches are hybrid or keyword-only.
func (s *Searcher) Mode() string {
	if s.Embed != nil && s.Vectors != nil && s.Vectors.Len() > 0 {
		return ModeHybrid
	}
	return ModeKeyword
}

// Search returns the k best chunks for query, and the query's embedding
// (nil in keyword mode) so callers can reuse it.
func (s *Searcher) Search(ctx context.Context, query string, k int) ([]Result, []float32, error) {
	n := s.Candidates
	if n <= 0 {
		n = 50
	}
	if n < k {
		n = k
	}
	fused := map[uint64]*Result{}
	get := func(id uint64) *Result {
		r := fused[id]
		if r == nil {
			r = &Result{ID: id}
			fused[id] = r
		}
		return r
	}
	for rank, r := range s.Keywords.Search(query, n) {
		f := get(r.ID)
		f.Keyword = r.Score
		f.Score += 1.0 / float64(rrfK+rank+1)
	}
	var qvec []float32
	if s.Mode() == ModeHybrid {
		vecs, err := s.Embed.Embed(ctx, []string{query})
		if err != nil {
			return nil, nil, fmt.Errorf("embed query: %w", err)
		}
		qvec = vecs[0]
		for rank, r := range s.Vectors.Search(qvec, n) {
			f := get(r.ID)
			f.Dense = r.Score
			f.Score += 1.0 / float64(rrfK+rank+1)
		}
	}
	out := make([]Result, 0, len(fused))
	for _, r := range fused {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > k {
		out = out[:k]
	}
	return out, qvec, nil
}
