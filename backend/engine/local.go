package engine

import (
	"context"
	"sync"

	"folio/backend/core"
	"folio/backend/model"
)

// LocalGenerator is a model that writes answers inside Folio (package llm:
// llama.cpp). It loads its model on first use and unloads it when idle.
type LocalGenerator interface {
	Generate(ctx context.Context, question string, cits []core.Citation, history []core.Turn, onDelta func(string)) (string, error)
	// Model names the model, for "model" in answers.
	Model() string
	Close() error
}

// OpenLocalFunc starts a LocalGenerator for a GGUF model file.
type OpenLocalFunc func(path string) (LocalGenerator, error)

var (
	localMu   sync.Mutex
	openLocal OpenLocalFunc
)

// RegisterLocalGenerator makes open the way engines start the built-in
// generator. The main package registers package llm's, so that the engine
// (and its tests) need not link llama.cpp; a binary that registers none,
// or a build without the runtime, answers with extracted sentences.
func RegisterLocalGenerator(open OpenLocalFunc) {
	localMu.Lock()
	defer localMu.Unlock()
	openLocal = open
}

// openLocalGenerator starts the built-in generator on cfg.GeneratorModel, or
// on the generator model installed in the library, unless NoGenerate is
// set. A model that cannot be started is logged and left out: answers are
// then extracted.
func (e *Engine) openLocalGenerator() {
	if e.cfg.NoGenerate {
		return
	}
	localMu.Lock()
	open := openLocal
	localMu.Unlock()
	path := e.cfg.GeneratorModel
	if path == "" {
		p, ok := model.ActiveGenerator(e.cfg.DataDir)
		if !ok {
			return
		}
		path = p
	}
	if open == nil {
		e.log.Info("a generator model is installed but this binary has no built-in generator", "model", path)
		return
	}
	g, err := open(path)
	if err != nil {
		e.log.Warn("built-in generator off", "model", path, "err", err)
		return
	}
	e.local = g
}

// LocalModel names the built-in generator's model, or "" when there is none.
func (e *Engine) LocalModel() string {
	if e.local == nil {
		return ""
	}
	return e.local.Model()
}
