// Command loadbench measures Folio under concurrent questions, as issue 8
// asks: a library of SciFact's abstracts (about 12,000 chunks) indexed
// with the real embedding model, then SciFact's queries asked by several
// askers at once, mixing Ask, Search and AskInChat on a few shared chats
// as engine.TestConcurrentAskers does. It prints questions per second,
// latency quantiles, the Go heap and goroutines before and after, and, as
// the reference measured in the same run, the same questions asked by a
// single asker: the concurrent over the sequential throughput.
//
//	go run ./tools/loadbench                        # 1,000 questions, 8 askers
//	go run ./tools/loadbench -dir /tmp/lb -json     # keep the library for the next run
//
// Any failed call fails the run. Build without the race detector.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"folio/backend/engine"
	"folio/backend/parse/isolate"
	"folio/backend/stats"
	"folio/tools/internal/bench"
)

// chats is how many chats the AskInChat questions share, per run.
const chats = 4

// runReport is one run of every question.
type runReport struct {
	Askers    int                `json:"askers"`
	Questions int                `json:"questions"`
	Seconds   float64            `json:"seconds"`
	QPS       float64            `json:"qps"`
	P50ms     float64            `json:"p50_ms"`
	P95ms     float64            `json:"p95_ms"`
	P99ms     float64            `json:"p99_ms"`
	ByCall    map[string]latency `json:"by_call"`
	HeapMiB   [2]float64         `json:"heap_inuse_mib_before_after"`
	Routines  [2]int             `json:"goroutines_before_after"`
	Found     int                `json:"answers_found"`
}

// latency is one kind of call's count and quantiles.
type latency struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
}

type report struct {
	Started      string    `json:"started"`
	LoadStart    string    `json:"loadavg_start"`
	LoadEnd      string    `json:"loadavg_end"`
	CPUs         int       `json:"cpus"`
	Docs         int       `json:"docs"`
	Chunks       int       `json:"chunks"`
	IndexSeconds float64   `json:"index_seconds"` // 0 when the library was reused
	Concurrent   runReport `json:"concurrent"`
	Sequential   runReport `json:"sequential"` // reference: the same questions, one asker
	QPSRatio     float64   `json:"qps_ratio"`  // concurrent / sequential
	P95Ratio     float64   `json:"p95_ratio"`  // concurrent / sequential
}

func main() {
	isolate.RunChildIfRequested()
	modelDir := flag.String("model", ".cache/models/all-MiniLM-L6-v2", "embedding model folder")
	scifact := flag.String("scifact", "../shared/data/retrieval/scifact", "BEIR SciFact folder (corpus.jsonl, queries.jsonl)")
	dir := flag.String("dir", "", "folder for the library, reused when it holds one (default: a temporary one)")
	nq := flag.Int("queries", 1000, "questions per run")
	askers := flag.Int("askers", 8, "concurrent askers")
	warmup := flag.Int("warmup", 100, "questions asked before the runs, untimed")
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	rep, err := run(*modelDir, *scifact, *dir, *nq, *askers, *warmup)
	if err != nil {
		log.Fatal(err)
	}
	if *asJSON {
		if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
			log.Fatal(err)
		}
		return
	}
	printReport(rep)
}

func run(modelDir, scifact, dir string, nq, askers, warmup int) (*report, error) {
	ctx := context.Background()
	rep := &report{Started: time.Now().Format(time.RFC3339), LoadStart: loadavg(), CPUs: runtime.NumCPU()}
	type doc struct {
		ID    string `json:"_id"`
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	docs, err := bench.ReadJSONL[doc](filepath.Join(scifact, "corpus.jsonl"))
	if err != nil {
		return nil, err
	}
	qs, err := bench.ReadJSONL[doc](filepath.Join(scifact, "queries.jsonl"))
	if err != nil {
		return nil, err
	}
	questions := make([]string, min(nq, len(qs)))
	for i := range questions {
		questions[i] = qs[i].Text
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "folio-loadbench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	files := filepath.Join(dir, "docs")
	if _, err := os.Stat(files); errors.Is(err, os.ErrNotExist) {
		for i, d := range docs {
			p := filepath.Join(files, fmt.Sprintf("%02d", i%50), d.ID+".txt")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, []byte(d.Title+"\n\n"+d.Text+"\n"), 0o644); err != nil {
				return nil, err
			}
		}
	}
	e, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "data"), ModelDir: modelDir})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if st := e.Status(); st.Docs < len(docs) {
		fmt.Fprintf(os.Stderr, "indexing %d SciFact abstracts with %s…\n", len(docs), filepath.Base(modelDir))
		start := time.Now()
		ir, err := e.Index(ctx, []string{files}, nil)
		if err != nil {
			return nil, err
		}
		if ir.Failed > 0 {
			return nil, fmt.Errorf("%d files failed to index: %v", ir.Failed, ir.Errors)
		}
		rep.IndexSeconds = time.Since(start).Seconds()
	}
	for e.Status().Rebuilding {
		time.Sleep(50 * time.Millisecond)
	}
	st := e.Status()
	rep.Docs, rep.Chunks = st.Docs, st.Chunks
	if st.Vectors != st.Chunks {
		return nil, fmt.Errorf("%d of %d chunks have a vector", st.Vectors, st.Chunks)
	}
	fmt.Fprintf(os.Stderr, "library: %d files, %d chunks; warming up with %d questions…\n", st.Docs, st.Chunks, warmup)
	if _, err := ask(ctx, e, questions[:min(warmup, len(questions))], askers); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "%d questions by %d askers…\n", len(questions), askers)
	if rep.Concurrent, err = ask(ctx, e, questions, askers); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "the same by 1 asker…\n")
	if rep.Sequential, err = ask(ctx, e, questions, 1); err != nil {
		return nil, err
	}
	rep.QPSRatio = rep.Concurrent.QPS / rep.Sequential.QPS
	rep.P95Ratio = rep.Concurrent.P95ms / rep.Sequential.P95ms
	rep.LoadEnd = loadavg()
	return rep, nil
}

