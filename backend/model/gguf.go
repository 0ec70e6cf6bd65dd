package model

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GeneratorsDir, under <dataDir>/models, holds generator models: GGUF files
// the built-in generator (package llm) runs.
const GeneratorsDir = "generators"

// activeGeneratorFile, inside GeneratorsDir, names the active generator.
const activeGeneratorFile = "active"

// CheckGGUF checks that path is a GGUF file of version 2 or 3; the error
// names the file and the reason.
func CheckGGUF(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("model: %s is not a file", path)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("model: %s: too short to be a GGUF model", path)
	}
	if string(head[:4]) != "GGUF" {
		return fmt.Errorf("model: %s: not a GGUF model file", path)
	}
	if v := binary.LittleEndian.Uint32(head[4:]); v < 2 || v > 3 {
		return fmt.Errorf("model: %s: GGUF version %d; Folio reads versions 2 and 3", path, v)
	}
	return nil
}

// InstallGGUF copies the GGUF model file src into
// <dataDir>/models/generators/<name>.gguf (through a temporary file and a
// rename, replacing an earlier install of that name) and makes it the
// active generator. An empty name is the file's name without .gguf. It
// returns the installed file.
func InstallGGUF(ctx context.Context, src, dataDir, name string) (string, error) {
	return InstallGGUFProgress(ctx, src, dataDir, name, nil)
}

// InstallGGUFProgress is InstallGGUF reporting the bytes copied so far
// (progress may be nil). The file's header is read first (ReadGGUF: a
// file that is not a GGUF model, or is cut short, is refused before
// anything is copied) and the copy's size is checked against the file's.
func InstallGGUFProgress(ctx context.Context, src, dataDir, name string, progress func(done, total int64)) (string, error) {
	info, err := ReadGGUF(src)
	if err != nil {
		return "", err
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	}
	if err := checkName(name); err != nil {
		return "", err
	}
	root := filepath.Join(dataDir, ModelsDir, GeneratorsDir)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("model: install: %w", err)
	}
	dest := filepath.Join(root, name+".gguf")
	if !samePath(src, dest) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		tmp, err := os.CreateTemp(root, ".install-"+name+"-")
		if err != nil {
			return "", fmt.Errorf("model: install: %w", err)
		}
		tmp.Close()
		defer os.Remove(tmp.Name()) // gone after a successful rename
		if err := copyFileProgress(ctx, src, tmp.Name(), info.FileBytes, progress); err != nil {
			return "", fmt.Errorf("model: install %s: %w", name, err)
		}
		if err := os.Rename(tmp.Name(), dest); err != nil {
			return "", fmt.Errorf("model: install: %w", err)
		}
	}
	if err := writeFileAtomic(filepath.Join(root, activeGeneratorFile), []byte(name+"\n")); err != nil {
		return dest, err
	}
	return dest, nil
}

// ActiveGenerator returns the active generator model file: the one named
// in <dataDir>/models/generators/active (installed in the library, else
// bundled), else the first installed GGUF file by name, else the first
// bundled one (SystemDir). ok is false when none is installed or bundled.
func ActiveGenerator(dataDir string) (path string, ok bool) {
	root := filepath.Join(dataDir, ModelsDir, GeneratorsDir)
	if b, err := os.ReadFile(filepath.Join(root, activeGeneratorFile)); err == nil {
		name := strings.TrimSpace(string(b))
		if checkName(name) == nil {
			p := filepath.Join(root, name+".gguf")
			if CheckGGUF(p) == nil {
				return p, true
			}
			if sys := SystemDir(); sys != "" {
				if p := SystemGeneratorPath(name); CheckGGUF(p) == nil {
					return p, true
				}
			}
		}
	}
	list, _ := filepath.Glob(filepath.Join(root, "*.gguf"))
	sort.Strings(list)
	for _, p := range list {
		if CheckGGUF(p) == nil {
			return p, true
		}
	}
	if names := systemGenerators(SystemDir()); len(names) > 0 {
		return SystemGeneratorPath(names[0]), true
	}
	return "", false
}
