// Command indexbench measures Folio's indexing as issue 6 asks, each figure
// next to a reference measured in the same run:
//
//   - corpus: every PDF and Office file of ../shared/data, indexed by the
//     command line with and without the model: time, files/s, chunks/s,
//     peak memory and CPU (the child's rusage, its sandboxed parsers
//     included); the encoder's share of CPU is the difference between the
//     two runs over the CPU of the run with the model.
//   - gen: the same for a generated library of small text and Markdown
//     files of real text (SciFact abstracts, XQuAD paragraphs) in nested
//     folders, from a fixed seed.
//   - edit: that library opened with the model and watched; one paragraph
//     of a file is edited and a search polled until it finds the new text,
//     with the chunks re-embedded against those that changed; reference: a
//     plain Index of the file after such an edit, without the watcher.
//   - kill: `folio index` of the generated library killed with SIGKILL at
//     seeded random moments; after each kill `folio status` and `folio
//     search` must work; a last run finishes, and the library must equal
//     one indexed without interruption (files, states, chunk texts, a
//     vector per chunk, vectors to cosine ≥ 0.9999).
//
// Run it from the repository:
//
//	go run ./tools/indexbench -json                 # everything, 10,000 files, 20 kills
//	go run ./tools/indexbench -files 1000 -kills 5  # a quick look
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"folio/backend/parse/isolate"
)

// report is everything measured, as -json prints it.
type report struct {
	Started   string      `json:"started"`
	LoadStart string      `json:"loadavg_start"`
	LoadEnd   string      `json:"loadavg_end"`
	Seconds   float64     `json:"seconds"`
	Corpus    *corpusRep  `json:"corpus,omitempty"`
	Gen       *corpusRep  `json:"gen,omitempty"`
	Edit      *editReport `json:"edit,omitempty"`
	Kill      *killReport `json:"kill,omitempty"`
}

// corpusRep is one corpus indexed with and without the model.
type corpusRep struct {
	Name      string   `json:"name"`
	Files     int      `json:"files"`
	Bytes     int64    `json:"bytes"`
	NoModel   indexRun `json:"no_model"`
	WithModel indexRun `json:"with_model"`
	// EncoderCPUShare is (CPU with model − CPU without) / CPU with model:
	// the encoder's share, vector storage included.
	EncoderCPUShare float64 `json:"encoder_cpu_share"`
	TimeRatio       float64 `json:"time_ratio"` // with model / without, wall time
	MemRatio        float64 `json:"mem_ratio"`  // with model / without, peak RSS
}

type config struct {
	shared, modelDir, work, folioBin string
	reportFile                       string
	files, kills, edits, seed        int
	killMax                          float64
	only                             map[string]bool
	keep, asJSON, debug              bool
}

// reserved is how many XQuAD paragraphs are kept out of the generated
// library for the edits (two per edit), whatever -edits says, so a library
// kept with -keep serves any later -edits.
const reserved = 20

var verbose = true

