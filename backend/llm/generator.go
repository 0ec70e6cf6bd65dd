package llm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"folio/backend/answer"
	"folio/backend/core"
	"folio/backend/model"
)

// message is one chat message, as package answer builds them.
type message = answer.Message

// ErrNoTemplate means the model carries no chat template llama.cpp can
// apply, so Folio cannot tell it which text is whose.
var ErrNoTemplate = errors.New("llm: the model has no usable chat template (tokenizer.chat_template)")

// beforeDecode, when set (by tests), runs as a prompt starts decoding.
var beforeDecode func()

// errUnavailable is New's error in a build without the runtime.
var errUnavailable = errors.New("llm: this build of Folio has no built-in generator (built with -tags nollm or without cgo)")

// errStopped is a decode ended by setStop.
var errStopped = errors.New("llm: stopped")

const (
	// maxCtx is the default KV cache size in tokens.
	maxCtx = 4096
	// defaultMaxTokens bounds an answer's length.
	defaultMaxTokens = 512
	defaultIdle      = 5 * time.Minute
	defaultTimeout   = 3 * time.Minute
)

// Options tune a Generator. Zero fields take the defaults.
type Options struct {
	// Ctx is the KV cache size in tokens (default 4096, at most the
	// model's training context): prompt plus answer must fit.
	Ctx int
	// Threads is how many threads compute. Default: per answer, the
	// physical cores (PhysicalCores) less those other work keeps busy
	// (FreeCores), at least one: threads that wait at ggml's barriers for a
	// descheduled peer made two threads 5-12x slower than one on a busy
	// 2-core machine.
	Threads int
	// MaxTokens bounds the answer (default 512 tokens).
	MaxTokens int
	// Idle unloads the model after this long unused (default 5 minutes;
	// negative: never).
	Idle time.Duration
	// Timeout bounds one answer, loading included (default 3 minutes): a
	// model too slow for this machine fails and Folio shows the extracted
	// answer.
	Timeout time.Duration
	// MaxPassageChars caps each passage in the prompt (default: package
	// answer's).
	MaxPassageChars int
	// FreeForm lets the model write any text. By default its answer is
	// held to citeGrammar: sentences that each end with [n] markers of the
	// passages given, which small models otherwise leave out.
	FreeForm bool
	// OnLoad, when set, follows each loading of the model: 0, then
	// fractions of the weights read, from llama.cpp's progress callback,
	// each at least 0.01 above the one before, and a last 1 once the model
	// and its KV cache are ready. It
	// runs on the loading goroutine; it must not call the Generator.
	OnLoad func(fraction float64)
}

// DefaultCtx is the KV cache size in tokens when Options.Ctx is 0 (capped
// at the model's training context): what a window quotes as the memory a
// model needs (model.GGUFInfo.MemoryBytes).
const DefaultCtx = maxCtx

// Stats describe the last answer.
type Stats struct {
	Load         time.Duration // loading the model, when this answer loaded it
	PromptTokens int
	Cached       int           // of them, already in the KV cache from the answer before (not decoded again)
	Passages     int           // passages that fit the context
	TTFT         time.Duration // from the prompt's first token in to the answer's first token out
	Prompt       time.Duration // prompt processing (of the tokens not cached)
	Tokens       int           // generated tokens
	Gen          time.Duration // generating them (after the first)
	Threads      int           // threads that computed
}

// Generator writes answers with a GGUF model. Its methods are safe for
// concurrent use; answers are written one at a time.
type Generator struct {
	path         string
	opts         Options
	fixedThreads bool          // Options.Threads was given
	sem          chan struct{} // held while the model is in use or changes

	mu     sync.Mutex
	md     *lmodel
	timer  *time.Timer
	closed bool
	stats  Stats
}

