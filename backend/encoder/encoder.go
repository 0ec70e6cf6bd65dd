// Package encoder runs BERT-family transformers on the CPU: a WordPiece
// tokenizer that matches Hugging Face's BertTokenizer (ids and byte
// offsets), and a batched forward pass (packed sequences without padding,
// sequences of similar length batched together, goroutines bounded by
// GOMAXPROCS) with three heads: sentence embeddings (mean pooling and L2
// normalisation, Encoder), sequence-pair classification for cross-encoder
// rerankers (Classifier) and extractive question answering (Reader).
//
// The matrix multiply is Folio's own GEMM (gemm.go), its micro-kernel chosen
// by CPU features: AVX-512 on amd64 CPUs that have it, else AVX2/FMA, else
// plain Go. Builds with cgo (without -tags purego) also link OpenBLAS's
// sgemm (package internal/cblas, one BLAS thread per call); the first
// encoder opened times both on one core and keeps the faster (backend.go;
// Gemm reports the choice). Go splits the work dynamically over GOMAXPROCS
// goroutines. Softmax (exp, max), GELU (erf, as the reference) and LayerNorm
// are vectorised (AVX2) on amd64.
package encoder

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"folio/backend/model"
)

// Config tunes an Encoder. The zero value gives the defaults.
type Config struct {
	// MaxBatchTokens bounds the tokens of one forward pass (memory is about
	// MaxBatchTokens × (6·hidden + intermediate) × 4 bytes). 0 means 4096.
	MaxBatchTokens int
	// MaxSeqLength overrides the model's token limit ([CLS] and [SEP]
	// included); 0 uses sentence_bert_config.json's max_seq_length, and it is
	// always capped at max_position_embeddings.
	MaxSeqLength int
}

// Encoder embeds texts. It is immutable after Open and safe for concurrent
// use; each Embed call runs its own forward passes.
type Encoder struct {
	cfg  Config
	mcfg *model.Config
	tok  *Tokenizer
	net  *bert
	pool sync.Pool // of *workspace; each pass takes its own
}

// Open loads the model folder dir (config.json, vocab.txt, tokenizer and
// sentence-transformers settings, model.safetensors).
func Open(dir string) (*Encoder, error) { return OpenConfig(dir, Config{}) }

// OpenConfig is Open with options.
func OpenConfig(dir string, cfg Config) (*Encoder, error) {
	if cfg.MaxBatchTokens <= 0 {
		cfg.MaxBatchTokens = 4096
	}
	mc, err := model.LoadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	if mc.ModelType != "" && mc.ModelType != "bert" {
		return nil, fmt.Errorf("encoder: model_type %q is not supported (want bert)", mc.ModelType)
	}
	maxLen := mc.MaxSeqLength
	if cfg.MaxSeqLength > 0 {
		maxLen = min(cfg.MaxSeqLength, mc.MaxPositionEmbeddings)
	}
	vocab, err := LoadVocab(filepath.Join(dir, model.VocabFile))
	if err != nil {
		return nil, err
	}
	tok, err := NewTokenizer(vocab, TokenizerConfig{
		DoLowerCase:          mc.DoLowerCase,
		StripAccents:         mc.StripAccents,
		TokenizeChineseChars: mc.TokenizeChineseChars,
		MaxLen:               maxLen,
	})
	if err != nil {
		return nil, err
	}
	w, err := model.OpenWeights(dir)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	defer w.Close()
	net, err := loadBert(mc, w)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > net.vocab {
		return nil, fmt.Errorf("encoder: vocab.txt has %d tokens but the embedding matrix only %d rows", tok.VocabSize(), net.vocab)
	}
	if maxLen > net.maxPos {
		return nil, fmt.Errorf("encoder: max sequence length %d exceeds the %d position embeddings", maxLen, net.maxPos)
	}
	if cfg.MaxBatchTokens < maxLen {
		cfg.MaxBatchTokens = maxLen
	}
	return &Encoder{cfg: cfg, mcfg: mc, tok: tok, net: net}, nil
}

// Dim is the embedding size (hidden_size).
func (e *Encoder) Dim() int { return e.net.h }

// MaxTokens is the most tokens one text is embedded with, [CLS] and [SEP]
// included; longer texts are truncated.
func (e *Encoder) MaxTokens() int { return e.tok.MaxLen() }

// Tokenizer returns the encoder's tokenizer.
func (e *Encoder) Tokenizer() *Tokenizer { return e.tok }

// CountTokens is the number of wordpieces in text, without [CLS]/[SEP] and
// without truncation.
func (e *Encoder) CountTokens(text string) int { return e.tok.CountTokens(text) }

// Tokenize returns the ids the encoder feeds the model for text: [CLS],
// wordpieces, [SEP], truncated to MaxTokens.
func (e *Encoder) Tokenize(text string) []int { return e.tok.Tokenize(text) }

// Embed returns one L2-normalised vector per text, in input order. Texts are
// sorted by length and run in batches of similar length; ctx is checked
// between batches.
func (e *Encoder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	if len(texts) == 0 {
		return out, nil
	}
	ids := make([][]int, len(texts))
	order := make([]int, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("encoder: embed: %w", err)
			}
		}
		if e.mcfg.LowercaseInput {
			t = strings.ToLower(t)
		}
		ids[i] = e.tok.Tokenize(t)
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(ids[order[a]]) > len(ids[order[b]]) })

	ws, _ := e.pool.Get().(*workspace)
	if ws == nil {
		ws = &workspace{}
	}
	defer e.pool.Put(ws)
	var batch [][]int
	var idx []int
	res := make([][]float32, 0, 64)
	for start := 0; start < len(order); {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("encoder: embed: %w", err)
		}
		batch, idx = batch[:0], idx[:0]
		tokens := 0
		end := start
		for end < len(order) {
			n := len(ids[order[end]])
			if len(batch) > 0 && tokens+n > e.cfg.MaxBatchTokens {
				break
			}
			batch = append(batch, ids[order[end]])
			idx = append(idx, order[end])
			tokens += n
			end++
		}
		if cap(res) < len(batch) { // short texts: more than 64 per batch
			res = make([][]float32, len(batch))
		}
		res = res[:len(batch)]
		e.net.forward(ws, batch, res)
		for i, j := range idx {
			out[j] = res[i]
		}
		start = end
	}
	return out, nil
}
