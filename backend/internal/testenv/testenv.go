// Package testenv finds what tests need outside the repository: the shared
// evaluation data (../shared next to the repository root, or
// $FOLIO_SHARED) and the real embedding model ($FOLIO_TEST_MODEL, or
// .cache/models/all-MiniLM-L6-v2 in the repository). Tests that need them
// skip with a clear message when they are missing.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// RepoRoot returns the folder holding go.mod, walking up from the current
// directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// Shared returns the shared data folder, or skips the test.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("FOLIO_SHARED")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Skipf("shared data not found at %s (set FOLIO_SHARED): skipping", dir)
	}
	return dir
}

// SharedFile returns a file under the shared data folder, or skips.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Shared(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found: skipping", p)
	}
	return p
}

// Model returns the real all-MiniLM-L6-v2 folder, or skips the test.
func Model(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("FOLIO_TEST_MODEL")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), ".cache", "models", "all-MiniLM-L6-v2")
	}
	for _, f := range []string{"config.json", "vocab.txt", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("real model not found at %s (no %s): run `make model-test` or set FOLIO_TEST_MODEL: skipping", dir, f)
		}
	}
	return dir
}

// Paragraphs returns n paragraphs of distinct made-up words ("p3w0 p3w1
// …."), of uneven lengths (3 to 13 words), so no two chunks of them can
// have the same text.
func Paragraphs(n int) []string {
	out := make([]string, n)
	for i := range out {
		words := make([]string, 3+(i*7)%11)
		for j := range words {
			words[j] = fmt.Sprintf("p%dw%d", i, j)
		}
		out[i] = strings.Join(words, " ") + "."
	}
	return out
}

// Squash drops all white space, so texts compare ignoring it.
func Squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// NonSpace counts the characters of s that are not white space.
func NonSpace(s string) int { return len([]rune(Squash(s))) }

// LLM returns the generator tests' GGUF model (SmolLM2-135M-Instruct Q4_1:
// $FOLIO_TEST_LLM, or .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf in the
// repository), or skips the test.
func LLM(t testing.TB) string {
	t.Helper()
	p := os.Getenv("FOLIO_TEST_LLM")
	if p == "" {
		p = filepath.Join(RepoRoot(t), ".cache", "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
	}
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Skipf("generator test model not found at %s: run `make model-llm` or set FOLIO_TEST_LLM: skipping", p)
	}
	return p
}

// OutsideRace skips a test under the race detector when the race detector
// has nothing to watch in it: the test runs a built binary (built without
// the detector) or spends its time in C. make test runs every test a second
// time without -race, and these run there, once.
func OutsideRace(t testing.TB, why string) {
	t.Helper()
	if Race {
		t.Skipf("%s: the race detector sees nothing there; make test runs it in its pass without -race", why)
	}
}
