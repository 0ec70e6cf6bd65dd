//go:build cgo && !nollm

package llm

/*
#cgo CFLAGS: -I${SRCDIR}/../../.cache/llama.cpp/0.3.36-v3/include
#cgo LDFLAGS: -L${SRCDIR}/../../.cache/llama.cpp/0.3.36-v3/lib -lllama -lggml -lggml-cpu -lggml-base -lstdc++ -lm -lpthread
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <math.h>
#include "llama.h"
#include "ggml-cpu.h"

static void folio_quiet(enum ggml_log_level level, const char *text, void *ud) {
	(void)level; (void)text; (void)ud;
}

static void folio_init(void) {
	llama_log_set(folio_quiet, NULL);
	llama_backend_init();
}

// folioLoadProgress is Go's (progress.go): it passes llama.cpp's loading
// progress to the function behind the handle.
extern bool folioLoadProgress(float progress, uintptr_t handle);

static bool folio_progress(float progress, void *ud) {
	return folioLoadProgress(progress, (uintptr_t)ud);
}

static struct llama_model *folio_load(const char *path, uintptr_t progress) {
	struct llama_model_params p = llama_model_default_params();
	p.n_gpu_layers = 0;
	if (progress) {
		p.progress_callback = folio_progress;
		p.progress_callback_user_data = (void *)progress;
	}
	return llama_model_load_from_file(path, p);
}

// folio_stop is the flag ggml checks between graph nodes: Go sets it to
// end a decode at once (Stop, a cancelled context).
typedef struct { atomic_int stop; } folio_stop;

static bool folio_abort(void *data) {
	return atomic_load(&((folio_stop *)data)->stop) != 0;
}

static folio_stop *folio_stop_new(void) {
	folio_stop *s = calloc(1, sizeof(folio_stop));
	return s;
}
static void folio_stop_set(folio_stop *s, int v) { atomic_store(&s->stop, v); }

static struct llama_context *folio_context(struct llama_model *m, int n_ctx, int n_batch, int threads, folio_stop *stop, struct ggml_threadpool **tp) {
	struct llama_context_params p = llama_context_default_params();
	p.n_ctx = n_ctx;
	p.n_batch = n_batch;
	p.n_ubatch = n_batch;
	p.n_seq_max = 1;
	p.n_threads = threads;
	p.n_threads_batch = threads;
	p.no_perf = true;
	p.abort_callback = folio_abort;
	p.abort_callback_data = stop;
	struct llama_context *ctx = llama_init_from_model(m, p);
	if (!ctx) return NULL;
	// Threads sleep between graphs instead of polling (poll 0): on a busy
	// machine polling threads take the CPU from the work.
	struct ggml_threadpool_params tpp = ggml_threadpool_params_default(threads);
	tpp.poll = 0;
	*tp = ggml_threadpool_new(&tpp);
	if (*tp) llama_attach_threadpool(ctx, *tp, *tp);
	return ctx;
}

static int folio_decode(struct llama_context *ctx, llama_token *toks, int n) {
	return llama_decode(ctx, llama_batch_get_one(toks, n));
}

static void folio_clear(struct llama_context *ctx) {
	llama_memory_clear(llama_get_memory(ctx), true);
}

// folio_keep drops the KV cache's positions from p on; false when this
// model's cache cannot drop part of a sequence.
static bool folio_keep(struct llama_context *ctx, int p) {
	return llama_memory_seq_rm(llama_get_memory(ctx), 0, p, -1);
}

// The repetition penalty: 1.1 over the last 64 tokens written.
#define FOLIO_LAST_N 64
#define FOLIO_PENALTY 1.1f

// folio_chain is llama.cpp's sampler chain for what folio_sample does:
// the grammar (when given), the repetition penalty, the most likely token.
// Only tests use it, to check that folio_sample picks the same tokens.
static struct llama_sampler *folio_chain(const struct llama_vocab *v, const char *grammar) {
	struct llama_sampler_chain_params sp = llama_sampler_chain_default_params();
	sp.no_perf = true;
	struct llama_sampler *s = llama_sampler_chain_init(sp);
	if (grammar) {
		struct llama_sampler *g = llama_sampler_init_grammar(v, grammar, "root");
		if (!g) { llama_sampler_free(s); return NULL; }
		llama_sampler_chain_add(s, g);
	}
	llama_sampler_chain_add(s, llama_sampler_init_penalties(llama_vocab_n_tokens(v), FOLIO_LAST_N, FOLIO_PENALTY, 0.0f, 0.0f));
	llama_sampler_chain_add(s, llama_sampler_init_greedy());
	return s;
}

// folio_sampler picks the next token greedily, as folio_chain does, at a
// fraction of its cost per token: the penalty touches only the logits of
// the (at most FOLIO_LAST_N) tokens written last, where llama.cpp's
// penalty sampler looks every token of the vocabulary up in a hash map;
// and the grammar is asked first about the one token picked, and only
// when it refuses that one about the whole vocabulary (as llama.cpp's own
// tools do: common_sampler's rejection sampling). Both pick the first
// token of the highest penalised logit among those the grammar allows.
typedef struct {
	struct llama_sampler *grammar; // NULL: free text
	int n_vocab;
	llama_token_data *cur;         // n_vocab entries, for a refused token
	int n_prev, at;
	llama_token prev[FOLIO_LAST_N];  // the last tokens written (a ring)
} folio_sampler;

static void folio_sampler_free(folio_sampler *s) {
	if (!s) return;
	if (s->grammar) llama_sampler_free(s->grammar);
	free(s->cur);
	free(s);
}

static folio_sampler *folio_sampler_new(const struct llama_vocab *v, const char *grammar, int *bad_grammar) {
	*bad_grammar = 0;
	folio_sampler *s = calloc(1, sizeof(folio_sampler));
	if (!s) return NULL;
	s->n_vocab = llama_vocab_n_tokens(v);
	s->cur = malloc(sizeof(llama_token_data) * (size_t)s->n_vocab);
	if (!s->cur) { free(s); return NULL; }
	if (grammar) {
		s->grammar = llama_sampler_init_grammar(v, grammar, "root");
		if (!s->grammar) { *bad_grammar = 1; folio_sampler_free(s); return NULL; }
	}
	return s;
}

static void folio_sampler_reset(folio_sampler *s) {
	s->n_prev = 0; s->at = 0;
	if (s->grammar) llama_sampler_reset(s->grammar);
}

// folio_sample returns the next token after the last decoded one, or -1
// when the grammar allows none.
static llama_token folio_sample(folio_sampler *s, struct llama_context *ctx) {
	float *logits = llama_get_logits_ith(ctx, -1);
	const int n = s->n_vocab;
	if (!logits) return -1;
	for (int i = 0; i < s->n_prev; i++) {
		llama_token t = s->prev[i];
		int dup = 0;
		for (int j = 0; j < i && !dup; j++) dup = s->prev[j] == t;
		if (dup || t < 0 || t >= n) continue;
		logits[t] = logits[t] <= 0 ? logits[t] * FOLIO_PENALTY : logits[t] / FOLIO_PENALTY;
	}
	llama_token best = 0;
	for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
	if (s->grammar) {
		llama_token_data one = {best, logits[best], 0.0f};
		llama_token_data_array arr = {&one, 1, -1, false};
		llama_sampler_apply(s->grammar, &arr);
		if (arr.size != 1 || isinf(one.logit)) {
			for (int i = 0; i < n; i++) { s->cur[i].id = i; s->cur[i].logit = logits[i]; s->cur[i].p = 0.0f; }
			llama_token_data_array all = {s->cur, (size_t)n, -1, false};
			llama_sampler_apply(s->grammar, &all);
			best = -1;
			float top = -INFINITY;
			for (size_t i = 0; i < all.size; i++) {
				if (!isinf(all.data[i].logit) && (best < 0 || all.data[i].logit > top)) { best = all.data[i].id; top = all.data[i].logit; }
			}
			if (best < 0) return -1;
		}
		llama_sampler_accept(s->grammar, best);
	}
	s->prev[s->at] = best;
	s->at = (s->at + 1) % FOLIO_LAST_N;
	if (s->n_prev < FOLIO_LAST_N) s->n_prev++;
	return best;
}

// folio_grammar_accepts feeds toks to a fresh sampler of grammar, one at
// a time, as generation would: it returns -1 when llama.cpp refuses the
// grammar, 0 when a token is refused (its index in *at), 1 when every
// token is accepted but the answer may not end there, and 2 when it may
// (the grammar allows the end-of-turn token next). Only tests use it.
static int folio_grammar_accepts(const struct llama_vocab *v, const char *grammar, const llama_token *toks, int n, int *at) {
	struct llama_sampler *g = llama_sampler_init_grammar(v, grammar, "root");
	if (!g) return -1;
	for (int i = 0; i < n; i++) {
		llama_token_data one = {toks[i], 0.0f, 0.0f};
		llama_token_data_array arr = {&one, 1, -1, false};
		llama_sampler_apply(g, &arr);
		if (isinf(one.logit)) { *at = i; llama_sampler_free(g); return 0; }
		llama_sampler_accept(g, toks[i]);
	}
	llama_token end = llama_vocab_eot(v);
	if (end == LLAMA_TOKEN_NULL) end = llama_vocab_eos(v);
	llama_token_data one = {end, 0.0f, 0.0f};
	llama_token_data_array arr = {&one, 1, -1, false};
	llama_sampler_apply(g, &arr);
	llama_sampler_free(g);
	return isinf(one.logit) ? 1 : 2;
}

static int folio_template(const struct llama_model *m, const char **roles, const char **contents, int n, char *buf, int len) {
	const char *tmpl = llama_model_chat_template(m, NULL);
	if (!tmpl) return -1000000;
	struct llama_chat_message *msgs = calloc(n > 0 ? n : 1, sizeof(struct llama_chat_message));
	if (!msgs) return -1000001;
	for (int i = 0; i < n; i++) { msgs[i].role = roles[i]; msgs[i].content = contents[i]; }
	int r = llama_chat_apply_template(tmpl, msgs, n, true, buf, len);
	free(msgs);
	return r;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// Available reports whether this build carries the llama.cpp runtime.
const Available = true

var initOnce sync.Once

// lmodel is a loaded GGUF model with its one context (KV cache of nCtx
// tokens) and thread pool. It is not safe for concurrent use: Generator
// serialises every call.
type lmodel struct {
	m       *C.struct_llama_model
	ctx     *C.struct_llama_context
	vocab   *C.struct_llama_vocab
	tp      *C.struct_ggml_threadpool
	smpl    *C.folio_sampler
	grammar string // smpl's grammar
	stop    *C.folio_stop
	nCtx    int
	nBatch  int
	threads int
	// cached are the tokens in the KV cache, in order, since it was last
	// emptied; nil when a failed or stopped decode left it unknown.
	cached []int32
}

// load opens path with a context of nCtx tokens (0: the model's training
// context, capped at maxCtx) and threads threads. progress (may be nil)
// gets llama.cpp's loading progress, fractions from 0 to 1, on the
// loading thread.
func load(path string, nCtx, threads int, progress func(float32)) (*lmodel, error) {
	initOnce.Do(func() { C.folio_init() })
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h C.uintptr_t
	if progress != nil {
		ph := cgo.NewHandle(progress)
		defer ph.Delete()
		h = C.uintptr_t(ph)
	}
	m := C.folio_load(cpath, h)
	if m == nil {
		return nil, fmt.Errorf("llm: %s: llama.cpp could not load the model (not a GGUF file it supports, or not enough memory)", path)
	}
	train := int(C.llama_model_n_ctx_train(m))
	if nCtx <= 0 {
		nCtx = maxCtx
	}
	if train > 0 && nCtx > train {
		nCtx = train
	}
	stop := C.folio_stop_new()
	if stop == nil {
		C.llama_model_free(m)
		return nil, errors.New("llm: out of memory")
	}
	const nBatch = 512
	var tp *C.struct_ggml_threadpool
	ctx := C.folio_context(m, C.int(nCtx), C.int(nBatch), C.int(threads), stop, &tp)
	if ctx == nil {
		C.free(unsafe.Pointer(stop))
		C.llama_model_free(m)
		return nil, fmt.Errorf("llm: %s: could not make a context of %d tokens (not enough memory?)", path, nCtx)
	}
	vocab := C.llama_model_get_vocab(m)
	md := &lmodel{m: m, ctx: ctx, vocab: vocab, tp: tp, stop: stop, nCtx: int(C.llama_n_ctx(ctx)), nBatch: nBatch, threads: threads}
	var bad C.int
	if md.smpl = C.folio_sampler_new(vocab, nil, &bad); md.smpl == nil {
		md.close()
		return nil, errors.New("llm: out of memory")
	}
	return md, nil
}

func (md *lmodel) close() {
	if md.smpl != nil {
		C.folio_sampler_free(md.smpl)
	}
	if md.ctx != nil {
		C.llama_free(md.ctx)
	}
	if md.tp != nil {
		C.ggml_threadpool_free(md.tp)
	}
	if md.m != nil {
		C.llama_model_free(md.m)
	}
	if md.stop != nil {
		C.free(unsafe.Pointer(md.stop))
	}
	*md = lmodel{}
}

// bytes is the model's weight size plus its KV cache and state.
func (md *lmodel) bytes() int64 {
	return int64(C.llama_model_size(md.m)) + int64(C.llama_state_get_size(md.ctx))
}

// weightBytes is the size of the model's tensors (llama_model_size).
func (md *lmodel) weightBytes() int64 { return int64(C.llama_model_size(md.m)) }

// meta returns a metadata string of the GGUF file, or "".
func (md *lmodel) meta(key string) string {
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	buf := make([]byte, 1<<16)
	n := int(C.llama_model_meta_val_str(md.m, ck, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))))
	if n < 0 {
		return ""
	}
	if n >= len(buf) {
		buf = make([]byte, n+1)
		n = int(C.llama_model_meta_val_str(md.m, ck, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))))
	}
	return string(buf[:min(n, len(buf))])
}

// chatTemplate is the template of the model's own tokenizer.chat_template.
func (md *lmodel) chatTemplate() string {
	t := C.llama_model_chat_template(md.m, nil)
	if t == nil {
		return ""
	}
	return C.GoString(t)
}

// applyTemplate formats msgs with the model's chat template (llama.cpp's
// llama_chat_apply_template, which recognises the template from the GGUF's
// tokenizer.chat_template), ending with the assistant's turn opened.
func (md *lmodel) applyTemplate(msgs []message) (string, error) {
	n := len(msgs)
	roles := C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	contents := C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	defer C.free(roles)
	defer C.free(contents)
	rs := unsafe.Slice((**C.char)(roles), max(n, 1))
	cs := unsafe.Slice((**C.char)(contents), max(n, 1))
	total := 0
	for i, m := range msgs {
		rs[i], cs[i] = C.CString(m.Role), C.CString(m.Content)
		total += len(m.Role) + len(m.Content)
	}
	defer func() {
		for i := range msgs {
			C.free(unsafe.Pointer(rs[i]))
			C.free(unsafe.Pointer(cs[i]))
		}
	}()
	size := 2*total + 1024
	for range 2 {
		buf := make([]byte, size)
		r := int(C.folio_template(md.m, (**C.char)(roles), (**C.char)(contents), C.int(n), (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))))
		switch {
		case r == -1000000:
			return "", ErrNoTemplate
		case r < 0:
			return "", fmt.Errorf("%w: llama.cpp does not recognise the model's tokenizer.chat_template", ErrNoTemplate)
		case r <= len(buf):
			return string(buf[:r]), nil
		}
		size = r + 1
	}
	return "", errors.New("llm: the chat template's output kept growing")
}

// tokenize turns text into the model's tokens, special tokens parsed (the
// chat template writes them) and BOS added when the model wants one.
func (md *lmodel) tokenize(text string) ([]int32, error) {
	if text == "" {
		return nil, nil
	}
	b := []byte(text)
	toks := make([]int32, len(b)+8)
	n := int(C.llama_tokenize(md.vocab, (*C.char)(unsafe.Pointer(&b[0])), C.int32_t(len(b)),
		(*C.llama_token)(unsafe.Pointer(&toks[0])), C.int32_t(len(toks)), true, true))
	if n < 0 {
		toks = make([]int32, -n)
		n = int(C.llama_tokenize(md.vocab, (*C.char)(unsafe.Pointer(&b[0])), C.int32_t(len(b)),
			(*C.llama_token)(unsafe.Pointer(&toks[0])), C.int32_t(len(toks)), true, true))
		if n < 0 {
			return nil, errors.New("llm: tokenize failed")
		}
	}
	runtime.KeepAlive(b)
	return toks[:n], nil
}

// reset empties the KV cache and the sampler's history, and sets the
// grammar the answer must follow ("" for none).
func (md *lmodel) reset(grammar string) error {
	C.folio_clear(md.ctx)
	md.cached = []int32{}
	return md.resetSampler(grammar)
}

// resume prepares the model for prompt as reset does, but keeps in the KV
// cache the longest start of prompt it already holds (all but prompt's
// last token at most, which must be decoded again for its logits): a
// question's prompt opens with the same rules as the one before, and a
// follow-up with the whole chat so far. It returns how many tokens are
// kept; the caller decodes prompt from there.
func (md *lmodel) resume(grammar string, prompt []int32) (int, error) {
	keep := 0
	if md.cached != nil {
		for keep < len(md.cached) && keep < len(prompt)-1 && md.cached[keep] == prompt[keep] {
			keep++
		}
	}
	if keep == 0 || !bool(C.folio_keep(md.ctx, C.int(keep))) {
		return 0, md.reset(grammar)
	}
	md.cached = md.cached[:keep]
	return keep, md.resetSampler(grammar)
}

// resetSampler empties the sampler's history and sets its grammar.
func (md *lmodel) resetSampler(grammar string) error {
	C.folio_stop_set(md.stop, 0)
	if md.grammar != grammar {
		var cg *C.char
		if grammar != "" {
			cg = C.CString(grammar)
			defer C.free(unsafe.Pointer(cg))
		}
		var bad C.int
		s := C.folio_sampler_new(md.vocab, cg, &bad)
		if s == nil {
			if bad != 0 {
				return errors.New("llm: llama.cpp refused the answer's grammar")
			}
			return errors.New("llm: out of memory")
		}
		C.folio_sampler_free(md.smpl)
		md.smpl, md.grammar = s, grammar
	}
	C.folio_sampler_reset(md.smpl)
	return nil
}

// setStop asks a running decode to end at the next graph node.
func (md *lmodel) setStop() { C.folio_stop_set(md.stop, 1) }

// decode feeds toks to the model, in batches of nBatch, after the tokens
// already in the KV cache. A decode that fails or is stopped leaves the
// cache's content unknown (cached nil): the next prompt starts afresh.
func (md *lmodel) decode(toks []int32) error {
	for i := 0; i < len(toks); i += md.nBatch {
		j := min(i+md.nBatch, len(toks))
		var err error
		switch r := int(C.folio_decode(md.ctx, (*C.llama_token)(unsafe.Pointer(&toks[i])), C.int(j-i))); r {
		case 0:
		case 2:
			err = errStopped
		case 1:
			err = fmt.Errorf("llm: the KV cache is full (%d tokens)", md.nCtx)
		default:
			err = fmt.Errorf("llm: llama_decode failed (%d)", r)
		}
		if err != nil {
			md.cached = nil
			return err
		}
		if md.cached != nil {
			md.cached = append(md.cached, toks[i:j]...)
		}
	}
	return nil
}

// sample picks the next token after the last decoded one; eog is set at
// the end of the model's turn (or when the grammar allows no token).
func (md *lmodel) sample() (tok int32, eog bool) {
	t := C.folio_sample(md.smpl, md.ctx)
	if t < 0 {
		return 0, true
	}
	return int32(t), bool(C.llama_vocab_is_eog(md.vocab, t))
}

// piece is the text of one token (special tokens render as nothing).
func (md *lmodel) piece(tok int32) []byte {
	buf := make([]byte, 64)
	n := int(C.llama_token_to_piece(md.vocab, C.llama_token(tok), (*C.char)(unsafe.Pointer(&buf[0])), C.int32_t(len(buf)), 0, false))
	if n < 0 {
		buf = make([]byte, -n)
		n = int(C.llama_token_to_piece(md.vocab, C.llama_token(tok), (*C.char)(unsafe.Pointer(&buf[0])), C.int32_t(len(buf)), 0, false))
	}
	if n < 0 {
		return nil
	}
	return buf[:n]
}

// setThreads sets how many of the pool's threads compute.
func (md *lmodel) setThreads(n int) {
	C.llama_set_n_threads(md.ctx, C.int32_t(n), C.int32_t(n))
}

// systemInfo is llama.cpp's list of the CPU features it was built with.
func systemInfo() string { return C.GoString(C.llama_print_system_info()) }

// greedyTokens decodes prompt from an empty cache and returns the up to n
// tokens sampled after it under grammar ("" for none): with folio_sample,
// or, when chain is set, with llama.cpp's own sampler chain (folio_chain).
// Tests compare the two.
func (md *lmodel) greedyTokens(prompt []int32, grammar string, n int, chain bool) ([]int32, error) {
	if err := md.reset(grammar); err != nil {
		return nil, err
	}
	var ref *C.struct_llama_sampler
	if chain {
		var cg *C.char
		if grammar != "" {
			cg = C.CString(grammar)
			defer C.free(unsafe.Pointer(cg))
		}
		if ref = C.folio_chain(md.vocab, cg); ref == nil {
			return nil, errors.New("llm: llama.cpp refused the grammar")
		}
		defer C.llama_sampler_free(ref)
	}
	if err := md.decode(prompt); err != nil {
		return nil, err
	}
	var out []int32
	for len(out) < n {
		var tok int32
		var eog bool
		if chain {
			t := C.llama_sampler_sample(ref, md.ctx, -1)
			tok, eog = int32(t), bool(C.llama_vocab_is_eog(md.vocab, t))
		} else {
			tok, eog = md.sample()
		}
		if eog {
			break
		}
		out = append(out, tok)
		if err := md.decode([]int32{tok}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// grammarAccepts reports whether grammar lets an answer start with text
// (every token of it accepted, as the model's tokenizer splits it) and
// whether it lets the answer end right after it. Tests use it to check
// what citeGrammar allows.
func (md *lmodel) grammarAccepts(grammar, text string) (prefix, whole bool, err error) {
	if text == "" {
		return false, false, errors.New("llm: grammarAccepts: empty text")
	}
	b := []byte(text)
	toks := make([]int32, len(b)+8)
	n := int(C.llama_tokenize(md.vocab, (*C.char)(unsafe.Pointer(&b[0])), C.int32_t(len(b)),
		(*C.llama_token)(unsafe.Pointer(&toks[0])), C.int32_t(len(toks)), false, false))
	runtime.KeepAlive(b)
	if n <= 0 {
		return false, false, errors.New("llm: tokenize failed")
	}
	cg := C.CString(grammar)
	defer C.free(unsafe.Pointer(cg))
	var at C.int
	switch C.folio_grammar_accepts(md.vocab, cg, (*C.llama_token)(unsafe.Pointer(&toks[0])), C.int(n), &at) {
	case -1:
		return false, false, errors.New("llm: llama.cpp refused the grammar")
	case 0:
		return false, false, nil
	case 1:
		return true, false, nil
	}
	return true, true, nil
}
