//go:build cgo && !nollm

package llm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"folio/backend/answer"
	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/model"
)

// xquadPassages returns the first XQuAD article's paragraphs as citations
// [1]..[n], and the first question of the first paragraph with its answers.
func xquadPassages(t *testing.T, n int) ([]core.Citation, string, []string) {
	t.Helper()
	raw, err := os.ReadFile(testenv.SharedFile(t, "data/qa/xquad.en.dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Data []struct {
			Title      string `json:"title"`
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Question string `json:"question"`
					Answers  []struct {
						Text string `json:"text"`
					} `json:"answers"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	a := f.Data[0]
	var cits []core.Citation
	for i, p := range a.Paragraphs[:n] {
		cits = append(cits, core.Citation{N: i + 1, Path: "/docs/" + a.Title + ".txt", Text: p.Context, End: len(p.Context)})
	}
	q := a.Paragraphs[0].QAs[0]
	var gold []string
	for _, an := range q.Answers {
		gold = append(gold, an.Text)
	}
	return cits, q.Question, gold
}

func newGen(t *testing.T, opts Options) *Generator {
	t.Helper()
	g, err := New(testenv.LLM(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

var markerRe = regexp.MustCompile(`\[(\d+)\]`)

// The real model answers a real question from real passages: the answer
// streams (the pieces make up the text) and cites passages by [n], each
// number one of the passages given.
func TestGenerateStreamsCitedAnswer(t *testing.T) {
	cits, q, gold := xquadPassages(t, 3)
	g := newGen(t, Options{MaxTokens: 160})
	var pieces []string
	text, err := g.Generate(context.Background(), q, cits, nil, func(s string) { pieces = append(pieces, s) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Q: %s (gold %q)\nA: %s", q, gold, text)
	if len(pieces) < 2 {
		t.Fatalf("the answer came in %d pieces, want a stream", len(pieces))
	}
	if got := strings.TrimSpace(strings.Join(pieces, "")); got != text {
		t.Errorf("the streamed pieces make %q, the answer is %q", got, text)
	}
	ms := markerRe.FindAllStringSubmatch(text, -1)
	if len(ms) == 0 {
		t.Fatalf("the answer cites no passage: %q", text)
	}
	for _, m := range ms {
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > len(cits) {
			t.Errorf("the answer cites [%d], but passages are numbered 1..%d", n, len(cits))
		}
	}
	st := g.LastStats()
	if st.Passages != len(cits) || st.PromptTokens == 0 || st.Tokens == 0 {
		t.Errorf("stats %+v: want all %d passages in the prompt and tokens counted", st, len(cits))
	}
}

// The prompt is the model's own chat template, read from the GGUF's
// metadata: SmolLM2's template is ChatML, and the formatted prompt holds
// every message in it and opens the assistant's turn.
func TestTemplateFromMetadata(t *testing.T) {
	g := newGen(t, Options{})
	msgs := []answer.Message{{Role: "system", Content: "Rules here."}, {Role: "user", Content: "Passages: [1] Lyon.\n\nQuestion: where?"}}
	prompt, tmpl, err := g.Template(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	meta := g.md.meta("tokenizer.chat_template")
	g.mu.Unlock()
	if tmpl == "" || tmpl != meta {
		t.Fatalf("template %q is not the GGUF's tokenizer.chat_template %q", tmpl, meta)
	}
	if !strings.Contains(tmpl, "<|im_start|>") {
		t.Fatalf("SmolLM2's template should be ChatML, got %q", tmpl)
	}
	want := "<|im_start|>system\nRules here.<|im_end|>\n<|im_start|>user\nPassages: [1] Lyon.\n\nQuestion: where?<|im_end|>\n<|im_start|>assistant\n"
	if prompt != want {
		t.Errorf("prompt\n%q\nwant\n%q", prompt, want)
	}
}

// Passages that do not fit the context are dropped, by the model's own
// token count, leaving room for the answer.
func TestPassagesFitContext(t *testing.T) {
	cits, q, _ := xquadPassages(t, 4)
	g := newGen(t, Options{Ctx: 768, MaxTokens: 8})
	if _, err := g.Generate(context.Background(), q, cits, nil, nil); err != nil {
		t.Fatal(err)
	}
	st := g.LastStats()
	if st.Passages == 0 || st.Passages >= len(cits) {
		t.Fatalf("%d of %d passages fit a 768-token context; want some but not all", st.Passages, len(cits))
	}
	if st.PromptTokens+8 > 768 {
		t.Errorf("prompt of %d tokens + 8 for the answer overflows 768", st.PromptTokens)
	}
}

// Cancelling ends generation before the next token, and inside a prompt's
// decode; the model stays usable.
func TestCancelStopsGeneration(t *testing.T) {
	cits, q, _ := xquadPassages(t, 2)
	g := newGen(t, Options{MaxTokens: 400})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := g.Generate(ctx, q, cits, nil, func(string) {
		n++
		if n == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n != 3 {
		t.Errorf("%d pieces came after cancel at the 3rd; want none", n-3)
	}
	// Cancel as the prompt starts decoding: the abort flag ends llama_decode.
	ctx2, cancel2 := context.WithCancel(context.Background())
	beforeDecode = cancel2
	defer func() { beforeDecode = nil }()
	wrote := false
	if _, err := g.Generate(ctx2, q, cits, nil, func(string) { wrote = true }); !errors.Is(err, context.Canceled) || wrote {
		t.Fatalf("err = %v, wrote = %v; want context.Canceled and no text", err, wrote)
	}
	beforeDecode = nil
	text, err := g.Generate(context.Background(), q, cits[:1], nil, nil)
	if err != nil || text == "" {
		t.Fatalf("after cancels: %q, %v", text, err)
	}
}

// The model unloads after the idle time and loads again when asked.
func TestIdleUnload(t *testing.T) {
	cits, q, _ := xquadPassages(t, 1)
	g := newGen(t, Options{Idle: 50 * time.Millisecond, MaxTokens: 4})
	if _, err := g.Generate(context.Background(), q, cits, nil, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for g.Loaded() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g.Loaded() {
		t.Fatal("the model is still loaded after its idle time")
	}
	if _, err := g.Generate(context.Background(), q, cits, nil, nil); err != nil {
		t.Fatal(err)
	}
	if g.LastStats().Load == 0 {
		t.Error("the second answer did not load the model again")
	}
}

// A file that is not GGUF is refused up front, naming the file.
func TestNewRefusesNonGGUF(t *testing.T) {
	p := t.TempDir() + "/fake.gguf"
	if err := os.WriteFile(p, []byte("not a model at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "fake.gguf") || !strings.Contains(err.Error(), "not a GGUF") {
		t.Fatalf("err = %v, want one naming fake.gguf as not GGUF", err)
	}
}

// Loading reports llama.cpp's progress: fractions that only go up, by a
// percent at least, some strictly between 0 and 1 (the weights read tensor
// by tensor), ending at 1 once the model is ready. The weights llama.cpp holds are the bytes the
// GGUF header gives (model.ReadGGUF), which the window quotes.
func TestLoadProgress(t *testing.T) {
	var fr []float64
	g := newGen(t, Options{OnLoad: func(f float64) { fr = append(fr, f) }})
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(fr) < 3 || fr[0] != 0 || fr[len(fr)-1] != 1 {
		t.Fatalf("fractions = %v, want 0, some between, then 1", fr)
	}
	mid := 0
	for i, f := range fr {
		if i > 0 && f < fr[i-1]+0.01 && f != 1 {
			t.Fatalf("fraction %d is not a percent above the one before: %v", i, fr)
		}
		if f > 0 && f < 1 {
			mid++
		}
	}
	if mid == 0 {
		t.Errorf("no fraction between 0 and 1: %v", fr)
	}
	// Loaded already: nothing more is reported.
	n := len(fr)
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(fr) != n {
		t.Errorf("loading a loaded model reported %v", fr[n:])
	}
	info, err := model.ReadGGUF(g.Path())
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	weights := g.md.weightBytes()
	g.mu.Unlock()
	if weights != info.WeightBytes {
		t.Errorf("llama.cpp holds %d bytes of weights, the GGUF header gives %d", weights, info.WeightBytes)
	}
}

// Folio's sampler picks exactly the tokens llama.cpp's own sampler chain
// (grammar, repetition penalty, greedy) picks, on a real prompt, with the
// citation grammar and without it.
func TestSamplerMatchesLlamaChain(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes on a busy machine (llama.cpp's chain scores the whole vocabulary per token); runs in the pass without -short")
	}
	cits, q, _ := xquadPassages(t, 3)
	// The test drives the loaded model directly: it must not unload under
	// it (Idle -1), however slow a busy machine makes the test.
	g := newGen(t, Options{Idle: -1})
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	md := g.md
	g.mu.Unlock()
	prompt, err := md.applyTemplate(g.messages(q, cits, nil))
	if err != nil {
		t.Fatal(err)
	}
	toks, err := md.tokenize(prompt)
	if err != nil {
		t.Fatal(err)
	}
	for _, grammar := range []string{citeGrammar(numbers(cits)), ""} {
		want, err := md.greedyTokens(toks, grammar, 48, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := md.greedyTokens(toks, grammar, 48, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 10 {
			t.Fatalf("llama.cpp's chain wrote only %d tokens", len(want))
		}
		if !slices.Equal(got, want) {
			t.Errorf("grammar %v: Folio's sampler wrote\n%v\nllama.cpp's chain\n%v", grammar != "", got, want)
		}
	}
}

// llama.cpp accepts the citation grammar for any number of passages.
func TestCiteGrammarParses(t *testing.T) {
	g := newGen(t, Options{Idle: -1})
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, ns := range [][]int{{1}, {1, 2}, {1, 3, 9}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}} {
		if err := g.md.reset(citeGrammar(ns)); err != nil {
			t.Errorf("passages %v: %v", ns, err)
		}
	}
}

// A prompt that starts as the one before does (the same rules) decodes
// only from where they part: the rest of the KV cache is kept. The answer
// is the one a freshly loaded model writes.
func TestPromptPrefixReused(t *testing.T) {
	cits, q, _ := xquadPassages(t, 2)
	g := newGen(t, Options{MaxTokens: 24, Idle: -1})
	if _, err := g.Generate(context.Background(), q, cits, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st := g.LastStats(); st.Cached != 0 {
		t.Fatalf("the first answer found %d tokens cached", st.Cached)
	}
	q2 := "Who led the team in sacks?"
	got, err := g.Generate(context.Background(), q2, cits[1:], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := g.LastStats()
	if st.Cached < 50 || st.Cached >= st.PromptTokens {
		t.Errorf("%d of %d prompt tokens reused; want the rules' (at least 50) and not all", st.Cached, st.PromptTokens)
	}
	fresh := newGen(t, Options{MaxTokens: 24})
	want, err := fresh.Generate(context.Background(), q2, cits[1:], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("with the cache kept the model wrote\n%q\na fresh one\n%q", got, want)
	}
	// The same prompt again: all but its last token are reused.
	if _, err := g.Generate(context.Background(), q2, cits[1:], nil, nil); err != nil {
		t.Fatal(err)
	}
	if st2 := g.LastStats(); st2.Cached != st2.PromptTokens-1 {
		t.Errorf("the same prompt again reused %d of %d tokens, want all but the last", st2.Cached, st2.PromptTokens)
	}
}

// The answer's grammar lets a sentence state decimals and amounts, and
// ends no sentence without a marker of a passage given. It allows a full
// stop inside a sentence only before a digit, so a model copying a file
// name ("report.pdf") is held to digits after the dot: the prompt names
// sources without their extension (answer.Generator.Messages).
func TestCiteGrammarNumbers(t *testing.T) {
	g := newGen(t, Options{Idle: -1})
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	grammar := citeGrammar([]int{1, 2, 4})
	for _, tc := range []struct {
		text          string
		prefix, whole bool
	}{
		{"The rainfall was 3.5 inches [1].", true, true},
		{"It grew to 1.2 million people by 2000 [2]. Prices rose 0.75% [4].", true, true},
		{"It cost $4.25 [1][2].", true, true},
		{"Revenue was 1,234.5 million euros. [1]", true, true},
		{"3.5 percent of voters [4]", true, true},
		{"The answer is 3.5", true, false},       // not yet cited
		{"The answer is 3.5.", true, false},      // a full stop must be followed by its marker
		{"The answer is 3.5 [3].", false, false}, // no passage 3
		{"It ends here. It goes on [1].", false, false},
		{"See report.pdf [1].", false, false},
		{"1 [2]", false, false}, // no word: a marker written as a number
		{"308 [1]", false, false},
		{"[1] 308 points [1].", true, true}, // an opening marker, as Qwen writes
		{"[4] The answer is 3.5 [4]. It is 1.2 million [1].", true, true},
		{"[1] 308", true, false},
		{"[3] The answer [1].", false, false},
		{"It is 3.5 [1]. [2] It is 4 [2].", false, false}, // only the answer may open with a marker
	} {
		prefix, whole, err := g.md.grammarAccepts(grammar, tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if prefix != tc.prefix || whole != tc.whole {
			t.Errorf("%q: accepted as a start %v, as a whole answer %v; want %v, %v", tc.text, prefix, whole, tc.prefix, tc.whole)
		}
	}
}
