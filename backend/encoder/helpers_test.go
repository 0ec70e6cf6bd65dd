package encoder

import (
	"os"
	"path/filepath"
	"testing"
)

// testModelDir finds the real all-MiniLM-L6-v2 folder: $FOLIO_TEST_MODEL, or
// <repo root>/.cache/models/all-MiniLM-L6-v2. It skips the test when absent.
func testModelDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("FOLIO_TEST_MODEL")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, ".cache", "models", "all-MiniLM-L6-v2")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if dir == "" {
		t.Skip("real model not found: set FOLIO_TEST_MODEL or run scripts/fetch-test-model.sh .cache/models/all-MiniLM-L6-v2")
	}
	for _, f := range []string{"config.json", "vocab.txt", "model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("real model not found at %s (%v): set FOLIO_TEST_MODEL or run scripts/fetch-test-model.sh .cache/models/all-MiniLM-L6-v2", dir, err)
		}
	}
	return dir
}
