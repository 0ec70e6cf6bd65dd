// Command genbench measures Folio's built-in generator (backend/llm)
// against llama.cpp's own llama-bench, built by scripts/build-llama.sh from
// the same sources with the same flags, with the same threads, in the same
// run (make bench-generate):
//
//   - prompt processing (pp) and generation (tg) tokens/s, median of -r
//     runs, Folio's and llama-bench's, and their ratio;
//
//   - generation tokens/s of an answer held to Folio's citation grammar,
//     Folio's and llama.cpp's own CLI's (llama-completion, same prompt,
//     grammar, greedy sampling with the same penalty), and their ratio;
//
//   - time to first token for a prompt of about 1,500 tokens made of real
//     XQuAD passages, and the memory the loaded model adds to the process;
//
//   - how long Stop takes: from cancel to Generate's return, during the
//     prompt and during generation;
//
//   - generation tokens/s with 1 and with 2 threads, idle and with two
//     busy processes on the machine (threads must not spin-wait).
//
//     go run ./tools/genbench -model .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf \
//     -llama-bench .cache/llama.cpp/0.3.36-v3/bin/llama-bench -threads 2
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/llm"
	"folio/backend/stats"
)

func main() {
	modelPath := flag.String("model", ".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf", "GGUF model")
	benchBin := flag.String("llama-bench", ".cache/llama.cpp/0.3.36-v3/bin/llama-bench", "llama.cpp's llama-bench")
	cliBin := flag.String("llama-completion", "", "llama.cpp's llama-completion (default: beside -llama-bench), the reference for grammar-held answers")
	threads := flag.Int("threads", 2, "threads for both")
	pp := flag.Int("p", 512, "prompt tokens (as llama-bench -p)")
	tg := flag.Int("n", 128, "generated tokens (as llama-bench -n)")
	reps := flag.Int("r", 3, "repetitions")
	shared := flag.String("shared", "../shared", "the shared data folder (XQuAD for the 1,500-token prompt)")
	hog := flag.Bool("hog", false, "(internal) spin forever: the busy-machine load")
	flag.Parse()
	if *hog {
		for x := 0; ; x++ {
			_ = x * x
		}
	}
	if !llm.Available {
		log.Fatal("genbench: this build has no llama.cpp runtime (built with nollm or without cgo)")
	}
	ctx := context.Background()
	cits, question := passages(*shared)

	// llama.cpp's own tool first, then Folio, same threads, same run.
	ref, err := llamaBench(*benchBin, *modelPath, *threads, *pp, *tg, *reps)
	if err != nil {
		log.Fatalf("genbench: llama-bench: %v", err)
	}

	rss0 := rss()
	g, err := llm.New(*modelPath, llm.Options{Threads: *threads, Idle: -1, MaxTokens: 64})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	t0 := time.Now()
	if err := g.Load(ctx); err != nil {
		log.Fatal(err)
	}
	load := time.Since(t0)
	rss1 := rss()
	text := strings.Repeat(cits[0].Text+" ", 4)
	var pps, tgs []float64
	for range *reps {
		r, err := g.Bench(ctx, text, *pp, *tg)
		if err != nil {
			log.Fatal(err)
		}
		pps = append(pps, float64(r.PromptTokens)/r.Prompt.Seconds())
		tgs = append(tgs, float64(r.GenTokens)/r.Gen.Seconds())
	}
	fpp, ftg := stats.Median(pps), stats.Median(tgs)
	fmt.Printf("model %s, %d threads (llama.cpp: %s)\n", filepath.Base(*modelPath), *threads, strings.TrimSpace(llmInfo()))
	fmt.Printf("  load average %s\n", loadAvg())
	fmt.Printf("  pp%-4d  Folio %8.1f tok/s   llama-bench %8.1f tok/s   ratio %.3f\n", *pp, fpp, ref.pp, fpp/ref.pp)
	fmt.Printf("  tg%-4d  Folio %8.1f tok/s   llama-bench %8.1f tok/s   ratio %.3f (Folio samples each token, greedy with the repetition penalty; llama-bench decodes random tokens)\n", *tg, ftg, ref.tg, ftg/ref.tg)

	// An answer held to the citation grammar: Folio against llama.cpp's
	// own CLI (llama-completion) on the same prompt and grammar, greedy
	// with the same repetition penalty, same threads.
	if *cliBin == "" {
		*cliBin = filepath.Join(filepath.Dir(*benchBin), "llama-completion")
	}
	if _, err := os.Stat(*cliBin); err != nil {
		fmt.Printf("  grammar-held answer: skipped (no %s; scripts/build-llama.sh --bench builds it)\n", *cliBin)
	} else {
		grammarBench(ctx, g, *cliBin, *modelPath, *threads, *reps, question, cits[:3])
	}

	// Time to first token for a ~1,500-token prompt of real passages.
	var use []core.Citation
	n := 0
	for i := range cits {
		if n, err = g.PromptTokens(ctx, question, cits[:i+1], nil); err != nil {
			log.Fatal(err)
		}
		use = cits[:i+1]
		if n >= 1500 {
			break
		}
	}
	var ttfts []float64
	for range *reps {
		if _, err := g.Generate(ctx, question, use, nil, nil); err != nil {
			log.Fatal(err)
		}
		ttfts = append(ttfts, float64(g.LastStats().TTFT.Microseconds())/1000)
	}
	st := g.LastStats()
	fmt.Printf("  time to first token, %d-token prompt (%d passages): %.0f ms (median of %d; prompt %.0f tok/s, %d threads)\n",
		st.PromptTokens, st.Passages, stats.Median(ttfts), *reps, float64(st.PromptTokens)/st.Prompt.Seconds(), st.Threads)
	fmt.Printf("  memory: load %.2f s, process RSS +%.0f MiB with the model loaded (weights + KV cache of %d tokens: %.0f MiB)\n",
		load.Seconds(), float64(rss1-rss0)/(1<<20), 4096, float64(g.Bytes())/(1<<20))

	// Stop: cancel during the prompt, and after a few tokens.
	stopPrompt := stopLatency(g, question, use, 0)
	stopGen := stopLatency(g, question, use, 5)
	fmt.Printf("  stop: %.1f ms during the prompt, %.1f ms during generation (cancel to return)\n", stopPrompt, stopGen)

	// 1 vs 2 threads, idle and busy.
	idle1, idle2 := tgRate(*modelPath, 1, text, *tg), tgRate(*modelPath, 2, text, *tg)
	hogs := startHogs(2)
	busy1, busy2 := tgRate(*modelPath, 1, text, *tg), tgRate(*modelPath, 2, text, *tg)
	stopHogs(hogs)
	fmt.Printf("  tg%d tok/s, idle machine: 1 thread %.1f, 2 threads %.1f; with 2 busy processes: 1 thread %.1f, 2 threads %.1f (2/1 = %.2f)\n",
		*tg, idle1, idle2, busy1, busy2, busy2/busy1)
	fmt.Printf("  load average at the end %s\n", loadAvg())
}

