package encoder

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// headsRef is testdata/heads_ref.json, written by
// scripts/gen_heads_fixtures.py from the tiny models in testdata/tiny_cls
// and testdata/tiny_qa.
type headsRef struct {
	QAMaxLen    int `json:"qa_max_len"`
	QAStride    int `json:"qa_stride"`
	QAMaxAnswer int `json:"qa_max_answer_tokens"`
	Classifier  []struct {
		Query   string    `json:"query"`
		Passage string    `json:"passage"`
		IDs     []int     `json:"ids"`
		Types   []int8    `json:"types"`
		Logits  []float32 `json:"logits"`
	} `json:"classifier"`
	QA []struct {
		Question string `json:"question"`
		Context  string `json:"context"`
		Windows  []struct {
			IDs          []int     `json:"ids"`
			Types        []int8    `json:"types"`
			ContextStart int       `json:"context_start"`
			StartLogits  []float32 `json:"start_logits"`
			EndLogits    []float32 `json:"end_logits"`
		} `json:"windows"`
		Answer struct {
			Score      float32 `json:"score"`
			FirstToken int     `json:"first_token"`
			LastToken  int     `json:"last_token"`
			Start      int     `json:"start"`
			End        int     `json:"end"`
			Text       string  `json:"text"`
		} `json:"answer"`
		ContextTokens []string `json:"context_tokens"`
	} `json:"qa"`
}

