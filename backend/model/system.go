package model

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultSystemDir is where a packaged Folio's bundled models are
// installed (the .deb puts all-MiniLM-L6-v2 and the SmolLM2 GGUF there).
const DefaultSystemDir = "/usr/share/folio/models"

// SystemDirEnv overrides DefaultSystemDir; set to "" it turns the bundled
// models off (tests that need a library with no model set it so).
const SystemDirEnv = "FOLIO_SYSTEM_MODELS"

// SystemDir is the read-only folder of bundled ("system") models:
// $FOLIO_SYSTEM_MODELS when set (even to "", which means none), else
// DefaultSystemDir. It holds embedding model folders (each one Validate
// accepts) and generator files (*.gguf that CheckGGUF accepts) side by
// side. Folio never writes into it.
//
// The library's own models come first: Active and ActiveGenerator consult
// the system folder only when the library names no usable model of that
// kind, and a library model hides a bundled one of the same name.
func SystemDir() string {
	if d, ok := os.LookupEnv(SystemDirEnv); ok {
		return d
	}
	return DefaultSystemDir
}

// systemEmbedder is the bundled embedding model folder name, or the
// default one (or the first by name) when name is "".
func systemEmbedder(name string) (string, bool) {
	sys := SystemDir()
	if sys == "" {
		return "", false
	}
	if name != "" {
		d := filepath.Join(sys, name)
		if checkName(name) == nil && Validate(d) == nil {
			return d, true
		}
		return "", false
	}
	if d := filepath.Join(sys, DefaultEmbedder); Validate(d) == nil {
		return d, true
	}
	if names := systemEmbedders(sys); len(names) > 0 {
		return filepath.Join(sys, names[0]), true
	}
	return "", false
}

// systemEmbedders lists the bundled embedding model folders, by name.
func systemEmbedders(sys string) []string {
	if sys == "" {
		return nil
	}
	ents, _ := os.ReadDir(sys)
	var out []string
	for _, e := range ents {
		if checkName(e.Name()) == nil && e.Name() != GeneratorsDir && Validate(filepath.Join(sys, e.Name())) == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// systemGenerators lists the bundled generator files' names (without
// .gguf), sorted.
func systemGenerators(sys string) []string {
	if sys == "" {
		return nil
	}
	list, _ := filepath.Glob(filepath.Join(sys, "*.gguf"))
	sort.Strings(list)
	var out []string
	for _, p := range list {
		if CheckGGUF(p) == nil {
			out = append(out, strings.TrimSuffix(filepath.Base(p), ".gguf"))
		}
	}
	return out
}

// SystemGeneratorPath is the file of the bundled generator name.
func SystemGeneratorPath(name string) string {
	return filepath.Join(SystemDir(), name+".gguf")
}

// SystemEmbedderPath is the folder of the bundled embedding model name.
func SystemEmbedderPath(name string) string {
	return filepath.Join(SystemDir(), name)
}

// EmbedderPath is the folder of the embedding model name: installed in
// the library (dataDir), else bundled. ok is false when neither holds a
// usable model of that name.
func EmbedderPath(dataDir, name string) (dir string, ok bool) {
	if checkName(name) != nil {
		return "", false
	}
	if d := filepath.Join(dataDir, ModelsDir, name); Validate(d) == nil {
		return d, true
	}
	return systemEmbedder(name)
}
