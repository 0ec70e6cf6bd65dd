package evaluate

import (
	"context"
	"path/filepath"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model/modeltest"
)

// TestEmbeddingMeasures runs the embedding benchmark's measurement on a tiny
// random-weight model and 20 SciFact abstracts: every figure it prints must
// be filled in (timings are not asserted; `folio eval embed` reports them).
func TestEmbeddingMeasures(t *testing.T) {
	data := filepath.Join(testenv.Shared(t), "data")
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	rep, err := Embedding(context.Background(), EmbeddingConfig{Data: data, ModelDir: dir, Docs: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Docs != 20 || rep.ChunksPerSec <= 0 || rep.QueryP50ms <= 0 {
		t.Errorf("docs %d, %.1f chunks/s, p50 %.2f ms; want 20 docs and positive figures", rep.Docs, rep.ChunksPerSec, rep.QueryP50ms)
	}
	if rep.Backend == "" || rep.RSSPeakMB < rep.RSSLoadedMB || rep.RSSLoadedMB <= 0 {
		t.Errorf("backend %q, RSS loaded %.0f MiB, peak %.0f MiB; want a backend name and peak ≥ loaded > 0", rep.Backend, rep.RSSLoadedMB, rep.RSSPeakMB)
	}
	if rep.GemmShare <= 0 || rep.GemmShare > 1.05 || rep.GemmGFLOPS <= 0 {
		t.Errorf("GEMM share %.2f, %.1f GFLOP/s; want a share in (0, 1] and positive GFLOP/s", rep.GemmShare, rep.GemmGFLOPS)
	}
	if rep.Reference != nil {
		t.Error("reference run without a Python configured")
	}
}
