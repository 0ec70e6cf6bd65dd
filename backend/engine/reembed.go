package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"folio/backend/answer"
	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/index"
	"folio/backend/library"
	"folio/backend/model"
	"folio/backend/search"
	"folio/backend/store"
)

// reembedState names the model a re-embedding runs with.
type reembedState struct {
	mu   sync.Mutex
	name string
}

// openEmbedder opens the embedding model UseEmbedder switches to (tests
// wrap it).
var openEmbedder = func(dir string) (Embedder, error) { return encoder.Open(dir) }

// dense returns the searcher and composer of the current embedding model:
// a question's vector and the composer's sentence vectors come from one
// model even if a re-embedding completes meanwhile.
func (e *Engine) dense() (*search.Searcher, *answer.Composer) {
	e.embMu.RLock()
	defer e.embMu.RUnlock()
	return e.searcher, e.composer
}

// embedding returns the current embedding model, its name and its vector
// index (nil, "", nil without one).
func (e *Engine) embedding() (Embedder, string, *index.Vectors) {
	e.embMu.RLock()
	defer e.embMu.RUnlock()
	return e.enc, e.modelName, e.vectors
}

// Reembedding names the model a re-embedding is running with, or "".
func (e *Engine) Reembedding() string {
	e.reembed.mu.Lock()
	defer e.reembed.mu.Unlock()
	return e.reembed.name
}

// PendingEmbedder names the model of a re-embedding that a restart (or a
// cancel) interrupted, "" when none: UseEmbedder with that model resumes
// it, keeping what was already embedded.
func (e *Engine) PendingEmbedder() (string, error) {
	v, err := e.store.Setting(store.SettingReembed)
	return string(v), err
}

// UseEmbedder switches the library to the embedding model in folder dir
// (named by its folder): every passage is embedded again in the background
// of the caller, as an indexing run (progress reports
// library.PhaseReembedding, "Re-embedding with <model>: 1,234 of 5,000
// passages"; Cancel stops it, and a later UseEmbedder with the same model
// resumes where it stopped, after a restart too). Meanwhile searches keep
// using the current model and its vectors; the new vectors are staged
// apart (the HNSW index never holds two models' vectors) and, once every
// passage has one, they replace the old ones and the searches switch to
// the new model at once. When Folio picks the model from the data folder
// (Config.ModelDir unset), the model is recorded as the active one, so
// the next start opens it. It returns how many passages it embedded.
func (e *Engine) UseEmbedder(ctx context.Context, dir string, progress func(core.Progress)) (int, error) {
	if err := e.writable(); err != nil {
		return 0, err
	}
	name := filepath.Base(filepath.Clean(dir))
	pending, err := e.PendingEmbedder()
	if err != nil {
		return 0, err
	}
	if enc, current, _ := e.embedding(); enc != nil && current == name {
		if pending != "" {
			// A re-embedding to another model was abandoned.
			return 0, e.store.DropStaged()
		}
		return 0, nil
	}
	enc, err := openEmbedder(dir)
	if err != nil {
		return 0, fmt.Errorf("open embedding model %s: %w", dir, err)
	}
	e.reembed.mu.Lock()
	if e.reembed.name != "" {
		busy := e.reembed.name
		e.reembed.mu.Unlock()
		return 0, fmt.Errorf("the library is already being re-embedded with %s", busy)
	}
	e.reembed.name = name
	e.reembed.mu.Unlock()
	defer func() {
		e.reembed.mu.Lock()
		e.reembed.name = ""
		e.reembed.mu.Unlock()
	}()
	return e.lib.Reembed(ctx, enc, name, progress, func() (library.Switch, error) {
		return e.switchTo(ctx, enc, name)
	})
}

// switchTo makes the staged vectors of model name the library's and
// swaps the searches over to them. The library's indexing lock is held.
func (e *Engine) switchTo(ctx context.Context, enc Embedder, name string) (library.Switch, error) {
	if e.cfg.ModelDir == "" && !e.cfg.NoModel {
		if err := model.SetActive(e.cfg.DataDir, name); err != nil {
			return library.Switch{}, fmt.Errorf("record %s as the embedding model: %w", name, err)
		}
	}
	if _, _, old := e.embedding(); old != nil {
		// Searches keep using the old graph in memory until the swap;
		// its snapshot describes the old vectors and goes.
		if err := old.Close(); err != nil {
			e.log.Warn("save vector index snapshot", "err", err)
		}
	}
	if err := e.store.DeleteBlob(index.VectorSnapshot); err != nil {
		return library.Switch{}, err
	}
	if err := e.store.PromoteStaged(name); err != nil {
		return library.Switch{}, err
	}
	vectors, err := index.OpenVectors(ctx, e.store, index.VectorsConfig{Dim: enc.Dim(), Logger: e.log})
	if err != nil {
		return library.Switch{}, err
	}
	e.embMu.Lock()
	s, c := *e.searcher, *e.composer
	s.Vectors, s.Embed, c.Embed = vectors, enc, enc
	e.enc, e.modelName, e.vectors, e.searcher, e.composer = enc, name, vectors, &s, &c
	e.embMu.Unlock()
	e.log.Info("the library is re-embedded", "model", name, "vectors", vectors.Len())
	return library.Switch{Embed: enc, Vectors: vectors, Chunk: chunk.ForModel(enc.MaxTokens(), enc.CountTokens)}, nil
}