// grammarBench writes the answer to question from cits held to Folio's
// citation grammar, with Folio and with llama-completion (same prompt text,
// grammar, greedy sampling with the same penalty, threads and batch), and
// prints generation tokens/s: tokens over the time spent decoding and
// sampling them (llama-completion's "eval time" plus its "sampling time",
// which includes the grammar).
func grammarBench(ctx context.Context, g *llm.Generator, bin, model string, threads, reps int, question string, cits []core.Citation) {
	prompt, grammar, err := g.Prompt(ctx, question, cits, nil)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "genbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	pf, gf := filepath.Join(dir, "prompt.txt"), filepath.Join(dir, "answer.gbnf")
	if err := os.WriteFile(pf, []byte(prompt), 0o600); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(gf, []byte(grammar), 0o600); err != nil {
		log.Fatal(err)
	}
	var ref, folio []float64
	var refTok, folioTok int
	for range reps {
		n, rate, err := completionRate(bin, model, pf, gf, threads)
		if err != nil {
			fmt.Printf("  grammar-held answer: llama-completion failed: %v\n", err)
			return
		}
		ref, refTok = append(ref, rate), n
		if _, err := g.Generate(ctx, question, cits, nil, nil); err != nil {
			log.Fatal(err)
		}
		st := g.LastStats()
		folio, folioTok = append(folio, float64(st.Tokens)/st.Gen.Seconds()), st.Tokens
	}
	fr, rr := stats.Median(folio), stats.Median(ref)
	fmt.Printf("  grammar-held answer (%d passages, %d tokens; llama-completion %d): Folio %.1f tok/s   llama-completion %.1f tok/s   ratio %.3f\n",
		len(cits), folioTok, refTok, fr, rr, fr/rr)
}

var (
	evalRe   = regexp.MustCompile(`eval time =\s*([0-9.]+) ms /\s*(\d+) runs`)
	sampleRe = regexp.MustCompile(`sampling time =\s*([0-9.]+) ms`)
)

