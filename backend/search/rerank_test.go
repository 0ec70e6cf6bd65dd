package search

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/model/modeltest"
)

func TestCrossEncoder(t *testing.T) {
	dir := t.TempDir()
	for _, labels := range []int{1, 2, 3} {
		d := filepath.Join(dir, strings.Repeat("l", labels))
		if _, err := modeltest.Write(d, modeltest.Tiny{Seed: 3, Labels: labels}); err != nil {
			t.Fatal(err)
		}
		x, err := OpenCrossEncoder(d)
		if labels == 3 {
			if err == nil || !strings.Contains(err.Error(), "3 outputs") {
				t.Errorf("a 3-label classifier: err = %v, want one naming its 3 outputs", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d labels: %v", labels, err)
		}
		passages := []string{"the cat sat on the mat", "hello world", "the dog runs"}
		got, err := x.Rerank(context.Background(), "the cat", passages)
		if err != nil || len(got) != len(passages) {
			t.Fatalf("%d labels: Rerank = %v, %v", labels, got, err)
		}
		// The same pair scores the same alone and in a batch, and
		// different passages score differently.
		one, _ := x.Rerank(context.Background(), "the cat", passages[1:2])
		if d := one[0] - got[1]; d > 1e-4 || d < -1e-4 || got[0] == got[1] {
			t.Errorf("%d labels: scores %v, alone %v", labels, got, one)
		}
	}
	if _, err := OpenCrossEncoder(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder opened")
	}
}
