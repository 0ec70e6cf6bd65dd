package cli

import (
	"fmt"
	"os"

	"folio/backend/engine"
	"folio/backend/evaluate"
	"folio/backend/model"
)

// evalE2E indexes a folder of real documents into a fresh library with the
// product's own settings, asks every question as the window does, and
// scores the filing, pages and figures cited, beside a page-BM25 reference.
func (c *command) evalE2E(args []string) (err error) {
	const use = "eval e2e: usage: folio eval e2e --questions FILE --docs DIR [--mode bm25|hybrid] [--model DIR] [--keep DIR] [--generate [--gen-model FILE.gguf]] [--json] [-v]"
	fs := c.flags("eval e2e")
	questions := fs.String("questions", "", "questions, JSON Lines in FinanceBench's format (evidence pages zero-based)")
	docs := fs.String("docs", "", "the folder of documents to index")
	mode := fs.String("mode", "", "bm25 (keywords only, no model) or hybrid (default hybrid with a model, else bm25)")
	dir := fs.String("model", "", "embedding model folder (default: the active model of --data)")
	keep := fs.String("keep", "", "keep the library in DIR, and reuse it when it is there already (only unchanged files are skipped)")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "print every question's outcome")
	generate := fs.Bool("generate", false, "have the generator write the answers, and score answer_hit")
	genModel := fs.String("gen-model", "", "GGUF generator model file (default: the one installed in --data)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *questions == "" || *docs == "" {
		return usageError{use}
	}
	switch *mode {
	case "bm25":
		*dir = ""
	case "", "hybrid":
		if *dir == "" && !c.cfg.NoModel {
			if d, err := c.modelDir(""); err == nil {
				*dir = d
			}
		}
		if *mode == "hybrid" && *dir == "" {
			return fmt.Errorf("eval e2e: mode hybrid needs an embedding model: give --model DIR or install one with `folio models install DIR`")
		}
	default:
		return usageError{use}
	}
	if *generate && *genModel == "" {
		if p, ok := model.ActiveGenerator(c.dataDir()); ok {
			*genModel = p
		} else {
			return fmt.Errorf("eval e2e --generate: no generator model installed; give one with --gen-model FILE.gguf")
		}
	}
	data := *keep
	if data == "" {
		d, err := os.MkdirTemp("", "folio-eval-e2e-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		data = d
	}
	cfg := c.cfg
	cfg.DataDir, cfg.ModelDir, cfg.NoModel = data, *dir, *dir == ""
	cfg.NoGenerate, cfg.GeneratorModel = !*generate, *genModel
	eng, err := engine.Open(c.ctx, cfg)
	if err != nil {
		return fmt.Errorf("eval e2e: %w", err)
	}
	defer closeLibrary(eng, &err)
	if *generate && eng.LocalModel() == "" {
		return fmt.Errorf("eval e2e --generate: the generator did not start on %s (a build without it, or see the log)", *genModel)
	}
	ecfg := evaluate.E2EConfig{Questions: *questions, Docs: *docs, Generate: *generate}
	show, clear := c.evalStatus(*asJSON)
	ecfg.Progress = func(stage string, done, total int) { show("%s %d/%d", stage, done, total) }
	rep, err := evaluate.E2E(c.ctx, ecfg, engineAsker{eng})
	clear()
	if err != nil {
		return fmt.Errorf("eval e2e: %w", err)
	}
	if *asJSON {
		if !*verbose {
			rep.PerQuestion = nil
		}
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout, *verbose)
	return nil
}
