package encoder

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model/modeltest"
)

// scifactParity is testdata/scifact_parity.json, written with
// scifact_parity.f32.gz by scripts/gen_parity_vectors.py
// (sentence-transformers on PyTorch).
type scifactParity struct {
	Reference string     `json:"reference"`
	Dim       int        `json:"dim"`
	DocIDs    []string   `json:"doc_ids"`
	DocTokens []int      `json:"doc_tokens"`
	QueryIDs  []string   `json:"query_ids"`
	Top10     [][]string `json:"top10"`
}

// loadParity reads the reference: metadata and the document then query
// vectors.
func loadParity(t *testing.T) (*scifactParity, [][]float32) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "scifact_parity.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("testdata/scifact_parity.json missing: run scripts/gen_parity_vectors.py (needs torch): skipping")
	}
	if err != nil {
		t.Fatal(err)
	}
	ref := &scifactParity{}
	if err := json.Unmarshal(b, ref); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "scifact_parity.f32.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	n := len(ref.DocIDs) + len(ref.QueryIDs)
	if len(raw) != n*ref.Dim*4 {
		t.Fatalf("scifact_parity.f32.gz has %d bytes, want %d×%d×4", len(raw), n, ref.Dim)
	}
	vecs := make([][]float32, n)
	for i := range vecs {
		v := make([]float32, ref.Dim)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[(i*ref.Dim+j)*4:]))
		}
		vecs[i] = v
	}
	return ref, vecs
}

// readJSONL returns the records of a JSON-lines file whose "_id" is in ids,
// in the order of ids, with their "title" and "text".
func readJSONL(t *testing.T, path string, ids []string) []struct{ Title, Text string } {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out := make([]struct{ Title, Text string }, len(ids))
	found := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && found < len(ids) {
		var d struct {
			ID    string `json:"_id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if i, ok := pos[d.ID]; ok {
			out[i].Title, out[i].Text = d.Title, d.Text
			found++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if found != len(ids) {
		t.Fatalf("%s: found %d of the %d records of the reference", path, found, len(ids))
	}
	return out
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// topK returns the ids of the k documents with the highest dot product
// with q (the vectors are normalised: cosine), best first.
func topK(q []float32, docs [][]float32, ids []string, k int) []string {
	idx := make([]int, len(docs))
	sc := make([]float64, len(docs))
	for i, d := range docs {
		idx[i], sc[i] = i, dot(q, d)
	}
	sort.SliceStable(idx, func(a, b int) bool { return sc[idx[a]] > sc[idx[b]] })
	out := make([]string, k)
	for i := range out {
		out[i] = ids[idx[i]]
	}
	return out
}

// TestSciFactParity is issue 4's vector parity: Folio's all-MiniLM-L6-v2
// vectors of 1,000 SciFact abstracts (title + " " + text, 256 tokens) have
// cosine ≥ 0.9999 with sentence-transformers', and 100 queries get the
// same top 10.
func TestSciFactParity(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds 1,000 abstracts: skipped in -short mode")
	}
	ref, vecs := loadParity(t)
	enc, err := Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(testenv.Shared(t), "data", "retrieval", "scifact")
	docs := readJSONL(t, filepath.Join(dir, "corpus.jsonl"), ref.DocIDs)
	queries := readJSONL(t, filepath.Join(dir, "queries.jsonl"), ref.QueryIDs)
	nd := len(ref.DocIDs)
	texts := make([]string, 0, nd+len(queries))
	for i, d := range docs {
		s := d.Title + " " + d.Text
		if n := len(enc.Tokenize(s)); n != ref.DocTokens[i] {
			t.Errorf("document %s: %d tokens, want %d", ref.DocIDs[i], n, ref.DocTokens[i])
		}
		texts = append(texts, s)
	}
	for _, q := range queries {
		texts = append(texts, q.Text)
	}
	got, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}

	minCos, sum, maxDiff := 1.0, 0.0, 0.0
	worst := ""
	for i := range texts {
		maxDiff = max(maxDiff, maxAbsDiff(got[i], vecs[i]))
		c := cosine(got[i], vecs[i])
		sum += c
		if c < minCos {
			minCos = c
			worst = texts[i]
		}
		if c < 0.9999 {
			t.Errorf("text %d %q: cosine %.6f, want ≥ 0.9999", i, trunc(texts[i]), c)
		}
	}
	docMin, docSum := 1.0, 0.0
	for i := 0; i < nd; i++ {
		c := cosine(got[i], vecs[i])
		docMin, docSum = min(docMin, c), docSum+c
	}

	exact, sameSet := 0, 0
	for qi := range queries {
		g := topK(got[nd+qi], got[:nd], ref.DocIDs, 10)
		want := ref.Top10[qi]
		if slices.Equal(g, want) {
			exact++
		} else {
			t.Errorf("query %s: top 10 %v, want %v", ref.QueryIDs[qi], g, want)
		}
		gs, ws := slices.Clone(g), slices.Clone(want)
		slices.Sort(gs)
		slices.Sort(ws)
		if slices.Equal(gs, ws) {
			sameSet++
		}
	}
	t.Logf("reference: %s", ref.Reference)
	t.Logf("%d documents: min cosine %.9f (1−cos %.1e), mean %.9f; with %d queries: min %.9f (%q), mean %.9f",
		nd, docMin, 1-docMin, docSum/float64(nd), len(queries), minCos, trunc(worst), sum/float64(len(texts)))
	t.Logf("largest |difference| of one vector element: %.1e", maxDiff)
	t.Logf("top 10 identical (same order) for %d of %d queries; same set for %d", exact, len(queries), sameSet)
}

// TestEmbedManyShortTexts embeds more short texts than fit one batch's
// result buffer (Embed used to panic past 64 texts per batch, which 100
// SciFact queries reach) and checks each vector against embedding the text
// alone.
func TestEmbedManyShortTexts(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	enc, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"the cat", "a dog sat", "hello", "run", "on the mat ."}
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = words[i%len(words)]
	}
	got, err := enc.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range words {
		want, err := enc.Embed(context.Background(), texts[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		for j := i; j < len(texts); j += len(words) {
			if c := cosine(got[j], want[0]); c < 0.99999 {
				t.Fatalf("text %d %q: cosine %.6f with the text embedded alone", j, texts[j], c)
			}
		}
	}
}
