package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/backend/engine"
	"folio/backend/llm"
)

// The built-in generator: package llm (llama.cpp) writes the answers when a
// GGUF model is installed. FOLIO_GENERATOR_IDLE (a Go duration, such as
// "2m"; "-1s" never) sets how long the model stays loaded unused.
func init() {
	if !llm.Available {
		return
	}
	var opts llm.Options
	if d, err := time.ParseDuration(os.Getenv("FOLIO_GENERATOR_IDLE")); err == nil {
		opts.Idle = d
	}
	engine.RegisterLocalGenerator(func(path string) (engine.LocalGenerator, error) {
		o := opts
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		o.OnLoad = func(f float64) { reportModelLoad(name, f) }
		g, err := llm.New(path, o)
		if err != nil {
			return nil, err
		}
		return g, nil
	})
}
