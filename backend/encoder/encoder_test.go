package encoder

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"folio/backend/internal/testenv"
)

type vecCase struct {
	Text   string    `json:"text"`
	Tokens int       `json:"tokens"`
	Vector []float32 `json:"vector"`
}

func loadVecRef(t testing.TB) []vecCase {
	b, err := os.ReadFile(filepath.Join("testdata", "embeddings_ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []vecCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Cases
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// TestVectorParity compares with sentence-transformers vectors recorded by
// scripts/gen_embedding_fixtures.py.
func TestVectorParity(t *testing.T) {
	enc, err := Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	if enc.Dim() != 384 || enc.MaxTokens() != 256 {
		t.Fatalf("Dim, MaxTokens = %d, %d, want 384, 256", enc.Dim(), enc.MaxTokens())
	}
	cases := loadVecRef(t)
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.Text
	}
	got, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	worst := 1.0
	for i, c := range cases {
		if n := len(enc.Tokenize(c.Text)); n != c.Tokens {
			t.Errorf("case %d: %d tokens, want %d", i, n, c.Tokens)
		}
		cs := cosine(got[i], c.Vector)
		worst = min(worst, cs)
		if cs < 0.9999 {
			t.Errorf("case %d %q: cosine %.6f, want ≥ 0.9999", i, trunc(c.Text), cs)
		}
		var norm float64
		for _, v := range got[i] {
			norm += float64(v) * float64(v)
		}
		if math.Abs(norm-1) > 1e-4 {
			t.Errorf("case %d: |v|² = %v, want 1", i, norm)
		}
	}
	t.Logf("worst cosine %.9f (1-cos %.2g) over %d texts", worst, 1-worst, len(cases))

	// One at a time gives the same vectors as in a batch.
	one, err := enc.Embed(context.Background(), texts[len(texts)-1:])
	if err != nil {
		t.Fatal(err)
	}
	if cs := cosine(one[0], got[len(got)-1]); cs < 0.99999 {
		t.Errorf("single vs batched cosine %.7f", cs)
	}
}

func TestEmbedConcurrentAndCancel(t *testing.T) {
	enc, err := Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"alpha beta", "gamma delta epsilon", "zeta"}
	want, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := enc.Embed(context.Background(), texts)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range got {
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("concurrent Embed differs for %q", texts[i])
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := enc.Embed(ctx, texts); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with cancelled ctx: err = %v, want context.Canceled", err)
	}
	if got, err := enc.Embed(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("Embed(nil) = %v, %v", got, err)
	}
}
