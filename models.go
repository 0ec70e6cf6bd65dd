package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/llm"
	"folio/backend/model"
)

// Events of Settings → Models and of the generator's loading.
const (
	// EventModelLoad carries ModelLoad while the generator model loads.
	EventModelLoad = "model:load"
	// EventModelImport carries ModelImport while a model file is copied
	// into the library.
	EventModelImport = "model:import"
)

// ModelLoad is how far the generator model has loaded: Fraction from 0 to
// 1, never going back; 1 when it is ready to write.
type ModelLoad struct {
	Model    string  `json:"model"`
	Fraction float64 `json:"fraction"`
}

// ModelImport is how far a model import has copied its file.
type ModelImport struct {
	File  string `json:"file"`
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
}

// ModelInfo is one model Folio can use, with its size on disk and the
// memory it needs loaded:
//   - a generator (GGUF): its weights, the tensors' bytes from the file's
//     tensor table, plus its KV cache at Folio's context (llm.DefaultCtx
//     tokens, at most the model's training context): layers × tokens × KV
//     heads × (key + value length) × 2 bytes (F16), from the file's own
//     `<arch>.*` keys (model.ReadGGUF, model.GGUFInfo.MemoryBytes);
//     llama.cpp's compute buffers come on top;
//   - an embedding model, reranker or QA reader (a BERT folder): its
//     weights as float32, which the encoder converts F16 and BF16 to: the
//     values counted from the tensors' shapes (model.WeightElems) × 4.
type ModelInfo struct {
	Kind        string `json:"kind"` // "embedding", "generator", "reranker" or "reader"
	Name        string `json:"name"`
	Path        string `json:"path"`
	DiskBytes   int64  `json:"diskBytes"`
	MemoryBytes int64  `json:"memoryBytes"`
	// Active: the model this kind uses (a reranker or reader given for
	// this run is always active).
	Active bool `json:"active"`
	// InUse: an embedding model whose vectors the library's searches use
	// now (Active is the one recorded for the next start; in a library
	// still searched by keywords alone, none is in use).
	InUse bool `json:"inUse"`
	// Removable: Settings can remove it (installed in the library and
	// not the embedding model the library's vectors come from).
	Removable bool `json:"removable"`
	// Bundled: it came with Folio (the package's read-only models folder,
	// model.SystemDir); never removable.
	Bundled bool `json:"bundled"`
	// Detail describes the model ("llama, 30 layers; KV cache 90 MB at
	// 4096 tokens"), or why its size could not be read.
	Detail string `json:"detail"`
}

// ModelList is what Settings → Models shows.
type ModelList struct {
	Models []ModelInfo `json:"models"`
	// Generation: the built-in generator writes answers when a generator
	// model is installed (the person can turn it off).
	Generation bool `json:"generation"`
	// BuiltIn: this build carries the built-in generator (llama.cpp).
	BuiltIn bool `json:"builtIn"`
	// Generator names the generator model in use, "" when none.
	Generator string `json:"generator"`
	// Context is the KV cache size, in tokens, the memory figures assume.
	Context int `json:"context"`
	// Reembedding names the embedding model the library is being
	// re-embedded with ("" when none); searches use the active one
	// until it completes.
	Reembedding string `json:"reembedding"`
}

// Models lists the models installed in the library, and those given for
// this run, with their sizes.
func (a *App) Models() (ModelList, error) {
	return withEngine(a, func(e *engine.Engine) (ModelList, error) {
		data := e.Status().DataDir
		in, err := model.List(data)
		if err != nil {
			return ModelList{}, err
		}
		out := ModelList{Models: []ModelInfo{}, Generation: e.LocalGeneration(), BuiltIn: llm.Available,
			Generator: e.LocalModel(), Context: llm.DefaultCtx, Reembedding: e.Reembedding()}
		st := e.Status()
		for _, name := range in.Embedders {
			dir := filepath.Join(data, model.ModelsDir, name)
			mi := folderInfo("embedding", name, dir)
			mi.Active, mi.InUse = dir == in.ActiveEmbedderPath, name == st.Model
			mi.Removable = !mi.Active && !mi.InUse && name != st.Reembedding
			out.Models = append(out.Models, mi)
		}
		for _, name := range in.Generators {
			p := model.GeneratorPath(data, name)
			mi := ggufInfo(name, p)
			mi.Active = p == in.ActiveGeneratorPath
			mi.Removable = true
			out.Models = append(out.Models, mi)
		}
		for _, name := range in.BundledEmbedders {
			dir := model.SystemEmbedderPath(name)
			mi := folderInfo("embedding", name, dir)
			mi.Active, mi.InUse, mi.Bundled = dir == in.ActiveEmbedderPath, name == st.Model, true
			out.Models = append(out.Models, mi)
		}
		for _, name := range in.BundledGenerators {
			p := model.SystemGeneratorPath(name)
			mi := ggufInfo(name, p)
			mi.Active, mi.Bundled = p == in.ActiveGeneratorPath, true
			out.Models = append(out.Models, mi)
		}
		rr, rd := e.AnswerModels()
		for _, m := range []struct{ kind, dir string }{{"reranker", rr}, {"reader", rd}} {
			if m.dir != "" {
				mi := folderInfo(m.kind, model.NameFor(m.dir), m.dir)
				mi.Active = true
				out.Models = append(out.Models, mi)
			}
		}
		return out, nil
	})
}

