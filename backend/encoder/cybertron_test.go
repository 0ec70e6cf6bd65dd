package encoder

// cybertron (github.com/nlpodyssey/cybertron, a per-token spaGO forward
// pass) stays the reference implementation here: the fast encoder must
// agree with it on a tiny random-weight model written by the test and on
// the real all-MiniLM-L6-v2. cybertron is imported by this test only.
//
// What cybertron does differently, and how the test deals with it:
//   - It reads only pytorch_model.bin (fp32) and converts it to its own
//     spago_model.bin next to it: every model is converted in a t.TempDir()
//     copy, with DownloadNever so nothing is ever fetched.
//   - Its vocabulary loader drops the last vocab.txt row: modeltest's
//     vocabulary ends with a dummy token, and no text here uses MiniLM's
//     last token.
//   - Its WordPiece does not split on hyphens, strip accents or split CJK:
//     every text is fed to cybertron as Folio's wordpieces, and only the
//     plain texts (marked so) must also tokenize alike through cybertron's
//     own Encode.
//   - It uses LayerNorm eps 1e-5 and tanh-approximated GELU, where BERT
//     uses 1e-12 and erf: the vectors agree to a cosine of 0.9999, not
//     bit for bit.
//
// The pooled vector is cybertron's MeanPooling over [CLS] … [SEP] (one
// unpadded sequence, so the same as sentence-transformers' masked mean),
// L2-normalised here as sentence-transformers' Normalize module does.

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cybert "github.com/nlpodyssey/cybertron/pkg/models/bert"
	"github.com/nlpodyssey/cybertron/pkg/tasks"
	"github.com/nlpodyssey/cybertron/pkg/tasks/textencoding"
	cytextenc "github.com/nlpodyssey/cybertron/pkg/tasks/textencoding/bert"
	"github.com/nlpodyssey/cybertron/pkg/tokenizers"
	"github.com/nlpodyssey/cybertron/pkg/tokenizers/wordpiecetokenizer"

	"folio/backend/internal/testenv"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// minCybertronCosine is the agreement asked of the two implementations.
const minCybertronCosine = 0.9999

// cybertronCase is one text to embed with both implementations. Plain texts
// (no hyphens, accents or CJK) must also tokenize alike in cybertron.
type cybertronCase struct {
	text  string
	plain bool
}

// loadCybertron converts the model folder dir (config.json, vocab.txt,
// tokenizer_config.json, pytorch_model.bin; a temporary copy the test owns)
// with cybertron and loads it for text encoding. It never downloads.
func loadCybertron(t *testing.T, dir string) *cytextenc.TextEncoding {
	t.Helper()
	m, err := tasks.Load[textencoding.Interface](&tasks.Config{
		ModelsDir:           filepath.Dir(dir),
		ModelName:           filepath.Base(dir),
		DownloadPolicy:      tasks.DownloadNever,
		ConversionPolicy:    tasks.ConvertAlways,
		ConversionPrecision: tasks.F32,
	})
	if err != nil {
		t.Fatalf("cybertron: load %s: %v", dir, err)
	}
	te, ok := m.(*cytextenc.TextEncoding)
	if !ok {
		t.Fatalf("cybertron: load %s: got %T, want *bert.TextEncoding", dir, m)
	}
	return te
}

// cybertronVector mean-pools cybertron's last hidden states over tokens and
// L2-normalises the result.
func cybertronVector(t *testing.T, te *cytextenc.TextEncoding, tokens []string) []float32 {
	t.Helper()
	v, err := te.Model.Encode(tokens, cybert.MeanPooling)
	if err != nil {
		t.Fatalf("cybertron: encode %q: %v", tokens, err)
	}
	return l2normalized(v.Value().Data().F32())
}

// cybertronTokens is what cybertron's TextEncoding.Encode feeds its model
// for text: its own WordPiece, lower-cased when tokenizer_config.json says
// so, between [CLS] and [SEP].
func cybertronTokens(te *cytextenc.TextEncoding, text string, lower bool) []string {
	if lower {
		text = strings.ToLower(text)
	}
	toks := tokenizers.GetStrings(te.Tokenizer.Tokenize(text))
	return append(append([]string{wordpiecetokenizer.DefaultClassToken}, toks...), wordpiecetokenizer.DefaultSequenceSeparator)
}

