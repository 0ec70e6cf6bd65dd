package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"folio/backend/engine"
	"folio/backend/llm"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// eventLog keeps every event with its payload.
type eventLog struct {
	mu  sync.Mutex
	got []struct {
		name    string
		payload any
	}
}

func (l *eventLog) emit(name string, payload any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, struct {
		name    string
		payload any
	}{name, payload})
}

func (l *eventLog) imports() []ModelImport {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ModelImport
	for _, e := range l.got {
		if e.name == EventModelImport {
			out = append(out, e.payload.(ModelImport))
		}
	}
	return out
}

func (l *eventLog) loads() []ModelLoad {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ModelLoad
	for _, e := range l.got {
		if e.name == EventModelLoad {
			out = append(out, e.payload.(ModelLoad))
		}
	}
	return out
}

func findModel(l ModelList, kind, name string) (ModelInfo, bool) {
	for _, m := range l.Models {
		if m.Kind == kind && m.Name == name {
			return m, true
		}
	}
	return ModelInfo{}, false
}

// Settings → Models on a real library: importing the real GGUF reports
// the bytes copied, lists it with its size on disk and the memory it needs
// (weights from its tensor table plus the KV cache at Folio's context),
// makes it the generator; bad files are refused naming the file and the
// reason with nothing installed; an embedding folder is listed with its
// float32 weights; removing the generator turns generation off.
func TestModelsImportListRemove(t *testing.T) {
	gguf := testLLM(t)
	data := t.TempDir()
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	app := NewApp(eng)
	log := &eventLog{}
	app.emit = log.emit

	list, err := app.Models()
	if err != nil || len(list.Models) != 0 || list.Generator != "" || !list.Generation || list.Context != llm.DefaultCtx {
		t.Fatalf("empty library: %+v, %v", list, err)
	}

	// Refused: not a GGUF, cut short, a folder without a model.
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.gguf")
	os.WriteFile(notes, []byte("PK\x03\x04 a zip file"), 0o600)
	whole, err := os.ReadFile(gguf)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.gguf")
	os.WriteFile(cut, whole[:len(whole)/2], 0o600)
	txt := filepath.Join(dir, "readme.txt")
	os.WriteFile(txt, []byte("hello"), 0o600)
	empty := filepath.Join(dir, "empty-model")
	os.Mkdir(empty, 0o700)
	for _, c := range []struct{ path, want string }{
		{notes, "not a GGUF model"},
		{cut, "truncated: tensor"},
		{txt, "not a model Folio can import"},
		{empty, "config.json"},
		{filepath.Join(dir, "gone.gguf"), "no such file"},
	} {
		_, err := app.ImportModelFile(c.path)
		if err == nil || !strings.Contains(err.Error(), filepath.Base(c.path)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("import %s: err = %v, want one naming the file and %q", filepath.Base(c.path), err, c.want)
		}
	}
	if list, _ := app.Models(); len(list.Models) != 0 {
		t.Fatalf("refused imports installed something: %+v", list.Models)
	}

	note, err := app.ImportModelFile(gguf)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(filepath.Base(gguf), ".gguf")
	if !strings.Contains(note, name) {
		t.Errorf("import note %q does not name %s", note, name)
	}
	imp := log.imports()
	if len(imp) == 0 || imp[len(imp)-1].Done != int64(len(whole)) || imp[len(imp)-1].Total != int64(len(whole)) {
		t.Errorf("import progress %v, want it to end at %d bytes", imp, len(whole))
	}
	for i := 1; i < len(imp); i++ {
		if imp[i].Done < imp[i-1].Done {
			t.Errorf("import progress went back: %v", imp)
		}
	}
	list, err = app.Models()
	if err != nil {
		t.Fatal(err)
	}
	g, ok := findModel(list, "generator", name)
	if !ok || !g.Active || !g.Removable {
		t.Fatalf("models after import: %+v", list.Models)
	}
	info, err := model.ReadGGUF(gguf)
	if err != nil {
		t.Fatal(err)
	}
	// SmolLM2-135M: 30 layers x 4096 tokens x 3 KV heads x (64+64) x 2 bytes.
	if g.DiskBytes != int64(len(whole)) || g.MemoryBytes != info.WeightBytes+30*4096*3*128*2 {
		t.Errorf("generator sizes: disk %d (file %d), memory %d (weights %d + KV cache)", g.DiskBytes, len(whole), g.MemoryBytes, info.WeightBytes)
	}
	if !strings.Contains(g.Detail, "30 layers") || !strings.Contains(g.Detail, "4096 tokens") {
		t.Errorf("detail %q", g.Detail)
	}
	if llm.Available && list.Generator != name {
		t.Errorf("generator in use %q, want %s", list.Generator, name)
	}

	// Off and on again.
	if err := app.SetGeneration(false); err != nil {
		t.Fatal(err)
	}
	if list, _ := app.Models(); list.Generation || list.Generator != "" {
		t.Errorf("generation off: %+v", list)
	}
	if err := app.SetGeneration(true); err != nil {
		t.Fatal(err)
	}
	if err := app.SetActiveGenerator("not-installed"); err == nil {
		t.Error("choosing a generator that is not installed: no error")
	}

	// An embedding model folder.
	src := filepath.Join(t.TempDir(), "tiny-bert")
	if _, err := modeltest.Write(src, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportModelFile(src); err != nil {
		t.Fatal(err)
	}
	list, _ = app.Models()
	emb, ok := findModel(list, "embedding", "tiny-bert")
	elems, err := model.WeightElems(src)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || !emb.Active || emb.Removable || emb.MemoryBytes != elems*4 || emb.DiskBytes < elems*4 {
		t.Errorf("embedding model: %+v (%d weights)", emb, elems)
	}
	if err := app.RemoveModel("embedding", "tiny-bert"); err == nil || !strings.Contains(err.Error(), "tiny-bert") {
		t.Errorf("removing the embedding model in use: err = %v", err)
	}

	if err := app.RemoveModel("generator", name); err != nil {
		t.Fatal(err)
	}
	list, _ = app.Models()
	if _, ok := findModel(list, "generator", name); ok || list.Generator != "" {
		t.Errorf("after removing the generator: %+v", list)
	}
	if err := app.RemoveModel("generator", name); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("removing it again: err = %v", err)
	}
}