// logf prints progress to stderr.
func logf(format string, a ...any) {
	if verbose {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
}

func main() {
	// The engine's sandboxed parsers run this binary as their child.
	isolate.RunChildIfRequested()
	var cfg config
	var only string
	flag.StringVar(&cfg.shared, "shared", "../shared", "the shared folder (data/pdf, data/office, data/retrieval/scifact, data/qa)")
	flag.StringVar(&cfg.modelDir, "model", ".cache/models/all-MiniLM-L6-v2", "the embedding model folder")
	flag.StringVar(&cfg.work, "work", "", "work folder (default: a temporary one, removed at the end unless -keep)")
	flag.StringVar(&cfg.folioBin, "folio", "", "the folio binary (default: build it, with cgo)")
	flag.IntVar(&cfg.files, "files", 10000, "files in the generated library")
	flag.IntVar(&cfg.kills, "kills", 20, "kill -9 rounds")
	flag.IntVar(&cfg.edits, "edits", 5, "paragraph edits timed")
	flag.IntVar(&cfg.seed, "seed", 1, "random seed (library, edits, kill moments)")
	flag.Float64Var(&cfg.killMax, "kill-max", 40, "the latest moment of a kill, in seconds after its run starts")
	flag.StringVar(&only, "only", "corpus,gen,edit,kill", "which parts to run, comma-separated")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work folder")
	flag.BoolVar(&cfg.asJSON, "json", false, "print one JSON object")
	flag.StringVar(&cfg.reportFile, "report", "", "also write the JSON report to this file")
	flag.BoolVar(&cfg.debug, "v", false, "log the engine's debug messages in the edit test")
	flag.Parse()
	cfg.only = map[string]bool{}
	for _, p := range strings.Split(only, ",") {
		switch p = strings.TrimSpace(p); p {
		case "corpus", "gen", "edit", "kill":
			cfg.only[p] = true
		default:
			fmt.Fprintf(os.Stderr, "indexbench: unknown part %q in -only (corpus, gen, edit, kill)\n", p)
			os.Exit(2)
		}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, cfg)
	if rep != nil && cfg.reportFile != "" {
		if b, jerr := json.MarshalIndent(rep, "", "  "); jerr == nil {
			_ = os.WriteFile(cfg.reportFile, b, 0o644)
		}
	}
	if err != nil {
		if rep != nil {
			printReport(rep, cfg.asJSON)
		}
		fmt.Fprintln(os.Stderr, "indexbench:", err)
		os.Exit(1)
	}
	printReport(rep, cfg.asJSON)
}

func run(ctx context.Context, cfg config) (*report, error) {
	start := time.Now()
	rep := &report{Started: start.Format(time.RFC3339), LoadStart: loadavg()}
	var err error
	for _, p := range []*string{&cfg.shared, &cfg.modelDir} {
		if *p, err = filepath.Abs(*p); err != nil {
			return nil, err
		}
	}
	if cfg.work == "" {
		if cfg.work, err = os.MkdirTemp("", "folio-indexbench-"); err != nil {
			return nil, err
		}
		if !cfg.keep {
			defer os.RemoveAll(cfg.work)
		}
	} else if cfg.work, err = filepath.Abs(cfg.work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return nil, err
	}
	logf("work folder %s", cfg.work)
	bin := cfg.folioBin
	if bin == "" {
		if bin, err = buildFolio(ctx, cfg.work); err != nil {
			return nil, err
		}
	}
	if cfg.edits < 1 || 2*cfg.edits > reserved {
		return nil, fmt.Errorf("-edits takes 1 to %d", reserved/2)
	}
	t, err := loadTexts(cfg.shared, reserved, rand.New(rand.NewPCG(uint64(cfg.seed), 3)))
	if err != nil {
		return nil, err
	}
	finish := func() *report {
		rep.Seconds = time.Since(start).Seconds()
		rep.LoadEnd = loadavg()
		return rep
	}

	if cfg.only["corpus"] {
		dir := filepath.Join(cfg.work, "corpus")
		n, size, err := copyCorpus(cfg.shared, dir)
		if err != nil {
			return finish(), err
		}
		logf("corpus: %d PDF and Office files, %.1f MiB", n, float64(size)/(1<<20))
		c, err := measure(ctx, bin, cfg, "corpus", dir, n, size)
		if err != nil {
			return finish(), err
		}
		rep.Corpus = c
	}

	// The generated library; its index with the model is the edit test's
	// library and the kill test's reference, so the kill test runs before
	// the edits change it.
	var paths []string
	gen := filepath.Join(cfg.work, "gen")
	genLib := filepath.Join(cfg.work, "lib-gen-model")
	expected := 0.0 // seconds of an uninterrupted index with the model
	if cfg.only["gen"] || cfg.only["edit"] || cfg.only["kill"] {
		fresh := false
		if paths, fresh, err = generateOnce(gen, cfg.files, t, uint64(cfg.seed)); err != nil {
			return finish(), err
		}
		if fresh {
			_ = os.Remove(genLib + ".json") // indexed from other files
		}
		size := int64(0)
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil {
				size += fi.Size()
			}
		}
		logf("generated %d files (%.1f MiB) in %s", len(paths), float64(size)/(1<<20), gen)
		if cfg.only["gen"] {
			g, err := measure(ctx, bin, cfg, "gen", gen, len(paths), size)
			if err != nil {
				return finish(), err
			}
			rep.Gen = g
			expected = g.WithModel.Seconds
			markIndexed(genLib, g.WithModel)
		}
	}
	if !cfg.only["gen"] && (cfg.only["edit"] || cfg.only["kill"]) {
		r, ok := reusable(genLib)
		if ok {
			logf("reusing the indexed library %s", genLib)
		} else {
			logf("indexing the generated library with the model (the reference)")
			if r, err = timeIndex(ctx, bin, genLib, gen, cfg.modelDir); err != nil {
				return finish(), err
			}
			markIndexed(genLib, r)
		}
		expected = r.Seconds
		if cfg.only["kill"] {
			rep.Kill = &killReport{ReferenceIndex: &r}
		}
	}

	if cfg.only["kill"] {
		// Kills land within the first killMax seconds of each run and,
		// on average, about an equal share of the uninterrupted run apart,
		// so together they spread over the indexing.
		maxDelay := min(cfg.killMax, max(2, 2*expected/float64(max(1, cfg.kills))))
		logf("kill test: %d kills within 0.2–%.1f s of each run (uninterrupted run %.0f s)", cfg.kills, maxDelay, expected)
		k, err := killTest(ctx, bin, cfg.work, gen, cfg.modelDir, genLib, t, cfg.kills, maxDelay, uint64(cfg.seed))
		if rep.Kill != nil {
			k.ReferenceIndex = rep.Kill.ReferenceIndex
		}
		rep.Kill = &k
		if err != nil {
			return finish(), fmt.Errorf("kill test: %w", err)
		}
	}

	if cfg.only["edit"] {
		logf("edit test: %d edits in the %d-file library", cfg.edits, len(paths))
		ed, err := editTest(ctx, genLib, cfg.modelDir, cfg.work, paths, t, cfg.edits, uint64(cfg.seed), cfg.debug)
		rep.Edit = &ed
		if err != nil {
			return finish(), fmt.Errorf("edit test: %w", err)
		}
	}
	return finish(), nil
}

