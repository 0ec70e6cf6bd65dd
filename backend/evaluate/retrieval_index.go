package evaluate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/index"
	"folio/backend/search"
	"folio/backend/store"
)

// retriever indexes BEIR docs and answers queries with doc ids, best first.
// Every index and store detail of the evaluation lives behind it.
type retriever interface {
	// add indexes docs: each is chunked as the engine chunks a file.
	add(ctx context.Context, docs []beirDoc) (indexTimes, error)
	// search returns up to k distinct doc ids in mode (bm25, dense, hybrid
	// or rerank), each ranked by its best chunk.
	search(ctx context.Context, mode, query string, k int) ([]string, error)
	// close releases the index and deletes its files.
	close() error
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

// libraryRetriever is the product's retrieval on a library of its own: the
// documents, postings and vectors in a real store in a temporary folder,
// the keyword and vector indexes over it, and search.Searcher.
type libraryRetriever struct {
	enc      *encoder.Encoder // nil: chunks sized by estimate, no vectors
	dense    bool             // embed the chunks
	progress func(stage string, done, total int)
	dir      string
	st       *store.Store
	searcher *search.Searcher
	vectors  *index.Vectors
	docOf    map[uint64]string // store document id → BEIR doc id
	chunks   int
}

func newRetriever(ctx context.Context, enc *encoder.Encoder, dense bool, rerank search.Reranker, progress func(string, int, int)) (retriever, error) {
	dir, err := os.MkdirTemp("", "folio-eval-")
	if err != nil {
		return nil, err
	}
	r := &libraryRetriever{enc: enc, dense: dense && enc != nil, progress: progress, dir: dir, docOf: map[uint64]string{}}
	if r.st, err = store.Open(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	kw, err := index.OpenKeywords(ctx, r.st)
	if err != nil {
		r.close()
		return nil, err
	}
	r.searcher = &search.Searcher{Keywords: kw, Rerank: rerank, Passage: r.passage}
	if r.dense {
		if r.vectors, err = index.OpenVectors(ctx, r.st, index.VectorsConfig{Dim: enc.Dim()}); err != nil {
			r.close()
			return nil, err
		}
		r.searcher.Vectors = r.vectors
	}
	return r, nil
}

func (r *libraryRetriever) passage(id uint64) (string, error) {
	c, err := r.st.Chunk(id)
	return c.Text, err
}

func (r *libraryRetriever) close() error {
	var errs []error
	if r.vectors != nil {
		errs = append(errs, r.vectors.Close())
	}
	errs = append(errs, r.st.Close(), os.RemoveAll(r.dir))
	return errors.Join(errs...)
}

// embedBatchChunks is how many chunks one Embed call gets.
const embedBatchChunks = 256

func (r *libraryRetriever) add(ctx context.Context, docs []beirDoc) (indexTimes, error) {
	var t indexTimes
	cfg := chunk.Config{}
	if r.enc != nil { // as engine.chunkConfig
		cfg = chunk.ForModel(r.enc.MaxTokens(), r.enc.CountTokens)
	}
	var all []core.Chunk
	for i, d := range docs {
		if err := ctx.Err(); err != nil {
			return t, err
		}
		if r.progress != nil && i%500 == 0 {
			r.progress("indexing documents", i, len(docs))
		}
		text := d.Text
		if d.Title != "" {
			text = d.Title + "\n\n" + d.Text
		}
		doc := core.Document{Text: text, Format: "beir"}
		t0 := time.Now()
		chunks := chunk.Split(&doc, cfg)
		t.split += time.Since(t0)
		if len(chunks) == 0 {
			continue
		}
		t0 = time.Now()
		rec := store.FileRecord{Path: "beir:" + d.ID, Format: "beir"}
		if _, err := r.st.PutDocument(rec, &doc, chunks, index.EncodePostings(chunks)); err != nil {
			return t, err
		}
		t.keyword += time.Since(t0)
		r.docOf[chunks[0].DocID] = d.ID
		all = append(all, chunks...)
	}
	t.chunks = len(all)
	r.chunks = len(all)
	if !r.dense {
		return t, nil
	}
	t0 := time.Now()
	for start := 0; start < len(all); start += embedBatchChunks {
		if r.progress != nil {
			r.progress("embedding chunks", start, len(all))
		}
		batch := all[start:min(start+embedBatchChunks, len(all))]
		texts := make([]string, len(batch))
		ids := make([]uint64, len(batch))
		for i, c := range batch {
			texts[i], ids[i] = c.Text, c.ID
		}
		vecs, err := r.enc.Embed(ctx, texts)
		if err != nil {
			return t, fmt.Errorf("embed chunks: %w", err)
		}
		if err := r.vectors.Put(ids, vecs); err != nil {
			return t, err
		}
	}
	t.dense = time.Since(t0)
	return t, nil
}

func (r *libraryRetriever) search(ctx context.Context, mode, query string, k int) ([]string, error) {
	if mode != ModeBM25 && !r.dense {
		return nil, fmt.Errorf("mode %s needs the chunks embedded", mode)
	}
	sm, err := search.ParseMode(mode)
	if err != nil {
		return nil, err
	}
	var qvec []float32
	if sm != search.ModeKeyword {
		vecs, err := r.enc.Embed(ctx, []string{query})
		if err != nil {
			return nil, fmt.Errorf("embed query: %w", err)
		}
		qvec = vecs[0]
	}
	s := *r.searcher
	s.Embed = fixedEmbedder{qvec}
	// Ask for k chunks with the product's candidates per retriever, and for
	// more only while the chunks found hold fewer than k distinct docs:
	// deeper lists than the product's are read only then.
	for n := k; ; n *= 2 {
		s.Candidates = max(search.DefaultCandidates, n)
		res, _, err := s.Search(ctx, query, n, search.Options{Mode: sm})
		if err != nil {
			return nil, err
		}
		docs := make([]string, 0, k)
		seen := map[string]bool{}
		for _, x := range res {
			d := r.docOf[store.DocOf(x.ID)]
			if !seen[d] {
				seen[d] = true
				docs = append(docs, d)
				if len(docs) == k {
					break
				}
			}
		}
		if len(docs) == k || len(res) < n || n >= r.chunks {
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
