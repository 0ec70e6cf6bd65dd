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
	rep, err := Embedding(context.Background(), EmbeddingConfig{Data: data, ModelDir: dir, Docs: 20, Busy: 1})
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
	if rep.CPU == "" || rep.Gemm.Backend != rep.Backend || rep.Gemm.Kernel == "" || rep.Gemm.Reason == "" {
		t.Errorf("CPU %q, GEMM %+v; want the CPU named and the backend, kernel and reason given", rep.CPU, rep.Gemm)
	}
	if rep.Busy != 0 || rep.CPUMsPerChunk <= 0 {
		t.Errorf("first round: busy %d, %.2f CPU-ms per chunk; want 0 busy and positive CPU time", rep.Busy, rep.CPUMsPerChunk)
	}
	l := rep.Loaded
	if l == nil {
		t.Fatal("no round beside the busy process")
	}
	if l.Busy != 1 || l.ChunksPerSec <= 0 || l.CPUMsPerChunk <= 0 || l.GemmGFLOPS <= 0 || l.Reference != nil {
		t.Errorf("loaded round %+v; want busy 1, positive figures, no reference", *l)
	}
}

// TestEmbeddingRejectsNegativeBusy: a negative count of busy processes is
// an error, not a silent idle run.
func TestEmbeddingRejectsNegativeBusy(t *testing.T) {
	if _, err := Embedding(context.Background(), EmbeddingConfig{Data: t.TempDir(), ModelDir: t.TempDir(), Busy: -1}); err == nil {
		t.Error("Busy -1: no error")
	}
}
