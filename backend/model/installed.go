package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Installed lists what is installed under <dataDir>/models: the embedding
// model folders (each one Validate accepts) and the generator files
// (*.gguf under GeneratorsDir that CheckGGUF accepts), by name, and which
// of each is active ("" when none).
//
// The bundled models (SystemDir) a library model of the same name does not
// hide are listed apart; ActiveEmbedderPath and ActiveGeneratorPath tell
// whether the active one is installed or bundled.
type Installed struct {
	Embedders       []string
	ActiveEmbedder  string
	Generators      []string
	ActiveGenerator string

	BundledEmbedders    []string
	BundledGenerators   []string
	ActiveEmbedderPath  string
	ActiveGeneratorPath string
}

// List reads what is installed in dataDir. A missing models folder is an
// empty list, not an error.
func List(dataDir string) (Installed, error) {
	var in Installed
	root := filepath.Join(dataDir, ModelsDir)
	ents, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return in, fmt.Errorf("model: list %s: %w", root, err)
	}
	for _, e := range ents {
		if checkName(e.Name()) != nil || e.Name() == GeneratorsDir {
			continue
		}
		if Validate(filepath.Join(root, e.Name())) == nil {
			in.Embedders = append(in.Embedders, e.Name())
		}
	}
	if d, ok := Active(dataDir); ok {
		in.ActiveEmbedder, in.ActiveEmbedderPath = filepath.Base(d), d
	}
	list, _ := filepath.Glob(filepath.Join(root, GeneratorsDir, "*.gguf"))
	sort.Strings(list)
	for _, p := range list {
		if CheckGGUF(p) == nil {
			in.Generators = append(in.Generators, strings.TrimSuffix(filepath.Base(p), ".gguf"))
		}
	}
	if p, ok := ActiveGenerator(dataDir); ok {
		in.ActiveGenerator, in.ActiveGeneratorPath = strings.TrimSuffix(filepath.Base(p), ".gguf"), p
	}
	sys := SystemDir()
	for _, n := range systemEmbedders(sys) {
		if !slices.Contains(in.Embedders, n) {
			in.BundledEmbedders = append(in.BundledEmbedders, n)
		}
	}
	for _, n := range systemGenerators(sys) {
		if !slices.Contains(in.Generators, n) {
			in.BundledGenerators = append(in.BundledGenerators, n)
		}
	}
	return in, nil
}

// GeneratorPath is the file of the installed generator name.
func GeneratorPath(dataDir, name string) string {
	return filepath.Join(dataDir, ModelsDir, GeneratorsDir, name+".gguf")
}

// SetActiveGenerator records name, an installed (or else bundled)
// generator, as the active one (written temp-then-rename).
func SetActiveGenerator(dataDir, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := CheckGGUF(GeneratorPath(dataDir, name)); err != nil {
		if SystemDir() == "" || CheckGGUF(SystemGeneratorPath(name)) != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dataDir, ModelsDir, GeneratorsDir), 0o700); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return writeFileAtomic(filepath.Join(dataDir, ModelsDir, GeneratorsDir, activeGeneratorFile), []byte(name+"\n"))
}

// RemoveGenerator deletes the installed generator name. When it was the
// active one, the record goes too, so ActiveGenerator falls back to the
// first one left (or none).
func RemoveGenerator(dataDir, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	p := GeneratorPath(dataDir, name)
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("model: no generator %q is installed", name)
	}
	active, _ := ActiveGenerator(dataDir)
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("model: remove %s: %w", p, err)
	}
	if active == p {
		if err := os.Remove(filepath.Join(dataDir, ModelsDir, GeneratorsDir, activeGeneratorFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("model: remove: %w", err)
		}
	}
	return nil
}

// RemoveEmbedder deletes the installed embedding model folder name. The
// active one is refused: the library's vectors come from it.
func RemoveEmbedder(dataDir, name string) error {
	if err := checkName(name); err != nil || name == GeneratorsDir {
		return fmt.Errorf("model: bad model name %q", name)
	}
	dir := filepath.Join(dataDir, ModelsDir, name)
	if Validate(dir) != nil {
		return fmt.Errorf("model: no embedding model %q is installed", name)
	}
	if d, ok := Active(dataDir); ok && samePath(d, dir) {
		return fmt.Errorf("model: %s is the embedding model the library's vectors come from; install or choose another before removing it", name)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("model: remove %s: %w", dir, err)
	}
	return nil
}

// copyFileProgress copies src to dst as copyFile does, checking ctx and
// reporting the bytes copied every 4 MB and at the end (progress may be
// nil), and fails unless it copied exactly want bytes.
func copyFileProgress(ctx context.Context, src, dst string, want int64, progress func(done, total int64)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	fail := func(err error) error { out.Close(); return err }
	buf := make([]byte, 4<<20)
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		n, rerr := in.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				return fail(err)
			}
			done += int64(n)
			if progress != nil {
				progress(done, want)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
	if done != want {
		return fail(fmt.Errorf("%s: copied %d bytes but the file had %d (it changed while being copied?)", src, done, want))
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	return out.Close()
}