// New checks that path is a GGUF file and returns a Generator for it. The
// model is loaded on first use (or by Load), not here.
func New(path string, opts Options) (*Generator, error) {
	if err := model.CheckGGUF(path); err != nil {
		return nil, err
	}
	if !Available {
		return nil, errUnavailable
	}
	if opts.Ctx <= 0 {
		opts.Ctx = maxCtx
	}
	fixed := opts.Threads > 0
	if !fixed {
		opts.Threads = PhysicalCores()
	}
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = defaultMaxTokens
	}
	if opts.Idle == 0 {
		opts.Idle = defaultIdle
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	return &Generator{path: path, opts: opts, fixedThreads: fixed, sem: make(chan struct{}, 1)}, nil
}

// Model is the model's name: its file name without .gguf.
func (g *Generator) Model() string {
	return strings.TrimSuffix(filepath.Base(g.path), ".gguf")
}

// Path is the model file.
func (g *Generator) Path() string { return g.path }

// Threads is how many threads compute.
func (g *Generator) Threads() int { return g.opts.Threads }

// Loaded reports whether the model is in memory.
func (g *Generator) Loaded() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.md != nil
}

// Bytes is the memory the loaded model holds (weights plus KV cache and
// state), or 0 when it is not loaded.
func (g *Generator) Bytes() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.md == nil {
		return 0
	}
	return g.md.bytes()
}

// LastStats describes the last answer.
func (g *Generator) LastStats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// acquire waits for the model to be free.
func (g *Generator) acquire(ctx context.Context) error {
	select {
	case g.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release frees the model and restarts the idle timer.
func (g *Generator) release() {
	g.mu.Lock()
	if g.md != nil && g.opts.Idle > 0 && !g.closed {
		if g.timer != nil {
			g.timer.Stop()
		}
		g.timer = time.AfterFunc(g.opts.Idle, g.unloadIfIdle)
	}
	g.mu.Unlock()
	<-g.sem
}

func (g *Generator) unloadIfIdle() {
	select {
	case g.sem <- struct{}{}:
	default:
		return // in use: release restarts the timer
	}
	defer func() { <-g.sem }()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.md != nil {
		g.md.close()
		g.md = nil
	}
}

// ensure loads the model if needed; the caller holds sem.
func (g *Generator) ensure() (*lmodel, time.Duration, error) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil, 0, errors.New("llm: generator closed")
	}
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
	md := g.md
	g.mu.Unlock()
	if md != nil {
		return md, 0, nil
	}
	start := time.Now()
	var progress func(float32)
	last := -1.0
	report := func(f float64) {
		f = min(max(f, 0), 1)
		// At least a percent forward (llama.cpp calls once a tensor:
		// hundreds of times), and the first and last always.
		if f > last && (last < 0 || f >= 1 || f-last >= 0.01) {
			last = f
			g.opts.OnLoad(f)
		}
	}
	if g.opts.OnLoad != nil {
		report(0)
		progress = func(f float32) { report(min(float64(f), 0.999)) }
	}
	md, err := load(g.path, g.opts.Ctx, g.opts.Threads, progress)
	if err != nil {
		return nil, 0, err
	}
	if g.opts.OnLoad != nil {
		report(1)
	}
	g.mu.Lock()
	g.md = md
	g.mu.Unlock()
	return md, time.Since(start), nil
}

// Load loads the model now (a window shows progress meanwhile); Generate
// loads it anyway when needed.
func (g *Generator) Load(ctx context.Context) error {
	if err := g.acquire(ctx); err != nil {
		return err
	}
	defer g.release()
	_, _, err := g.ensure()
	return err
}

// Close unloads the model; later calls fail.
func (g *Generator) Close() error {
	g.sem <- struct{}{}
	defer func() { <-g.sem }()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.timer != nil {
		g.timer.Stop()
	}
	if g.md != nil {
		g.md.close()
		g.md = nil
	}
	return nil
}

