// Package modeltest writes tiny random-weight BERT model folders in the exact
// on-disk layout of a Hugging Face sentence-transformers model, for tests of
// model loading and the encoder.
package modeltest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"folio/backend/model"
)

// Format says which weights files Write produces.
type Format string

// The weights formats. The zero Format is Safetensors.
const (
	Safetensors Format = ""        // model.safetensors only
	Pytorch     Format = "pytorch" // pytorch_model.bin only, as torch.save writes it
	Both        Format = "both"    // both files, with the same values
)

// Tiny describes a tiny model. The zero value gives the defaults.
type Tiny struct {
	DType  model.DType // weights dtype; "" means F32
	Format Format      // weights file(s); "" means model.safetensors only
	Prefix string      // tensor name prefix, e.g. "bert."
	Hidden int         // 0 means 32
	Heads  int         // 0 means 4 (head size 8)
	Inter  int         // 0 means 64
	Layers int         // 0 means 2
	MaxLen int         // max_seq_length; 0 means 24
	Seed   uint64
	// NoSBert leaves out sentence_bert_config.json.
	NoSBert bool
	// Labels, when positive, makes a BertForSequenceClassification (such
	// as a cross-encoder reranker) with that many outputs.
	Labels int
}

// Vocab is the tiny models' vocabulary. Its last entry is a dummy token
// (some converters ignore the last row).
var Vocab = []string{
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
	"the", "a", "cat", "dog", "sat", "on", "mat", "run", "##s", "##ing", "##ed",
	"hello", "world", ",", ".", "!", "?", "-", "un", "##able", "cafe", "中", "文",
	"[dummy]",
}

// Write creates the model folder dir (config.json, vocab.txt,
// tokenizer_config.json, sentence_bert_config.json, and model.safetensors
// and/or pytorch_model.bin as o.Format says) and returns every tensor it wrote, by name without prefix, in float32 as
// stored (after rounding to DType).
func Write(dir string, o Tiny) (map[string]model.Tensor, error) {
	if o.DType == "" {
		o.DType = model.F32
	}
	if o.Hidden == 0 {
		o.Hidden = 32
	}
	if o.Heads == 0 {
		o.Heads = 4
	}
	if o.Inter == 0 {
		o.Inter = 64
	}
	if o.Layers == 0 {
		o.Layers = 2
	}
	if o.MaxLen == 0 {
		o.MaxLen = 24
	}
	const maxPos = 40
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := map[string]any{
		"architectures":           []string{"BertModel"},
		"model_type":              "bert",
		"hidden_size":             o.Hidden,
		"num_hidden_layers":       o.Layers,
		"num_attention_heads":     o.Heads,
		"intermediate_size":       o.Inter,
		"max_position_embeddings": maxPos,
		"type_vocab_size":         2,
		"layer_norm_eps":          1e-12,
		"vocab_size":              len(Vocab),
		"hidden_act":              "gelu",
		"pad_token_id":            0,
	}
	if o.Labels > 0 {
		cfg["architectures"] = []string{"BertForSequenceClassification"}
		cfg["num_labels"] = o.Labels
	}
	if err := writeJSON(filepath.Join(dir, model.ConfigFile), cfg); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, model.VocabFile), []byte(strings.Join(Vocab, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, model.TokenizerConfigFile), map[string]any{
		"do_lower_case": true, "tokenizer_class": "BertTokenizer", "model_max_length": 512,
	}); err != nil {
		return nil, err
	}
	if !o.NoSBert {
		if err := writeJSON(filepath.Join(dir, model.SBertConfigFile), map[string]any{
			"max_seq_length": o.MaxLen, "do_lower_case": false,
		}); err != nil {
			return nil, err
		}
	}

	r := rand.New(rand.NewPCG(o.Seed, 99))
	H, I := o.Hidden, o.Inter
	ts := map[string]model.Tensor{}
	randT := func(name string, scale float32, offset float32, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = round(offset+scale*float32(r.NormFloat64()), o.DType)
		}
		ts[name] = model.Tensor{Shape: shape, Data: data}
	}
	randT("embeddings.word_embeddings.weight", 0.5, 0, len(Vocab), H)
	randT("embeddings.position_embeddings.weight", 0.2, 0, maxPos, H)
	randT("embeddings.token_type_embeddings.weight", 0.2, 0, 2, H)
	randT("embeddings.LayerNorm.weight", 0.1, 1, H)
	randT("embeddings.LayerNorm.bias", 0.1, 0, H)
	for l := 0; l < o.Layers; l++ {
		p := fmt.Sprintf("encoder.layer.%d.", l)
		for _, n := range []string{"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"} {
			randT(p+n+".weight", 0.3, 0, H, H)
			randT(p+n+".bias", 0.1, 0, H)
		}
		randT(p+"attention.output.LayerNorm.weight", 0.1, 1, H)
		randT(p+"attention.output.LayerNorm.bias", 0.1, 0, H)
		randT(p+"intermediate.dense.weight", 0.3, 0, I, H)
		randT(p+"intermediate.dense.bias", 0.1, 0, I)
		randT(p+"output.dense.weight", 0.2, 0, H, I)
		randT(p+"output.dense.bias", 0.1, 0, H)
		randT(p+"output.LayerNorm.weight", 0.1, 1, H)
		randT(p+"output.LayerNorm.bias", 0.1, 0, H)
	}
	randT("pooler.dense.weight", 0.3, 0, H, H)
	randT("pooler.dense.bias", 0.1, 0, H)
	if o.Labels > 0 {
		randT("classifier.weight", 0.5, 0, o.Labels, H)
		randT("classifier.bias", 0.1, 0, o.Labels)
	}
	onDisk := make(map[string]model.Tensor, len(ts))
	for k, v := range ts {
		onDisk[o.Prefix+k] = v
	}
	switch o.Format {
	case Safetensors, Pytorch, Both:
	default:
		return nil, fmt.Errorf("modeltest: unknown format %q", o.Format)
	}
	if o.Format != Pytorch {
		if err := model.WriteSafetensors(filepath.Join(dir, model.SafetensorsFile), onDisk, o.DType); err != nil {
			return nil, err
		}
	}
	if o.Format != Safetensors {
		if err := model.WritePytorch(filepath.Join(dir, model.PytorchFile), onDisk, o.DType); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func round(v float32, d model.DType) float32 {
	switch d {
	case model.F16:
		return model.HalfToFloat32(model.Float32ToHalf(v))
	case model.BF16:
		return model.BF16ToFloat32(model.Float32ToBF16(v))
	}
	return v
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
