package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Config is the subset of a BERT-family config.json (plus the sentence
// transformers and tokenizer settings beside it) that Folio needs.
type Config struct {
	ModelType             string  `json:"model_type"`
	HiddenSize            int     `json:"hidden_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	IntermediateSize      int     `json:"intermediate_size"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	TypeVocabSize         int     `json:"type_vocab_size"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	VocabSize             int     `json:"vocab_size"`
	HiddenAct             string  `json:"hidden_act"`

	// MaxSeqLength comes from sentence_bert_config.json (max_seq_length). When
	// that file is missing it is tokenizer_config.json's model_max_length, and
	// it is always capped at MaxPositionEmbeddings.
	MaxSeqLength int `json:"-"`
	// LowercaseInput comes from sentence_bert_config.json (do_lower_case):
	// sentence-transformers then lower-cases every text before tokenizing,
	// whatever the tokenizer itself does.
	LowercaseInput bool `json:"-"`
	// DoLowerCase comes from tokenizer_config.json; true when absent, as for
	// uncased BERT vocabularies.
	DoLowerCase bool `json:"-"`
	// TokenizeChineseChars comes from tokenizer_config.json; default true.
	TokenizeChineseChars bool `json:"-"`
	// StripAccents from tokenizer_config.json: nil means "follow DoLowerCase".
	StripAccents *bool `json:"-"`
}

// File names inside a model folder.
const (
	ConfigFile          = "config.json"
	VocabFile           = "vocab.txt"
	SafetensorsFile     = "model.safetensors"
	PytorchFile         = "pytorch_model.bin"
	TokenizerConfigFile = "tokenizer_config.json"
	SBertConfigFile     = "sentence_bert_config.json"
)

// DefaultMaxSeqLength is used when neither sentence_bert_config.json nor
// tokenizer_config.json gives a limit (capped by max_position_embeddings).
const DefaultMaxSeqLength = 512

// LoadConfig reads config.json, sentence_bert_config.json and
// tokenizer_config.json from dir and checks the values make sense.
func LoadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("model: read config: %w", err)
	}
	c := &Config{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("model: parse %s: %w", ConfigFile, err)
	}
	if c.LayerNormEps == 0 {
		c.LayerNormEps = 1e-12
	}
	if c.HiddenAct == "" {
		c.HiddenAct = "gelu"
	}
	if c.TypeVocabSize == 0 {
		c.TypeVocabSize = 2
	}
	if c.MaxPositionEmbeddings == 0 {
		c.MaxPositionEmbeddings = 512
	}
	if err := c.validate(); err != nil {
		return nil, err
	}

	c.DoLowerCase = true
	c.TokenizeChineseChars = true
	maxLen := 0
	var tc struct {
		DoLowerCase          *bool    `json:"do_lower_case"`
		TokenizeChineseChars *bool    `json:"tokenize_chinese_chars"`
		StripAccents         *bool    `json:"strip_accents"`
		ModelMaxLength       *float64 `json:"model_max_length"`
	}
	if ok, err := readOptionalJSON(filepath.Join(dir, TokenizerConfigFile), &tc); err != nil {
		return nil, err
	} else if ok {
		if tc.DoLowerCase != nil {
			c.DoLowerCase = *tc.DoLowerCase
		}
		if tc.TokenizeChineseChars != nil {
			c.TokenizeChineseChars = *tc.TokenizeChineseChars
		}
		c.StripAccents = tc.StripAccents
		if tc.ModelMaxLength != nil && *tc.ModelMaxLength > 0 && *tc.ModelMaxLength < 1e9 {
			maxLen = int(*tc.ModelMaxLength)
		}
	}
	var sb struct {
		MaxSeqLength int  `json:"max_seq_length"`
		DoLowerCase  bool `json:"do_lower_case"`
	}
	if ok, err := readOptionalJSON(filepath.Join(dir, SBertConfigFile), &sb); err != nil {
		return nil, err
	} else if ok && sb.MaxSeqLength > 0 {
		maxLen = sb.MaxSeqLength
	}
	c.LowercaseInput = sb.DoLowerCase
	if maxLen <= 0 {
		maxLen = DefaultMaxSeqLength
	}
	if maxLen > c.MaxPositionEmbeddings {
		maxLen = c.MaxPositionEmbeddings
	}
	c.MaxSeqLength = maxLen
	return c, nil
}

func (c *Config) validate() error {
	switch {
	case c.HiddenSize <= 0 || c.HiddenSize > 1<<16:
		return fmt.Errorf("model: %s: bad hidden_size %d", ConfigFile, c.HiddenSize)
	case c.NumHiddenLayers <= 0 || c.NumHiddenLayers > 1024:
		return fmt.Errorf("model: %s: bad num_hidden_layers %d", ConfigFile, c.NumHiddenLayers)
	case c.NumAttentionHeads <= 0 || c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("model: %s: num_attention_heads %d does not divide hidden_size %d", ConfigFile, c.NumAttentionHeads, c.HiddenSize)
	case c.IntermediateSize <= 0 || c.IntermediateSize > 1<<18:
		return fmt.Errorf("model: %s: bad intermediate_size %d", ConfigFile, c.IntermediateSize)
	case c.VocabSize <= 0:
		return fmt.Errorf("model: %s: bad vocab_size %d", ConfigFile, c.VocabSize)
	case c.MaxPositionEmbeddings < 2 || c.MaxPositionEmbeddings > 1<<20:
		return fmt.Errorf("model: %s: bad max_position_embeddings %d", ConfigFile, c.MaxPositionEmbeddings)
	}
	switch c.HiddenAct {
	case "gelu", "gelu_new", "gelu_pytorch_tanh", "relu":
	default:
		return fmt.Errorf("model: %s: unsupported hidden_act %q", ConfigFile, c.HiddenAct)
	}
	return nil
}

func readOptionalJSON(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("model: read %s: %w", filepath.Base(path), err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("model: parse %s: %w", filepath.Base(path), err)
	}
	return true, nil
}