// folderInfo describes a BERT model folder (see ModelInfo).
func folderInfo(kind, name, dir string) ModelInfo {
	mi := ModelInfo{Kind: kind, Name: name, Path: dir, DiskBytes: model.DirBytes(dir)}
	n, err := model.WeightElems(dir)
	if err != nil {
		mi.Detail = "size in memory unknown: " + err.Error()
		return mi
	}
	mi.MemoryBytes = n * 4
	mi.Detail = fmt.Sprintf("%.1f million weights, held as float32", float64(n)/1e6)
	if c, err := model.LoadConfig(dir); err == nil {
		mi.Detail = fmt.Sprintf("%s, %d layers; ", c.ModelType, c.NumHiddenLayers) + mi.Detail
	}
	return mi
}

// ggufInfo describes a generator file (see ModelInfo).
func ggufInfo(name, path string) ModelInfo {
	mi := ModelInfo{Kind: "generator", Name: name, Path: path}
	g, err := model.ReadGGUF(path)
	if err != nil {
		mi.Detail = err.Error()
		return mi
	}
	ctx := llm.DefaultCtx
	if g.ContextTrain > 0 {
		ctx = min(ctx, g.ContextTrain)
	}
	mi.DiskBytes, mi.MemoryBytes = g.FileBytes, g.MemoryBytes(ctx)
	mi.Detail = fmt.Sprintf("%s, %d layers; KV cache %s at %d tokens", g.Arch, g.Layers, megabytes(g.KVCacheBytes(ctx)), ctx)
	if !g.ChatTemplate {
		mi.Detail += "; no chat template: Folio cannot use it"
	}
	return mi
}

