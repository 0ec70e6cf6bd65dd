package model_test

import (
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model"
)

func TestRealModelHeader(t *testing.T) {
	dir := testenv.Model(t)
	c, err := model.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.HiddenSize != 384 || c.NumHiddenLayers != 6 || c.MaxSeqLength != 256 || !c.DoLowerCase {
		t.Errorf("config = %+v", c)
	}
	s, err := model.OpenSafetensors(filepath.Join(dir, model.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, ok := s.Info("embeddings.word_embeddings.weight")
	if !ok || info.DType != model.F32 || info.Shape[0] != 30522 || info.Shape[1] != 384 {
		t.Errorf("word embeddings = %+v, %v", info, ok)
	}
	// position_ids is I64: listed, but not convertible.
	if _, _, err := s.Float32("embeddings.position_ids"); err == nil || !strings.Contains(err.Error(), "I64") {
		t.Errorf("I64 tensor: err = %v", err)
	}
	v, shape, err := s.Float32("encoder.layer.5.output.LayerNorm.weight")
	if err != nil || len(v) != 384 || shape[0] != 384 {
		t.Errorf("Float32 = %d values, %v, %v", len(v), shape, err)
	}
}
