package encoder

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// refForward is a plain float64 BertModel forward pass over a padded batch
// with an attention mask, followed by masked mean pooling and L2
// normalisation, the way transformers + sentence-transformers compute it.
func refForward(ts map[string]model.Tensor, o modeltest.Tiny, batch [][]int) [][]float64 {
	H, nh, I := 32, 4, 64
	d := H / nh
	L := 0
	for _, s := range batch {
		L = max(L, len(s))
	}
	w := func(n string) []float32 { return ts[n].Data }
	ln := func(x []float64, g, b []float32) {
		var m, v float64
		for _, e := range x {
			m += e
		}
		m /= float64(len(x))
		for _, e := range x {
			v += (e - m) * (e - m)
		}
		v /= float64(len(x))
		for i := range x {
			x[i] = (x[i]-m)/math.Sqrt(v+1e-12)*float64(g[i]) + float64(b[i])
		}
	}
	lin := func(x []float64, W, b []float32, out int) []float64 {
		in := len(x)
		y := make([]float64, out)
		for j := 0; j < out; j++ {
			s := float64(b[j])
			for k := 0; k < in; k++ {
				s += x[k] * float64(W[j*in+k])
			}
			y[j] = s
		}
		return y
	}
	var res [][]float64
	for _, seq := range batch {
		mask := make([]float64, L)
		x := make([][]float64, L)
		for p := 0; p < L; p++ {
			id := 0 // [PAD]
			if p < len(seq) {
				id = seq[p]
				mask[p] = 1
			}
			x[p] = make([]float64, H)
			for j := 0; j < H; j++ {
				x[p][j] = float64(w("embeddings.word_embeddings.weight")[id*H+j]) + float64(w("embeddings.position_embeddings.weight")[p*H+j]) + float64(w("embeddings.token_type_embeddings.weight")[j])
			}
			ln(x[p], w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
		}
		for l := 0; l < 2; l++ {
			pf := fmt.Sprintf("encoder.layer.%d.", l)
			q, k, v := make([][]float64, L), make([][]float64, L), make([][]float64, L)
			for p := 0; p < L; p++ {
				q[p] = lin(x[p], w(pf+"attention.self.query.weight"), w(pf+"attention.self.query.bias"), H)
				k[p] = lin(x[p], w(pf+"attention.self.key.weight"), w(pf+"attention.self.key.bias"), H)
				v[p] = lin(x[p], w(pf+"attention.self.value.weight"), w(pf+"attention.self.value.bias"), H)
			}
			ctx := make([][]float64, L)
			for p := range ctx {
				ctx[p] = make([]float64, H)
			}
			for h := 0; h < nh; h++ {
				for i := 0; i < L; i++ {
					sc := make([]float64, L)
					mx := math.Inf(-1)
					for j := 0; j < L; j++ {
						var s float64
						for e := 0; e < d; e++ {
							s += q[i][h*d+e] * k[j][h*d+e]
						}
						sc[j] = s/math.Sqrt(float64(d)) + (1-mask[j])*-3.4e38
						mx = max(mx, sc[j])
					}
					var sum float64
					for j := range sc {
						sc[j] = math.Exp(sc[j] - mx)
						sum += sc[j]
					}
					for j := range sc {
						for e := 0; e < d; e++ {
							ctx[i][h*d+e] += sc[j] / sum * v[j][h*d+e]
						}
					}
				}
			}
			for p := 0; p < L; p++ {
				a := lin(ctx[p], w(pf+"attention.output.dense.weight"), w(pf+"attention.output.dense.bias"), H)
				for j := range a {
					a[j] += x[p][j]
				}
				ln(a, w(pf+"attention.output.LayerNorm.weight"), w(pf+"attention.output.LayerNorm.bias"))
				f := lin(a, w(pf+"intermediate.dense.weight"), w(pf+"intermediate.dense.bias"), I)
				for j := range f {
					f[j] = 0.5 * f[j] * (1 + math.Erf(f[j]/math.Sqrt2))
				}
				o := lin(f, w(pf+"output.dense.weight"), w(pf+"output.dense.bias"), H)
				for j := range o {
					o[j] += a[j]
				}
				ln(o, w(pf+"output.LayerNorm.weight"), w(pf+"output.LayerNorm.bias"))
				x[p] = o
			}
		}
		pooled := make([]float64, H)
		var n float64
		for p := 0; p < L; p++ {
			for j := range pooled {
				pooled[j] += x[p][j] * mask[p]
			}
			n += mask[p]
		}
		var ss float64
		for j := range pooled {
			pooled[j] /= n
			ss += pooled[j] * pooled[j]
		}
		for j := range pooled {
			pooled[j] /= math.Sqrt(ss)
		}
		res = append(res, pooled)
	}
	return res
}

func TestTinyModelMatchesReference(t *testing.T) {
	texts := []string{
		"the cat sat on the mat",
		"Hello, world!",
		"",
		"dogs running unable café 中文 ?",
		"the the the the the the the the the the the the the the the the the the the the the the the the the the",
		"zebra",
	}
	for _, o := range []modeltest.Tiny{
		{DType: model.F32},
		{DType: model.F16, Prefix: "bert.", Seed: 1},
		{DType: model.BF16, Seed: 2},
	} {
		t.Run(string(o.DType)+o.Prefix, func(t *testing.T) {
			dir := t.TempDir()
			ts, err := modeltest.Write(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			// A small batch budget forces several batches.
			enc, err := OpenConfig(dir, Config{MaxBatchTokens: 30})
			if err != nil {
				t.Fatal(err)
			}
			if enc.Dim() != 32 || enc.MaxTokens() != 24 {
				t.Errorf("Dim, MaxTokens = %d, %d", enc.Dim(), enc.MaxTokens())
			}
			got, err := enc.Embed(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([][]int, len(texts))
			for i, s := range texts {
				ids[i] = enc.Tokenize(s)
			}
			if n := len(ids[4]); n != 24 {
				t.Errorf("long text: %d tokens, want 24 (truncated)", n)
			}
			want := refForward(ts, o, ids)
			for i := range texts {
				var dot float64
				var maxDiff float64
				for j := range want[i] {
					dot += float64(got[i][j]) * want[i][j]
					maxDiff = max(maxDiff, math.Abs(float64(got[i][j])-want[i][j]))
				}
				if dot < 0.99999 || maxDiff > 1e-4 {
					t.Errorf("text %d %q: cosine %.7f, max diff %g", i, texts[i], dot, maxDiff)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("Open(missing dir): no error")
	}
	mk := func(t *testing.T) string {
		dir := t.TempDir()
		if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("broken pytorch_model.bin", func(t *testing.T) {
		dir := mk(t)
		os.Remove(filepath.Join(dir, model.SafetensorsFile))
		os.WriteFile(filepath.Join(dir, model.PytorchFile), []byte("PK"), 0o644)
		if _, err := Open(dir); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt", err)
		}
	})
	t.Run("truncated weights", func(t *testing.T) {
		dir := mk(t)
		p := filepath.Join(dir, model.SafetensorsFile)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-64], 0o644)
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("err = %v, want truncated", err)
		}
	})
	t.Run("missing vocab", func(t *testing.T) {
		dir := mk(t)
		os.Remove(filepath.Join(dir, model.VocabFile))
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "vocab") {
			t.Errorf("err = %v, want vocab error", err)
		}
	})
	t.Run("shape mismatch", func(t *testing.T) {
		dir := mk(t)
		cfg := filepath.Join(dir, model.ConfigFile)
		b, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, []byte(strings.Replace(string(b), `"intermediate_size": 64`, `"intermediate_size": 48`, 1)), 0o644)
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "shape") {
			t.Errorf("err = %v, want shape error", err)
		}
	})
	t.Run("not bert", func(t *testing.T) {
		dir := mk(t)
		ts := map[string]model.Tensor{"foo": {Shape: []int{1}, Data: []float32{1}}}
		model.WriteSafetensors(filepath.Join(dir, model.SafetensorsFile), ts, model.F32)
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "word_embeddings") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestPortableKernels checks the pure-Go kernels (used off amd64 or without
// AVX2) give the same vectors as the assembly ones.
func TestPortableKernels(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	enc, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"the cat sat on the mat, hello world!", "dogs", "un cafe 中 文 running"}
	fast, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	saved, saved512 := useAVX2, useAVX512
	useAVX2, useAVX512 = false, false
	slow, err := enc.Embed(context.Background(), texts)
	useAVX2, useAVX512 = saved, saved512
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		for j := range fast[i] {
			if d := math.Abs(float64(fast[i][j] - slow[i][j])); d > 1e-5 {
				t.Fatalf("text %d dim %d: asm %v, Go %v", i, j, fast[i][j], slow[i][j])
			}
		}
	}
}

// TestPytorchWeightsEmbedAlike loads the same tiny model from
// pytorch_model.bin and from model.safetensors: the vectors must be equal.
func TestPytorchWeightsEmbedAlike(t *testing.T) {
	texts := []string{"hello world", "A tiny model, written twice."}
	var got [2][][]float32
	for i, f := range []modeltest.Format{modeltest.Safetensors, modeltest.Pytorch} {
		dir := t.TempDir()
		if _, err := modeltest.Write(dir, modeltest.Tiny{Format: f}); err != nil {
			t.Fatal(err)
		}
		enc, err := Open(dir)
		if err != nil {
			t.Fatalf("Open(format %v): %v", f, err)
		}
		if got[i], err = enc.Embed(context.Background(), texts); err != nil {
			t.Fatal(err)
		}
	}
	for i := range texts {
		for j := range got[0][i] {
			if got[0][i][j] != got[1][i][j] {
				t.Fatalf("text %d, dim %d: safetensors %v, pytorch_model.bin %v", i, j, got[0][i][j], got[1][i][j])
			}
		}
	}
}

// TestSentenceBertLowercasesInput: sentence_bert_config.json's do_lower_case
// lower-cases texts before a cased tokenizer sees them, as
// sentence-transformers does.
func TestSentenceBertLowercasesInput(t *testing.T) {
	embed := func(lower bool) [][]float32 {
		dir := t.TempDir()
		if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, model.TokenizerConfigFile), []byte(`{"do_lower_case": false}`), 0o644)
		os.WriteFile(filepath.Join(dir, model.SBertConfigFile), []byte(fmt.Sprintf(`{"max_seq_length": 32, "do_lower_case": %v}`, lower)), 0o644)
		enc, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		v, err := enc.Embed(context.Background(), []string{"Hello World", "hello world"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := func(a, b []float32) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	if v := embed(true); !same(v[0], v[1]) {
		t.Error("with do_lower_case, \"Hello World\" and \"hello world\" embed differently")
	}
	if v := embed(false); same(v[0], v[1]) {
		t.Error("without do_lower_case, a cased tokenizer embeds \"Hello World\" like \"hello world\"; the test cannot tell the settings apart")
	}
}
