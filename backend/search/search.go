// Package search runs retrieval over one library: BM25 keywords, dense
// vectors, or both merged by reciprocal-rank fusion, optionally reranked by
// a cross-encoder. With no embedding model it falls back to keywords alone.
package search

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"folio/backend/index"
)

// Embedder turns texts into L2-normalised vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Keywords is a keyword index (index.Keywords).
type Keywords interface {
	Search(ctx context.Context, query string, k int, keep func(id uint64) bool) ([]index.Result, error)
}

// Vectors is a vector index (index.Vectors).
type Vectors interface {
	Search(q []float32, k int, keep func(id uint64) bool) []index.Result
	Len() int
}

// Reranker scores (query, passage) pairs with a cross-encoder; higher is
// more relevant.
type Reranker interface {
	Rerank(ctx context.Context, query string, passages []string) ([]float64, error)
}

// Modes of a search.
const (
	ModeKeyword = "keyword" // BM25 alone ("bm25" is accepted too)
	ModeDense   = "dense"   // vectors alone
	ModeHybrid  = "hybrid"  // both, fused by reciprocal rank
	ModeRerank  = "rerank"  // hybrid, then the top passages reranked
)

// ParseMode checks a mode name; "" means the best mode available.
func ParseMode(name string) (string, error) {
	switch name {
	case "", ModeKeyword, ModeDense, ModeHybrid, ModeRerank:
		return name, nil
	case "bm25":
		return ModeKeyword, nil
	}
	return "", fmt.Errorf("unknown search mode %q (want bm25, dense, hybrid or rerank)", name)
}

// ErrNoModel is returned for dense, hybrid and rerank searches when the
// model they need is missing.
var ErrNoModel = errors.New("no model for this search mode")

// Result is one match. Dense and Keyword are the raw scores from each
// retriever (zero when that retriever did not return the chunk); Rerank is
// the cross-encoder's score when the search was reranked.
type Result struct {
	ID      uint64
	Score   float64 // the score the results are ranked by
	Dense   float64 // cosine similarity with the query
	Keyword float64 // BM25 score
	Rerank  float64 // cross-encoder score
}

// Searcher searches one library. Embed and Rerank may be nil.
type Searcher struct {
	Vectors  Vectors
	Keywords Keywords
	Embed    Embedder
	Rerank   Reranker
	// Passage returns a chunk's text, for the reranker.
	Passage func(id uint64) (string, error)
	// Candidates is how many results each retriever contributes before
	// fusion (default 50).
	Candidates int
	// RerankTop is how many fused results the reranker rescores (default 30).
	RerankTop int
}

// Options shape one search.
type Options struct {
	// Mode is one of the Mode constants; "" picks the best available.
	Mode string
	// Keep, when not nil, says which chunks may be returned (a filter by
	// folder, file or type).
	Keep func(id uint64) bool
}

// rrfK is the usual reciprocal-rank-fusion constant.
const rrfK = 60

// Mode reports the best mode available: hybrid with an embedding model and
// vectors, keyword otherwise.
func (s *Searcher) Mode() string {
	if s.Embed != nil && s.Vectors != nil && s.Vectors.Len() > 0 {
		return ModeHybrid
	}
	return ModeKeyword
}

// Search returns the k best chunks for query, and the query's embedding
// (nil when the search used no vectors) so callers can reuse it.
func (s *Searcher) Search(ctx context.Context, query string, k int, opt Options) ([]Result, []float32, error) {
	mode, err := ParseMode(opt.Mode)
	if err != nil {
		return nil, nil, err
	}
	if mode == "" {
		mode = s.Mode()
	}
	if mode != ModeKeyword && (s.Embed == nil || s.Vectors == nil) {
		return nil, nil, fmt.Errorf("%s search needs an embedding model: %w", mode, ErrNoModel)
	}
	if mode == ModeRerank && (s.Rerank == nil || s.Passage == nil) {
		return nil, nil, fmt.Errorf("rerank needs a cross-encoder model: %w", ErrNoModel)
	}
	n := s.Candidates
	if n <= 0 {
		n = 50
	}
	top := k
	if mode == ModeRerank {
		top = max(k, s.RerankTop)
		if s.RerankTop <= 0 {
			top = max(k, 30)
		}
	}
	n = max(n, top)

	fused := map[uint64]*Result{}
	get := func(id uint64) *Result {
		r := fused[id]
		if r == nil {
			r = &Result{ID: id}
			fused[id] = r
		}
		return r
	}
	if mode != ModeDense {
		res, err := s.Keywords.Search(ctx, query, n, opt.Keep)
		if err != nil {
			return nil, nil, fmt.Errorf("keyword search: %w", err)
		}
		for rank, r := range res {
			f := get(r.ID)
			f.Keyword = r.Score
			f.Score += 1.0 / float64(rrfK+rank+1)
		}
	}
	var qvec []float32
	if mode != ModeKeyword {
		vecs, err := s.Embed.Embed(ctx, []string{query})
		if err != nil {
			return nil, nil, fmt.Errorf("embed query: %w", err)
		}
		qvec = vecs[0]
		for rank, r := range s.Vectors.Search(qvec, n, opt.Keep) {
			f := get(r.ID)
			f.Dense = r.Score
			f.Score += 1.0 / float64(rrfK+rank+1)
		}
	}
	out := make([]Result, 0, len(fused))
	for _, r := range fused {
		out = append(out, *r)
	}
	rank(out)
	out = out[:min(top, len(out))]
	if mode == ModeRerank {
		if err := s.rerank(ctx, query, out); err != nil {
			return nil, nil, err
		}
	}
	return out[:min(k, len(out))], qvec, nil
}

// rerank rescores res with the cross-encoder and sorts it by that score.
func (s *Searcher) rerank(ctx context.Context, query string, res []Result) error {
	passages := make([]string, len(res))
	for i, r := range res {
		p, err := s.Passage(r.ID)
		if err != nil {
			return fmt.Errorf("rerank: %w", err)
		}
		passages[i] = p
	}
	scores, err := s.Rerank.Rerank(ctx, query, passages)
	if err != nil {
		return fmt.Errorf("rerank: %w", err)
	}
	if len(scores) != len(res) {
		return fmt.Errorf("rerank: %d scores for %d passages", len(scores), len(res))
	}
	for i := range res {
		res[i].Rerank = scores[i]
		res[i].Score = scores[i]
	}
	rank(res)
	return nil
}

// rank sorts results best first, ties by id.
func rank(res []Result) {
	sort.Slice(res, func(i, j int) bool {
		if res[i].Score != res[j].Score {
			return res[i].Score > res[j].Score
		}
		return res[i].ID < res[j].ID
	})
}
