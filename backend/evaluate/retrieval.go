package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/search"
)

// Retrieval modes.
const (
	ModeBM25   = "bm25"
	ModeDense  = "dense"
	ModeHybrid = "hybrid"
	ModeRerank = "rerank"
)

// retrievalDepth is how many distinct docs each query retrieves.
const retrievalDepth = 100

// RetrievalConfig configures Retrieval. Zero fields mean the defaults.
type RetrievalConfig struct {
	// BEIR is the dataset folder: corpus.jsonl, queries.jsonl, qrels/*.tsv.
	BEIR string
	// Qrels is the relevance file (default qrels/test.tsv when present,
	// otherwise qrels/train.tsv).
	Qrels string
	// Mode is bm25, dense, hybrid or rerank (default hybrid with a model,
	// bm25 without).
	Mode string
	// Reranker is a cross-encoder model folder, for mode rerank.
	Reranker string
	// ModelDir is the embedding model folder; "" runs without a model
	// (chunks sized by estimate, keyword search only).
	ModelDir string
	// Progress, if set, is told how far indexing has got.
	Progress func(stage string, done, total int)
}

// RetrievalReport is one mode's figures on a BEIR dataset. The JSON holds
// the metrics, speed and size; the rest is for the text report.
type RetrievalReport struct {
	NDCG10       float64 `json:"ndcg@10"`
	Recall10     float64 `json:"recall@10"`
	Recall100    float64 `json:"recall@100"`
	MRR10        float64 `json:"mrr@10"`
	QPS          float64 `json:"qps"`
	IndexSeconds float64 `json:"index_seconds"`
	Mode         string  `json:"mode"`
	Queries      int     `json:"queries"`
	Docs         int     `json:"docs"`

	Dataset  string         `json:"-"`
	Qrels    string         `json:"-"`
	Chunks   int            `json:"-"`
	PerQuery []QueryMetrics `json:"-"`
}

// QueryMetrics are one query's figures.
type QueryMetrics struct {
	ID        string
	NDCG10    float64
	Recall10  float64
	Recall100 float64
	MRR10     float64
}

// Retrieval indexes a BEIR corpus, runs every query that has qrels in one
// mode and scores the rankings as BEIR (pytrec_eval) does.
func Retrieval(ctx context.Context, cfg RetrievalConfig) (RetrievalReport, error) {
	reps, err := RetrievalModes(ctx, cfg, []string{cfg.Mode})
	if err != nil {
		return RetrievalReport{}, err
	}
	return reps[0], nil
}

