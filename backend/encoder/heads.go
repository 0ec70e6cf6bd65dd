package encoder

// Task heads on the encoder's forward pass: sequence classification for
// cross-encoder rerankers (BertForSequenceClassification) and extractive
// question answering (BertForQuestionAnswering). Both run the same batched
// transformer as Embed and read its last hidden states instead of pooling
// them; the pair encoding and the offsets they need live here too.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"folio/backend/model"
)

// headInput is one sequence for a head: ids with [CLS]/[SEP] and their
// token type (segment) ids.
type headInput struct {
	ids   []int
	types []int8
}

// hidden runs the encoder over in, in batches of similar length, and calls
// each with a sequence's index and its last hidden states (len(ids) rows of
// Dim values, valid only during the call). ctx is checked between batches.
func (e *Encoder) hidden(ctx context.Context, in []headInput, each func(i int, h []float32)) error {
	order := make([]int, len(in))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(in[order[a]].ids) > len(in[order[b]].ids) })
	ws, _ := e.pool.Get().(*workspace)
	if ws == nil {
		ws = &workspace{}
	}
	defer func() {
		ws.types = nil // Embed expects type 0 everywhere
		e.pool.Put(ws)
	}()
	H := e.net.h
	var batch [][]int
	var types [][]int8
	var idx []int
	for start := 0; start < len(order); {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, types, idx = batch[:0], types[:0], idx[:0]
		tokens := 0
		end := start
		for end < len(order) {
			s := in[order[end]]
			if len(batch) > 0 && tokens+len(s.ids) > e.cfg.MaxBatchTokens {
				break
			}
			batch = append(batch, s.ids)
			types = append(types, s.types)
			idx = append(idx, order[end])
			tokens += len(s.ids)
			end++
		}
		ws.types = types
		e.net.forward(ws, batch, nil)
		off := 0
		for k, j := range idx {
			L := len(batch[k])
			each(j, ws.x[off*H:(off+L)*H])
			off += L
		}
		start = end
	}
	return nil
}

// linear computes out = W·x + b for a PyTorch Linear weight W of shape
// [len(out), len(x)].
func linear(out, x, w, b []float32) {
	n := len(x)
	for j := range out {
		row := w[j*n : j*n+n]
		var s float32
		for k, v := range row {
			s += v * x[k]
		}
		out[j] = s + b[j]
	}
}

// headTensor reads the first of names present in w and checks its shape.
func headTensor(w model.Weights, shape []int, names ...string) ([]float32, error) {
	have := w.Names()
	for _, n := range names {
		if !slices.Contains(have, n) {
			continue
		}
		data, got, err := w.Float32(n)
		if err != nil {
			return nil, fmt.Errorf("encoder: load %s: %w", n, err)
		}
		if shape[0] < 0 { // rows free (number of labels)
			if len(got) != len(shape) || got[0] < 1 || !slices.Equal(got[1:], shape[1:]) {
				return nil, fmt.Errorf("encoder: %s has shape %v, want [*%s]", n, got, fmtDims(shape[1:]))
			}
		} else if !slices.Equal(got, shape) {
			return nil, fmt.Errorf("encoder: %s has shape %v, want %v", n, got, shape)
		}
		return data, nil
	}
	return nil, fmt.Errorf("encoder: weights have no %s", names[0])
}

func fmtDims(d []int) string {
	var sb strings.Builder
	for _, v := range d {
		sb.WriteString("," + strconv.Itoa(v))
	}
	return sb.String()
}

// openHead opens the encoder of a head model and its weights for the head
// tensors; the caller closes the weights.
func openHead(dir string, cfg Config) (*Encoder, model.Weights, error) {
	enc, err := OpenConfig(dir, cfg)
	if err != nil {
		return nil, nil, err
	}
	if len(enc.net.typ) < 2*enc.net.h {
		return nil, nil, fmt.Errorf("encoder: model has %d token types, want 2 for sentence pairs", len(enc.net.typ)/enc.net.h)
	}
	w, err := model.OpenWeights(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("encoder: %w", err)
	}
	return enc, w, nil
}

