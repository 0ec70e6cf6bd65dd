package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"folio/backend/encoder"
	"folio/backend/stats"
)

// EmbeddingConfig configures Embedding. Zero fields mean the defaults.
type EmbeddingConfig struct {
	// Data is the shared data folder (retrieval/scifact/corpus.jsonl).
	Data string
	// ModelDir is the model folder, for Folio and the reference alike.
	ModelDir string
	// Docs is how many SciFact abstracts are embedded (default 1,000).
	Docs int
	// Query is the short query whose latency is measured.
	Query string
	// Python runs the reference (scripts/bench_embed_reference.py with
	// PyTorch and sentence-transformers); "" skips it.
	Python, Script string
	// Threads for both sides (default GOMAXPROCS).
	Threads int
}

// EmbeddingReport holds the encoder's figures and the reference's.
type EmbeddingReport struct {
	Docs         int     `json:"docs"`
	Threads      int     `json:"threads"`
	ChunksPerSec float64 `json:"chunks_per_s"`
	Seconds      float64 `json:"seconds"`
	QueryP50ms   float64 `json:"query_p50_ms"`
	// GEMM figures over the timed run: GFLOP/s per core inside the matrix
	// multiply (FLOPs over the CPU time of the threads running it) and the
	// share of the process's CPU time spent there.
	GemmGFLOPS float64 `json:"gemm_gflops"`
	GemmShare  float64 `json:"gemm_share"`
	Backend    string  `json:"gemm_backend"`
	// Resident memory: with the model loaded, and the peak while embedding.
	RSSLoadedMB float64 `json:"rss_loaded_mb"`
	RSSPeakMB   float64 `json:"rss_peak_mb"`
	// Reference is sentence-transformers' run on the same texts, if any.
	Reference *ReferenceRun `json:"reference,omitempty"`
}

// ReferenceRun is what scripts/bench_embed_reference.py prints.
type ReferenceRun struct {
	ChunksPerSec float64 `json:"chunks_per_s"`
	Seconds      float64 `json:"seconds"`
	QueryP50ms   float64 `json:"query_p50_ms"`
	RSSLoadedMB  float64 `json:"rss_loaded_mb"`
	RSSPeakMB    float64 `json:"rss_peak_mb"`
	Threads      int     `json:"threads"`
	Version      string  `json:"version"`
}

// Embedding embeds the first cfg.Docs SciFact abstracts (title and text,
// as indexed) with Folio's encoder and, when cfg.Python is set, with
// sentence-transformers in the same run.
func Embedding(ctx context.Context, cfg EmbeddingConfig) (EmbeddingReport, error) {
	if cfg.Docs <= 0 {
		cfg.Docs = 1000
	}
	if cfg.Query == "" {
		cfg.Query = "What is the effect of IL-6 on cerebral white matter development?"
	}
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.GOMAXPROCS(0)
	}
	texts, err := scifactTexts(filepath.Join(cfg.Data, "retrieval", "scifact", "corpus.jsonl"), cfg.Docs)
	if err != nil {
		return EmbeddingReport{}, err
	}
	rep := EmbeddingReport{Docs: len(texts), Threads: cfg.Threads}
	prev := runtime.GOMAXPROCS(cfg.Threads)
	defer runtime.GOMAXPROCS(prev)

	enc, err := encoder.Open(cfg.ModelDir)
	if err != nil {
		return rep, err
	}
	rep.RSSLoadedMB = procStatusMB("VmRSS")
	if _, err := enc.Embed(ctx, texts[:min(16, len(texts))]); err != nil { // warm up
		return rep, err
	}
	enc.ResetStats()
	t0, cpu0 := time.Now(), cpuNanos()
	if _, err := enc.Embed(ctx, texts); err != nil {
		return rep, err
	}
	rep.Seconds = time.Since(t0).Seconds()
	cpu := cpuNanos() - cpu0
	rep.ChunksPerSec = float64(len(texts)) / rep.Seconds
	st := enc.Stats()
	if st.GemmCPUNanos > 0 {
		rep.GemmGFLOPS = float64(st.GemmFlops) / float64(st.GemmCPUNanos)
	}
	if cpu > 0 {
		rep.GemmShare = float64(st.GemmCPUNanos) / float64(cpu)
	}
	rep.Backend = st.GemmBackend
	rep.RSSPeakMB = procStatusMB("VmHWM")

	lat := make([]float64, 50)
	for i := range lat {
		q0 := time.Now()
		if _, err := enc.Embed(ctx, []string{cfg.Query}); err != nil {
			return rep, err
		}
		lat[i] = time.Since(q0).Seconds() * 1000
	}
	rep.QueryP50ms = stats.Median(lat)

	if cfg.Python != "" {
		ref, err := runReference(ctx, cfg, texts)
		if err != nil {
			return rep, err
		}
		rep.Reference = ref
	}
	return rep, nil
}

