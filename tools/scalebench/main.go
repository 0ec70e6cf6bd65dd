// Command scalebench measures Folio's index at library scale: it writes a
// library of N chunks (real SciFact text for the keyword index, the ANN
// kit's clustered 384-d vectors for the vector index), then times how long
// the library takes to open and how long searches take, query embedding
// with the real model included.
//
//	go run ./tools/scalebench -n 100000 -kit .cache/ann/data -model .cache/models/all-MiniLM-L6-v2 -json
//
// References measured in the same run: opening without a snapshot (the
// graph rebuilt from the stored vectors), and the exact vector scan.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/engine"
	"folio/backend/index"
	"folio/backend/stats"
	"folio/backend/store"
	"folio/tools/internal/annkit"
	"folio/tools/internal/bench"
)

const chunksPerDoc = 100

type report struct {
	N                 int     `json:"n"`
	Queries           int     `json:"queries"`
	WriteSeconds      float64 `json:"write_seconds"`
	OpenSeconds       float64 `json:"open_seconds"`       // engine.Open: store, keyword index, vector snapshot, model
	IndexOpenSeconds  float64 `json:"index_open_seconds"` // the store and both indexes alone
	RebuildSeconds    float64 `json:"rebuild_seconds"`    // reference: the graph rebuilt without a snapshot
	HybridP50ms       float64 `json:"hybrid_p50_ms"`
	HybridP95ms       float64 `json:"hybrid_p95_ms"`
	KeywordP50ms      float64 `json:"bm25_p50_ms"`
	DenseP50ms        float64 `json:"dense_p50_ms"`
	EmbedP50ms        float64 `json:"query_embed_p50_ms"`
	ExactDenseP50ms   float64 `json:"exact_scan_p50_ms"` // reference: the exact scan of every vector
	GraphDenseP50ms   float64 `json:"graph_search_p50_ms"`
	HeapMiBAfterOpen  float64 `json:"heap_mib_after_open"`
	SnapshotMiB       float64 `json:"snapshot_mib"`
	OpenVsRebuild     float64 `json:"open_vs_rebuild"`
	GraphVsExactRatio float64 `json:"graph_vs_exact"`
}

func main() {
	n := flag.Int("n", 100000, "chunks in the library")
	kit := flag.String("kit", ".cache/ann/data", "folder with the ANN kit's clustered.base.f32")
	modelDir := flag.String("model", ".cache/models/all-MiniLM-L6-v2", "embedding model folder")
	scifact := flag.String("scifact", "../shared/data/retrieval/scifact", "BEIR SciFact folder (chunk texts and queries)")
	dir := flag.String("dir", "", "library folder to build or reuse (default: a temporary one)")
	nq := flag.Int("queries", 200, "queries to time")
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(*n, *kit, *modelDir, *scifact, *dir, *nq, *asJSON); err != nil {
		log.Fatal(err)
	}
}