// measure indexes dir without and then with the model.
func measure(ctx context.Context, bin string, cfg config, name, dir string, files int, size int64) (*corpusRep, error) {
	c := &corpusRep{Name: name, Files: files, Bytes: size}
	var err error
	logf("%s: indexing without the model", name)
	if c.NoModel, err = timeIndex(ctx, bin, filepath.Join(cfg.work, "lib-"+name+"-nomodel"), dir, ""); err != nil {
		return nil, err
	}
	logf("%s: %s", name, c.NoModel.line())
	logf("%s: indexing with the model", name)
	if c.WithModel, err = timeIndex(ctx, bin, filepath.Join(cfg.work, "lib-"+name+"-model"), dir, cfg.modelDir); err != nil {
		return nil, err
	}
	logf("%s: %s", name, c.WithModel.line())
	if c.WithModel.CPUSeconds > 0 {
		c.EncoderCPUShare = (c.WithModel.CPUSeconds - c.NoModel.CPUSeconds) / c.WithModel.CPUSeconds
	}
	if c.NoModel.Seconds > 0 {
		c.TimeRatio = c.WithModel.Seconds / c.NoModel.Seconds
	}
	if c.NoModel.PeakMiB > 0 {
		c.MemRatio = c.WithModel.PeakMiB / c.NoModel.PeakMiB
	}
	return c, nil
}

