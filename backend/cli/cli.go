// Package cli is Folio's command line: the same engine as the window, with
// no display needed.
//
//	folio [--data DIR] index [--json] [--retry] PATH...
//	folio [--data DIR] watch [--json]
//	folio [--data DIR] remove PATH...
//	folio [--data DIR] ask [--json] [FILTERS] QUESTION
//	folio [--data DIR] search [--json] [-k N] [--mode M] [FILTERS] QUERY
//	folio parse --json FILE
//	folio eval parse [--json] [-v] [--shared DIR]
//	folio eval retrieval --beir DIR [--qrels FILE] [--mode MODE] [--model DIR] [--json] [-v]
//	folio [--data DIR] embed [--model NAME] --json < texts
//	folio [--data DIR] models install [--name NAME] DIR
//	folio [--data DIR] status [--json]
//	folio [--data DIR] check [--json]
//	folio [--data DIR] repair [--json]
//	folio [--data DIR] passphrase set|change [--new-passphrase-file FILE]
//
// An encrypted library's passphrase comes from --passphrase-file FILE, else
// FOLIO_PASSPHRASE, else it is asked on the terminal.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/engine"
	"folio/backend/model"
	"folio/backend/parse/isolate"
)

// WindowFunc opens the window; the command line calls it when no
// subcommand is given.
type WindowFunc func(ctx context.Context, cfg engine.Config) error

const usage = `Folio answers questions from your documents, on your own machine.

Usage:
  folio [--data DIR]                          open the window
  folio [--data DIR] PATH...                  open the window and add these files/folders
  folio --version                             the version and the commit
  folio [--data DIR] index [--json] [--retry] PATH...
                                              add files/folders and index them
  folio [--data DIR] watch [--json]           keep the library up to date until Ctrl+C
  folio [--data DIR] remove PATH...           take folders or files out of the library
  folio [--data DIR] ask [--json] [--no-generate] QUESTION
                                              answer from the library, with citations
  folio [--data DIR] search [--json] [-k N] [--mode bm25|dense|hybrid|rerank] QUERY
                                              the best passages for a query
  ask and search take filters, each repeatable: --folder DIR, --file PATH,
  --type pdf (a format or an extension)
  folio [--data DIR] status [--json]          the library and each file's state
  folio [--data DIR] check [--json]           read back every record, text, chunk, vector and
                                              posting; print what is damaged (exit 1 if any)
  folio [--data DIR] repair [--json]          read the damaged files again from their originals
  folio parse [--json] FILE                   print a file's extracted text
  folio eval parse [--json] [-v] [--shared DIR]
                                              measure the parsers on the shared corpora
  folio eval embed [--json] [--model DIR] [--python PY]
                                              time the encoder against sentence-transformers
  folio eval retrieval --beir DIR [--qrels FILE] [--mode bm25|dense|hybrid|rerank|all] [--model DIR] [--reranker DIR] [--json] [-v]
                                              nDCG@10, recall and MRR on a BEIR dataset
  folio eval e2e --questions FILE --docs DIR [--mode bm25|hybrid] [--model DIR] [--keep DIR] [--generate] [--json] [-v]
                                              index a folder, ask its questions: right filing,
                                              evidence page and figure shown, vs page BM25
  folio [--data DIR] embed [--model NAME] --json
                                              embed one text per stdin line; one JSON
                                              array of floats per output line, in order
  folio [--data DIR] models install [--name NAME] DIR|FILE.gguf
                                              import a Hugging Face model folder, or a
                                              GGUF instruction model that writes answers
  folio [--data DIR] passphrase set [--new-passphrase-file FILE]
                                              encrypt the library with a passphrase
  folio [--data DIR] passphrase change [--new-passphrase-file FILE]
                                              change the passphrase (re-keys the library)

Global flags:
  --data DIR     the library folder (default: %s)
  --no-model     ignore any installed model (keyword search only)
  --reranker DIR a cross-encoder model folder for --mode rerank
  --passphrase-file FILE
                 the encrypted library's passphrase, on the first line of FILE
                 (else FOLIO_PASSPHRASE, else asked on the terminal)
`

