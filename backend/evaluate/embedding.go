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
	// Busy, if > 0, adds a second round beside that many busy-looping
	// processes (each spins one core: another program's work on the same
	// machine), Folio then the reference again.
	Busy int
}

// EmbeddingReport holds the encoder's figures and the reference's.
type EmbeddingReport struct {
	Docs    int `json:"docs"`
	Threads int `json:"threads"`
	// CPU is the processor's name (/proc/cpuinfo), Gemm the matrix
	// multiply the encoder chose on it and why.
	CPU  string           `json:"cpu"`
	Gemm encoder.GemmInfo `json:"gemm"`
	// The round run as the machine is (no busy process of our own).
	EmbeddingRound
	QueryP50ms float64 `json:"query_p50_ms"`
	Backend    string  `json:"gemm_backend"`
	// Resident memory: with the model loaded, and the peak while embedding.
	RSSLoadedMB float64 `json:"rss_loaded_mb"`
	RSSPeakMB   float64 `json:"rss_peak_mb"`
	// Loaded is the round beside EmbeddingConfig.Busy busy-looping
	// processes; nil without.
	Loaded *EmbeddingRound `json:"loaded,omitempty"`
}

// EmbeddingRound is one timed embedding of the texts by Folio, then by the
// reference when one is configured.
type EmbeddingRound struct {
	// Busy is the busy-looping processes we ran beside it; LoadAvg the
	// 1-minute load average when it started (other work included).
	Busy    int     `json:"busy"`
	LoadAvg float64 `json:"load_avg"`
	// Folio's throughput, wall time and process CPU time per chunk.
	ChunksPerSec  float64 `json:"chunks_per_s"`
	Seconds       float64 `json:"seconds"`
	CPUMsPerChunk float64 `json:"cpu_ms_per_chunk"`
	// GEMM figures over the timed run: GFLOP/s per core inside the matrix
	// multiply (FLOPs over the CPU time of the threads running it) and the
	// share of the process's CPU time spent there.
	GemmGFLOPS float64 `json:"gemm_gflops"`
	GemmShare  float64 `json:"gemm_share"`
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
	// CPUSeconds is the process CPU time of the timed run (all threads).
	CPUSeconds float64 `json:"cpu_s"`
}

// Embedding embeds the first cfg.Docs SciFact abstracts (title and text,
// as indexed) with Folio's encoder and, when cfg.Python is set, with
// sentence-transformers in the same run.
func Embedding(ctx context.Context, cfg EmbeddingConfig) (EmbeddingReport, error) {
	if cfg.Busy < 0 {
		return EmbeddingReport{}, fmt.Errorf("busy processes: %d, want ≥ 0", cfg.Busy)
	}
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
	rep.CPU, rep.Gemm = cpuName(), encoder.Gemm()
	rep.Backend = rep.Gemm.Backend
	rep.RSSLoadedMB = procStatusMB("VmRSS")
	if _, err := enc.Embed(ctx, texts[:min(16, len(texts))]); err != nil { // warm up
		return rep, err
	}
	if rep.EmbeddingRound, err = embedRound(ctx, cfg, enc, texts, 0); err != nil {
		return rep, err
	}
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

	if cfg.Busy > 0 {
		stop, err := startBusy(ctx, cfg.Busy)
		if err != nil {
			return rep, err
		}
		time.Sleep(200 * time.Millisecond) // let the spinners start
		loaded, err := embedRound(ctx, cfg, enc, texts, cfg.Busy)
		stop()
		if err != nil {
			return rep, err
		}
		rep.Loaded = &loaded
	}
	return rep, nil
}

// embedRound times Folio, then the reference if configured, on texts.
func embedRound(ctx context.Context, cfg EmbeddingConfig, enc *encoder.Encoder, texts []string, busy int) (EmbeddingRound, error) {
	r := EmbeddingRound{Busy: busy, LoadAvg: loadAvg()}
	enc.ResetStats()
	t0, cpu0 := time.Now(), cpuNanos()
	if _, err := enc.Embed(ctx, texts); err != nil {
		return r, err
	}
	r.Seconds = time.Since(t0).Seconds()
	cpu := cpuNanos() - cpu0
	r.ChunksPerSec = float64(len(texts)) / r.Seconds
	r.CPUMsPerChunk = float64(cpu) / 1e6 / float64(len(texts))
	st := enc.Stats()
	if st.GemmCPUNanos > 0 {
		r.GemmGFLOPS = float64(st.GemmFlops) / float64(st.GemmCPUNanos)
	}
	if cpu > 0 {
		r.GemmShare = float64(st.GemmCPUNanos) / float64(cpu)
	}
	if cfg.Python != "" {
		ref, err := runReference(ctx, cfg, texts)
		if err != nil {
			return r, err
		}
		r.Reference = ref
	}
	return r, nil
}