// Template formats msgs with the model's own chat template, for tests and
// diagnostics. It loads the model.
func (g *Generator) Template(ctx context.Context, msgs []answer.Message) (prompt, template string, err error) {
	if err := g.acquire(ctx); err != nil {
		return "", "", err
	}
	defer g.release()
	md, _, err := g.ensure()
	if err != nil {
		return "", "", err
	}
	prompt, err = md.applyTemplate(msgs)
	return prompt, md.chatTemplate(), err
}

// Generate writes the answer to question from cits (numbered [n] in the
// prompt, as many as fit the context by the model's token count) and the
// last turns of history, streaming pieces to onDelta (which may be nil).
// Cancelling ctx ends it before the next token, or inside a prompt's
// decode, and returns ctx's error.
func (g *Generator) Generate(ctx context.Context, question string, cits []core.Citation, history []core.Turn, onDelta func(string)) (string, error) {
	if onDelta == nil {
		onDelta = func(string) {}
	}
	if err := g.acquire(ctx); err != nil {
		return "", err
	}
	defer g.release()
	deadline := time.Now().Add(g.opts.Timeout)
	md, loadTime, err := g.ensure()
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	st := Stats{Load: loadTime}
	cits = answer.PromptPassages(cits)
	toks, n, err := g.fit(md, question, cits, history)
	if err != nil {
		return "", err
	}
	st.PromptTokens, st.Passages = len(toks), n

	st.Threads = g.opts.Threads
	if !g.fixedThreads {
		st.Threads = max(1, min(g.opts.Threads, FreeCores()))
	}
	md.setThreads(st.Threads)
	grammar := ""
	if !g.opts.FreeForm && n > 0 {
		grammar = citeGrammar(numbers(cits[:n]))
	}
	keep, err := md.resume(grammar, toks)
	if err != nil {
		return "", err
	}
	st.Cached = keep
	// The watcher has ended before Generate returns, so a late Stop
	// cannot abort the next answer.
	done, watched := make(chan struct{}), make(chan struct{})
	defer func() { close(done); <-watched }()
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			md.setStop()
		case <-done:
		}
	}()
	start := time.Now()
	if beforeDecode != nil {
		beforeDecode()
	}
	if err := md.decode(toks[keep:]); err != nil {
		if errors.Is(err, errStopped) && ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", err
	}
	st.Prompt = time.Since(start)
	var (
		text    strings.Builder
		pending []byte
		genFrom time.Time
		used    = len(toks)
	)
	for st.Tokens < g.opts.MaxTokens && used < md.nCtx {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("llm: %s is too slow on this machine: no answer within %s (%d tokens written)", g.Model(), g.opts.Timeout, st.Tokens)
		}
		tok, eog := md.sample()
		if eog {
			break
		}
		if st.Tokens == 0 {
			st.TTFT = time.Since(start)
			genFrom = time.Now()
		}
		st.Tokens++
		pending = append(pending, md.piece(tok)...)
		if k := validPrefix(pending); k > 0 {
			piece := string(pending[:k])
			pending = append(pending[:0], pending[k:]...)
			if text.Len() == 0 {
				piece = strings.TrimLeft(piece, " \t\r\n")
			}
			if piece != "" {
				text.WriteString(piece)
				onDelta(piece)
			}
		}
		if err := md.decode([]int32{tok}); err != nil {
			if errors.Is(err, errStopped) && ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", err
		}
		used++
	}
	if len(pending) > 0 {
		piece := strings.ToValidUTF8(string(pending), "")
		text.WriteString(piece)
		onDelta(piece)
	}
	if !genFrom.IsZero() {
		st.Gen = time.Since(genFrom)
	}
	g.mu.Lock()
	g.stats = st
	g.mu.Unlock()
	out := strings.TrimSpace(text.String())
	if out == "" {
		return "", fmt.Errorf("llm: %s wrote an empty answer", g.Model())
	}
	return out, nil
}

