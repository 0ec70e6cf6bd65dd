package encoder

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"folio/backend/internal/testenv"
)

// TestEmbedTokens checks that EmbedTokens gives Embed's vectors, one unit
// state per wordpiece, and the wordpieces themselves.
func TestEmbedTokens(t *testing.T) {
	e, err := Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"The tenant may terminate the lease.", "Short.", "Population: about 450,000 people."}
	ctx := context.Background()
	want, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.EmbedTokens(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		for j := range g.Vec {
			if d := math.Abs(float64(g.Vec[j] - want[i][j])); d > 1e-5 {
				t.Fatalf("text %d: vec[%d] = %v, Embed gives %v", i, j, g.Vec[j], want[i][j])
			}
		}
		if n := len(e.Tokenize(strings.ToLower(texts[i]))) - 2; len(g.Pieces) != n || len(g.States) != n {
			t.Errorf("text %d: %d pieces, %d states, want %d", i, len(g.Pieces), len(g.States), n)
		}
		for k, s := range g.States {
			var ss float64
			for _, v := range s {
				ss += float64(v) * float64(v)
			}
			if math.Abs(ss-1) > 1e-4 {
				t.Errorf("text %d: state %d has norm² %v", i, k, ss)
			}
		}
	}
	if got := strings.Join(got[0].Pieces, " "); got != "the tenant may terminate the lease ." {
		t.Errorf("pieces %q", got)
	}
}

// BenchmarkEmbedTokens compares EmbedTokens with Embed on the same 40
// sentences (a typical answer's candidates): ratio is EmbedTokens' time
// over Embed's, measured in the same run.
func BenchmarkEmbedTokens(b *testing.B) {
	e, err := Open(testenv.Model(b))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for i := range 40 {
		texts = append(texts, strings.Repeat("The tenant may terminate the lease after twelve months by giving notice. ", 1+i%3))
	}
	ctx := context.Background()
	var ref, tok float64
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := e.EmbedTokens(ctx, texts); err != nil {
			b.Fatal(err)
		}
		ref += t1.Sub(t0).Seconds()
		tok += time.Since(t1).Seconds()
	}
	b.ReportMetric(tok/ref, "ratio")
}