func (r indexRun) line() string {
	mode := "without model"
	if r.Model {
		mode = "with model   "
	}
	return fmt.Sprintf("%s %6d files (%d failed, %d skipped), %6d chunks (%d embedded) in %7.1f s: %7.1f files/s, %6.1f chunks/s; CPU %.1f s (%.2f cores); peak %.0f MiB",
		mode, r.Files, r.Failed, r.Skipped, r.Chunks, r.ChunksEmbedded, r.Seconds, r.FilesPerSec, r.ChunksPerSec, r.CPUSeconds, r.CPUCores, r.PeakMiB)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func printReport(rep *report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "indexbench:", err)
		}
		return
	}
	fmt.Printf("indexbench, %s; load average %s at the start, %s at the end; %.0f s in all\n", rep.Started, rep.LoadStart, rep.LoadEnd, rep.Seconds)
	for _, c := range []*corpusRep{rep.Corpus, rep.Gen} {
		if c == nil {
			continue
		}
		title := "all PDF and Office files of ../shared/data"
		if c.Name == "gen" {
			title = "generated library of small text/Markdown files"
		}
		fmt.Printf("\nindex: %s (%d files, %.1f MiB)\n", title, c.Files, float64(c.Bytes)/(1<<20))
		fmt.Printf("  %s\n  %s\n", c.NoModel.line(), c.WithModel.line())
		fmt.Printf("  with/without model: time %.2f×, peak memory %.2f×; encoder share of CPU with the model %.1f%% (target ≥ 80%%)\n",
			c.TimeRatio, c.MemRatio, 100*c.EncoderCPUShare)
	}
	if k := rep.Kill; k != nil {
		fmt.Printf("\nkill test: %d × kill -9 during `folio index` of %d files (kills 0.2–%.1f s into each run), %.0f s in all\n", k.Kills, k.Files, k.MaxDelay, k.Seconds)
		if r := k.ReferenceIndex; r != nil {
			fmt.Printf("  reference, indexed once: %s\n", r.line())
		}
		for i, r := range k.Rounds {
			state := "killed"
			if r.Finished {
				state = "finished first"
			}
			fmt.Printf("  %2d. %5.1f s %-14s status %-5v search %-5v (%d hits)  read %5d files, %6d chunks, %6d vectors%s\n",
				i+1, r.DelaySeconds, state, r.StatusOK, r.SearchOK, r.Hits, r.Read, r.Chunks, r.Vectors, errSuffix(r.Error))
		}
		fmt.Printf("  opened and searched fine after %d of %d kills\n", k.OpenedAndFound, k.Kills)
		for _, g := range k.Regressions {
			fmt.Printf("  REGRESSION: %s\n", g)
		}
		f := k.Final
		fmt.Printf("  resumed run: %d files: %d new, %d changed, %d unchanged, %d failed; %d chunks embedded in %.1f s\n",
			f.Files, f.New, f.Changed, f.Unchanged, f.Failed, f.ChunksEmbedded, f.Seconds)
		fmt.Printf("  work redone by the resumed run: %d files read again, %d chunks embedded again (0 and 0 expected)\n", k.RedoneFiles, k.RedoneChunks)
		c := k.Compare
		fmt.Printf("  against the uninterrupted library: %d files, %d chunks compared; matched %v; min cosine %.6f; %d chunks without a vector; %d orphan vectors\n",
			c.Files, c.Chunks, c.Matched, c.MinCosine, c.MissingVecs, c.OrphanVecs)
		for _, d := range c.Differences {
			fmt.Printf("    %s\n", d)
		}
		if c.DiffCount > len(c.Differences) {
			fmt.Printf("    … %d differences in all\n", c.DiffCount)
		}
	}
	if e := rep.Edit; e != nil {
		fmt.Printf("\nedit latency: one paragraph edited in a file of the %d-file library, watched (start-up rescan %.1f s, %d chunks embedded)\n", e.Files, e.RescanSeconds, e.RescanEmbedded)
		for _, ed := range e.Watched {
			fmt.Printf("  %-40s found after %6.0f ms (run done %6.0f ms, %d run(s)); %d of %d chunks re-embedded, %d changed\n",
				rel(ed.Path), ed.SearchMs, ed.RunMs, ed.Runs, ed.Embedded, ed.ChunksAfter, ed.Changed)
		}
		fmt.Printf("  search finds the new text: median %.0f ms, max %.0f ms (target < 2000 ms); one poll's search %.1f ms\n", e.SearchP50ms, e.SearchMaxms, e.PollSearchMs)
		fmt.Printf("  reference, a plain Index of the edited file (no watcher):\n")
		for _, ed := range e.Direct {
			fmt.Printf("  %-40s indexed in %6.0f ms, found after %6.0f ms; %d of %d chunks re-embedded, %d changed\n",
				rel(ed.Path), ed.RunMs, ed.SearchMs, ed.Embedded, ed.ChunksAfter, ed.Changed)
		}
		fmt.Printf("  direct: median %.0f ms, max %.0f ms; the watcher's debounce and batching are %.0f%% of the watched median\n", e.DirectP50ms, e.DirectMaxms, 100*e.DebounceShare)
		fmt.Printf("  chunks embedded beyond those that changed, over all edits: %d\n", e.ExtraEmbedded)
	}
}

// rel shortens a generated file's path to its part under gen/.
func rel(p string) string {
	if i := strings.Index(p, string(filepath.Separator)+"gen"+string(filepath.Separator)); i >= 0 {
		return p[i+5:]
	}
	return p
}
