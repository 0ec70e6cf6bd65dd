package encoder

import (
	"fmt"
	"math"
	"slices"

	"folio/backend/model"
)

// layer holds one transformer layer's weights, prepared for the GEMM.
type layer struct {
	qkv     *weight // [3H, H]: query, key, value stacked, with their biases
	out     *weight // [H, H]; its bias goes into the LayerNorm
	outBias []float32
	ln1G    []float32
	ln1B    []float32
	ff1     *weight // [I, H], with its bias
	ff2     *weight // [H, I]; its bias goes into the LayerNorm
	ff2Bias []float32
	ln2G    []float32
	ln2B    []float32
}

// bert holds the weights of a BertModel.
type bert struct {
	h, heads, inter, layers int
	eps                     float32
	act                     func([]float32)
	word, pos, typ          []float32 // [V,H], [P,H], [T,H]
	vocab, maxPos           int
	embG, embB              []float32
	ls                      []layer
	stats                   gemmStats // GEMM work, for Encoder.Stats
}

// loadBert reads the weights and prepares them for the GEMM. Names may
// carry a "bert." prefix.
func loadBert(cfg *model.Config, w model.Weights) (*bert, error) {
	names := w.Names()
	prefix := ""
	switch {
	case slices.Contains(names, "embeddings.word_embeddings.weight"):
	case slices.Contains(names, "bert.embeddings.word_embeddings.weight"):
		prefix = "bert."
	default:
		return nil, fmt.Errorf("encoder: weights have no embeddings.word_embeddings.weight (not a BERT model?)")
	}
	b := &bert{
		h: cfg.HiddenSize, heads: cfg.NumAttentionHeads, inter: cfg.IntermediateSize,
		layers: cfg.NumHiddenLayers, eps: float32(cfg.LayerNormEps),
	}
	switch cfg.HiddenAct {
	case "gelu":
		b.act = geluErf
	case "gelu_new", "gelu_pytorch_tanh":
		b.act = geluTanh
	case "relu":
		b.act = relu
	default:
		return nil, fmt.Errorf("encoder: unsupported hidden_act %q", cfg.HiddenAct)
	}
	H, I := b.h, b.inter
	var err error
	get := func(name string, shape ...int) []float32 {
		if err != nil {
			return nil
		}
		data, got, e := w.Float32(prefix + name)
		if e != nil {
			err = fmt.Errorf("encoder: load %s: %w", name, e)
			return nil
		}
		if shape[0] < 0 { // rows free (vocab, positions)
			if len(got) != 2 || got[1] != shape[1] || got[0] < 1 {
				err = fmt.Errorf("encoder: %s has shape %v, want [*,%d]", name, got, shape[1])
				return nil
			}
			return data
		}
		if !slices.Equal(got, shape) {
			err = fmt.Errorf("encoder: %s has shape %v, want %v", name, got, shape)
			return nil
		}
		return data
	}
	b.word = get("embeddings.word_embeddings.weight", -1, H)
	b.pos = get("embeddings.position_embeddings.weight", -1, H)
	b.typ = get("embeddings.token_type_embeddings.weight", -1, H)
	b.embG = get("embeddings.LayerNorm.weight", H)
	b.embB = get("embeddings.LayerNorm.bias", H)
	if err != nil {
		return nil, err
	}
	b.vocab = len(b.word) / H
	b.maxPos = len(b.pos) / H
	for i := 0; i < b.layers; i++ {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		q := get(p+"attention.self.query.weight", H, H)
		k := get(p+"attention.self.key.weight", H, H)
		v := get(p+"attention.self.value.weight", H, H)
		qb := get(p+"attention.self.query.bias", H)
		kb := get(p+"attention.self.key.bias", H)
		vb := get(p+"attention.self.value.bias", H)
		o := get(p+"attention.output.dense.weight", H, H)
		ob := get(p+"attention.output.dense.bias", H)
		l1g := get(p+"attention.output.LayerNorm.weight", H)
		l1b := get(p+"attention.output.LayerNorm.bias", H)
		f1 := get(p+"intermediate.dense.weight", I, H)
		f1b := get(p+"intermediate.dense.bias", I)
		f2 := get(p+"output.dense.weight", H, I)
		f2b := get(p+"output.dense.bias", H)
		l2g := get(p+"output.LayerNorm.weight", H)
		l2b := get(p+"output.LayerNorm.bias", H)
		if err != nil {
			return nil, err
		}
		l := layer{
			qkv: newWeight(slices.Concat(q, k, v), slices.Concat(qb, kb, vb), 3*H, H),
			out: newWeight(o, nil, H, H), outBias: ob,
			ln1G: l1g, ln1B: l1b,
			ff1: newWeight(f1, f1b, I, H),
			ff2: newWeight(f2, nil, H, I), ff2Bias: f2b,
			ln2G: l2g, ln2B: l2b,
		}
		b.ls = append(b.ls, l)
	}
	return b, nil
}