// Classifier scores sentence pairs with a BertForSequenceClassification
// model, such as a cross-encoder reranker: [CLS] query [SEP] passage [SEP]
// → pooler (dense + tanh on [CLS]) → classifier → one logit per label. It is
// immutable and safe for concurrent use.
type Classifier struct {
	enc            *Encoder
	poolW, poolB   []float32 // [H,H], [H]
	classW, classB []float32 // [C,H], [C]
	labels         []string
}

// OpenClassifier loads a BertForSequenceClassification model folder
// (weight names with or without the "bert." prefix; labels from
// config.json's id2label).
func OpenClassifier(dir string) (*Classifier, error) { return OpenClassifierConfig(dir, Config{}) }

// OpenClassifierConfig is OpenClassifier with encoder options.
func OpenClassifierConfig(dir string, cfg Config) (*Classifier, error) {
	enc, w, err := openHead(dir, cfg)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	H := enc.net.h
	c := &Classifier{enc: enc}
	if c.poolW, err = headTensor(w, []int{H, H}, "bert.pooler.dense.weight", "pooler.dense.weight"); err != nil {
		return nil, err
	}
	if c.poolB, err = headTensor(w, []int{H}, "bert.pooler.dense.bias", "pooler.dense.bias"); err != nil {
		return nil, err
	}
	if c.classW, err = headTensor(w, []int{-1, H}, "classifier.weight", "bert.classifier.weight"); err != nil {
		return nil, err
	}
	n := len(c.classW) / H
	if c.classB, err = headTensor(w, []int{n}, "classifier.bias", "bert.classifier.bias"); err != nil {
		return nil, err
	}
	if c.labels, err = readLabels(dir, n); err != nil {
		return nil, err
	}
	return c, nil
}