// fit builds the prompt with as many of cits as fit: prompt tokens plus
// the answer's budget within the context. It returns the prompt's tokens
// and how many passages it holds.
func (g *Generator) fit(md *lmodel, question string, cits []core.Citation, history []core.Turn) ([]int32, int, error) {
	budget := min(g.opts.MaxTokens, md.nCtx/4)
	for n := len(cits); n >= 0; n-- {
		prompt, err := md.applyTemplate(g.messages(question, cits[:n], history))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", g.Model(), err)
		}
		toks, err := md.tokenize(prompt)
		if err != nil {
			return nil, 0, err
		}
		if len(toks)+budget <= md.nCtx {
			return toks, n, nil
		}
		if n == 0 && len(history) > 0 {
			return g.fit(md, question, cits, nil)
		}
	}
	return nil, 0, fmt.Errorf("llm: the question is too long for %s's context of %d tokens", g.Model(), md.nCtx)
}

// citeReminder ends the question: small models follow the rules better
// when they are repeated last, next to where the answer starts.
const citeReminder = "\n\nAnswer in one or two short sentences, from the passages only. End each sentence with the number of the passage it comes from in square brackets, like [1]."

// messages is package answer's prompt (the rules, earlier turns, the
// passages, the question) with citeReminder after the question. The
// passages come best first: every sentence of them ends with its
// passage's marker, and a small model copies the sentences it is given
// first (SmolLM2-135M on XQuAD; when the passages carried their number
// only in front, listed last to first, it cited the one nearest the
// question instead).
func (g *Generator) messages(question string, cits []core.Citation, history []core.Turn) []answer.Message {
	b := answer.Generator{MaxPassageChars: g.opts.MaxPassageChars}
	msgs := b.Messages(question, cits, history)
	if len(cits) > 0 {
		msgs[len(msgs)-1].Content += citeReminder
	}
	return msgs
}

// citeGrammar is the shape of an answer from the passages numbered ns, in
// llama.cpp's GBNF: one to four sentences (a small model's later sentences
// mostly repeat or wander; the prompt asks for one or two), each closed by
// one or two [k] markers (k in ns), before or after its period. A sentence
// holds no other period than a decimal point (one followed by a digit:
// "4.6"), so none ends uncited: small models otherwise leave the markers
// out. The answer may open with a marker ("[1] The …"), which the checker
// reads as the first sentence's: Qwen2.5-Coder-0.5B labels its answer with
// the passage it quotes, and held off the "[" it wrote the marker's number
// bare instead ("1 [2]", on every XQuAD question). A sentence holds at
// least one letter, so no answer is a bare number and a marker; a model
// that wanted to stop after a number is held to words ("[1] 308 points
// [1].") — without the opening marker Qwen went on listing numbers
// ("142, 308, 24, 11, …") to the token limit. Which passage a sentence
// cites stays the model's choice; the checker then tests it.
func citeGrammar(ns []int) string {
	nums := make([]string, 0, len(ns))
	for _, k := range ns {
		nums = append(nums, strconv.Quote(strconv.Itoa(k)))
	}
	return `root ::= ("[" num "] ")? sentence (" " sentence){0,3}
sentence ::= text "."? " [" num "]" ("[" num "]")? "."?
text ::= other* letter ([^\[\]\n.] | "." [0-9])*
other ::= [0-9 ,;:!?'"()%&*+/=<>#@~_$-] | "." [0-9]
letter ::= [^\[\]\n.0-9 ,;:!?'"()%&*+/=<>#@~_$-]
num ::= ` + strings.Join(nums, " | ") + "\n"
}

// numbers are the citations' numbers, in order.
func numbers(cits []core.Citation) []int {
	out := make([]int, len(cits))
	for i, c := range cits {
		out[i] = c.N
	}
	return out
}

