package model_test

import (
	"os"
	"path/filepath"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model"
)

// bundle makes a read-only system models folder holding the real
// all-MiniLM-L6-v2 folder and the SmolLM2 GGUF (linked, not copied), and
// points FOLIO_SYSTEM_MODELS at it.
func bundle(t *testing.T) (sys, emb, gen string) {
	t.Helper()
	mdl, llm := testenv.Model(t), testenv.LLM(t)
	sys = t.TempDir()
	emb = filepath.Join(sys, model.DefaultEmbedder)
	gen = filepath.Join(sys, "SmolLM2-135M-Instruct.Q4_1.gguf")
	if err := os.Symlink(mdl, emb); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(llm, gen); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sys, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(sys, 0o755) })
	t.Setenv(model.SystemDirEnv, sys)
	return sys, emb, gen
}

// A library with no model of its own uses the bundled ones; List shows
// them apart from the installed ones.
func TestSystemModelsFallback(t *testing.T) {
	sys, emb, gen := bundle(t)
	data := t.TempDir()
	if d, ok := model.Active(data); !ok || d != emb {
		t.Fatalf("Active = %q, %v; want the bundled %s", d, ok, emb)
	}
	if p, ok := model.ActiveGenerator(data); !ok || p != gen {
		t.Fatalf("ActiveGenerator = %q, %v; want the bundled %s", p, ok, gen)
	}
	in, err := model.List(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Embedders) != 0 || len(in.Generators) != 0 {
		t.Fatalf("installed = %+v; want none", in)
	}
	if len(in.BundledEmbedders) != 1 || in.BundledEmbedders[0] != model.DefaultEmbedder || in.ActiveEmbedderPath != emb {
		t.Fatalf("bundled embedders = %q, active %q", in.BundledEmbedders, in.ActiveEmbedderPath)
	}
	if len(in.BundledGenerators) != 1 || in.BundledGenerators[0] != "SmolLM2-135M-Instruct.Q4_1" || in.ActiveGeneratorPath != gen {
		t.Fatalf("bundled generators = %q, active %q", in.BundledGenerators, in.ActiveGeneratorPath)
	}
	// Choosing the bundled generator is recorded in the library, not in
	// the read-only folder.
	if err := model.SetActiveGenerator(data, "SmolLM2-135M-Instruct.Q4_1"); err != nil {
		t.Fatal(err)
	}
	if p, ok := model.ActiveGenerator(data); !ok || p != gen {
		t.Fatalf("after SetActiveGenerator: %q, %v", p, ok)
	}
	// A bundled model is not the library's to remove.
	if err := model.RemoveGenerator(data, "SmolLM2-135M-Instruct.Q4_1"); err == nil {
		t.Fatal("RemoveGenerator removed a bundled model")
	}
	if err := model.RemoveEmbedder(data, model.DefaultEmbedder); err == nil {
		t.Fatal("RemoveEmbedder removed a bundled model")
	}
	if _, err := os.Stat(filepath.Join(sys, "SmolLM2-135M-Instruct.Q4_1.gguf")); err != nil {
		t.Fatalf("the bundled generator is gone: %v", err)
	}
}

// The library's own models come first, and hide bundled ones of the same
// name; FOLIO_SYSTEM_MODELS="" turns the bundled ones off.
func TestSystemModelsLibraryFirst(t *testing.T) {
	_, emb, _ := bundle(t)
	data := t.TempDir()
	mine := filepath.Join(t.TempDir(), "mine")
	if err := os.MkdirAll(mine, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{model.ConfigFile, model.VocabFile, model.SafetensorsFile} {
		if err := os.WriteFile(filepath.Join(mine, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dest, err := model.Install(t.Context(), mine, data, "")
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := model.Active(data); !ok || d != dest {
		t.Fatalf("Active = %q, %v; want the installed %s", d, ok, dest)
	}
	in, err := model.List(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.BundledEmbedders) != 1 || in.ActiveEmbedderPath == emb {
		t.Fatalf("list = %+v", in)
	}
	t.Setenv(model.SystemDirEnv, "")
	if d, ok := model.Active(t.TempDir()); ok {
		t.Fatalf("FOLIO_SYSTEM_MODELS=\"\": Active = %q", d)
	}
	if p, ok := model.ActiveGenerator(t.TempDir()); ok {
		t.Fatalf("FOLIO_SYSTEM_MODELS=\"\": ActiveGenerator = %q", p)
	}
}

// A bundled embedding model can be chosen (SetActive) in a library with no
// models folder yet; EmbedderPath finds installed models before bundled
// ones, and nothing for an unknown or unsafe name.
func TestSetActiveBundledEmbedder(t *testing.T) {
	_, emb, _ := bundle(t)
	data := t.TempDir()
	if d, ok := model.EmbedderPath(data, model.DefaultEmbedder); !ok || d != emb {
		t.Fatalf("EmbedderPath = %q, %v; want the bundled %s", d, ok, emb)
	}
	if err := model.SetActive(data, model.DefaultEmbedder); err != nil {
		t.Fatal(err)
	}
	if d, ok := model.Active(data); !ok || d != emb {
		t.Fatalf("Active = %q, %v; want the bundled %s", d, ok, emb)
	}
	for _, name := range []string{"no-such-model", "../x", ""} {
		if _, ok := model.EmbedderPath(data, name); ok {
			t.Errorf("EmbedderPath(%q) found a model", name)
		}
		if err := model.SetActive(data, name); err == nil {
			t.Errorf("SetActive(%q) accepted", name)
		}
	}
}