// readLabels returns config.json's id2label names in id order, or LABEL_i
// where they are missing.
func readLabels(dir string, n int) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, model.ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("encoder: read config: %w", err)
	}
	var cfg struct {
		ID2Label  map[string]string `json:"id2label"`
		NumLabels int               `json:"num_labels"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("encoder: parse %s: %w", model.ConfigFile, err)
	}
	if cfg.NumLabels > 0 && cfg.NumLabels != n {
		return nil, fmt.Errorf("encoder: config.json says num_labels %d but the classifier has %d outputs", cfg.NumLabels, n)
	}
	labels := make([]string, n)
	for i := range labels {
		labels[i] = cfg.ID2Label[strconv.Itoa(i)]
		if labels[i] == "" {
			labels[i] = "LABEL_" + strconv.Itoa(i)
		}
	}
	return labels, nil
}

// Labels are the names of the logits Score returns, in order.
func (c *Classifier) Labels() []string { return slices.Clone(c.labels) }

// MaxTokens is the most tokens of one pair, [CLS] and both [SEP] included;
// longer pairs are truncated longest first, as Hugging Face's tokenizers do.
func (c *Classifier) MaxTokens() int { return c.enc.tok.MaxLen() }

// Score returns the raw logits (one per label) of each (query, passage)
// pair, in input order. A reranker with one label scores relevance with
// logits[i][0]; apply a sigmoid or softmax for probabilities.
func (c *Classifier) Score(ctx context.Context, pairs [][2]string) ([][]float32, error) {
	in := make([]headInput, len(pairs))
	for i, p := range pairs {
		in[i].ids, in[i].types = c.enc.tok.TokenizePair(p[0], p[1])
	}
	H, C := c.enc.net.h, len(c.labels)
	out := make([][]float32, len(pairs))
	err := c.enc.hidden(ctx, in, func(i int, h []float32) {
		pooled := make([]float32, H)
		linear(pooled, h[:H], c.poolW, c.poolB) // [CLS]
		for j, v := range pooled {
			pooled[j] = tanh32(v)
		}
		out[i] = make([]float32, C)
		linear(out[i], pooled, c.classW, c.classB)
	})
	if err != nil {
		return nil, fmt.Errorf("encoder: score: %w", err)
	}
	return out, nil
}

func tanh32(x float32) float32 { return float32(math.Tanh(float64(x))) }

// TokenizePair encodes a sentence pair as BERT expects it: [CLS] a [SEP] b
// [SEP], with token type 0 for the first segment (and its [SEP]) and 1 for
// the second. Pairs longer than MaxLen are truncated longest first, with
// the same lengths as Hugging Face's (Rust) tokenizers.
func (t *Tokenizer) TokenizePair(a, b string) (ids []int, types []int8) {
	pa, pb := t.WordPieces(a), t.WordPieces(b)
	n1, n2 := truncatePair(len(pa), len(pb), t.maxLen-3)
	pa, pb = pa[:n1], pb[:n2]
	ids = make([]int, 0, len(pa)+len(pb)+3)
	ids = append(ids, int(t.cls))
	ids = append(ids, pa...)
	ids = append(ids, int(t.sep))
	types = make([]int8, len(ids), cap(ids))
	ids = append(ids, pb...)
	ids = append(ids, int(t.sep))
	for len(types) < len(ids) {
		types = append(types, 1)
	}
	return ids, types
}

// truncatePair returns the lengths two sequences of n1 and n2 tokens keep
// within budget tokens under the tokenizers library's "longest_first"
// strategy: the shorter one is kept whole when it fits in half the budget,
// otherwise both get half (the longer one the odd token).
func truncatePair(n1, n2, budget int) (int, int) {
	budget = max(budget, 0)
	if n1+n2 <= budget {
		return n1, n2
	}
	a, b := n1, n2
	swap := a > b
	if swap {
		a, b = b, a
	}
	if a > budget {
		b = a
	} else {
		b = max(a, budget-a)
	}
	if a+b > budget {
		a = budget / 2
		b = a + budget%2
	}
	if swap {
		a, b = b, a
	}
	return min(n1, a), min(n2, b)
}

// TokenizeOffsets returns the wordpiece ids of text (no special tokens, no
// truncation; the same ids as WordPieces) and each piece's byte range
// [start, end) in text, as Hugging Face's offset mapping gives them in
// characters: a piece of a word maps to the characters it came from (after
// lower-casing and accent stripping), [UNK] to its whole word.
func (t *Tokenizer) TokenizeOffsets(text string) (ids []int, offsets [][2]int) {
	t.pieceOffsets(text, func(id int32, s, e int) {
		ids = append(ids, int(id))
		offsets = append(offsets, [2]int{s, e})
	})
	return ids, offsets
}

// normTok is a basic token after normalisation, with the byte range in the
// original text of the character each of its bytes came from.
type normTok struct {
	s   strings.Builder
	src [][2]int // per byte of s
}

// pieceOffsets runs basic tokenization and WordPiece over text while keeping
// track of where each piece came from, and calls emit for each piece.
func (t *Tokenizer) pieceOffsets(text string, emit func(id int32, s, e int)) {
	chunkStart := -1
	flush := func(end int) {
		if chunkStart < 0 {
			return
		}
		t.chunkOffsets(text[chunkStart:end], chunkStart, emit)
		chunkStart = -1
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r):
			// dropped; does not split words
		case isWhitespace(r) || pySpace(r):
			flush(i)
		case t.cfg.TokenizeChineseChars && isCJK(r):
			flush(i)
			chunkStart = i
			flush(i + size)
		default:
			if chunkStart < 0 {
				chunkStart = i
			}
		}
		i += size
	}
	flush(len(text))
}

// chunkOffsets handles one whitespace-separated chunk of the text starting
// at byte base. It normalises character by character to keep the alignment,
// and falls back to the whole chunk's range for every piece if that does
// not give the tokens basic() gives (such as NFC composing across runes).
func (t *Tokenizer) chunkOffsets(chunk string, base int, emit func(id int32, s, e int)) {
	var toks []*normTok
	var word *normTok // the token being extended; nil after punctuation
	add := func(tok *normTok, r rune, src [2]int) {
		tok.s.WriteRune(r)
		for range utf8.RuneLen(r) {
			tok.src = append(tok.src, src)
		}
	}
	for i := 0; i < len(chunk); {
		r, size := utf8.DecodeRuneInString(chunk[i:])
		src := [2]int{base + i, base + i + size}
		i += size
		if r == 0 || r == utf8.RuneError || isControl(r) {
			continue
		}
		var s string
		switch {
		case !t.cfg.DoLowerCase:
			s = string(r)
		case r == 'İ':
			s = "i\u0307"
		default:
			s = string(unicode.ToLower(r))
		}
		if t.strip && !isASCII(s) {
			s = norm.NFD.String(s)
		}
		for _, nr := range s {
			if t.strip && unicode.Is(unicode.Mn, nr) {
				continue
			}
			if isPunct(nr) {
				p := &normTok{}
				add(p, nr, src)
				toks = append(toks, p)
				word = nil
				continue
			}
			if word == nil {
				word = &normTok{}
				toks = append(toks, word)
			}
			add(word, nr, src)
		}
	}

	ref := t.basic(chunk)
	same := len(ref) == len(toks)
	for i := 0; same && i < len(ref); i++ {
		same = ref[i] == toks[i].s.String()
	}
	if !same {
		for _, w := range ref {
			t.wordpiece(w, func(id int32, _, _ int) bool { emit(id, base, base+len(chunk)); return true })
		}
		return
	}
	for _, tok := range toks {
		t.wordpiece(tok.s.String(), func(id int32, s, e int) bool {
			emit(id, tok.src[s][0], tok.src[e-1][1])
			return true
		})
	}
}

// ReaderConfig tunes a Reader. The zero value gives the defaults.
type ReaderConfig struct {
	// Encoder options (MaxSeqLength, MaxBatchTokens).
	Encoder Config
	// Stride is how many context tokens consecutive windows share when the
	// context does not fit in one; 0 means 128. It is capped at half a window.
	Stride int
	// MaxAnswerTokens bounds the answer span; 0 means 30.
	MaxAnswerTokens int
	// MaxQuestionTokens truncates the question; 0 means 64. It is capped so
	// that the context keeps at least half of each window.
	MaxQuestionTokens int
}

// Reader finds answers in a context with a BertForQuestionAnswering model
// ([CLS] question [SEP] context [SEP] → qa_outputs → start and end logits
// per token). Contexts longer than the model's limit are read in
// overlapping windows. It is immutable and safe for concurrent use.
type Reader struct {
	enc   *Encoder
	cfg   ReaderConfig
	qaW   []float32 // [2,H]: start, end
	qaB   []float32 // [2]
	vocab []string
}

// Span is an answer: a contiguous run of context tokens.
type Span struct {
	Text       string // Context[Start:End]
	Start, End int    // byte offsets into the context; End is exclusive
	// FirstToken and LastToken index the context's wordpieces (as
	// Tokenizer.TokenizeOffsets gives them), inclusive.
	FirstToken, LastToken int
	Tokens                []string // the span's wordpieces
	Score                 float32  // start logit + end logit
}

// OpenReader loads a BertForQuestionAnswering model folder (weight names
// with or without the "bert." prefix).
func OpenReader(dir string) (*Reader, error) { return OpenReaderConfig(dir, ReaderConfig{}) }

// OpenReaderConfig is OpenReader with options.
func OpenReaderConfig(dir string, cfg ReaderConfig) (*Reader, error) {
	if cfg.Stride <= 0 {
		cfg.Stride = 128
	}
	if cfg.MaxAnswerTokens <= 0 {
		cfg.MaxAnswerTokens = 30
	}
	if cfg.MaxQuestionTokens <= 0 {
		cfg.MaxQuestionTokens = 64
	}
	enc, w, err := openHead(dir, cfg.Encoder)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if enc.tok.MaxLen() < 5 {
		return nil, fmt.Errorf("encoder: max sequence length %d is too short for question answering", enc.tok.MaxLen())
	}
	H := enc.net.h
	r := &Reader{enc: enc, cfg: cfg}
	if r.qaW, err = headTensor(w, []int{2, H}, "qa_outputs.weight", "bert.qa_outputs.weight"); err != nil {
		return nil, err
	}
	if r.qaB, err = headTensor(w, []int{2}, "qa_outputs.bias", "bert.qa_outputs.bias"); err != nil {
		return nil, err
	}
	if r.vocab, err = LoadVocab(filepath.Join(dir, model.VocabFile)); err != nil {
		return nil, err
	}
	return r, nil
}

// qaWindow is one window's input and start/end logits per token.
type qaWindow struct {
	ids        []int
	types      []int8
	ctxStart   int // context token index of the window's first context token
	ctxPos     int // position of that token in ids
	ctxLen     int // context tokens in the window
	start, end []float32
}

// windows encodes question and context into overlapping windows (as the
// tokenizers library's only_second truncation with a stride) and runs the
// model over them.
func (r *Reader) windows(ctx context.Context, question string, ctxIDs []int) ([]qaWindow, error) {
	tok := r.enc.tok
	maxLen := tok.MaxLen()
	q := tok.WordPieces(question)
	q = q[:min(len(q), r.cfg.MaxQuestionTokens, (maxLen-3)/2)]
	budget := maxLen - 3 - len(q)
	stride := min(r.cfg.Stride, budget/2)
	var ws []qaWindow
	var in []headInput
	for start := 0; ; start += budget - stride {
		stop := min(start+budget, len(ctxIDs))
		w := qaWindow{ctxStart: start, ctxPos: len(q) + 2, ctxLen: stop - start}
		w.ids = make([]int, 0, len(q)+stop-start+3)
		w.ids = append(w.ids, int(tok.cls))
		w.ids = append(w.ids, q...)
		w.ids = append(w.ids, int(tok.sep))
		w.types = make([]int8, len(w.ids), cap(w.ids))
		w.ids = append(w.ids, ctxIDs[start:stop]...)
		w.ids = append(w.ids, int(tok.sep))
		for len(w.types) < len(w.ids) {
			w.types = append(w.types, 1)
		}
		ws = append(ws, w)
		in = append(in, headInput{w.ids, w.types})
		if stop == len(ctxIDs) {
			break
		}
	}
	H := r.enc.net.h
	err := r.enc.hidden(ctx, in, func(i int, h []float32) {
		w := &ws[i]
		L := len(w.ids)
		w.start, w.end = make([]float32, L), make([]float32, L)
		var se [2]float32
		for p := 0; p < L; p++ {
			linear(se[:], h[p*H:p*H+H], r.qaW, r.qaB)
			w.start[p], w.end[p] = se[0], se[1]
		}
	})
	return ws, err
}

// Answer returns the best answer span within context for question: the
// context span of at most MaxAnswerTokens tokens with the highest start
// logit + end logit over all windows.
func (r *Reader) Answer(ctx context.Context, question, context string) (Span, error) {
	ids, offs := r.enc.tok.TokenizeOffsets(context)
	if len(ids) == 0 {
		return Span{}, fmt.Errorf("encoder: answer: the context has no tokens")
	}
	ws, err := r.windows(ctx, question, ids)
	if err != nil {
		return Span{}, fmt.Errorf("encoder: answer: %w", err)
	}
	best := Span{FirstToken: -1}
	for _, w := range ws {
		for i := 0; i < w.ctxLen; i++ {
			si := w.start[w.ctxPos+i]
			for j := i; j < w.ctxLen && j-i < r.cfg.MaxAnswerTokens; j++ {
				if s := si + w.end[w.ctxPos+j]; best.FirstToken < 0 || s > best.Score {
					best = Span{FirstToken: w.ctxStart + i, LastToken: w.ctxStart + j, Score: s}
				}
			}
		}
	}
	best.Start, best.End = offs[best.FirstToken][0], offs[best.LastToken][1]
	best.Text = context[best.Start:best.End]
	for _, id := range ids[best.FirstToken : best.LastToken+1] {
		best.Tokens = append(best.Tokens, r.vocab[id])
	}
	return best, nil
}
