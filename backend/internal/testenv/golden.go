package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// Golden compares v, as indented JSON, with the golden file at path; with
// update set (each package's -update flag) it rewrites the file instead.
func Golden(t testing.TB, path string, v any, update bool) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the parse result (rerun with -update if the change is intended):\ngot:\n%s", path, got)
	}
}