// completionRate runs llama-completion greedily (the repetition penalty,
// then the top token) under the grammar and returns the tokens it
// generated (at most 64, as genbench's Folio answers) and their rate.
func completionRate(bin, model, promptFile, grammarFile string, threads int) (int, float64, error) {
	cmd := exec.Command(bin, "-m", model, "-t", strconv.Itoa(threads), "-f", promptFile, "--grammar-file", grammarFile,
		"-n", "64", "-c", "4096", "-b", "512", "-ub", "512", "--poll", "0", "-no-cnv", "--no-display-prompt",
		"--samplers", "penalties;top_k", "--top-k", "1", "--repeat-penalty", "1.1", "--repeat-last-n", "64", "-s", "1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdin = nil
	if err := cmd.Run(); err != nil {
		tail := stderr.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return 0, 0, fmt.Errorf("%v: %s", err, tail)
	}
	out := stderr.String()
	var em, sm float64
	var n int
	for _, m := range evalRe.FindAllStringSubmatch(out, -1) {
		if !strings.Contains(m[0], "prompt") {
			em, _ = strconv.ParseFloat(m[1], 64)
			n, _ = strconv.Atoi(m[2])
		}
	}
	if m := sampleRe.FindStringSubmatch(out); m != nil {
		sm, _ = strconv.ParseFloat(m[1], 64)
	}
	if n == 0 || em == 0 {
		return 0, 0, fmt.Errorf("no timings in its output")
	}
	return n, float64(n) / ((em + sm) / 1000), nil
}

// loadAvg is the machine's load average (1, 5, 15 minutes).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// passages are XQuAD's contexts as citations, and a question.
func passages(shared string) ([]core.Citation, string) {
	raw, err := os.ReadFile(filepath.Join(shared, "data", "qa", "xquad.en.dev.json"))
	if err != nil {
		log.Fatalf("genbench: %v (give -shared DIR)", err)
	}
	var f struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Question string `json:"question"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		log.Fatal(err)
	}
	var cits []core.Citation
	for _, a := range f.Data {
		for _, p := range a.Paragraphs {
			cits = append(cits, core.Citation{N: len(cits) + 1, Path: "/docs/xquad.txt", Text: p.Context})
			if len(cits) == 20 {
				return cits, f.Data[0].Paragraphs[0].QAs[0].Question
			}
		}
	}
	return cits, f.Data[0].Paragraphs[0].QAs[0].Question
}

type refRates struct{ pp, tg float64 }

// llamaBench runs llama-bench with the same threads, no polling (as Folio's
// thread pool), and reads its JSON.
func llamaBench(bin, model string, threads, pp, tg, reps int) (refRates, error) {
	cmd := exec.Command(bin, "-m", model, "-t", strconv.Itoa(threads), "-p", strconv.Itoa(pp), "-n", strconv.Itoa(tg),
		"-r", strconv.Itoa(reps), "--poll", "0", "-o", "json")
	cmd.Stderr = nil
	out, err := cmd.Output()
	if err != nil {
		return refRates{}, err
	}
	var rows []struct {
		NPrompt int     `json:"n_prompt"`
		NGen    int     `json:"n_gen"`
		AvgTS   float64 `json:"avg_ts"`
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		return refRates{}, fmt.Errorf("read its JSON: %w", err)
	}
	var r refRates
	for _, row := range rows {
		if row.NPrompt > 0 && row.NGen == 0 {
			r.pp = row.AvgTS
		}
		if row.NGen > 0 && row.NPrompt == 0 {
			r.tg = row.AvgTS
		}
	}
	if r.pp == 0 || r.tg == 0 {
		return r, fmt.Errorf("no pp/tg rows in %s", out)
	}
	return r, nil
}

// stopLatency starts an answer, cancels it after `after` pieces (0: once
// the prompt has been decoding for 50 ms) and returns the milliseconds
// from the cancel to Generate's return.
func stopLatency(g *llm.Generator, q string, cits []core.Citation, after int) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	var at time.Time
	n := 0
	if after == 0 {
		go func() {
			time.Sleep(50 * time.Millisecond)
			at = time.Now()
			cancel()
		}()
	}
	_, err := g.Generate(ctx, q, cits, nil, func(string) {
		n++
		if after > 0 && n == after {
			at = time.Now()
			cancel()
		}
	})
	done := time.Now()
	cancel()
	if err == nil || at.IsZero() {
		return -1
	}
	return float64(done.Sub(at).Microseconds()) / 1000
}

// tgRate is generation tokens/s with a fresh model on threads threads.
func tgRate(model string, threads int, text string, tg int) float64 {
	g, err := llm.New(model, llm.Options{Threads: threads, Idle: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	r, err := g.Bench(context.Background(), text, 16, tg)
	if err != nil {
		log.Fatal(err)
	}
	return float64(r.GenTokens) / r.Gen.Seconds()
}

func startHogs(n int) []*exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	var cmds []*exec.Cmd
	for range n {
		c := exec.Command(self, "-hog")
		if err := c.Start(); err != nil {
			log.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	time.Sleep(200 * time.Millisecond)
	return cmds
}

func stopHogs(cmds []*exec.Cmd) {
	for _, c := range cmds {
		c.Process.Kill()
		c.Wait()
	}
}

// rss is the process's resident memory in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func llmInfo() string { return llm.SystemInfo() }