func megabytes(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// SetActiveGenerator makes the installed generator name the one that
// writes answers (it loads on the next question).
func (a *App) SetActiveGenerator(name string) error {
	return a.useEngine(func(e *engine.Engine) error {
		if err := model.SetActiveGenerator(e.Status().DataDir, name); err != nil {
			return err
		}
		return e.ReloadLocalGenerator()
	})
}

// SetActiveEmbedder makes the embedding model name (installed in the
// library, else bundled) the one searches use: the library is embedded
// again with it in the background, as an indexing run (EventProgress with
// phase "re-embedding" and a line "Re-embedding with <model>: 1,234 of
// 5,000 passages"; EventIndexed at the end; CancelIndexing stops it, and
// choosing the model again, or the next start, resumes it). Searches keep
// using the current model until every passage is embedded.
func (a *App) SetActiveEmbedder(name string) error {
	return a.useEngine(func(e *engine.Engine) error {
		dir, ok := model.EmbedderPath(e.Status().DataDir, name)
		if !ok {
			return fmt.Errorf("no embedding model named %q is installed or bundled", name)
		}
		if busy := e.Reembedding(); busy != "" {
			return fmt.Errorf("the library is already being re-embedded with %s; cancel it first", busy)
		}
		return a.start([]string{dir}, func(ctx context.Context, paths []string, progress func(core.Progress)) (engine.IndexReport, error) {
			rep := engine.IndexReport{Errors: []engine.FileError{}, Reembedded: name}
			start := time.Now()
			n, err := e.UseEmbedder(ctx, paths[0], progress)
			rep.ChunksEmbedded, rep.Canceled = n, errors.Is(err, context.Canceled)
			rep.Seconds = time.Since(start).Seconds()
			return rep, err
		})
	})
}

// resumeReembedding restarts a re-embedding a restart interrupted.
func (a *App) resumeReembedding(e *engine.Engine) {
	name, err := e.PendingEmbedder()
	if err != nil || name == "" {
		return
	}
	if err := a.SetActiveEmbedder(name); err != nil {
		slog.Warn("the re-embedding cut short by the last exit cannot resume", "model", name, "err", err)
	}
}

// SetGeneration turns the built-in generator on or off (saved).
func (a *App) SetGeneration(on bool) error {
	return a.useEngine(func(e *engine.Engine) error { return e.SetLocalGeneration(on) })
}

// importMu lets one import run at a time.
var importMu sync.Mutex

// ImportModelFile installs the model at path: a GGUF file becomes the
// active generator, a folder an embedding model (SetActiveEmbedder
// switches the library to it). Copying a file
// reports EventModelImport. It returns what it did, for the window to say.
// The error names the file and the reason (not a GGUF model, cut short,
// a folder without a model's files, …); nothing installed before is lost.
func (a *App) ImportModelFile(path string) (string, error) {
	return withEngine(a, func(e *engine.Engine) (string, error) {
		if !importMu.TryLock() {
			return "", errors.New("another model is being imported; wait for it to finish")
		}
		defer importMu.Unlock()
		ctx, cancel := a.untilShutdown()
		defer cancel()
		data := e.Status().DataDir
		if st, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("import %s: %w", path, err)
		} else if st.IsDir() {
			dest, err := model.Install(ctx, path, data, "")
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("Installed the embedding model %s. Choose \"Use for search\" to embed the library again with it.", filepath.Base(dest)), nil
		}
		base := filepath.Base(path)
		if !strings.EqualFold(filepath.Ext(path), ".gguf") {
			if err := model.CheckGGUF(path); err != nil {
				return "", fmt.Errorf("%s is not a model Folio can import: choose a GGUF file (.gguf) or an embedding model's folder (%w)", base, err)
			}
		}
		dest, err := model.InstallGGUFProgress(ctx, path, data, "", func(done, total int64) {
			a.emit(EventModelImport, ModelImport{File: base, Done: done, Total: total})
		})
		if err != nil {
			return "", err
		}
		if err := e.ReloadLocalGenerator(); err != nil {
			return "", fmt.Errorf("installed %s, but it cannot write answers: %w", base, err)
		}
		name := strings.TrimSuffix(filepath.Base(dest), ".gguf")
		if !llm.Available {
			return fmt.Sprintf("Installed %s. This build of Folio has no built-in generator, so answers stay extracted.", name), nil
		}
		return fmt.Sprintf("Installed %s; it writes the answers from now on.", name), nil
	})
}

// ImportModel opens the native file dialog for a GGUF model and installs
// the chosen file (ImportModelFile). It returns "" when the person
// cancels.
func (a *App) ImportModel() (string, error) {
	return a.importPicked(false)
}

// ImportModelFolder opens the native folder dialog for an embedding model
// folder and installs it (ImportModelFile). It returns "" when the person
// cancels.
func (a *App) ImportModelFolder() (string, error) {
	return a.importPicked(true)
}

func (a *App) importPicked(folder bool) (string, error) {
	if a.Locked() {
		return "", ErrLocked
	}
	if a.pickModel == nil {
		return "", errors.New("no file dialog in this build")
	}
	p, err := a.pickModel(folder)
	if err != nil || p == "" {
		return "", err
	}
	return a.ImportModelFile(p)
}

// RemoveModel deletes an installed model: a generator (the next one
// installed, if any, takes over) or an embedding model that is not the
// one in use.
func (a *App) RemoveModel(kind, name string) error {
	return a.useEngine(func(e *engine.Engine) error {
		data := e.Status().DataDir
		switch kind {
		case "generator":
			if err := model.RemoveGenerator(data, name); err != nil {
				return err
			}
			return e.ReloadLocalGenerator()
		case "embedding":
			return model.RemoveEmbedder(data, name)
		}
		return fmt.Errorf("a %s model is not installed in the library; it is given when Folio starts", kind)
	})
}

// modelLoads receives the generator's loading progress (llm.go passes it
// every generator's Options.OnLoad); nil: nobody listens.
var modelLoads atomic.Pointer[func(ModelLoad)]

// followModelLoads sends the generator's loading progress to the window
// as EventModelLoad.
func (a *App) followModelLoads() {
	fn := func(l ModelLoad) { a.emit(EventModelLoad, l) }
	modelLoads.Store(&fn)
}

// reportModelLoad passes one step of a model's loading to the listener.
func reportModelLoad(name string, fraction float64) {
	if fn := modelLoads.Load(); fn != nil {
		(*fn)(ModelLoad{Model: name, Fraction: fraction})
	}
}