func run(n int, kit, modelDir, scifact, dir string, nq int, asJSON bool) error {
	ctx := context.Background()
	type doc struct{ Title, Text string }
	docs, err := bench.ReadJSONL[doc](filepath.Join(scifact, "corpus.jsonl"))
	if err != nil {
		return err
	}
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = d.Title + "\n\n" + d.Text
	}
	qs, err := bench.ReadJSONL[doc](filepath.Join(scifact, "queries.jsonl"))
	if err != nil {
		return err
	}
	queries := make([]string, 0, min(nq, len(qs)))
	for _, q := range qs[:min(nq, len(qs))] {
		queries = append(queries, q.Text)
	}
	vecs, err := annkit.ReadF32(filepath.Join(kit, "clustered.base.f32"), n)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "folio-scale-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	rep := report{N: n, Queries: len(queries)}
	lib := filepath.Join(dir, "library")
	if _, err := os.Stat(lib); os.IsNotExist(err) {
		start := time.Now()
		if err := write(ctx, lib, filepath.Base(modelDir), n, texts, vecs); err != nil {
			return err
		}
		rep.WriteSeconds = time.Since(start).Seconds()
	}

	// The store and both indexes alone.
	start := time.Now()
	st, err := store.Open(lib)
	if err != nil {
		return err
	}
	if _, err := index.OpenKeywords(ctx, st); err != nil {
		return err
	}
	v, err := index.OpenVectors(ctx, st, index.VectorsConfig{Dim: annkit.Dim})
	if err != nil {
		return err
	}
	rep.IndexOpenSeconds = time.Since(start).Seconds()
	if v.Rebuilding() {
		return fmt.Errorf("the library %s has no usable snapshot", lib)
	}
	snap, err := st.Blob(index.VectorSnapshot)
	if err != nil {
		return err
	}
	rep.SnapshotMiB = float64(len(snap)) / (1 << 20)
	if err := v.Close(); err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}

	// What the window and the command line do.
	start = time.Now()
	e, err := engine.Open(ctx, engine.Config{DataDir: dir, ModelDir: modelDir})
	if err != nil {
		return err
	}
	rep.OpenSeconds = time.Since(start).Seconds()
	rep.HeapMiBAfterOpen = heapMiB()
	for _, m := range []struct {
		mode string
		p50  *float64
		p95  *float64
	}{{"hybrid", &rep.HybridP50ms, &rep.HybridP95ms}, {"bm25", &rep.KeywordP50ms, nil}, {"dense", &rep.DenseP50ms, nil}} {
		var ms []float64
		for _, q := range queries {
			t := time.Now()
			hits, err := e.Search(ctx, q, engine.SearchOptions{K: 10, Mode: m.mode})
			if err != nil {
				return err
			}
			if len(hits) == 0 {
				return fmt.Errorf("%s search for %q found nothing", m.mode, q)
			}
			ms = append(ms, since(t))
		}
		*m.p50 = stats.Quantile(ms, 0.5)
		if m.p95 != nil {
			*m.p95 = stats.Quantile(ms, 0.95)
		}
	}
	if err := e.Close(); err != nil {
		return err
	}

	// The parts: query embedding, graph walk and exact scan.
	if err := parts(ctx, &rep, lib, modelDir, queries, vecs); err != nil {
		return err
	}

	// Reference: open without a snapshot, so the graph is rebuilt.
	if rep.RebuildSeconds, err = rebuild(ctx, lib); err != nil {
		return err
	}
	rep.OpenVsRebuild = rep.IndexOpenSeconds / rep.RebuildSeconds
	rep.GraphVsExactRatio = rep.GraphDenseP50ms / rep.ExactDenseP50ms
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(rep)
	}
	fmt.Printf("library of %d chunks (%.0f s to write)\n", rep.N, rep.WriteSeconds)
	fmt.Printf("open: engine %.2f s, indexes alone %.2f s (snapshot %.1f MiB); reference rebuild without a snapshot %.1f s (%.3f×)\n",
		rep.OpenSeconds, rep.IndexOpenSeconds, rep.SnapshotMiB, rep.RebuildSeconds, rep.OpenVsRebuild)
	fmt.Printf("search p50 over %d queries, query embedding included: hybrid %.1f ms (p95 %.1f), bm25 %.1f ms, dense %.1f ms\n",
		rep.Queries, rep.HybridP50ms, rep.HybridP95ms, rep.KeywordP50ms, rep.DenseP50ms)
	fmt.Printf("parts: query embedding %.1f ms; graph search %.2f ms vs exact scan %.2f ms (%.3f×)\n",
		rep.EmbedP50ms, rep.GraphDenseP50ms, rep.ExactDenseP50ms, rep.GraphVsExactRatio)
	fmt.Printf("Go heap after open: %.0f MiB\n", rep.HeapMiBAfterOpen)
	return nil
}