// RetrievalModes is Retrieval for several modes over one index: the corpus
// is chunked and embedded once, and each mode's index time counts only the
// parts it uses (chunking and BM25 for bm25; chunking and embedding for
// dense; all of it for hybrid).
func RetrievalModes(ctx context.Context, cfg RetrievalConfig, modes []string) ([]RetrievalReport, error) {
	modes = slices.Clone(modes)
	if len(modes) == 0 {
		modes = []string{""}
	}
	needDense := false
	for i, m := range modes {
		switch m {
		case "":
			modes[i] = ModeBM25
			if cfg.ModelDir != "" {
				modes[i] = ModeHybrid
				needDense = true
			}
		case ModeBM25:
		case ModeDense, ModeHybrid:
			if cfg.ModelDir == "" {
				return nil, fmt.Errorf("mode %s needs an embedding model: give --model DIR or install one with `folio models install DIR`", m)
			}
			needDense = true
		case ModeRerank:
			if cfg.ModelDir == "" || cfg.Reranker == "" {
				return nil, errors.New("mode rerank needs an embedding model and a cross-encoder reranker (a BERT sequence-classification model such as cross-encoder/ms-marco-MiniLM-L-6-v2): give --model DIR and --reranker DIR")
			}
			needDense = true
		default:
			return nil, fmt.Errorf("unknown mode %q (want bm25, dense, hybrid or rerank)", m)
		}
	}
	set, err := loadBEIR(cfg.BEIR, cfg.Qrels)
	if err != nil {
		return nil, err
	}
	var enc *encoder.Encoder
	if cfg.ModelDir != "" {
		if enc, err = encoder.Open(cfg.ModelDir); err != nil {
			return nil, err
		}
	}
	var rerank search.Reranker
	if cfg.Reranker != "" {
		if rerank, err = search.OpenCrossEncoder(cfg.Reranker); err != nil {
			return nil, err
		}
	}
	r, err := newRetriever(ctx, enc, needDense, rerank, cfg.Progress)
	if err != nil {
		return nil, err
	}
	defer r.close()
	times, err := r.add(ctx, set.Docs)
	if err != nil {
		return nil, err
	}
	qids := set.queryIDs()
	if len(qids) == 0 {
		return nil, fmt.Errorf("%s: no query in %s has qrels", cfg.BEIR, set.QrelsPath)
	}
	var reps []RetrievalReport
	for _, mode := range modes {
		rep := RetrievalReport{
			Mode: mode, Queries: len(qids), Docs: len(set.Docs), Chunks: times.chunks,
			Dataset: filepath.Base(filepath.Clean(cfg.BEIR)), Qrels: set.QrelsPath,
			IndexSeconds: times.seconds(mode),
		}
		var searchTime time.Duration
		for i, q := range qids {
			if cfg.Progress != nil && i%50 == 0 {
				cfg.Progress("searching ("+mode+")", i, len(qids))
			}
			// The @10 figures come from the search the product runs (its
			// candidates per retriever); Recall@100 from a deeper one.
			t0 := time.Now()
			top, err := r.search(ctx, mode, set.Queries[q], 10)
			searchTime += time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", q, err)
			}
			deep, err := r.search(ctx, mode, set.Queries[q], retrievalDepth)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", q, err)
			}
			m := scoreQuery(top, set.Qrels[q])
			m.Recall100 = scoreQuery(deep, set.Qrels[q]).Recall100
			m.ID = q
			rep.PerQuery = append(rep.PerQuery, m)
		}
		rep.average()
		if s := searchTime.Seconds(); s > 0 {
			rep.QPS = float64(len(qids)) / s
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

func (r *RetrievalReport) average() {
	for _, m := range r.PerQuery {
		r.NDCG10 += m.NDCG10
		r.Recall10 += m.Recall10
		r.Recall100 += m.Recall100
		r.MRR10 += m.MRR10
	}
	if n := float64(len(r.PerQuery)); n > 0 {
		r.NDCG10 /= n
		r.Recall10 /= n
		r.Recall100 /= n
		r.MRR10 /= n
	}
}

// scoreQuery computes one query's metrics as pytrec_eval does: nDCG@10 with
// gain = relevance and a log2(rank+1) discount over the ideal ordering of
// the judged relevances; recall@k over the docs with relevance > 0; the
// reciprocal rank of the first relevant doc within the top 10.
func scoreQuery(ranked []string, rels map[string]int) QueryMetrics {
	var m QueryMetrics
	relevant := 0
	var ideal []int
	for _, r := range rels {
		if r > 0 {
			relevant++
			ideal = append(ideal, r)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	var dcg, idcg float64
	for i, r := range ideal[:min(10, len(ideal))] {
		idcg += float64(r) / math.Log2(float64(i+2))
	}
	hits10, hits100 := 0, 0
	for i, d := range ranked[:min(retrievalDepth, len(ranked))] {
		r := rels[d]
		if r <= 0 {
			continue
		}
		hits100++
		if i < 10 {
			hits10++
			dcg += float64(r) / math.Log2(float64(i+2))
			if m.MRR10 == 0 {
				m.MRR10 = 1 / float64(i+1)
			}
		}
	}
	if idcg > 0 {
		m.NDCG10 = dcg / idcg
	}
	if relevant > 0 {
		m.Recall10 = float64(hits10) / float64(relevant)
		m.Recall100 = float64(hits100) / float64(relevant)
	}
	return m
}

// beirDoc is one corpus document.
type beirDoc struct {
	ID, Title, Text string
}

// beirSet is a loaded BEIR dataset.
type beirSet struct {
	Docs      []beirDoc
	Queries   map[string]string         // id → text
	Qrels     map[string]map[string]int // query id → doc id → relevance
	QrelsPath string
}

// queryIDs lists the queries with both a text and qrels, sorted.
func (s *beirSet) queryIDs() []string {
	var ids []string
	for q := range s.Qrels {
		if _, ok := s.Queries[q]; ok {
			ids = append(ids, q)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return lessID(ids[i], ids[j]) })
	return ids
}

// lessID orders numeric ids by value and the rest as strings.
func lessID(a, b string) bool {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 == nil && err2 == nil {
		return x < y
	}
	return a < b
}

// defaultQrels picks qrels/test.tsv when present, otherwise qrels/train.tsv.
func defaultQrels(dir string) (string, error) {
	for _, name := range []string{"test.tsv", "train.tsv"} {
		p := filepath.Join(dir, "qrels", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no qrels in %s: want qrels/test.tsv or qrels/train.tsv (or give --qrels)", dir)
}

// loadBEIR reads corpus.jsonl, queries.jsonl and the qrels.
func loadBEIR(dir, qrels string) (*beirSet, error) {
	if dir == "" {
		return nil, errors.New("no BEIR folder given (--beir DIR)")
	}
	if qrels == "" {
		var err error
		if qrels, err = defaultQrels(dir); err != nil {
			return nil, err
		}
	}
	set := &beirSet{Queries: map[string]string{}, QrelsPath: qrels}
	var err error
	if set.Qrels, err = readQrels(qrels); err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(dir, "corpus.jsonl"), func(l beirLine) {
		set.Docs = append(set.Docs, beirDoc{ID: string(l.ID), Title: l.Title, Text: l.Text})
	})
	if err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(dir, "queries.jsonl"), func(l beirLine) { set.Queries[string(l.ID)] = l.Text })
	if err != nil {
		return nil, err
	}
	return set, nil
}

// beirLine is a line of corpus.jsonl or queries.jsonl.
type beirLine struct {
	ID    beirID `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// beirID accepts an id written as a JSON string or number.
type beirID string

func (id *beirID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = beirID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("_id %s is neither a string nor a number", b)
	}
	*id = beirID(n.String())
	return nil
}

func readJSONL(path string, each func(beirLine)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var l beirLine
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if l.ID == "" {
			return fmt.Errorf("%s:%d: no _id", path, n)
		}
		each(l)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readQrels reads a BEIR qrels file: tab-separated query-id, corpus-id and
// score, with an optional header line.
func readQrels(path string) (map[string]map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) < 3 {
			fields = strings.Fields(line)
		}
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want query-id, corpus-id and score, got %q", path, n, line)
		}
		q, d, s := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[1]), strings.TrimSpace(fields[len(fields)-1])
		score, err := strconv.Atoi(s)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil {
				if n == 1 {
					continue // header: query-id corpus-id score
				}
				return nil, fmt.Errorf("%s:%d: score %q is not a number", path, n, s)
			}
			score = int(f)
		}
		if out[q] == nil {
			out[q] = map[string]int{}
		}
		out[q][d] = score
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no judgements", path)
	}
	return out, nil
}

// WriteText prints the report; verbose adds each query's figures.
func (r RetrievalReport) WriteText(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "BEIR %s, %s: %d docs (%d chunks), %d queries (%s)\n",
		r.Dataset, r.Mode, r.Docs, r.Chunks, r.Queries, filepath.Base(r.Qrels))
	fmt.Fprintf(w, "  nDCG@10      %.4f\n", r.NDCG10)
	fmt.Fprintf(w, "  Recall@10    %.4f\n", r.Recall10)
	fmt.Fprintf(w, "  Recall@100   %.4f\n", r.Recall100)
	fmt.Fprintf(w, "  MRR@10       %.4f\n", r.MRR10)
	fmt.Fprintf(w, "  queries/s    %.1f\n", r.QPS)
	fmt.Fprintf(w, "  index        %.1f s\n", r.IndexSeconds)
	if verbose {
		for _, m := range r.PerQuery {
			fmt.Fprintf(w, "    query %-10s nDCG@10 %.3f  R@10 %.2f  R@100 %.2f  RR %.3f\n", core.OneLine(m.ID, 10), m.NDCG10, m.Recall10, m.Recall100, m.MRR10)
		}
	}
}
