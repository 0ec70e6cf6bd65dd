package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEmbedder is the folder name of the default embedding model
// (sentence-transformers/all-MiniLM-L6-v2) under <dataDir>/models.
const DefaultEmbedder = "all-MiniLM-L6-v2"

// ModelsDir is the folder under the data directory that holds models.
const ModelsDir = "models"

// activeFile, inside <dataDir>/models, names the active embedder.
const activeFile = "active"

// ErrPytorchUnsupported is wrapped when a pytorch_model.bin is in a form
// Folio does not read: the legacy (pre-1.6) torch.save format, a pickle
// using more than a state dict's opcodes and globals, or a non-contiguous or
// big-endian tensor. The error names the file; converting it to
// model.safetensors always works.
var ErrPytorchUnsupported = errors.New("unsupported pytorch_model.bin")

// ErrMissingFile is wrapped when a model folder lacks a required file.
var ErrMissingFile = errors.New("model folder is missing a required file")

// Validate checks that dir looks like a usable model folder: config.json,
// vocab.txt, and model.safetensors or pytorch_model.bin. The error names the
// missing file.
func Validate(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("model: %s is not a folder", dir)
	}
	for _, f := range []string{ConfigFile, VocabFile} {
		if !isFile(filepath.Join(dir, f)) {
			return fmt.Errorf("model: %s: no %s: %w", dir, f, ErrMissingFile)
		}
	}
	if isFile(filepath.Join(dir, SafetensorsFile)) {
		return nil
	}
	if p := filepath.Join(dir, PytorchFile); isFile(p) {
		return checkPytorchHead(p)
	}
	return fmt.Errorf("model: %s: no weights (%s or %s): %w", dir, SafetensorsFile, PytorchFile, ErrMissingFile)
}

// checkPytorchHead refuses a pytorch_model.bin in the legacy torch.save
// format up front, so a folder that cannot be opened is not installed.
func checkPytorchHead(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("model: read %s: %w", path, err)
	}
	if isLegacyPytorch(head[:n]) {
		return fmt.Errorf("model: %s: legacy PyTorch format (torch.save before PyTorch 1.6, or with _use_new_zipfile_serialization=False); convert it to %s: %w",
			path, SafetensorsFile, ErrPytorchUnsupported)
	}
	return nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Size() > 0
}

// Weights is a source of named float32 tensors.
type Weights interface {
	// Float32 returns a tensor's values (row-major) and shape.
	Float32(name string) ([]float32, []int, error)
	// Names lists every tensor name.
	Names() []string
	Close() error
}

// OpenWeights opens the weights of the model folder dir: model.safetensors
// when present, else pytorch_model.bin.
func OpenWeights(dir string) (Weights, error) {
	p := filepath.Join(dir, SafetensorsFile)
	if isFile(p) {
		return OpenSafetensors(p)
	}
	if p := filepath.Join(dir, PytorchFile); isFile(p) {
		return OpenPytorch(p)
	}
	return nil, fmt.Errorf("model: %s: no weights (%s or %s): %w", dir, SafetensorsFile, PytorchFile, ErrMissingFile)
}

// NameFor is the install name Install uses when none is given: the folder's
// base name, or its parent's when the folder is called "model".
func NameFor(srcDir string) string {
	abs, err := filepath.Abs(srcDir)
	if err != nil {
		abs = filepath.Clean(srcDir)
	}
	name := filepath.Base(abs)
	if name == "model" {
		if p := filepath.Base(filepath.Dir(abs)); p != "/" && p != "." && p != "" {
			name = p
		}
	}
	return name
}

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || name == activeFile ||
		strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("model: bad model name %q", name)
	}
	return nil
}

// Install copies the model folder srcDir into <dataDir>/models/<name>
// (through a temporary folder and a rename, replacing an existing install of
// that name) and makes it the active embedder. An empty name means NameFor(srcDir).
// It returns the installed folder.
func Install(ctx context.Context, srcDir, dataDir, name string) (string, error) {
	if err := Validate(srcDir); err != nil {
		return "", err
	}
	if name == "" {
		name = NameFor(srcDir)
	}
	if err := checkName(name); err != nil {
		return "", err
	}
	root := filepath.Join(dataDir, ModelsDir)
	// Private like the rest of the data folder (which this may create).
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("model: install: %w", err)
	}
	dest := filepath.Join(root, name)
	if samePath(srcDir, dest) {
		return dest, SetActive(dataDir, name)
	}
	tmp, err := os.MkdirTemp(root, ".install-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("model: install: %w", err)
	}
	defer os.RemoveAll(tmp) // gone after a successful rename
	if err := copyTree(ctx, srcDir, tmp); err != nil {
		return "", fmt.Errorf("model: install %s: %w", name, err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		return "", fmt.Errorf("model: install: %w", err)
	}
	if _, err := os.Lstat(dest); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return "", fmt.Errorf("model: install: move old %s aside: %w", name, err)
		}
		defer os.RemoveAll(old)
		if err := os.Rename(tmp, dest); err != nil {
			_ = os.Rename(old, dest) // put the old install back
			return "", fmt.Errorf("model: install: %w", err)
		}
	} else if err := os.Rename(tmp, dest); err != nil {
		return "", fmt.Errorf("model: install: %w", err)
	}
	if err := SetActive(dataDir, name); err != nil {
		return dest, err
	}
	return dest, nil
}

func samePath(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// copyTree copies regular files and folders from src into the existing dst,
// checking ctx between files. Symlinks are followed; other special files and
// dot-folders such as .git are skipped.
func copyTree(ctx context.Context, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		st, err := os.Stat(p) // follows symlinks (HF cache snapshots are links)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return nil
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SetActive records name as the active embedder (<dataDir>/models/active,
// written temp-then-rename). The model must be installed in the library,
// or else bundled (SystemDir).
func SetActive(dataDir, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	root := filepath.Join(dataDir, ModelsDir)
	if err := Validate(filepath.Join(root, name)); err != nil {
		if _, ok := systemEmbedder(name); !ok {
			return err
		}
		if err := os.MkdirAll(root, 0o700); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(root, activeFile), []byte(name+"\n"))
}

// Active returns the folder of the active embedder: the one named in
// <dataDir>/models/active (installed in the library, else bundled), else
// <dataDir>/models/all-MiniLM-L6-v2 when present, else the bundled one
// (SystemDir: all-MiniLM-L6-v2, or the first by name). ok is false when no
// usable model is installed or bundled.
func Active(dataDir string) (dir string, ok bool) {
	root := filepath.Join(dataDir, ModelsDir)
	if b, err := os.ReadFile(filepath.Join(root, activeFile)); err == nil {
		name := strings.TrimSpace(string(b))
		if checkName(name) == nil {
			d := filepath.Join(root, name)
			if Validate(d) == nil {
				return d, true
			}
			if d, ok := systemEmbedder(name); ok {
				return d, true
			}
		}
	}
	d := filepath.Join(root, DefaultEmbedder)
	if Validate(d) == nil {
		return d, true
	}
	return systemEmbedder("")
}
