package engine

import (
	"context"
	"fmt"
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
	if g, err := e.startLocalGenerator(); err != nil {
		e.log.Warn("built-in generator off", "err", err)
	} else {
		e.setLocal(g)
	}
}

// startLocalGenerator starts the built-in generator openLocalGenerator
// describes; nil (and no error) when there is none to start: NoGenerate,
// the person turned it off (SetLocalGeneration), no model installed, or no
// runtime in this binary.
func (e *Engine) startLocalGenerator() (LocalGenerator, error) {
	if e.cfg.NoGenerate || !e.LocalGeneration() {
		return nil, nil
	}
	localMu.Lock()
	open := openLocal
	localMu.Unlock()
	path := e.cfg.GeneratorModel
	if path == "" {
		p, ok := model.ActiveGenerator(e.cfg.DataDir)
		if !ok {
			return nil, nil
		}
		path = p
	}
	if open == nil {
		e.log.Info("a generator model is installed but this binary has no built-in generator", "model", path)
		return nil, nil
	}
	g, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// localGen is the built-in generator in use, or nil.
func (e *Engine) localGen() LocalGenerator {
	e.localMu.Lock()
	defer e.localMu.Unlock()
	return e.local
}

// setLocal makes g the built-in generator and closes the one before (once
// the answer it may be writing ends).
func (e *Engine) setLocal(g LocalGenerator) {
	e.localMu.Lock()
	old := e.local
	e.local = g
	e.localMu.Unlock()
	if old != nil {
		go func() {
			if err := old.Close(); err != nil {
				e.log.Warn("closing the generator model", "model", old.Model(), "err", err)
			}
		}()
	}
}

// localGenerationSetting, in the store, is "off" when the person turned
// the built-in generator off.
const localGenerationSetting = "local-generation"

// LocalGeneration reports whether the built-in generator writes answers
// when a generator model is installed (on unless the person turned it
// off).
func (e *Engine) LocalGeneration() bool {
	v, err := e.store.Setting(localGenerationSetting)
	return err != nil || string(v) != "off"
}

// SetLocalGeneration turns the built-in generator on or off, saved in the
// library, and starts or stops it.
func (e *Engine) SetLocalGeneration(on bool) error {
	v := "on"
	if !on {
		v = "off"
	}
	if err := e.store.SetSetting(localGenerationSetting, []byte(v)); err != nil {
		return err
	}
	return e.ReloadLocalGenerator()
}

// ReloadLocalGenerator starts the built-in generator again on the model
// now active in the library (after one is installed, chosen or removed),
// or stops it when there is none or it is off. The model loads on first
// use.
func (e *Engine) ReloadLocalGenerator() error {
	g, err := e.startLocalGenerator()
	if err != nil {
		e.setLocal(nil)
		return err
	}
	e.setLocal(g)
	return nil
}

// AnswerModels are the model folders given for this run (Config.Reranker,
// Config.Reader), "" when none.
func (e *Engine) AnswerModels() (reranker, reader string) {
	return e.cfg.Reranker, e.cfg.Reader
}

// LocalModel names the built-in generator's model, or "" when there is none.
func (e *Engine) LocalModel() string {
	if g := e.localGen(); g != nil {
		return g.Model()
	}
	return ""
}
