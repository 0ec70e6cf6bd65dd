// Package search runs retrieval over one library: BM25 keywords, dense
// vectors, or both merged by reciprocal-rank fusion, optionally reranked by
// a cross-encoder. With no embedding model it falls back to keywords alone.
package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"folio/backend/index"
	"folio/backend/index/lineitem"
	"folio/backend/store"
)

// Embedder turns texts into L2-normalised vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Keywords is a keyword index (index.Keywords).
type Keywords interface {
	Search(ctx context.Context, query string, k int, keep func(id uint64) bool) ([]index.Result, error)
}

// DocScorer is a keyword index that also scores documents by their own
// fields (name, title, first page) for a query: index.Keywords. Dense and
// hybrid searches use it so that a passage of the document a question
// names ranks above the same passage in a look-alike.
type DocScorer interface {
	DocScores(ctx context.Context, query string) (map[uint64]float64, error)
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
	// fusion (default DefaultCandidates).
	Candidates int
	// RerankTop is how many fused results the reranker rescores (default 30).
	RerankTop int
}

// DefaultCandidates is how many results each retriever contributes before
// fusion unless Searcher.Candidates says otherwise: the product's setting.
const DefaultCandidates = 50

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
		n = DefaultCandidates
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
		res, err := s.Keywords.Search(ctx, expand(query), n, opt.Keep)
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
	if mode != ModeKeyword {
		if err := s.boostNamedDocs(ctx, query, fused); err != nil {
			return nil, nil, err
		}
	}
	if err := s.exactFirst(ctx, query, opt.Keep, get); err != nil {
		return nil, nil, err
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

// namedShare is how close to the best document's field score another
// document's must be for its passages to share the boost.
const namedShare = 0.5

// boostNamedDocs raises, in a fused ranking, the passages of the documents
// whose own fields best match the query (see DocScorer), by as much as a
// first place in one more ranked list.
func (s *Searcher) boostNamedDocs(ctx context.Context, query string, fused map[uint64]*Result) error {
	ds, ok := s.Keywords.(DocScorer)
	if !ok {
		return nil
	}
	docs, err := ds.DocScores(ctx, query)
	if err != nil {
		return fmt.Errorf("document fields: %w", err)
	}
	best := 0.0
	for _, v := range docs {
		best = max(best, v)
	}
	if best <= 0 {
		return nil
	}
	for id, r := range fused {
		if docs[store.DocOf(id)] >= namedShare*best {
			r.Score += 1.0 / float64(rrfK+1)
		}
	}
	return nil
}

// Exact identifiers: a query word holding both letters and digits, at
// least minIDLen long, found in at most maxIDChunks passages.
const (
	minIDLen    = 5
	maxIDChunks = 3
)

// exactFirst puts first, in every mode, the passages holding a rare exact
// identifier of the query ("Z01234Q", a case or invoice number): a vector
// knows nothing of serials, and fusion would tie a keyword hit with an
// unrelated dense one.
func (s *Searcher) exactFirst(ctx context.Context, query string, keep func(uint64) bool, get func(uint64) *Result) error {
	for _, w := range strings.Fields(query) {
		terms := index.Terms(w)
		if len(terms) != 1 || !identifier(terms[0]) {
			continue
		}
		res, err := s.Keywords.Search(ctx, terms[0], maxIDChunks+1, keep)
		if err != nil {
			return fmt.Errorf("keyword search: %w", err)
		}
		if len(res) == 0 || len(res) > maxIDChunks {
			continue
		}
		for _, r := range res {
			f := get(r.ID)
			f.Keyword = max(f.Keyword, r.Score)
			f.Score += 1 // more than any fused rank gives
		}
	}
	return nil
}

// identifier reports whether an index term looks like a serial: letters
// and digits mixed, at least minIDLen long.
func identifier(t string) bool {
	if len(t) < minIDLen {
		return false
	}
	letter, digit := false, false
	for _, r := range t {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r):
			letter = true
		default:
			return false
		}
	}
	return letter && digit
}

// expand widens a keyword query with the other names of the financial
// line items it names (package lineitem): a question about "capital
// expenditure" finds the cash flow statement's "Capital spending" row.
func expand(query string) string {
	if more := lineitem.Expand(query); more != "" {
		return query + " " + more
	}
	return query
}

// rank sorts results best first; of equal scores, one the keywords found
// first (an exact word is surer than a near vector), then by id.
func rank(res []Result) {
	sort.Slice(res, func(i, j int) bool {
		if res[i].Score != res[j].Score {
			return res[i].Score > res[j].Score
		}
		if res[i].Keyword != res[j].Keyword {
			return res[i].Keyword > res[j].Keyword
		}
		return res[i].ID < res[j].ID
	})
}
