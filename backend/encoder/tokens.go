package encoder

// Token states for late-interaction scoring: besides a text's sentence
// embedding, the contextual vector of each of its wordpieces, so a caller
// can match a question's words against a sentence's words by meaning
// (BERTScore-style MaxSim) from the same forward pass.

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
)

// TokenStates is one text's embedding and its wordpieces' vectors.
type TokenStates struct {
	// Vec is the sentence embedding, the same vector Embed returns.
	Vec []float32
	// Pieces are the text's wordpieces, [CLS] and [SEP] left out;
	// continuations keep their "##" prefix.
	Pieces []string
	// States are the L2-normalised last hidden states of Pieces, one each.
	States [][]float32
}

// EmbedTokens returns, per text, its embedding (as Embed) and the
// L2-normalised last hidden state of each wordpiece. It costs what Embed
// costs: one forward pass per text.
func (e *Encoder) EmbedTokens(ctx context.Context, texts []string) ([]TokenStates, error) {
	out := make([]TokenStates, len(texts))
	in := make([]headInput, len(texts))
	for i, t := range texts {
		if e.mcfg.LowercaseInput {
			t = strings.ToLower(t)
		}
		ids := e.tok.Tokenize(t)
		in[i] = headInput{ids: ids, types: make([]int8, len(ids))}
	}
	names := pieceNames(e.tok)
	H := e.net.h
	err := e.hidden(ctx, in, func(i int, h []float32) {
		ids := in[i].ids
		L := len(ids)
		vec := make([]float32, H)
		ts := TokenStates{Vec: vec}
		for p := 0; p < L; p++ {
			row := h[p*H : (p+1)*H]
			for j, v := range row {
				vec[j] += v
			}
			if p == 0 || p == L-1 { // [CLS], [SEP]
				continue
			}
			st := append([]float32(nil), row...)
			unitNorm(st)
			ts.States = append(ts.States, st)
			name := ""
			if id := ids[p]; id >= 0 && id < len(names) {
				name = names[id]
			}
			ts.Pieces = append(ts.Pieces, name)
		}
		for j := range vec {
			vec[j] /= float32(L)
		}
		unitNorm(vec)
		out[i] = ts
	})
	if err != nil {
		return nil, fmt.Errorf("encoder: embed tokens: %w", err)
	}
	return out, nil
}

// unitNorm scales v to unit length (a zero vector stays zero).
func unitNorm(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if n := math.Sqrt(ss); n > 1e-12 {
		inv := float32(1 / n)
		for j := range v {
			v[j] *= inv
		}
	}
}

// pieceNamesCache maps a tokenizer to its id → wordpiece table.
var pieceNamesCache sync.Map // *Tokenizer → []string

// pieceNames returns the wordpiece of every id of t's vocabulary.
func pieceNames(t *Tokenizer) []string {
	if v, ok := pieceNamesCache.Load(t); ok {
		return v.([]string)
	}
	names := make([]string, t.size)
	put := func(s string, id int32) {
		if id >= 0 && int(id) < len(names) {
			names[id] = s
		}
	}
	for s, id := range t.vocab {
		put(s, id)
	}
	for s, id := range t.cont {
		put("##"+s, id)
	}
	for _, sp := range t.specials {
		put(sp.text, sp.id)
	}
	v, _ := pieceNamesCache.LoadOrStore(t, names)
	return v.([]string)
}
