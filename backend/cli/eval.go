// The eval subcommands: the parsers, the encoder, retrieval and answers
// measured on the shared corpora.

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/evaluate"
	"folio/backend/model"
)

// evalStatus returns how an evaluation shows its progress (one line on
// stderr, redrawn in place) and how it clears that line; with --json both
// do nothing, so standard error stays free of it.
func (c *command) evalStatus(asJSON bool) (show func(format string, a ...any), clear func()) {
	if asJSON {
		return func(string, ...any) {}, func() {}
	}
	return func(format string, a ...any) { fmt.Fprintf(c.stderr, "\r\033[K  "+format, a...) },
		func() { fmt.Fprint(c.stderr, "\r\033[K") }
}

func (c *command) eval(args []string) error {
	const use = "eval: usage: folio eval parse [--json] [-v] [--shared DIR] | folio eval embed [--json] [--shared DIR] [--model DIR] [--python PY] [-n N] [--busy N]"
	if len(args) > 0 && args[0] == "embed" {
		return c.evalEmbed(args[1:], use)
	}
	if len(args) > 0 && args[0] == "retrieval" {
		return c.evalRetrieval(args[1:])
	}
	if len(args) > 0 && args[0] == "qa" {
		return c.evalQA(args[1:])
	}
	if len(args) > 0 && args[0] == "ocr" {
		return c.evalOCR(args[1:])
	}
	if len(args) > 0 && args[0] == "e2e" {
		return c.evalE2E(args[1:])
	}
	if len(args) == 0 || args[0] != "parse" {
		return usageError{use}
	}
	fs := c.flags("eval parse")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "print every file's outcome and ratio")
	shared := fs.String("shared", "../shared", "the shared folder holding data/pdf/pdfjs and data/office")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return usageError{use}
	}
	cfg := evaluate.ParsingConfig{Data: filepath.Join(*shared, "data")}
	show, clear := c.evalStatus(*asJSON)
	cfg.Progress = func(f string) { show("reading %s", f) }
	rep, err := evaluate.Parsing(c.ctx, cfg)
	clear()
	if err != nil {
		return fmt.Errorf("eval parse: %w", err)
	}
	if *asJSON {
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout, *verbose)
	return nil
}

// evalEmbed times the encoder on SciFact against sentence-transformers.
func (c *command) evalEmbed(args []string, use string) error {
	fs := c.flags("eval embed")
	asJSON := fs.Bool("json", false, "print JSON")
	shared := fs.String("shared", "../shared", "the shared folder holding data/retrieval/scifact")
	dir := fs.String("model", "", "model folder (default: the active model of --data)")
	python := fs.String("python", "", "Python with torch and sentence-transformers, for the reference run (default: none)")
	script := fs.String("script", "scripts/bench_embed_reference.py", "the reference script")
	n := fs.Int("n", 1000, "how many abstracts to embed")
	busy := fs.Int("busy", 0, "also measure both sides beside this many busy-looping processes")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *busy < 0 {
		return usageError{use}
	}
	if *dir == "" {
		d, err := c.modelDir("")
		if err != nil {
			return err
		}
		*dir = d
	}
	rep, err := evaluate.Embedding(c.ctx, evaluate.EmbeddingConfig{
		Data: filepath.Join(*shared, "data"), ModelDir: *dir, Docs: *n, Python: *python, Script: *script,
		Busy: *busy,
	})
	if err != nil {
		return fmt.Errorf("eval embed: %w", err)
	}
	if *asJSON {
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout)
	return nil
}

// evalRetrieval scores search on a BEIR dataset. --mode takes one mode, a
// comma-separated list or "all" (bm25, dense, hybrid over one index; one
// report, or JSON line, per mode).
func (c *command) evalRetrieval(args []string) error {
	const use = "eval retrieval: usage: folio eval retrieval --beir DIR [--qrels FILE] [--mode bm25|dense|hybrid|rerank|all] [--model DIR] [--json] [-v]"
	fs := c.flags("eval retrieval")
	beir := fs.String("beir", "", "the BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)")
	qrels := fs.String("qrels", "", "relevance file (default qrels/test.tsv, else qrels/train.tsv)")
	mode := fs.String("mode", "", "bm25, dense, hybrid or rerank (default hybrid with a model, else bm25)")
	dir := fs.String("model", "", "embedding model folder (default: the active model of --data)")
	reranker := fs.String("reranker", c.cfg.Reranker, "cross-encoder model folder, for --mode rerank")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "print every query's figures")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *beir == "" {
		return usageError{use}
	}
	if *dir == "" && !c.cfg.NoModel {
		if d, err := c.modelDir(""); err == nil {
			*dir = d
		}
	}
	var modes []string
	if *mode == "all" {
		modes = []string{evaluate.ModeBM25, evaluate.ModeDense, evaluate.ModeHybrid}
	} else {
		modes = strings.Split(*mode, ",")
	}
	cfg := evaluate.RetrievalConfig{BEIR: *beir, Qrels: *qrels, ModelDir: *dir, Reranker: *reranker}
	show, clear := c.evalStatus(*asJSON)
	cfg.Progress = func(stage string, done, total int) { show("%s %d/%d", stage, done, total) }
	reps, err := evaluate.RetrievalModes(c.ctx, cfg, modes)
	clear()
	if err != nil {
		return fmt.Errorf("eval retrieval: %w", err)
	}
	for _, rep := range reps {
		if *asJSON {
			if err := c.printJSON(rep); err != nil {
				return err
			}
			continue
		}
		rep.WriteText(c.stdout, *verbose)
	}
	return nil
}