// scifactTexts returns the first n abstracts as "title text".
func scifactTexts(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var out []string
	for sc.Scan() && len(out) < n {
		var d struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, strings.TrimSpace(d.Title+" "+d.Text))
	}
	return out, sc.Err()
}

func runReference(ctx context.Context, cfg EmbeddingConfig, texts []string) (*ReferenceRun, error) {
	tmp, err := os.CreateTemp("", "folio-embed-*.jsonl")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	for _, t := range texts {
		b, _ := json.Marshal(t)
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	tmp.Close()
	cmd := exec.CommandContext(ctx, cfg.Python, cfg.Script, cfg.ModelDir, tmp.Name(), strconv.Itoa(cfg.Threads), cfg.Query)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("reference %s: %w: %s", cfg.Script, err, lastLines(stderr.String(), 5))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var ref ReferenceRun
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &ref); err != nil {
		return nil, fmt.Errorf("reference printed %q: %w", lastLines(string(out), 3), err)
	}
	return &ref, nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// procStatusMB reads a memory figure (VmRSS, VmHWM) of this process in MiB;
// 0 where /proc is not available.
func procStatusMB(key string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// WriteText prints the report with the targets beside each figure.
func (r EmbeddingReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Embedding %d SciFact abstracts (≤ 256 tokens), %d threads, GEMM: %s\n", r.Docs, r.Threads, r.Backend)
	fmt.Fprintf(w, "  folio                  %7.1f chunks/s (%.1f s)\n", r.ChunksPerSec, r.Seconds)
	if ref := r.Reference; ref != nil {
		ratio := r.ChunksPerSec / ref.ChunksPerSec
		fmt.Fprintf(w, "  sentence-transformers  %7.1f chunks/s (%.1f s; %s, %d threads)\n", ref.ChunksPerSec, ref.Seconds, ref.Version, ref.Threads)
		fmt.Fprintf(w, "  ratio                  %.2f× PyTorch's throughput   target ≥ 1.0× (aim 1.5×)\n", ratio)
	} else {
		fmt.Fprintf(w, "  (no reference run: make bench-reference installs PyTorch and sentence-transformers)\n")
	}
	fmt.Fprintf(w, "  GEMM                   %.1f GFLOP/s per core, %.0f%% of the run's CPU time\n", r.GemmGFLOPS, 100*r.GemmShare)
	fmt.Fprintf(w, "  short query p50        %.1f ms", r.QueryP50ms)
	if r.Reference != nil {
		fmt.Fprintf(w, " (sentence-transformers %.1f ms)", r.Reference.QueryP50ms)
	}
	fmt.Fprintf(w, "   target < 15 ms\n")
	fmt.Fprintf(w, "  memory                 %.0f MiB with the model loaded, %.0f MiB peak while embedding", r.RSSLoadedMB, r.RSSPeakMB)
	if r.Reference != nil {
		fmt.Fprintf(w, " (sentence-transformers %.0f / %.0f MiB)", r.Reference.RSSLoadedMB, r.Reference.RSSPeakMB)
	}
	fmt.Fprintln(w)
}
