// Package sharedtest locates the shared test corpus (the "shared" folder next
// to the repository root, or $FOLIO_SHARED) for the parser tests.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data folder, or skips t with a clear message when
// it is missing.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FOLIO_SHARED"); d != "" {
		if _, err := os.Stat(d); err == nil {
			return d
		}
		t.Skipf("FOLIO_SHARED=%s does not exist; skipping test that needs the shared corpus", d)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("no working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			if _, err := os.Stat(shared); err == nil {
				return shared
			}
			t.Skipf("shared corpus not found at %s (set FOLIO_SHARED); skipping", shared)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found; set FOLIO_SHARED to run this test")
		}
		dir = parent
	}
}

// File returns the path of rel inside the shared folder, or skips t when the
// file is missing.
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test file %s missing; skipping", p)
	}
	return p
}
