package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

func TestScoreQuery(t *testing.T) {
	twelve := map[string]int{}
	var all []string
	for i := range 12 {
		d := fmt.Sprintf("d%d", i)
		twelve[d] = 1
		all = append(all, d)
	}
	deep := make([]string, 0, 12)
	for i := range 11 {
		deep = append(deep, fmt.Sprintf("x%d", i))
	}
	deep[10] = "a" // the only relevant doc at rank 11
	tests := []struct {
		name   string
		ranked []string
		rels   map[string]int
		want   QueryMetrics
	}{
		{
			// DCG = 1/log2(3) + 2/log2(4); IDCG = 2/log2(2) + 1/log2(3).
			name:   "graded",
			ranked: []string{"x", "b", "a", "c"},
			rels:   map[string]int{"a": 2, "b": 1, "c": 0},
			want:   QueryMetrics{NDCG10: (1/math.Log2(3) + 1) / (2 + 1/math.Log2(3)), Recall10: 1, Recall100: 1, MRR10: 0.5},
		},
		{
			name:   "perfect",
			ranked: []string{"a", "b"},
			rels:   map[string]int{"a": 2, "b": 1},
			want:   QueryMetrics{NDCG10: 1, Recall10: 1, Recall100: 1, MRR10: 1},
		},
		{
			name:   "relevant only at rank 11",
			ranked: deep,
			rels:   map[string]int{"a": 1},
			want:   QueryMetrics{Recall100: 1},
		},
		{
			name:   "more relevant than ten",
			ranked: all,
			rels:   twelve,
			want:   QueryMetrics{NDCG10: 1, Recall10: 10.0 / 12, Recall100: 1, MRR10: 1},
		},
		{
			name:   "half found",
			ranked: []string{"b", "z"},
			rels:   map[string]int{"a": 1, "b": 1},
			want:   QueryMetrics{NDCG10: 1 / (1 + 1/math.Log2(3)), Recall10: 0.5, Recall100: 0.5, MRR10: 1},
		},
		{
			name:   "nothing retrieved",
			ranked: nil,
			rels:   map[string]int{"a": 1},
			want:   QueryMetrics{},
		},
		{
			name:   "only non-relevant judgements",
			ranked: []string{"a"},
			rels:   map[string]int{"a": 0},
			want:   QueryMetrics{},
		},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	for _, tt := range tests {
		got := scoreQuery(tt.ranked, tt.rels)
		if !near(got.NDCG10, tt.want.NDCG10) || !near(got.Recall10, tt.want.Recall10) ||
			!near(got.Recall100, tt.want.Recall100) || !near(got.MRR10, tt.want.MRR10) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// writeBEIR writes a small BEIR folder; qrels maps a file name under qrels/
// to its contents.
func writeBEIR(t *testing.T, corpus, queries string, qrels map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "qrels"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries}
	for name, body := range qrels {
		files[filepath.Join("qrels", name)] = body
	}
	for name, body := range files {
		if body == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	tinyCorpus = `{"_id": "d1", "title": "Tracing JIT", "text": "Trace trees record hot loops in the interpreter."}
{"_id": 2, "title": "", "text": "Garbage collection pauses and heap growth."}
{"_id": "d3", "title": "Gardening", "text": "Tomatoes need sun, water and patience."}
`
	tinyQueries = `{"_id": "q1", "text": "hot loop traces"}
{"_id": "q2", "text": "heap garbage collector"}
{"_id": "q3", "text": "a query without judgements"}
`
	tinyTrain = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\t2\t1\n"
	tinyTest  = "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td3\t0\n"
)

func TestLoadBEIR(t *testing.T) {
	both := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": tinyTrain, "test.tsv": tinyTest})
	trainOnly := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": tinyTrain})
	noHeader := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": "q2\t2\t1\n"})
	tests := []struct {
		name, dir, qrels string
		wantQrels        string // base name of the qrels read
		wantQueries      []string
	}{
		{"test.tsv preferred", both, "", "test.tsv", []string{"q1"}},
		{"train.tsv otherwise", trainOnly, "", "train.tsv", []string{"q1", "q2"}},
		{"explicit qrels", both, filepath.Join(both, "qrels", "train.tsv"), "train.tsv", []string{"q1", "q2"}},
		{"no header line", noHeader, "", "train.tsv", []string{"q2"}},
	}
	for _, tt := range tests {
		set, err := loadBEIR(tt.dir, tt.qrels)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := filepath.Base(set.QrelsPath); got != tt.wantQrels {
			t.Errorf("%s: read %s, want %s", tt.name, got, tt.wantQrels)
		}
		if got := set.queryIDs(); strings.Join(got, ",") != strings.Join(tt.wantQueries, ",") {
			t.Errorf("%s: queries %v, want %v", tt.name, got, tt.wantQueries)
		}
		if len(set.Docs) != 3 || set.Docs[1].ID != "2" || set.Docs[0].Title != "Tracing JIT" {
			t.Errorf("%s: docs %+v, want 3 with ids d1, 2 (from a number), d3", tt.name, set.Docs)
		}
	}
	if set, _ := loadBEIR(both, ""); set != nil && set.Qrels["q1"]["d1"] != 2 {
		t.Errorf("test.tsv relevance of q1/d1 = %d, want 2", set.Qrels["q1"]["d1"])
	}
}

func TestLoadBEIRErrors(t *testing.T) {
	noCorpus := writeBEIR(t, "", tinyQueries, map[string]string{"train.tsv": tinyTrain})
	noQueries := writeBEIR(t, tinyCorpus, "", map[string]string{"train.tsv": tinyTrain})
	noQrels := writeBEIR(t, tinyCorpus, tinyQueries, nil)
	badScore := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": tinyTrain + "q3\td3\thigh\n"})
	shortLine := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": tinyTrain + "q3 d3\n"})
	badJSON := writeBEIR(t, tinyCorpus+"{not json\n", tinyQueries, map[string]string{"train.tsv": tinyTrain})
	tests := []struct {
		name, dir, qrels string
		want             []string // substrings of the error
	}{
		{"missing corpus", noCorpus, "", []string{"corpus.jsonl"}},
		{"missing queries", noQueries, "", []string{"queries.jsonl"}},
		{"missing qrels", noQrels, "", []string{"qrels/test.tsv", "qrels/train.tsv"}},
		{"missing given qrels", noQrels, filepath.Join(noQrels, "dev.tsv"), []string{"dev.tsv"}},
		{"bad score", badScore, "", []string{"train.tsv:4", "high"}},
		{"short line", shortLine, "", []string{"train.tsv:4"}},
		{"bad json", badJSON, "", []string{"corpus.jsonl:4"}},
		{"no folder", "", "", []string{"--beir"}},
	}
	for _, tt := range tests {
		_, err := loadBEIR(tt.dir, tt.qrels)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", tt.name, err, w)
			}
		}
	}
}

func TestRetrievalTinyBM25(t *testing.T) {
	dir := writeBEIR(t, tinyCorpus, tinyQueries, map[string]string{"train.tsv": tinyTrain})
	rep, err := Retrieval(context.Background(), RetrievalConfig{BEIR: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mode != ModeBM25 || rep.Queries != 2 || rep.Docs != 3 || rep.Chunks != 3 {
		t.Errorf("mode %s, %d queries, %d docs, %d chunks; want bm25 (no model), 2, 3, 3", rep.Mode, rep.Queries, rep.Docs, rep.Chunks)
	}
	if rep.NDCG10 != 1 || rep.MRR10 != 1 || rep.Recall100 != 1 {
		t.Errorf("nDCG@10 %.3f, MRR@10 %.3f, R@100 %.3f; want 1 each", rep.NDCG10, rep.MRR10, rep.Recall100)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	sort.Strings(got)
	want := "docs index_seconds mode mrr@10 ndcg@10 qps queries recall@10 recall@100"
	if strings.Join(got, " ") != want {
		t.Errorf("JSON keys %v, want %s", got, want)
	}
	for _, mode := range []string{ModeDense, ModeHybrid, ModeRerank, "fancy"} {
		if _, err := Retrieval(context.Background(), RetrievalConfig{BEIR: dir, Mode: mode}); err == nil {
			t.Errorf("mode %s without a model: no error", mode)
		}
	}
}

// refBM25 reads the committed reference figures (scripts/ref_bm25.py).
func refBM25(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ref_bm25_scifact.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		NDCG10 float64 `json:"ndcg@10"`
	}
	if err := json.Unmarshal(b, &ref); err != nil || ref.NDCG10 <= 0 {
		t.Fatalf("testdata/ref_bm25_scifact.json: nDCG@10 %v, %v", ref.NDCG10, err)
	}
	return ref.NDCG10
}

// TestRetrievalSciFact holds Folio's BM25 on the full SciFact train qrels to
// within 0.01 nDCG@10 of the reference BM25 (rank_bm25), and with the model
// runs every mode on a subset small enough for the race detector.
func TestRetrievalSciFact(t *testing.T) {
	beir := filepath.Join(testenv.Shared(t), "data", "retrieval", "scifact")
	ref := refBM25(t)
	ctx := context.Background()
	rep, err := Retrieval(ctx, RetrievalConfig{BEIR: beir, Mode: ModeBM25})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SciFact train, bm25 (chunks sized by estimate): nDCG@10 %.4f, R@100 %.4f over %d queries; reference %.4f", rep.NDCG10, rep.Recall100, rep.Queries, ref)
	if rep.Queries < 800 || rep.Docs != 5183 {
		t.Errorf("%d queries over %d docs; want the full train qrels (809) and corpus (5183)", rep.Queries, rep.Docs)
	}
	if rep.NDCG10 < ref-0.01 {
		t.Errorf("bm25 nDCG@10 %.4f < reference %.4f - 0.01", rep.NDCG10, ref)
	}

	modelDir := testenv.Model(t)
	sub := scifactSubset(t, beir, sciFactSubsetQueries, sciFactSubsetDistractors)
	reps, err := RetrievalModes(ctx, RetrievalConfig{BEIR: sub, ModelDir: modelDir}, []string{ModeBM25, ModeDense, ModeHybrid})
	if err != nil {
		t.Fatal(err)
	}
	// On so small a subset, random distractors make dense search nearly
	// perfect and fusion can only pull it down towards BM25: the
	// comparison between modes is TestRetrievalSciFactHybridWins's, on the
	// whole corpus. Here each mode must work.
	for _, r := range reps {
		t.Logf("subset (%d docs, %d chunks, %d queries), %s: nDCG@10 %.4f, R@10 %.4f, MRR@10 %.4f", r.Docs, r.Chunks, r.Queries, r.Mode, r.NDCG10, r.Recall10, r.MRR10)
		if r.NDCG10 < 0.75 {
			t.Errorf("subset %s nDCG@10 %.4f; want at least 0.75 (measured 0.87-0.95)", r.Mode, r.NDCG10)
		}
	}
}

// TestRetrievalSciFactHybridWins checks the target on the whole of
// SciFact with the real model: hybrid search beats BM25 and dense alone.
// Embedding 5,183 abstracts takes minutes, so it runs without the race
// detector (make test runs it on its own) and not with -short.
func TestRetrievalSciFactHybridWins(t *testing.T) {
	if testenv.Race || testing.Short() {
		t.Skip("embeds all of SciFact: run without -race and -short (make test does)")
	}
	beir := filepath.Join(testenv.Shared(t), "data", "retrieval", "scifact")
	modelDir := testenv.Model(t)
	reps, err := RetrievalModes(context.Background(), RetrievalConfig{BEIR: beir, ModelDir: modelDir}, []string{ModeBM25, ModeDense, ModeHybrid})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range reps {
		got[r.Mode] = r.NDCG10
		t.Logf("SciFact train, %s: nDCG@10 %.4f, R@10 %.4f, R@100 %.4f, MRR@10 %.4f, %.0f q/s", r.Mode, r.NDCG10, r.Recall10, r.Recall100, r.MRR10, r.QPS)
	}
	if best := max(got[ModeBM25], got[ModeDense]); got[ModeHybrid] <= best {
		t.Errorf("hybrid nDCG@10 %.4f is not above max(bm25 %.4f, dense %.4f)", got[ModeHybrid], got[ModeBM25], got[ModeDense])
	}
}

// The subset: the relevant docs of the first queries of the train qrels
// plus random distractors, sized to keep the encoder's work to a minute.
const (
	sciFactSubsetQueries     = 40
	sciFactSubsetDistractors = 100
)

// scifactSubset writes a BEIR folder holding the first nq train queries (by
// id), their relevant docs and nd other docs drawn with a fixed seed.
func scifactSubset(t *testing.T, beir string, nq, nd int) string {
	t.Helper()
	set, err := loadBEIR(beir, filepath.Join(beir, "qrels", "train.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	qids := set.queryIDs()[:nq]
	keep := map[string]bool{}
	var qrels strings.Builder
	qrels.WriteString("query-id\tcorpus-id\tscore\n")
	var queries strings.Builder
	for _, q := range qids {
		b, _ := json.Marshal(map[string]string{"_id": q, "text": set.Queries[q]})
		queries.Write(append(b, '\n'))
		var docs []string
		for d := range set.Qrels[q] {
			docs = append(docs, d)
		}
		sort.Strings(docs)
		for _, d := range docs {
			fmt.Fprintf(&qrels, "%s\t%s\t%d\n", q, d, set.Qrels[q][d])
			keep[d] = true
		}
	}
	want := len(keep) + nd
	rng := rand.New(rand.NewSource(5))
	for _, i := range rng.Perm(len(set.Docs)) {
		if len(keep) == want {
			break
		}
		keep[set.Docs[i].ID] = true
	}
	var corpus strings.Builder
	for _, d := range set.Docs {
		if keep[d.ID] {
			b, _ := json.Marshal(map[string]string{"_id": d.ID, "title": d.Title, "text": d.Text})
			corpus.Write(append(b, '\n'))
		}
	}
	return writeBEIR(t, corpus.String(), queries.String(), map[string]string{"train.tsv": qrels.String()})
}