// validPrefix is the length of the longest prefix of b that does not end
// inside a UTF-8 sequence (a token can end mid-character).
func validPrefix(b []byte) int {
	for k := len(b); k > 0 && k > len(b)-utf8.UTFMax; k-- {
		if utf8.Valid(b[:k]) {
			return k
		}
	}
	if utf8.Valid(b) {
		return len(b)
	}
	// Not valid even cut short: pass the bytes on, ToValidUTF8 cleans them.
	if len(b) >= utf8.UTFMax {
		return len(b)
	}
	return 0
}

// PromptTokens counts the tokens of the prompt Generate would write for
// question, cits and history, with every passage in. It loads the model.
func (g *Generator) PromptTokens(ctx context.Context, question string, cits []core.Citation, history []core.Turn) (int, error) {
	if err := g.acquire(ctx); err != nil {
		return 0, err
	}
	defer g.release()
	md, _, err := g.ensure()
	if err != nil {
		return 0, err
	}
	prompt, err := md.applyTemplate(g.messages(question, answer.PromptPassages(cits), history))
	if err != nil {
		return 0, err
	}
	toks, err := md.tokenize(prompt)
	return len(toks), err
}

// Prompt is the text Generate writes into the model for question, cits
// (every passage in) and history, formatted with the model's own chat
// template, and the grammar the answer is held to ("" with FreeForm): for
// measuring llama.cpp's own tools on the same task. It loads the model.
func (g *Generator) Prompt(ctx context.Context, question string, cits []core.Citation, history []core.Turn) (prompt, grammar string, err error) {
	if err := g.acquire(ctx); err != nil {
		return "", "", err
	}
	defer g.release()
	md, _, err := g.ensure()
	if err != nil {
		return "", "", err
	}
	cits = answer.PromptPassages(cits)
	if prompt, err = md.applyTemplate(g.messages(question, cits, history)); err != nil {
		return "", "", err
	}
	if !g.opts.FreeForm && len(cits) > 0 {
		grammar = citeGrammar(numbers(cits))
	}
	return prompt, grammar, nil
}

// BenchResult is one Bench run.
type BenchResult struct {
	PromptTokens int
	Prompt       time.Duration
	GenTokens    int
	Gen          time.Duration
}

// Bench times the runtime as llama.cpp's llama-bench does: a prompt of
// promptTokens tokens (text's, repeated as needed) decoded from an empty
// KV cache, then genTokens tokens sampled and decoded one at a time from
// an empty cache, the end of turn ignored.
func (g *Generator) Bench(ctx context.Context, text string, promptTokens, genTokens int) (BenchResult, error) {
	var r BenchResult
	if err := g.acquire(ctx); err != nil {
		return r, err
	}
	defer g.release()
	md, _, err := g.ensure()
	if err != nil {
		return r, err
	}
	toks, err := md.tokenize(text)
	if err != nil {
		return r, err
	}
	if len(toks) == 0 {
		return r, errors.New("llm: bench: empty text")
	}
	for len(toks) < promptTokens {
		toks = append(toks, toks...)
	}
	toks = toks[:promptTokens]
	if promptTokens+genTokens > md.nCtx {
		return r, fmt.Errorf("llm: bench: %d+%d tokens do not fit the context of %d", promptTokens, genTokens, md.nCtx)
	}
	if err := md.reset(""); err != nil {
		return r, err
	}
	md.setThreads(g.opts.Threads)
	start := time.Now()
	if err := md.decode(toks); err != nil {
		return r, err
	}
	r.PromptTokens, r.Prompt = len(toks), time.Since(start)
	if err := md.reset(""); err != nil {
		return r, err
	}
	if err := md.decode(toks[:1]); err != nil {
		return r, err
	}
	start = time.Now()
	for range genTokens {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		tok, _ := md.sample()
		if err := md.decode([]int32{tok}); err != nil {
			return r, err
		}
		r.GenTokens++
	}
	r.Gen = time.Since(start)
	return r, nil
}

// SystemInfo is llama.cpp's list of the CPU features it was built for.
func SystemInfo() string { return systemInfo() }