// ask asks every question from askers goroutines, each question i in turn
// as Ask (i%4 is 0 or 1), Search (2, every mode in turn) or AskInChat (3,
// on chats new to this run), and times each call.
func ask(ctx context.Context, e *engine.Engine, questions []string, askers int) (runReport, error) {
	r := runReport{Askers: askers, Questions: len(questions), ByCall: map[string]latency{}}
	ids := make([]string, chats)
	for i := range ids {
		c, err := e.AskInChat(ctx, "", fmt.Sprintf("chat %d: %s", i, questions[i%len(questions)]), engine.Filter{}, nil)
		if err != nil {
			return r, fmt.Errorf("start a chat: %w", err)
		}
		ids[i] = c.ID
	}
	modes := []string{"", "bm25", "dense", "hybrid"}
	call := func(i int) (string, bool, error) {
		q := questions[i]
		switch i % 4 {
		case 0, 1:
			ans, err := e.Ask(ctx, q, engine.Filter{})
			return "ask", ans.Found, err
		case 2:
			mode := modes[(i/4)%len(modes)]
			hits, err := e.Search(ctx, q, engine.SearchOptions{K: 10, Mode: mode})
			if err == nil && len(hits) == 0 && mode != "bm25" {
				err = errors.New("a search that ranks every passage found none")
			}
			return "search", false, err
		default:
			c, err := e.AskInChat(ctx, ids[(i/4)%chats], q, engine.Filter{}, nil)
			if err != nil {
				return "chat", false, err
			}
			return "chat", c.Turns[len(c.Turns)-1].Answer.Found, nil
		}
	}

	r.HeapMiB[0], r.Routines[0] = heapMiB(), runtime.NumGoroutine()
	ms := make([]float64, len(questions))
	kinds := make([]string, len(questions))
	var mu sync.Mutex
	var errs []error
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range askers {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				kind, found, err := call(i)
				ms[i], kinds[i] = float64(time.Since(t).Microseconds())/1000, kind
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %q: %w", kind, questions[i], err))
				}
				if found {
					r.Found++
				}
				mu.Unlock()
			}
		})
	}
	for i := range questions {
		next <- i
	}
	close(next)
	wg.Wait()
	r.Seconds = time.Since(start).Seconds()
	if len(errs) > 0 {
		return r, fmt.Errorf("%d of %d questions failed, the first: %w", len(errs), len(questions), errs[0])
	}
	r.HeapMiB[1] = heapMiB()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > r.Routines[0] && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	r.Routines[1] = runtime.NumGoroutine()
	r.QPS = float64(len(questions)) / r.Seconds
	r.P50ms, r.P95ms, r.P99ms = stats.Quantile(ms, 0.5), stats.Quantile(ms, 0.95), stats.Quantile(ms, 0.99)
	for _, kind := range []string{"ask", "search", "chat"} {
		var k []float64
		for i, m := range ms {
			if kinds[i] == kind {
				k = append(k, m)
			}
		}
		if len(k) > 0 {
			r.ByCall[kind] = latency{N: len(k), P50ms: stats.Quantile(k, 0.5), P95ms: stats.Quantile(k, 0.95)}
		}
	}
	return r, nil
}

func printReport(rep *report) {
	fmt.Printf("library: %d SciFact abstracts, %d chunks", rep.Docs, rep.Chunks)
	if rep.IndexSeconds > 0 {
		fmt.Printf(" (indexed in %.0f s)", rep.IndexSeconds)
	}
	fmt.Printf("; %d CPUs, load average %s at the start, %s at the end\n", rep.CPUs, rep.LoadStart, rep.LoadEnd)
	for _, r := range []runReport{rep.Concurrent, rep.Sequential} {
		fmt.Printf("%d asker(s), %d questions: %.1f questions/s; latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms; %d answers found\n",
			r.Askers, r.Questions, r.QPS, r.P50ms, r.P95ms, r.P99ms, r.Found)
		for _, kind := range []string{"ask", "search", "chat"} {
			if l, ok := r.ByCall[kind]; ok {
				fmt.Printf("    %-6s %4d calls: p50 %.0f ms, p95 %.0f ms\n", kind, l.N, l.P50ms, l.P95ms)
			}
		}
		fmt.Printf("    Go heap in use %.1f → %.1f MiB, goroutines %d → %d\n", r.HeapMiB[0], r.HeapMiB[1], r.Routines[0], r.Routines[1])
	}
	fmt.Printf("concurrent vs 1 asker (same run): %.2f× the questions/s, %.2f× the p95 latency\n", rep.QPSRatio, rep.P95Ratio)
}

// heapMiB is the heap in use after a full collection.
func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

// loadavg is the machine's load average, to judge the figures by.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
