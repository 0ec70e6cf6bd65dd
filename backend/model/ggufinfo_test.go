package model_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

func writeGGUF(t *testing.T, path string) {
	t.Helper()
	if err := modeltest.GGUF(path); err != nil {
		t.Fatal(err)
	}
}

// The header gives the weights' bytes (each tensor by its type's blocks)
// and the KV cache at a context; a file cut short is refused naming the
// tensor that does not fit.
func TestReadGGUF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tiny.gguf")
	writeGGUF(t, p)
	info, err := model.ReadGGUF(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Arch != "llama" || info.Tensors != 2 || info.WeightBytes != 1024+72 || info.Layers != 4 ||
		info.HeadsKV != 2 || info.KeyLength != 8 || info.ValueLength != 8 || info.ContextTrain != 512 || !info.ChatTemplate {
		t.Fatalf("info = %+v", info)
	}
	// 4 layers x 2 KV heads x (8+8) x 2 bytes = 256 bytes a token; the
	// context is capped at the training context.
	if got := info.KVCacheBytes(100); got != 100*256 {
		t.Errorf("KVCacheBytes(100) = %d, want %d", got, 100*256)
	}
	if got := info.KVCacheBytes(4096); got != 512*256 {
		t.Errorf("KVCacheBytes(4096) = %d, want %d (capped at 512 tokens)", got, 512*256)
	}
	if got := info.MemoryBytes(100); got != 1024+72+100*256 {
		t.Errorf("MemoryBytes = %d", got)
	}

	b, _ := os.ReadFile(p)
	cut := filepath.Join(t.TempDir(), "cut.gguf")
	os.WriteFile(cut, b[:len(b)-10], 0o600)
	_, err = model.ReadGGUF(cut)
	if !errors.Is(err, model.ErrNotGGUF) || !strings.Contains(err.Error(), "cut.gguf") || !strings.Contains(err.Error(), `truncated: tensor "w2"`) {
		t.Errorf("cut file: err = %v", err)
	}
	head := filepath.Join(t.TempDir(), "head.gguf")
	os.WriteFile(head, b[:40], 0o600)
	if _, err := model.ReadGGUF(head); !errors.Is(err, model.ErrNotGGUF) || !strings.Contains(err.Error(), "head.gguf") {
		t.Errorf("header only: err = %v", err)
	}
	// Installing refuses the cut file before copying anything.
	data := t.TempDir()
	if _, err := model.InstallGGUF(context.Background(), cut, data, ""); !errors.Is(err, model.ErrNotGGUF) {
		t.Errorf("install cut file: err = %v", err)
	}
	if in, _ := model.List(data); len(in.Generators) != 0 {
		t.Errorf("a refused file was installed: %+v", in)
	}
}

// The real test model's header: SmolLM2-135M has 30 layers, 3 KV heads of
// 64 values; its KV cache at 4,096 tokens is 30 x 4096 x 3 x 128 x 2 bytes.
func TestReadGGUFReal(t *testing.T) {
	p := testenv.LLM(t)
	info, err := model.ReadGGUF(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Arch != "llama" || info.Layers != 30 || info.HeadsKV != 3 || info.KeyLength != 64 || !info.ChatTemplate {
		t.Fatalf("info = %+v", info)
	}
	if got, want := info.KVCacheBytes(4096), int64(30*4096*3*128*2); got != want {
		t.Errorf("KV cache = %d, want %d", got, want)
	}
	// The tensors are the file but its header (a few MB of vocabulary).
	if info.WeightBytes > info.FileBytes || info.WeightBytes < info.FileBytes*9/10 {
		t.Errorf("weights %d bytes of a %d-byte file", info.WeightBytes, info.FileBytes)
	}
}

// Install with progress, list, choose, remove: the listing follows each
// step, and removing the active generator falls back to the one left.
func TestGeneratorsInstallListRemove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "alpha.gguf"), filepath.Join(dir, "beta.gguf")
	writeGGUF(t, a)
	writeGGUF(t, b)
	data := t.TempDir()
	var last, total int64
	calls := 0
	if _, err := model.InstallGGUFProgress(ctx, a, data, "", func(done, all int64) {
		if done < last {
			t.Errorf("progress went back: %d after %d", done, last)
		}
		last, total = done, all
		calls++
	}); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(a)
	if calls == 0 || last != st.Size() || total != st.Size() {
		t.Errorf("progress ended at %d of %d after %d calls; the file has %d bytes", last, total, calls, st.Size())
	}
	if _, err := model.InstallGGUF(ctx, b, data, ""); err != nil {
		t.Fatal(err)
	}
	in, err := model.List(data)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(in.Generators, ",") != "alpha,beta" || in.ActiveGenerator != "beta" {
		t.Fatalf("after installs: %+v", in)
	}
	if err := model.SetActiveGenerator(data, "alpha"); err != nil {
		t.Fatal(err)
	}
	if in, _ := model.List(data); in.ActiveGenerator != "alpha" {
		t.Errorf("after choosing alpha: %+v", in)
	}
	if err := model.SetActiveGenerator(data, "gamma"); err == nil {
		t.Error("choosing a model that is not installed: no error")
	}
	if err := model.RemoveGenerator(data, "alpha"); err != nil {
		t.Fatal(err)
	}
	if in, _ := model.List(data); strings.Join(in.Generators, ",") != "beta" || in.ActiveGenerator != "beta" {
		t.Errorf("after removing alpha: %+v", in)
	}
	if err := model.RemoveGenerator(data, "alpha"); err == nil || !strings.Contains(err.Error(), "alpha") {
		t.Errorf("removing it twice: err = %v", err)
	}
	if err := model.RemoveGenerator(data, "../x"); err == nil {
		t.Error("removing ../x: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := model.InstallGGUF(cctx, a, data, "cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled install: err = %v", err)
	}
	if in, _ := model.List(data); strings.Join(in.Generators, ",") != "beta" {
		t.Errorf("a cancelled install left a model: %+v", in)
	}
}