func l2normalized(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	n := math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

func cybertronCosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// compareWithCybertron embeds every case with Folio's encoder (model folder
// folioDir) and with cybertron (its converted copy te), and fails when a
// cosine is below minCybertronCosine. It returns the lowest cosine.
func compareWithCybertron(t *testing.T, folioDir string, te *cytextenc.TextEncoding, cases []cybertronCase) float64 {
	t.Helper()
	enc, err := Open(folioDir)
	if err != nil {
		t.Fatalf("Open(%s): %v", folioDir, err)
	}
	vocab, err := LoadVocab(filepath.Join(folioDir, model.VocabFile))
	if err != nil {
		t.Fatal(err)
	}
	lower := enc.mcfg.DoLowerCase
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	got, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	worst := 1.0
	var first []float32 // cybertron's vector of the first text
	for i, c := range cases {
		ids := enc.Tokenize(c.text)
		pieces := make([]string, len(ids))
		for j, id := range ids {
			pieces[j] = vocab[id]
		}
		// Same wordpieces through cybertron's model.
		want := cybertronVector(t, te, pieces)
		if len(want) != len(got[i]) {
			t.Fatalf("%q: cybertron dim %d, Folio dim %d", c.text, len(want), len(got[i]))
		}
		cos := cybertronCosine(got[i], want)
		worst = min(worst, cos)
		t.Logf("%-60q %2d tokens: cosine %.7f (1-cos %.1e)", c.text, len(ids), cos, 1-cos)
		if cos < minCybertronCosine || math.IsNaN(cos) {
			t.Errorf("%q: cosine(Folio, cybertron) = %.7f, want >= %v", c.text, cos, minCybertronCosine)
		}
		// The threshold must tell texts apart, or agreement means nothing.
		if i == 0 {
			first = want
		} else if cos := cybertronCosine(got[i], first); cos >= minCybertronCosine {
			t.Errorf("%q vs %q: cosine(Folio, cybertron) = %.7f across different texts: the check cannot fail", c.text, cases[0].text, cos)
		}

		// cybertron's own tokenizer and Encode, on texts where its WordPiece
		// is known to agree with Hugging Face's.
		own := cybertronTokens(te, c.text, lower)
		if !c.plain {
			if !slices.Equal(own, pieces) {
				t.Logf("%q: cybertron tokenizes %q, Folio (= Hugging Face) %q", c.text, own, pieces)
			}
			continue
		}
		if !slices.Equal(own, pieces) {
			t.Errorf("%q: cybertron tokens %q, Folio tokens %q", c.text, own, pieces)
			continue
		}
		res, err := te.Encode(context.Background(), c.text, int(cybert.MeanPooling))
		if err != nil {
			t.Fatalf("cybertron: Encode(%q): %v", c.text, err)
		}
		if cos := cybertronCosine(got[i], l2normalized(res.Vector.Data().F32())); cos < minCybertronCosine || math.IsNaN(cos) {
			t.Errorf("%q: cosine(Folio, cybertron Encode) = %.7f, want >= %v", c.text, cos, minCybertronCosine)
		}
	}
	return worst
}

// copyFiles copies the named files of src into dst.
func copyFiles(t *testing.T, src, dst string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCybertronAgreesTiny writes tiny random-weight BERTs (model.safetensors
// for Folio, pytorch_model.bin for cybertron, same values) and compares the
// two encoders' vectors.
func TestCybertronAgreesTiny(t *testing.T) {
	cases := []cybertronCase{
		{"the cat sat on the mat.", true},
		{"hello world!", true},
		{"a dog runs, a cat running?", true},
		{"Unable, the dogs sat.", true},
		{"hello zebra world", true}, // [UNK]
		{"cat", true},
		{"the cat sat on the mat, the dog sat on the cat, hello world", true},
		// Truncated at 24 tokens by Folio; cybertron gets the same 24.
		{"the cat sat on the mat, the dog sat on the cat, hello world, a cat runs on the mat", false},
		{"hello-world", false},
		{"café 中文 cat", false},
	}
	tests := []struct {
		name string
		tiny modeltest.Tiny
	}{
		{"default", modeltest.Tiny{Format: modeltest.Both, Seed: 1}},
		{"bert prefix", modeltest.Tiny{Format: modeltest.Both, Seed: 2, Prefix: "bert."}},
		{"wider, 3 layers", modeltest.Tiny{Format: modeltest.Both, Seed: 3, Hidden: 48, Heads: 6, Inter: 96, Layers: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tiny")
			if _, err := modeltest.Write(dir, tt.tiny); err != nil {
				t.Fatal(err)
			}
			if got, want := modeltest.Vocab[len(modeltest.Vocab)-1], "[dummy]"; got != want {
				t.Fatalf("modeltest's last vocab token = %q, want the dummy %q cybertron may drop", got, want)
			}
			te := loadCybertron(t, dir)
			worst := compareWithCybertron(t, dir, te, cases)
			t.Logf("lowest cosine %.7f", worst)
		})
	}
}

// TestCybertronAgreesRealModel compares with cybertron on the real
// all-MiniLM-L6-v2: its model.safetensors is rewritten as an fp32
// pytorch_model.bin (about 90 MB) in a temporary folder for cybertron, while
// Folio reads the original folder. cybertron is slow, so this is skipped
// under -short.
func TestCybertronAgreesRealModel(t *testing.T) {
	if testing.Short() {
		t.Skip("cybertron on the real model is slow: skipping under -short")
	}
	src := testenv.Model(t)
	dir := filepath.Join(t.TempDir(), "all-MiniLM-L6-v2")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFiles(t, src, dir, model.ConfigFile, model.VocabFile, model.TokenizerConfigFile)
	st, err := model.OpenSafetensors(filepath.Join(src, model.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	tensors := map[string]model.Tensor{}
	for _, name := range st.Names() {
		if info, _ := st.Info(name); info.DType != model.F32 {
			t.Logf("not converted for cybertron: %s (%s)", name, info.DType) // embeddings.position_ids, an I64 buffer
			continue
		}
		data, shape, err := st.Float32(name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		tensors[name] = model.Tensor{Shape: shape, Data: data}
	}
	st.Close()
	if err := model.WritePytorch(filepath.Join(dir, model.PytorchFile), tensors, model.F32); err != nil {
		t.Fatal(err)
	}
	clear(tensors)

	te := loadCybertron(t, dir)
	worst := compareWithCybertron(t, src, te, []cybertronCase{
		{"How do I reset my password?", true},
		{"The mitochondria is the powerhouse of the cell.", true},
		{"Folio answers questions about the documents on your own computer.", true},
		{"Quarterly revenue grew by 12 percent in 2023, driven by exports.", true},
		{"A man is playing a guitar on the street.", true},
		{"A state-of-the-art café in 東京", false},
	})
	t.Logf("lowest cosine %.7f", worst)
}