func loadHeadsRef(t *testing.T) *headsRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "heads_ref.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("testdata/heads_ref.json missing: run scripts/gen_heads_fixtures.py (needs torch): skipping")
	}
	if err != nil {
		t.Fatal(err)
	}
	ref := &headsRef{}
	if err := json.Unmarshal(b, ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// stripPrefix copies the model folder src to a temporary folder with the
// "bert." prefix removed from every weight name.
func stripPrefix(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == model.SafetensorsFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := model.OpenSafetensors(filepath.Join(src, model.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts := map[string]model.Tensor{}
	for _, n := range st.Names() {
		data, shape, err := st.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts[strings.TrimPrefix(n, "bert.")] = model.Tensor{Shape: shape, Data: data}
	}
	if err := model.WriteSafetensors(filepath.Join(dst, model.SafetensorsFile), ts, model.F32); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestClassifierParity checks pair encoding and logits against
// transformers' BertForSequenceClassification on the same tiny model, with
// and without the "bert." weight prefix.
func TestClassifierParity(t *testing.T) {
	ref := loadHeadsRef(t)
	dir := filepath.Join("testdata", "tiny_cls")
	for _, tc := range []struct{ name, dir string }{{"prefix bert.", dir}, {"no prefix", stripPrefix(t, dir)}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenClassifier(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Labels(), []string{"contradiction", "entailment", "neutral"}; !slices.Equal(got, want) {
				t.Errorf("Labels() = %v, want %v", got, want)
			}
			pairs := make([][2]string, len(ref.Classifier))
			for i, cs := range ref.Classifier {
				pairs[i] = [2]string{cs.Query, cs.Passage}
				ids, types := c.enc.tok.TokenizePair(cs.Query, cs.Passage)
				if !slices.Equal(ids, cs.IDs) || !slices.Equal(types, cs.Types) {
					t.Errorf("pair %d: TokenizePair = %v %v,\nwant %v %v", i, ids, types, cs.IDs, cs.Types)
				}
			}
			got, err := c.Score(context.Background(), pairs)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i, cs := range ref.Classifier {
				d := maxAbsDiff(got[i], cs.Logits)
				worst = max(worst, d)
				if d > 1e-4 {
					t.Errorf("pair %d: logits %v, want %v (max diff %.2g)", i, got[i], cs.Logits, d)
				}
			}
			t.Logf("%d pairs, max |logit diff| %.2g", len(pairs), worst)
		})
	}
}

// TestReaderParity checks QA windows, start/end logits and the best span
// against transformers' BertForQuestionAnswering on the same tiny model.
func TestReaderParity(t *testing.T) {
	ref := loadHeadsRef(t)
	dir := filepath.Join("testdata", "tiny_qa")
	for _, tc := range []struct{ name, dir string }{{"prefix bert.", dir}, {"no prefix", stripPrefix(t, dir)}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenReaderConfig(tc.dir, ReaderConfig{Stride: ref.QAStride, MaxAnswerTokens: ref.QAMaxAnswer})
			if err != nil {
				t.Fatal(err)
			}
			if r.enc.MaxTokens() != ref.QAMaxLen {
				t.Fatalf("MaxTokens = %d, want %d", r.enc.MaxTokens(), ref.QAMaxLen)
			}
			worst := 0.0
			for i, cs := range ref.QA {
				ids, offs := r.enc.tok.TokenizeOffsets(cs.Context)
				ws, err := r.windows(context.Background(), cs.Question, ids)
				if err != nil {
					t.Fatal(err)
				}
				if len(ws) != len(cs.Windows) {
					t.Fatalf("case %d: %d windows, want %d", i, len(ws), len(cs.Windows))
				}
				for k, w := range cs.Windows {
					g := ws[k]
					if !slices.Equal(g.ids, w.IDs) || !slices.Equal(g.types, w.Types) || g.ctxStart != w.ContextStart {
						t.Errorf("case %d window %d: ids %v types %v start %d,\nwant %v %v %d", i, k, g.ids, g.types, g.ctxStart, w.IDs, w.Types, w.ContextStart)
						continue
					}
					d := max(maxAbsDiff(g.start, w.StartLogits), maxAbsDiff(g.end, w.EndLogits))
					worst = max(worst, d)
					if d > 1e-4 {
						t.Errorf("case %d window %d: max |logit diff| %.2g > 1e-4", i, k, d)
					}
				}
				got, err := r.Answer(context.Background(), cs.Question, cs.Context)
				if err != nil {
					t.Fatal(err)
				}
				a := cs.Answer
				want := Span{Text: a.Text, Start: a.Start, End: a.End, FirstToken: a.FirstToken, LastToken: a.LastToken,
					Tokens: cs.ContextTokens[a.FirstToken : a.LastToken+1]}
				if got.Text != want.Text || got.Start != want.Start || got.End != want.End ||
					got.FirstToken != want.FirstToken || got.LastToken != want.LastToken || !slices.Equal(got.Tokens, want.Tokens) {
					t.Errorf("case %d: Answer = %+v,\nwant %+v", i, got, want)
				}
				if math.Abs(float64(got.Score-a.Score)) > 2e-4 {
					t.Errorf("case %d: score %v, want %v", i, got.Score, a.Score)
				}
				if got.Text != cs.Context[offs[got.FirstToken][0]:offs[got.LastToken][1]] {
					t.Errorf("case %d: span text %q does not match its token offsets", i, got.Text)
				}
			}
			t.Logf("%d QA cases, max |logit diff| %.2g", len(ref.QA), worst)
		})
	}
}

func TestTruncatePair(t *testing.T) {
	for _, tc := range []struct{ n1, n2, budget, w1, w2 int }{
		{3, 4, 10, 3, 4},   // fits
		{2, 20, 10, 2, 8},  // only the longer one is cut
		{20, 2, 10, 8, 2},  // same, swapped
		{20, 20, 10, 5, 5}, // both cut to half
		{20, 20, 9, 4, 5},  // the odd token goes to the second when n1 ≤ n2
		{30, 20, 9, 5, 4},  // ... and to the first when it is longer
		{6, 30, 9, 4, 5},   // shorter one over half the budget
		{0, 30, 5, 0, 5},
		{7, 7, 0, 0, 0},
	} {
		g1, g2 := truncatePair(tc.n1, tc.n2, tc.budget)
		if g1 != tc.w1 || g2 != tc.w2 {
			t.Errorf("truncatePair(%d, %d, %d) = %d, %d, want %d, %d", tc.n1, tc.n2, tc.budget, g1, g2, tc.w1, tc.w2)
		}
	}
}

// TestTokenizeOffsets compares ids and byte offsets with the fast
// tokenizer's offset mapping for the real model's vocabulary (fixture by
// scripts/gen_heads_fixtures.py), and checks on SciFact that the ids always
// equal WordPieces.
func TestTokenizeOffsets(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "offsets_ref.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("testdata/offsets_ref.json missing: run scripts/gen_heads_fixtures.py MODEL_DIR: skipping")
	}
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Text    string   `json:"text"`
			IDs     []int    `json:"ids"`
			Offsets [][2]int `json:"offsets"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	dir := testenv.Model(t)
	enc, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok := enc.Tokenizer()
	for i, c := range ref.Cases {
		ids, offs := tok.TokenizeOffsets(c.Text)
		if !slices.Equal(ids, c.IDs) {
			t.Errorf("case %d %q: ids %v, want %v", i, trunc(c.Text), ids, c.IDs)
			continue
		}
		if !slices.Equal(offs, c.Offsets) {
			for k := range offs {
				if offs[k] != c.Offsets[k] {
					t.Errorf("case %d %q: piece %d offsets %v (%q), want %v (%q)", i, trunc(c.Text), k,
						offs[k], c.Text[offs[k][0]:offs[k][1]], c.Offsets[k], c.Text[c.Offsets[k][0]:c.Offsets[k][1]])
					break
				}
			}
		}
	}
	t.Logf("%d texts with offsets", len(ref.Cases))

	f, err := os.Open(testenv.SharedFile(t, "data/retrieval/scifact/corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() && n < 500 {
		var d struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{d.Title, d.Text} {
			ids, offs := tok.TokenizeOffsets(s)
			if want := tok.WordPieces(s); !slices.Equal(ids, want) {
				t.Fatalf("TokenizeOffsets(%q) ids differ from WordPieces", trunc(s))
			}
			for k, o := range offs {
				if o[0] < 0 || o[0] >= o[1] || o[1] > len(s) || (k > 0 && o[0] < offs[k-1][0]) {
					t.Fatalf("%q: piece %d has offsets %v", trunc(s), k, o)
				}
			}
		}
		n++
	}
	t.Logf("%d SciFact documents: ids equal WordPieces", n)
}

// TestHeadsErrors checks that a model without the head weights, or with
// wrong shapes, is refused with a clear error, and that a cancelled context
// stops Score.
func TestHeadsErrors(t *testing.T) {
	base := t.TempDir()
	if _, err := modeltest.Write(base, modeltest.Tiny{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenClassifier(base); err == nil || !strings.Contains(err.Error(), "classifier.weight") {
		t.Errorf("OpenClassifier(BertModel) error = %v, want one naming classifier.weight", err)
	}
	if _, err := OpenReader(base); err == nil || !strings.Contains(err.Error(), "qa_outputs.weight") {
		t.Errorf("OpenReader(BertModel) error = %v, want one naming qa_outputs.weight", err)
	}

	// A QA model whose qa_outputs has 3 outputs.
	bad := stripPrefix(t, filepath.Join("testdata", "tiny_qa"))
	st, err := model.OpenSafetensors(filepath.Join(bad, model.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	ts := map[string]model.Tensor{}
	for _, n := range st.Names() {
		data, shape, _ := st.Float32(n)
		ts[n] = model.Tensor{Shape: shape, Data: data}
	}
	st.Close()
	ts["qa_outputs.weight"] = model.Tensor{Shape: []int{3, 32}, Data: make([]float32, 96)}
	if err := model.WriteSafetensors(filepath.Join(bad, model.SafetensorsFile), ts, model.F32); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReader(bad); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("OpenReader(3-output qa_outputs) error = %v, want a shape error", err)
	}

	c, err := OpenClassifier(filepath.Join("testdata", "tiny_cls"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Score(ctx, [][2]string{{"a", "b"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Score(cancelled) error = %v, want context.Canceled", err)
	}
	if got, err := c.Score(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("Score(nil) = %v, %v, want empty, nil", got, err)
	}
	r, err := OpenReader(filepath.Join("testdata", "tiny_qa"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Answer(context.Background(), "what?", " \t"); err == nil {
		t.Error("Answer with an empty context: no error")
	}
}

// TestClassifierConcurrent runs Score from several goroutines (for -race)
// and checks they agree with one sequential call.
func TestClassifierConcurrent(t *testing.T) {
	c, err := OpenClassifier(filepath.Join("testdata", "tiny_cls"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]string{{"the cat", "sat on the mat"}, {"hello", "world"}, {"a dog", "the dog runs"}}
	want, err := c.Score(context.Background(), pairs)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for g := range errs {
		wg.Go(func() {
			got, err := c.Score(context.Background(), pairs)
			if err == nil {
				for i := range got {
					if maxAbsDiff(got[i], want[i]) > 1e-6 {
						err = errors.New("concurrent Score differs from sequential")
					}
				}
			}
			errs[g] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