// startBusy starts n processes that each spin one core (a shell loop: no
// threads of ours, no Go runtime) and returns the function that kills them.
func startBusy(ctx context.Context, n int) (stop func(), err error) {
	var cmds []*exec.Cmd
	stop = func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}
	for i := 0; i < n; i++ {
		c := exec.CommandContext(ctx, "/bin/sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("start a busy-looping process (/bin/sh): %w", err)
		}
		cmds = append(cmds, c)
	}
	return stop, nil
}

// loadAvg is the 1-minute load average (/proc/loadavg); 0 where unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// cpuName is the processor's model name from /proc/cpuinfo, or the
// architecture where that is not available.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown " + runtime.GOARCH + " CPU"
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
	fmt.Fprintf(w, "Embedding %d SciFact abstracts (≤ 256 tokens), %d threads\n", r.Docs, r.Threads)
	fmt.Fprintf(w, "  CPU                    %s\n", r.CPU)
	g := r.Gemm
	fmt.Fprintf(w, "  GEMM backend           %s (Go kernel %s", g.Backend, g.Kernel)
	if g.BLASCore != "" {
		fmt.Fprintf(w, "; OpenBLAS %s", g.BLASCore)
	}
	fmt.Fprintf(w, "): %s", g.Reason)
	if g.GoGFLOPS > 0 {
		fmt.Fprintf(w, ", Go %.0f vs OpenBLAS %.0f GFLOP/s on one core", g.GoGFLOPS, g.BLASGFLOPS)
	}
	fmt.Fprintln(w)
	r.EmbeddingRound.writeText(w, r.Docs)
	fmt.Fprintf(w, "  short query p50        %.1f ms", r.QueryP50ms)
	if ref := r.Reference; ref != nil {
		fmt.Fprintf(w, " (sentence-transformers %.1f ms)", ref.QueryP50ms)
	}
	fmt.Fprintf(w, "   target < 15 ms\n")
	fmt.Fprintf(w, "  memory                 %.0f MiB with the model loaded, %.0f MiB peak while embedding", r.RSSLoadedMB, r.RSSPeakMB)
	if ref := r.Reference; ref != nil {
		fmt.Fprintf(w, " (sentence-transformers %.0f / %.0f MiB)", ref.RSSLoadedMB, ref.RSSPeakMB)
	}
	fmt.Fprintln(w)
	if r.Loaded != nil {
		r.Loaded.writeText(w, r.Docs)
	}
}

func (r EmbeddingRound) writeText(w io.Writer, docs int) {
	what := "as the machine is"
	if r.Busy > 0 {
		what = fmt.Sprintf("beside %d busy-looping process(es)", r.Busy)
	}
	fmt.Fprintf(w, "  %s, load average %.2f at the start:\n", what, r.LoadAvg)
	fmt.Fprintf(w, "  folio                  %7.1f chunks/s (%.1f s, %.1f CPU-ms per chunk)\n", r.ChunksPerSec, r.Seconds, r.CPUMsPerChunk)
	if ref := r.Reference; ref != nil {
		fmt.Fprintf(w, "  sentence-transformers  %7.1f chunks/s (%.1f s", ref.ChunksPerSec, ref.Seconds)
		if ref.CPUSeconds > 0 {
			fmt.Fprintf(w, ", %.1f CPU-ms per chunk", 1000*ref.CPUSeconds/float64(max(docs, 1)))
		}
		fmt.Fprintf(w, "; %s, %d threads)\n", ref.Version, ref.Threads)
		fmt.Fprintf(w, "  ratio                  %.2f× PyTorch's throughput   target ≥ 1.0× (aim 1.5×)\n", r.ChunksPerSec/ref.ChunksPerSec)
	} else {
		fmt.Fprintf(w, "  (no reference run: make bench-reference installs PyTorch and sentence-transformers)\n")
	}
	fmt.Fprintf(w, "  GEMM                   %.1f GFLOP/s per core, %.0f%% of the run's CPU time\n", r.GemmGFLOPS, 100*r.GemmShare)
}
