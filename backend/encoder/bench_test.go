package encoder

import (
	"context"
	"testing"

	"folio/backend/internal/testenv"
)

// benchTexts are 48 full-length (256-token) chunks: the SciFact abstracts of
// testdata/embeddings_ref.json that fill the window, repeated.
// scripts/bench_sentence_transformers.py times PyTorch on the same set.
func benchTexts(b *testing.B) []string {
	var long []string
	for _, c := range loadVecRef(b) {
		if c.Tokens == 256 {
			long = append(long, c.Text)
		}
	}
	if len(long) == 0 {
		b.Fatal("no 256-token texts in testdata/embeddings_ref.json")
	}
	var texts []string
	for len(texts) < 48 {
		texts = append(texts, long...)
	}
	return texts[:48]
}

// BenchmarkEmbed256 reports chunks/s for 256-token inputs on the real model.
func BenchmarkEmbed256(b *testing.B) {
	enc, err := Open(testenv.Model(b))
	if err != nil {
		b.Fatal(err)
	}
	texts := benchTexts(b)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := enc.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(len(texts) * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "chunks/s")
	// CPU time per chunk is steadier than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/n, "cpu-ms/chunk")
}

// BenchmarkEmbedQuery is one short query, the latency a search pays.
func BenchmarkEmbedQuery(b *testing.B) {
	enc, err := Open(testenv.Model(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	q := []string{"What is the effect of IL-6 on cerebral white matter development?"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := enc.Embed(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