// evalQA asks every question of a SQuAD-format file of a fresh library
// holding its contexts, and scores the answers' highlights.
func (c *command) evalQA(args []string) (err error) {
	const use = "eval qa: usage: folio eval qa --squad FILE [--model DIR] [--qa-model DIR] [--generate [--gen-model FILE.gguf]] [--distractors corpus.jsonl [--distractor-docs N]] [-n N] [--json] [-v]"
	fs := c.flags("eval qa")
	squad := fs.String("squad", "", "a SQuAD v1.1-format JSON file")
	dir := fs.String("model", "", "embedding model folder (default: the active model of --data)")
	qaModel := fs.String("qa-model", c.cfg.Reader, "extractive QA model folder, to mark exact answers (default: none)")
	distract := fs.String("distractors", "", "a BEIR corpus.jsonl whose documents are indexed too, as distractors")
	ndistract := fs.Int("distractor-docs", 0, "how many distractor documents (default all)")
	n := fs.Int("n", 0, "ask only the first N questions")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "print the questions whose first sentence misses")
	generate := fs.Bool("generate", false, "have the generator write the answers, and score them")
	genModel := fs.String("gen-model", "", "GGUF generator model file (default: the one installed in --data)")
	partial := fs.Int("partial", 0, "print the figures so far every N questions, on standard error (for a long run's log)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *squad == "" {
		return usageError{use}
	}
	if *generate && *genModel == "" {
		if p, ok := model.ActiveGenerator(c.dataDir()); ok {
			*genModel = p
		} else {
			return fmt.Errorf("eval qa --generate: no generator model installed; give one with --gen-model FILE.gguf")
		}
	}
	if *dir == "" && !c.cfg.NoModel {
		if d, err := c.modelDir(""); err == nil {
			*dir = d
		}
	}
	data, err := os.MkdirTemp("", "folio-eval-qa-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	cfg := c.cfg
	cfg.DataDir, cfg.ModelDir, cfg.NoModel, cfg.Reader = data, *dir, *dir == "", *qaModel
	cfg.NoGenerate, cfg.GeneratorModel = !*generate, *genModel
	eng, err := engine.Open(c.ctx, cfg)
	if err != nil {
		return fmt.Errorf("eval qa: %w", err)
	}
	defer closeLibrary(eng, &err)
	if *generate && eng.LocalModel() == "" {
		return fmt.Errorf("eval qa --generate: the generator did not start on %s (a build without it, or see the log)", *genModel)
	}
	qcfg := evaluate.QAConfig{SQuAD: *squad, Limit: *n, Distractors: *distract, DistractorDocs: *ndistract, Generate: *generate}
	show, clear := c.evalStatus(*asJSON)
	qcfg.Progress = func(done, total int) { show("asked %d/%d", done, total) }
	qcfg.PartialEvery = *partial
	qcfg.Partial = func(done, total int, so evaluate.QAReport) {
		clear()
		fmt.Fprintf(c.stderr, "%s: after %d of %d questions (not the whole set):\n", time.Now().UTC().Format("15:04:05"), done, total)
		so.WriteText(c.stderr, false)
	}
	rep, err := evaluate.QA(c.ctx, qcfg, engineAsker{eng})
	clear()
	if err != nil {
		return fmt.Errorf("eval qa: %w", err)
	}
	if *asJSON {
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout, *verbose)
	return nil
}

// engineAsker is the engine as the QA evaluation drives it.
type engineAsker struct{ eng *engine.Engine }

func (a engineAsker) Index(ctx context.Context, paths []string) error {
	rep, err := a.eng.Index(ctx, paths, nil)
	if err == nil && len(rep.Errors) > 0 {
		err = fmt.Errorf("%d files failed, first %s: %s", len(rep.Errors), rep.Errors[0].Path, rep.Errors[0].Reason)
	}
	return err
}

func (a engineAsker) Chunks() int { return a.eng.Status().Chunks }

func (a engineAsker) Ask(ctx context.Context, q string) (core.Answer, error) {
	return a.eng.Ask(ctx, q, engine.Filter{})
}

func (a engineAsker) AskGenerated(ctx context.Context, q string) (core.Answer, core.Answer, evaluate.GenTiming, error) {
	var t evaluate.GenTiming
	var first, last time.Time
	start := time.Now()
	extracted, err := a.eng.Ask(ctx, q, engine.Filter{})
	if err != nil {
		return core.Answer{}, core.Answer{}, t, err
	}
	ans, err := a.eng.Write(ctx, q, extracted, nil, func(string) {
		last = time.Now()
		if t.Pieces == 0 {
			first = last
			t.TTFT = first.Sub(start)
		}
		t.Pieces++
	})
	if t.Pieces > 0 {
		t.Stream = last.Sub(first)
	}
	return ans, extracted, t, err
}

// embedBatch is how many stdin lines embed reads before embedding them: large
// enough for the encoder to batch similar lengths, small enough to stream.
const embedBatch = 256