// The generator model loads once, on the first question, and the window
// hears it: EventModelLoad with fractions that only go up, ending at 1;
// the second question loads nothing.
func TestModelLoadEvents(t *testing.T) {
	if !llm.Available {
		t.Skip("this build has no built-in generator (-tags nollm or no cgo): skipping")
	}
	if testing.Short() {
		t.Skip("loads and runs the model in C (-short): skipping; make test runs it in its pass without -short")
	}
	gguf := testLLM(t)
	docs, data := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "lighthouse.txt"),
		[]byte("The Zephyr lighthouse was built in 1887 on Gannet Rock. Its lamp burned whale oil until 1921."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := model.InstallGGUF(context.Background(), gguf, data, ""); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	if _, err := eng.Index(context.Background(), []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	app := NewApp(eng)
	log := &eventLog{}
	app.emit = log.emit
	app.followModelLoads()
	t.Cleanup(func() { modelLoads.Store(nil) })

	c, err := app.AskInChat("", "When was the Zephyr lighthouse built?", engine.Filter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ans := c.Turns[len(c.Turns)-1].Answer; ans.Mode != "generated" {
		t.Fatalf("answer mode %q (notice %q), want generated", ans.Mode, ans.Notice)
	}
	loads := log.loads()
	if len(loads) < 3 || loads[0].Fraction != 0 || loads[len(loads)-1].Fraction != 1 {
		t.Fatalf("load events %v, want 0, fractions between, then 1", loads)
	}
	for i, l := range loads {
		if l.Model != strings.TrimSuffix(filepath.Base(gguf), ".gguf") {
			t.Errorf("load event names %q", l.Model)
		}
		if i > 0 && l.Fraction <= loads[i-1].Fraction {
			t.Fatalf("load fractions do not rise: %v", loads)
		}
	}
	if _, err := app.AskInChat(c.ID, "And until when did it burn whale oil?", engine.Filter{}, 2); err != nil {
		t.Fatal(err)
	}
	if n := len(log.loads()); n != len(loads) {
		t.Errorf("the second question loaded the model again (%d more events)", n-len(loads))
	}
}

// testLLM is the generator tests' GGUF model ($FOLIO_TEST_LLM, or
// .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf), or skips the test.
func testLLM(t *testing.T) string {
	t.Helper()
	p := os.Getenv("FOLIO_TEST_LLM")
	if p == "" {
		p = filepath.Join(".cache", "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
	}
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Skipf("generator test model not found at %s: run `make model-llm` or set FOLIO_TEST_LLM: skipping", p)
	}
	return p
}