// workspace is the scratch memory of one forward pass.
type workspace struct {
	x, qkv, ctx, tmp, ff []float32
	scratch              []attnScratch // one per worker
	// types holds each sequence's token type ids (segments); nil means all 0.
	types [][]int8
}

type attnScratch struct {
	g           gemmScratch
	scores, inv []float32
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// forward runs the encoder over the sequences (token ids, already with
// [CLS]/[SEP]) packed one after another without padding, and writes each
// sequence's mean-pooled, L2-normalised embedding to out[i].
func (b *bert) forward(ws *workspace, seqs [][]int, out [][]float32) {
	H, I := b.h, b.inter
	T := 0
	offs := make([]int, len(seqs)+1)
	for i, s := range seqs {
		T += len(s)
		offs[i+1] = T
	}
	ws.x = grow(ws.x, T*H)
	ws.qkv = grow(ws.qkv, T*3*H)
	ws.ctx = grow(ws.ctx, T*H)
	ws.tmp = grow(ws.tmp, T*H)
	ws.ff = grow(ws.ff, T*I)
	if len(ws.scratch) < maxWorkers() {
		ws.scratch = make([]attnScratch, maxWorkers())
	}
	x := ws.x

	// Embeddings: word + position + token type 0, then LayerNorm.
	parallelFor(len(seqs), func(_, si int) {
		for p, id := range seqs[si] {
			row := x[(offs[si]+p)*H : (offs[si]+p+1)*H]
			we := b.word[id*H : id*H+H]
			pe := b.pos[p*H : p*H+H]
			te := b.typ[:H]
			if ws.types != nil {
				te = b.typ[int(ws.types[si][p])*H:][:H]
			}
			for j := range row {
				row[j] = we[j] + pe[j] + te[j]
			}
			layerNorm(row, b.embG, b.embB, b.eps)
		}
	})

	d := H / b.heads
	scale := float32(1 / math.Sqrt(float64(d)))
	for li := range b.ls {
		l := &b.ls[li]
		// Q, K, V for all tokens at once.
		l.qkv.mul(&b.stats, T, x, H, ws.qkv, 3*H, nil)
		// Attention per (sequence, head).
		parallelFor(len(seqs)*b.heads, func(w, task int) {
			si, hd := task/b.heads, task%b.heads
			s0, L := offs[si], len(seqs[si])
			sc := &ws.scratch[w]
			q := ws.qkv[s0*3*H+hd*d:]
			k := ws.qkv[s0*3*H+H+hd*d:]
			v := ws.qkv[s0*3*H+2*H+hd*d:]
			ld := L
			sc.scores = grow(sc.scores, L*ld)
			sc.g.mulNT(&b.stats, L, L, d, q, 3*H, k, 3*H, sc.scores, ld)
			// Unnormalised softmax; each row's 1/sum scales the output row.
			sc.inv = grow(sc.inv, L)
			for i := 0; i < L; i++ {
				row := sc.scores[i*ld : i*ld+L]
				sc.inv[i] = 1 / expShiftSum(row, maxf(row), scale)
			}
			c := ws.ctx[s0*H+hd*d:]
			sc.g.mulNN(&b.stats, L, d, L, sc.scores, ld, v, 3*H, c, H)
			for i := 0; i < L; i++ {
				row := c[i*H : i*H+d]
				for j := range row {
					row[j] *= sc.inv[i]
				}
			}
		})
		// Output projection + residual + LayerNorm.
		l.out.mul(&b.stats, T, ws.ctx, H, ws.tmp, H, func(r0, r1 int) {
			addLayerNorm(x[r0*H:r1*H], ws.tmp[r0*H:r1*H], l.outBias, l.ln1G, l.ln1B, b.eps)
		})
		// Feed-forward.
		l.ff1.mul(&b.stats, T, x, H, ws.ff, I, func(r0, r1 int) {
			b.act(ws.ff[r0*I : r1*I])
		})
		l.ff2.mul(&b.stats, T, ws.ff, I, ws.tmp, H, func(r0, r1 int) {
			addLayerNorm(x[r0*H:r1*H], ws.tmp[r0*H:r1*H], l.ff2Bias, l.ln2G, l.ln2B, b.eps)
		})
	}

	if out == nil { // the heads read the hidden states from ws.x
		return
	}
	// Mean pooling over each sequence's tokens, then L2 normalisation.
	for si := range seqs {
		v := make([]float32, H)
		L := offs[si+1] - offs[si]
		for p := offs[si]; p < offs[si+1]; p++ {
			row := x[p*H : p*H+H]
			for j := range v {
				v[j] += row[j]
			}
		}
		var ss float64
		for j := range v {
			v[j] /= float32(L)
			ss += float64(v[j]) * float64(v[j])
		}
		if n := math.Sqrt(ss); n > 1e-12 {
			inv := float32(1 / n)
			for j := range v {
				v[j] *= inv
			}
		}
		out[si] = v
	}
}