// write builds the library: documents of chunksPerDoc chunks with SciFact
// texts and their postings, and the kit's vectors through the vector index.
func write(ctx context.Context, lib, modelName string, n int, texts []string, vecs []float32) error {
	st, err := store.Open(lib)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSetting("model", []byte(modelName)); err != nil {
		return err
	}
	if _, err := index.OpenKeywords(ctx, st); err != nil {
		return err
	}
	v, err := index.OpenVectors(ctx, st, index.VectorsConfig{Dim: annkit.Dim})
	if err != nil {
		return err
	}
	for d := 0; d*chunksPerDoc < n; d++ {
		lo, hi := d*chunksPerDoc, min((d+1)*chunksPerDoc, n)
		doc := core.Document{Format: "txt"}
		chunks := make([]core.Chunk, 0, hi-lo)
		for i := lo; i < hi; i++ {
			t := texts[i%len(texts)]
			chunks = append(chunks, core.Chunk{Start: len(doc.Text), End: len(doc.Text) + len(t), Text: t, Page: 1})
			doc.Text += t
		}
		rec := store.FileRecord{Path: fmt.Sprintf("/bench/doc%05d.txt", d), Root: "/bench", Format: "txt", Hash: fmt.Sprint(d)}
		if _, err := st.PutDocument(rec, &doc, chunks, index.EncodePostings(chunks)); err != nil {
			return err
		}
		ids := make([]uint64, len(chunks))
		batch := make([][]float32, len(chunks))
		for i, c := range chunks {
			ids[i] = c.ID
			batch[i] = vecs[(lo+i)*annkit.Dim : (lo+i+1)*annkit.Dim]
		}
		if err := v.Put(ids, batch); err != nil {
			return err
		}
		if d%100 == 99 {
			fmt.Fprintf(os.Stderr, "wrote %d chunks\n", hi)
		}
	}
	return v.Close()
}

// parts times the query embedding, the graph walk and the exact scan.
func parts(ctx context.Context, rep *report, lib, modelDir string, queries []string, vecs []float32) error {
	enc, err := openEncoder(modelDir)
	if err != nil {
		return err
	}
	st, err := store.Open(lib)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := index.OpenVectors(ctx, st, index.VectorsConfig{Dim: annkit.Dim})
	if err != nil {
		return err
	}
	defer v.Close()
	ex := index.NewExact(annkit.Dim)
	for i := 0; i < rep.N; i++ {
		if err := ex.Add(uint64(i), vecs[i*annkit.Dim:(i+1)*annkit.Dim]); err != nil {
			return err
		}
	}
	var embed, graph, exact []float64
	for _, q := range queries {
		t := time.Now()
		qv, err := enc.Embed(ctx, []string{q})
		if err != nil {
			return err
		}
		embed = append(embed, since(t))
		t = time.Now()
		v.Search(qv[0], 50, nil)
		graph = append(graph, since(t))
		t = time.Now()
		ex.Search(qv[0], 50, nil)
		exact = append(exact, since(t))
	}
	rep.EmbedP50ms, rep.GraphDenseP50ms, rep.ExactDenseP50ms = stats.Quantile(embed, 0.5), stats.Quantile(graph, 0.5), stats.Quantile(exact, 0.5)
	return nil
}

// rebuild times opening the library without its snapshot until the graph
// is ready, then restores the snapshot.
func rebuild(ctx context.Context, lib string) (float64, error) {
	st, err := store.Open(lib)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	snap, err := st.Blob(index.VectorSnapshot)
	if err != nil {
		return 0, err
	}
	if err := st.DeleteBlob(index.VectorSnapshot); err != nil {
		return 0, err
	}
	start := time.Now()
	v, err := index.OpenVectors(ctx, st, index.VectorsConfig{Dim: annkit.Dim})
	if err != nil {
		return 0, err
	}
	for v.Rebuilding() {
		time.Sleep(20 * time.Millisecond)
	}
	secs := time.Since(start).Seconds()
	if err := v.Close(); err != nil {
		return 0, err
	}
	return secs, st.PutBlob(index.VectorSnapshot, snap)
}

func since(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func openEncoder(dir string) (*encoder.Encoder, error) { return encoder.Open(dir) }

func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
