package evaluate

import (
	"context"
	"fmt"
	"time"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/index"
	"folio/backend/search"
)

// retriever indexes BEIR docs and answers queries with doc ids, best first.
// Every index and store detail of the evaluation lives behind it.
type retriever interface {
	// add indexes docs: each is chunked as the engine chunks a file.
	add(ctx context.Context, docs []beirDoc) (indexTimes, error)
	// search returns up to k distinct doc ids in mode (bm25, dense or
	// hybrid), each ranked by its best chunk.
	search(ctx context.Context, mode, query string, k int) ([]string, error)
}

// indexTimes splits indexing time by the part each mode uses.
type indexTimes struct {
	chunks                int
	split, keyword, dense time.Duration
}

func (t indexTimes) seconds(mode string) float64 {
	d := t.split
	switch mode {
	case ModeBM25:
		d += t.keyword
	case ModeDense:
		d += t.dense
	default:
		d += t.keyword + t.dense
	}
	return d.Seconds()
}

// memRetriever is the engine's in-memory search: index.BM25, index.Exact
// and search.Searcher's reciprocal-rank fusion.
type memRetriever struct {
	enc      *encoder.Encoder // nil: chunks sized by estimate, no vectors
	dense    bool             // embed the chunks
	progress func(stage string, done, total int)
	keywords *index.BM25
	vectors  *index.Exact
	chunkDoc []string // chunk id-1 → doc id
}

func newRetriever(enc *encoder.Encoder, dense bool, progress func(string, int, int)) retriever {
	r := &memRetriever{enc: enc, dense: dense && enc != nil, progress: progress, keywords: index.NewBM25()}
	if r.dense {
		r.vectors = index.NewExact(enc.Dim())
	}
	return r
}

// embedBatch is how many chunks one Embed call gets.
const embedBatchChunks = 256

func (r *memRetriever) add(ctx context.Context, docs []beirDoc) (indexTimes, error) {
	var t indexTimes
	cfg := chunk.Config{}
	if r.enc != nil { // as engine.chunkConfig
		cfg = chunk.Config{MaxTokens: min(200, r.enc.MaxTokens()-2), Count: r.enc.CountTokens}
	}
	t0 := time.Now()
	var texts []string
	for _, d := range docs {
		text := d.Text
		if d.Title != "" {
			text = d.Title + "\n\n" + d.Text
		}
		for _, c := range chunk.Split(&core.Document{Text: text}, cfg) {
			texts = append(texts, c.Text)
			r.chunkDoc = append(r.chunkDoc, d.ID)
		}
	}
	t.chunks = len(texts)
	t.split = time.Since(t0)

	t0 = time.Now()
	for i, s := range texts {
		r.keywords.Add(uint64(i+1), s)
	}
	t.keyword = time.Since(t0)

	if !r.dense {
		return t, nil
	}
	t0 = time.Now()
	for start := 0; start < len(texts); start += embedBatchChunks {
		if r.progress != nil {
			r.progress("embedding chunks", start, len(texts))
		}
		end := min(start+embedBatchChunks, len(texts))
		vecs, err := r.enc.Embed(ctx, texts[start:end])
		if err != nil {
			return t, fmt.Errorf("embed chunks: %w", err)
		}
		for i, v := range vecs {
			if err := r.vectors.Add(uint64(start+i+1), v); err != nil {
				return t, err
			}
		}
	}
	t.dense = time.Since(t0)
	return t, nil
}

func (r *memRetriever) search(ctx context.Context, mode, query string, k int) ([]string, error) {
	var qvec []float32
	if mode != ModeBM25 {
		if !r.dense {
			return nil, fmt.Errorf("mode %s needs the chunks embedded", mode)
		}
		vecs, err := r.enc.Embed(ctx, []string{query})
		if err != nil {
			return nil, fmt.Errorf("embed query: %w", err)
		}
		qvec = vecs[0]
	}
	// Ask for more chunks than docs, and more again while the chunks found
	// hold fewer than k distinct docs.
	for n := 3 * k; ; n *= 2 {
		var ids []uint64
		switch mode {
		case ModeBM25:
			for _, res := range r.keywords.Search(query, n) {
				ids = append(ids, res.ID)
			}
		case ModeDense:
			for _, res := range r.vectors.Search(qvec, n) {
				ids = append(ids, res.ID)
			}
		case ModeHybrid:
			s := search.Searcher{Vectors: r.vectors, Keywords: r.keywords, Embed: fixedEmbedder{qvec}, Candidates: n}
			res, _, err := s.Search(ctx, query, n)
			if err != nil {
				return nil, err
			}
			for _, x := range res {
				ids = append(ids, x.ID)
			}
		default:
			return nil, fmt.Errorf("unknown mode %q", mode)
		}
		docs := make([]string, 0, k)
		seen := map[string]bool{}
		for _, id := range ids {
			d := r.chunkDoc[id-1]
			if !seen[d] {
				seen[d] = true
				docs = append(docs, d)
				if len(docs) == k {
					break
				}
			}
		}
		if len(docs) == k || len(ids) < n || n >= len(r.chunkDoc) {
			return docs, nil
		}
	}
}

// fixedEmbedder hands search.Searcher the query vector already computed, so
// the query is embedded once per search in every mode.
type fixedEmbedder struct{ vec []float32 }

func (f fixedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return [][]float32{f.vec}, nil
}