// Main runs the command line and returns the process exit code: 0 on
// success, 1 on error, 2 on a usage error or (for parse) a file that could
// not be parsed.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, window WindowFunc) int {
	ctx, stop := notifyContext(stderr)
	defer stop()
	defData, _ := engine.DefaultDataDir()
	fs := flag.NewFlagSet("folio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, usage, defData) }
	var cfg engine.Config
	fs.StringVar(&cfg.DataDir, "data", "", "library folder")
	fs.BoolVar(&cfg.NoModel, "no-model", false, "ignore any installed model")
	fs.StringVar(&cfg.Reranker, "reranker", "", "cross-encoder model folder for reranking")
	passFile := fs.String("passphrase-file", "", "file holding the encrypted library's passphrase")
	showVersion := fs.Bool("version", false, "print the version and commit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		printVersion(stdout)
		return 0
	}
	rest := fs.Args()
	if paths, ok := pathArgs(rest); ok { // "Open with Folio": the window adds them
		ctx, rest = context.WithValue(ctx, openPathsKey{}, paths), nil
	}
	c := &command{ctx: ctx, cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr, passFile: *passFile}
	if len(rest) == 0 {
		wcfg, err := c.windowConfig()
		if err == nil {
			err = window(ctx, wcfg)
		}
		if err != nil {
			fmt.Fprintln(stderr, "folio:", shownMessage(err.Error()))
			return 1
		}
		return 0
	}
	var err error
	switch rest[0] {
	case "index":
		err = c.index(rest[1:])
	case "ask":
		err = c.ask(rest[1:])
	case "search":
		err = c.search(rest[1:])
	case "status":
		err = c.status(rest[1:])
	case "check":
		err = c.check(rest[1:])
	case "repair":
		err = c.repair(rest[1:])
	case "watch":
		err = c.watch(rest[1:])
	case "remove":
		err = c.remove(rest[1:])
	case "parse":
		return c.parse(rest[1:])
	case "models":
		err = c.models(rest[1:])
	case "eval":
		err = c.eval(rest[1:])
	case "embed":
		err = c.embed(rest[1:])
	case "passphrase":
		err = c.passphraseCmd(rest[1:])
	case "help", "-h", "--help":
		fs.Usage()
		return 0
	default:
		fmt.Fprintf(stderr, "folio: unknown command %q\n", rest[0])
		fs.Usage()
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "folio:", shownMessage(err.Error()))
		return 2
	default:
		fmt.Fprintln(stderr, "folio:", shownMessage(err.Error()))
		return 1
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// command holds what every subcommand needs.
type command struct {
	ctx            context.Context
	cfg            engine.Config
	stdin          io.Reader
	stdout, stderr io.Writer
	passFile       string // --passphrase-file
}

func (c *command) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// open opens the library, with its passphrase when it is encrypted.
func (c *command) open() (*engine.Engine, error) {
	cfg, err := c.unlocked()
	if err != nil {
		return nil, err
	}
	return engine.Open(c.ctx, cfg)
}

// filterFlags adds the repeatable --folder, --file and --type flags.
func filterFlags(fs *flag.FlagSet) *engine.Filter {
	var f engine.Filter
	add := func(list *[]string) func(string) error {
		return func(v string) error {
			if abs, err := filepath.Abs(v); err == nil && list != &f.Types {
				v = abs
			}
			*list = append(*list, v)
			return nil
		}
	}
	fs.Func("folder", "only use files under this folder (repeatable)", add(&f.Folders))
	fs.Func("file", "only use this file (repeatable)", add(&f.Files))
	fs.Func("type", "only use files of this type, such as pdf or docx (repeatable)", add(&f.Types))
	return &f
}

func (c *command) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (c *command) index(args []string) (err error) {
	fs := c.flags("index")
	asJSON := fs.Bool("json", false, "print a JSON summary")
	retry := fs.Bool("retry", false, "read the files again even if they look unchanged (after fixing why they failed)")
	if err := fs.Parse(args); err != nil {
		return usageError{"index: " + err.Error()}
	}
	if fs.NArg() == 0 {
		return usageError{"index: give at least one file or folder"}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	bar := newProgressLine(c.stderr)
	run := eng.Index
	if *retry {
		run = eng.Retry
	}
	rep, err := run(c.ctx, fs.Args(), bar.update)
	bar.done()
	for _, fe := range rep.Errors {
		fmt.Fprintf(c.stderr, "failed: %s: %s\n", shown(fe.Path), shownMessage(fe.Reason))
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(rep)
	}
	fmt.Fprintln(c.stdout, summary(rep)+fmt.Sprintf(" (%s search)", eng.Status().Mode))
	return nil
}

// summary is one line about an indexing run.
func summary(rep engine.IndexReport) string {
	return fmt.Sprintf("%d files: %d new, %d changed, %d unchanged, %d moved, %d removed, %d skipped, %d failed; %d chunks embedded in %.1fs",
		rep.Files, rep.New, rep.Changed, rep.Unchanged, rep.Moved, rep.Removed, rep.Skipped, rep.Failed, rep.ChunksEmbedded, rep.Seconds)
}

// watch keeps the library up to date in the foreground until interrupted.
func (c *command) watch(args []string) (err error) {
	fs := c.flags("watch")
	asJSON := fs.Bool("json", false, "print each run's summary as a JSON line")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError{"watch: usage: folio watch [--json]"}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	fmt.Fprintln(c.stderr, "watching the library for changes; Ctrl+C stops")
	bar := newProgressLine(c.stderr)
	err = eng.Watch(c.ctx, func(rep engine.IndexReport) {
		bar.done()
		for _, fe := range rep.Errors {
			fmt.Fprintf(c.stderr, "failed: %s: %s\n", shown(fe.Path), shownMessage(fe.Reason))
		}
		if *asJSON {
			_ = c.printJSON(rep)
			return
		}
		fmt.Fprintf(c.stdout, "%s %s\n", time.Now().Format("15:04:05"), summary(rep))
	}, bar.update)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// remove takes folders or files out of the library.
func (c *command) remove(args []string) (err error) {
	fs := c.flags("remove")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return usageError{"remove: usage: folio remove PATH..."}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	var missing []error // paths not in the library: the others are still removed
	for _, p := range fs.Args() {
		n, err := eng.RemoveRoot(c.ctx, p)
		if errors.Is(err, core.ErrNotFound) {
			missing = append(missing, err)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %s (%d files)\n", shown(p), n)
	}
	return errors.Join(missing...)
}

func (c *command) ask(args []string) (err error) {
	fs := c.flags("ask")
	asJSON := fs.Bool("json", false, "print JSON")
	noGen := fs.Bool("no-generate", false, "give the extracted answer even when a generator is set up")
	filter := filterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{"ask: " + err.Error()}
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return usageError{"ask: give a question"}
	}
	c.cfg.NoGenerate = c.cfg.NoGenerate || *noGen
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	ans, streamed, err := c.answer(eng, q, *filter, !*noGen, !*asJSON)
	if err != nil {
		return err
	}
	if *asJSON {
		type cite struct {
			N          int         `json:"n"`
			Path       string      `json:"path"`
			Page       int         `json:"page"`
			Start      int         `json:"start"`
			End        int         `json:"end"`
			Location   string      `json:"location,omitempty"`
			Text       string      `json:"text"`
			Highlights []core.Span `json:"highlights"`
		}
		out := struct {
			Answer    string        `json:"answer"`
			Mode      string        `json:"mode"`
			Generated bool          `json:"generated"`
			Model     string        `json:"model"`
			Notice    string        `json:"notice,omitempty"`
			Citations []cite        `json:"citations"`
			Sentences []askSentence `json:"sentences"`
		}{Answer: ans.Text, Mode: ans.Mode, Generated: ans.Mode == "generated", Model: ans.Model, Notice: ans.Notice, Citations: []cite{}, Sentences: askSentences(ans.Claims)}
		for _, ci := range ans.Citations {
			out.Citations = append(out.Citations, cite{ci.N, ci.Path, ci.Page, ci.Start, ci.End, ci.Location, ci.Text, ci.Highlights})
		}
		return c.printJSON(out)
	}
	if !streamed {
		fmt.Fprintln(c.stdout, ans.Text)
	}
	if len(ans.Citations) > 0 {
		fmt.Fprintln(c.stdout)
	}
	for _, ci := range ans.Citations {
		fmt.Fprintf(c.stdout, "[%d] %s%s, bytes %d-%d\n", ci.N, shown(ci.Path), shownMessage(where(ci)), ci.Start, ci.End)
	}
	if ans.Mode == "keyword" {
		fmt.Fprintln(c.stderr, "(keyword search only: no embedding model is installed)")
	}
	return nil
}

// where describes a citation's location for the text output.
func where(ci core.Citation) string {
	switch {
	case ci.Location != "":
		return ", " + ci.Location
	case ci.Page > 0:
		return fmt.Sprintf(", page %d", ci.Page)
	}
	return ""
}

func (c *command) search(args []string) (err error) {
	fs := c.flags("search")
	asJSON := fs.Bool("json", false, "print JSON")
	k := fs.Int("k", 10, "number of hits")
	mode := fs.String("mode", "", "bm25, dense, hybrid or rerank (default: the best available)")
	filter := filterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{"search: " + err.Error()}
	}
	if *k < 1 {
		return usageError{fmt.Sprintf("search: -k %d: give the number of hits wanted, at least 1", *k)}
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return usageError{"search: give a query"}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	hits, err := eng.Search(c.ctx, q, engine.SearchOptions{K: *k, Mode: *mode, Filter: *filter})
	if err != nil {
		return err
	}
	if *asJSON {
		type hit struct {
			Path  string  `json:"path"`
			Page  int     `json:"page"`
			Start int     `json:"start"`
			End   int     `json:"end"`
			Score float64 `json:"score"`
			Text  string  `json:"text"`
		}
		out := struct {
			Hits []hit `json:"hits"`
		}{Hits: []hit{}}
		for _, h := range hits {
			out.Hits = append(out.Hits, hit{h.Path, h.Page, h.Start, h.End, h.Score, h.Text})
		}
		return c.printJSON(out)
	}
	for i, h := range hits {
		fmt.Fprintf(c.stdout, "%d. %s%s (%.4f)\n   %s\n", i+1, shown(h.Path), pageLabel(h.Page), h.Score, core.OneLine(h.Text, 200))
	}
	return nil
}

func (c *command) status(args []string) (err error) {
	fs := c.flags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return usageError{"status: " + err.Error()}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	lib, err := eng.Library(c.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return c.printJSON(struct {
			Status engine.Status      `json:"status"`
			Files  []engine.FileState `json:"files"`
		}{eng.Status(), lib.Files})
	}
	st := eng.Status()
	fmt.Fprintf(c.stdout, "library %s: %d documents, %d chunks, %d vectors, %s search\n", shown(st.DataDir), st.Docs, st.Chunks, st.Vectors, st.Mode)
	if st.Rebuilding {
		fmt.Fprintln(c.stdout, "the vector index is being rebuilt; searches scan every vector until it is ready")
	}
	for _, f := range lib.Files {
		line := fmt.Sprintf("%-8s %s", f.State, shown(f.Path))
		if f.OCRPages > 0 {
			line += fmt.Sprintf(" (OCR: %d of %d pages, mean confidence %.0f%%)", f.OCRPages, f.Pages, f.OCRConfidence)
			if f.OCRRegionPages > 0 {
				line = line[:len(line)-1] + fmt.Sprintf("; %d of them only their pictures)", f.OCRRegionPages)
			}
		}
		if f.Reason != "" {
			line += ": " + shownMessage(f.Reason)
		}
		fmt.Fprintln(c.stdout, line)
	}
	return nil
}

// parse prints one file's extracted text. It exits with 2 when the file
// cannot be parsed, printing {"error": ...} in JSON mode.
func (c *command) parse(args []string) int {
	fs := c.flags("parse")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(c.stderr, "folio: usage: folio parse [--json] FILE")
		return 2
	}
	doc, err := isolate.NewRegistry(isolate.Config{}).Parse(c.ctx, fs.Arg(0))
	if err != nil {
		if *asJSON {
			_ = c.printJSON(map[string]string{"error": err.Error()})
		}
		fmt.Fprintln(c.stderr, "folio:", shownMessage(err.Error()))
		return 2
	}
	if *asJSON {
		if err := c.printJSON(doc); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintln(c.stdout, doc.Text)
	for _, w := range doc.Warnings {
		fmt.Fprintln(c.stderr, "warning:", shownMessage(w))
	}
	return 0
}

func (c *command) embed(args []string) error {
	const use = "embed: usage: folio [--data DIR] embed [--model NAME] --json < texts"
	fs := c.flags("embed")
	name := fs.String("model", "", "installed model to use (default: the active one)")
	fs.Bool("json", true, "print one JSON array per line (the only format)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError{use}
	}
	dir, err := c.modelDir(*name)
	if err != nil {
		return err
	}
	enc, err := encoder.Open(dir)
	if err != nil {
		return err
	}
	in := bufio.NewScanner(c.stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	out := bufio.NewWriter(c.stdout)
	var batch []string
	var line []byte
	flush := func() error {
		vecs, err := enc.Embed(c.ctx, batch)
		if err != nil {
			return err
		}
		for _, v := range vecs {
			line = appendVector(line[:0], v)
			if _, err := out.Write(line); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return out.Flush()
	}
	for in.Scan() {
		batch = append(batch, strings.TrimSuffix(in.Text(), "\r"))
		if len(batch) == embedBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("embed: reading stdin: %w", err)
	}
	return flush()
}

// appendVector writes v as a JSON array and a newline, each float in the
// shortest form that reads back as the same float32.
func appendVector(b []byte, v []float32) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return append(b, ']', '\n')
}

// modelDir finds an installed model: name, or the active one.
func (c *command) modelDir(name string) (string, error) {
	dataDir := c.cfg.DataDir
	if dataDir == "" {
		d, err := engine.DefaultDataDir()
		if err != nil {
			return "", err
		}
		dataDir = d
	}
	if name != "" {
		dir := filepath.Join(dataDir, model.ModelsDir, name)
		if err := model.Validate(dir); err != nil {
			return "", fmt.Errorf("model %q: %w", name, err)
		}
		return dir, nil
	}
	dir, ok := model.Active(dataDir)
	if !ok {
		return "", fmt.Errorf("%w in %s; install one with `folio models install DIR`", core.ErrNoModel, dataDir)
	}
	return dir, nil
}

func (c *command) models(args []string) error {
	if len(args) == 0 || args[0] != "install" {
		return usageError{"models: usage: folio models install [--name NAME] DIR|FILE.gguf"}
	}
	fs := c.flags("models install")
	name := fs.String("name", "", "name to install the model under (default: from the folder)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		return usageError{"models: usage: folio models install [--name NAME] DIR|FILE.gguf"}
	}
	dataDir := c.cfg.DataDir
	if dataDir == "" {
		d, err := engine.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = d
	}
	if isGGUF(fs.Arg(0)) {
		return c.installGGUF(fs.Arg(0), *name)
	}
	dir, err := model.Install(c.ctx, fs.Arg(0), dataDir, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "installed %s\nRun `folio index` (or open the window) to embed the library with it.\n", shown(dir))
	return nil
}

func pageLabel(p int) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf(", page %d", p)
}
