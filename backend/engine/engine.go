// Package engine wires Folio together: Open builds the store, indexes,
// parser and (when a model is installed) the encoder; its methods are what
// the window, the command line and the tests call.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"folio/backend/answer"
	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/index"
	"folio/backend/library"
	"folio/backend/model"
	"folio/backend/parse"
	"folio/backend/parse/isolate"
	"folio/backend/search"
	"folio/backend/store"
)

// Config configures an Engine. Zero fields take the defaults.
type Config struct {
	// DataDir holds the library and models (default DefaultDataDir()).
	DataDir string
	// ModelDir is the embedding model folder (default: the active model
	// installed under DataDir; none means keyword search only).
	ModelDir string
	// NoModel turns the embedding model off even when one is installed.
	NoModel bool
	// Reranker is a cross-encoder model folder; searches in rerank mode
	// need one (default: none).
	Reranker string
	// Reader is an extractive QA model folder (BertForQuestionAnswering);
	// with one, answers mark the exact answer inside their first sentence
	// (default: none).
	Reader string
	// Parser reads files (default: every supported format, PDFs in a
	// sandboxed child process).
	Parser Parser
	// Workers is how many files are parsed at once (default GOMAXPROCS).
	Workers int
	// MaxFileSize is the largest file indexed; larger ones are listed as
	// skipped, with their size (default 1 GB).
	MaxFileSize int64
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
	// NoGenerate turns the built-in generator off even when a generator
	// model is installed: answers are extracted.
	NoGenerate bool
	// GeneratorModel is a GGUF model file for the built-in generator
	// (default: the one installed in DataDir; see RegisterLocalGenerator).
	GeneratorModel string
	// Passphrase opens an encrypted library (see crypt.go); with one, a
	// library that does not exist yet is created encrypted. Empty: the
	// library is not encrypted (an encrypted one gives ErrLocked).
	Passphrase string
}

// Parser reads files into documents.
type Parser interface {
	parse.Parser
	Supports(path string) bool
}

// Embedder is the embedding model as the engine uses it.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
	MaxTokens() int
	CountTokens(text string) int
}

// Engine is an open library. Its methods are safe for concurrent use.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	parser Parser
	// embMu guards enc, modelName, vectors, searcher and composer, which
	// UseEmbedder swaps when a re-embedding completes; readers take a
	// consistent set with dense() or embedding().
	embMu     sync.RWMutex
	enc       Embedder // nil when no model is installed
	modelName string
	vectors   *index.Vectors // nil when no model is installed
	keywords  *index.Keywords
	searcher  *search.Searcher
	composer  *answer.Composer
	reembed   reembedState
	reader    answer.SpanReader // nil without a QA model
	generator genState
	ocr       ocrState
	local     LocalGenerator // the built-in generator; nil without one
	localMu   sync.Mutex     // guards local (swapped by ReloadLocalGenerator)

	lib       *library.Library
	damage    *store.DamageError // what Open found damaged, if anything
	closeOnce sync.Once
	closeErr  error
}

// DefaultDataDir is the per-user application data folder plus "Folio":
// $XDG_DATA_HOME/Folio (~/.local/share/Folio) on Linux, ~/Library/Application
// Support/Folio on macOS, %AppData%\Folio on Windows.
func DefaultDataDir() (string, error) {
	if runtime.GOOS == "linux" {
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "Folio"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find home folder: %w", err)
		}
		return filepath.Join(home, ".local", "share", "Folio"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find application data folder: %w", err)
	}
	return filepath.Join(d, "Folio"), nil
}

// Open opens (creating if needed) the library in cfg.DataDir.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		cfg.DataDir = d
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Engine{log: cfg.Logger}
	if cfg.Parser == nil {
		cfg.Parser = isolate.NewRegistry(isolate.Config{OCRLanguages: e.ocr.chosen, OCRCache: ocrCache{e}})
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	e.cfg, e.parser = cfg, cfg.Parser
	if err := e.openModel(); err != nil {
		return nil, err
	}
	st, err := openStore(cfg.DataDir, cfg.Passphrase)
	if err != nil {
		return nil, err
	}
	e.store = st
	if err := e.load(ctx); err != nil {
		st.Close()
		return nil, err
	}
	lcfg := library.Config{Store: st, Parser: cfg.Parser, Chunk: e.chunkConfig(),
		Workers: cfg.Workers, MaxFileSize: cfg.MaxFileSize, Logger: cfg.Logger, OCRLanguages: e.ocr.inUse}
	if e.enc != nil {
		lcfg.Embed, lcfg.Vectors = e.enc, e.vectors
	}
	if e.lib, err = library.New(lcfg); err != nil {
		if e.vectors != nil {
			e.vectors.Close()
		}
		st.Close()
		return nil, err
	}
	if e.damage != nil {
		if err := e.reportDamage(ctx, e.damage); err != nil {
			e.Close()
			return nil, fmt.Errorf("check the damaged library: %w", err)
		}
	}
	e.searcher = &search.Searcher{Keywords: e.keywords}
	e.composer = &answer.Composer{IDF: e.keywords.IDF, Lookup: e.lookup}
	if e.enc != nil {
		e.searcher.Vectors = e.vectors
		e.searcher.Embed = e.enc
		e.composer.Embed = e.enc
	}
	if cfg.Reader != "" {
		r, err := encoder.OpenReader(cfg.Reader)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("open QA model %s: %w", cfg.Reader, err)
		}
		e.reader = spanReader{r}
	}
	if err := e.loadOCRLanguages(); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.loadGenerator(); err != nil {
		e.Close()
		return nil, err
	}
	e.openLocalGenerator()
	if cfg.Reranker != "" {
		if e.searcher.Rerank, err = search.OpenCrossEncoder(cfg.Reranker); err != nil {
			e.Close()
			return nil, err
		}
		e.searcher.Passage = func(id uint64) (string, error) {
			c, err := e.store.Chunk(id)
			return c.Text, err
		}
	}
	return e, nil
}

func (e *Engine) openModel() error {
	dir := e.cfg.ModelDir
	if dir == "" && !e.cfg.NoModel {
		d, ok := model.Active(e.cfg.DataDir)
		if !ok {
			e.log.Debug("no embedding model installed; keyword search only", "data", e.cfg.DataDir)
			return nil
		}
		dir = d
	}
	if dir == "" {
		return nil
	}
	enc, err := encoder.Open(dir)
	if err != nil {
		return fmt.Errorf("open embedding model %s: %w", dir, err)
	}
	e.enc = enc
	e.modelName = filepath.Base(dir)
	return nil
}

// load rebuilds the in-memory indexes from the store.
func (e *Engine) load(ctx context.Context) error {
	// A damaged library keeps its orphans (store.DeleteOrphans), and its
	// damaged files are named and marked for reading again. A read-only
	// one removes nothing.
	var damage *store.DamageError
	if e.store.ReadOnly() {
		e.log.Info("the library folder is not writable: opened read-only (search and ask work; index, watch and remove do not)", "data", e.cfg.DataDir)
	} else if n, err := e.store.DeleteOrphans(); errors.As(err, &damage) {
		// named once the library is ready (Open)
	} else if err != nil {
		return fmt.Errorf("clean up library: %w", err)
	} else if n > 0 {
		e.log.Info("removed documents left by an interrupted run", "count", n)
	}
	if known := e.store.KnownDamage(); damage == nil && len(known) > 0 {
		damage = &store.DamageError{Ranges: known}
	}
	e.damage = damage // reported once the library is ready (Open)
	var err error
	if e.keywords, err = index.OpenKeywords(ctx, e.store); err != nil {
		return err
	}
	// A re-embedding whose promotion a crash cut short is finished first.
	if err := e.store.ResumePromotion(); err != nil {
		return fmt.Errorf("finish switching the embedding model: %w", err)
	}
	if e.enc == nil {
		return nil
	}
	// Vectors from another model are useless: drop them.
	prev, err := e.store.Setting(store.SettingModel)
	if err != nil {
		return err
	}
	if string(prev) != e.modelName && e.store.ReadOnly() {
		// The stored vectors are another model's, and cannot be replaced.
		e.log.Warn("the library's vectors are from another model and it is read-only: keyword search only", "model", e.modelName, "library_model", string(prev))
		e.enc, e.modelName = nil, ""
		return nil
	}
	if r, err := e.store.Setting(store.SettingReembed); err != nil {
		return err
	} else if string(prev) != e.modelName && string(r) == e.modelName {
		// The model was switched to (UseEmbedder) and a crash came before
		// its staged vectors were promoted: they are this model's, and the
		// passages they miss are embedded by the next indexing run.
		if err := e.store.DeleteBlob(index.VectorSnapshot); err != nil {
			return err
		}
		if err := e.store.PromoteStaged(e.modelName); err != nil {
			return err
		}
		prev = []byte(e.modelName)
	}
	if string(prev) != e.modelName {
		if err := e.store.DeleteAllVectors(); err != nil {
			return err
		}
		if err := e.store.DeleteBlob(index.VectorSnapshot); err != nil {
			return err
		}
		if err := e.store.SetSetting(store.SettingModel, []byte(e.modelName)); err != nil {
			return err
		}
	}
	e.vectors, err = index.OpenVectors(ctx, e.store, index.VectorsConfig{Dim: e.enc.Dim(), Logger: e.log})
	return err
}

// Close releases the library. It waits for a running indexing run to
// finish (cancel its context first to make that quick); later runs fail.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.lib.Close()
		var errs []error
		if l := e.localGen(); l != nil {
			errs = append(errs, l.Close())
		}
		if _, _, vectors := e.embedding(); vectors != nil {
			errs = append(errs, vectors.Close())
		}
		e.closeErr = errors.Join(append(errs, e.store.Close())...)
	})
	return e.closeErr
}

// Index adds paths (files or folders) to the library and brings them up to
// date; see library.Library.Index. progress may be nil.
func (e *Engine) Index(ctx context.Context, paths []string, progress func(core.Progress)) (IndexReport, error) {
	if err := e.writable(); err != nil {
		return IndexReport{Errors: []FileError{}}, err
	}
	return e.lib.Index(ctx, paths, progress)
}

// Retry reads files again even where they look unchanged.
func (e *Engine) Retry(ctx context.Context, paths []string, progress func(core.Progress)) (IndexReport, error) {
	if err := e.writable(); err != nil {
		return IndexReport{Errors: []FileError{}}, err
	}
	return e.lib.Retry(ctx, paths, progress)
}

// Update applies a watcher's batch of changed and removed paths.
func (e *Engine) Update(ctx context.Context, changed, removed []string, progress func(core.Progress)) (IndexReport, error) {
	if err := e.writable(); err != nil {
		return IndexReport{Errors: []FileError{}}, err
	}
	return e.lib.Update(ctx, changed, removed, progress)
}

// Watch keeps the library up to date until ctx ends; see
// library.Library.Watch.
func (e *Engine) Watch(ctx context.Context, onRun func(IndexReport), progress func(core.Progress)) error {
	if err := e.writable(); err != nil {
		return err
	}
	return e.lib.Watch(ctx, onRun, progress)
}

// writable fails, naming the folder, when the library was opened
// read-only (its folder is not writable): what changes it cannot run.
func (e *Engine) writable() error {
	if e.store.ReadOnly() {
		return fmt.Errorf("%w: %s", store.ErrReadOnly, e.cfg.DataDir)
	}
	return nil
}

// RemoveRoot takes a folder or file the person added out of the library.
// A path that is neither a folder or file the person added nor holds any
// file of the library fails with an error wrapping core.ErrNotFound, saying
// it is not in the library.
func (e *Engine) RemoveRoot(ctx context.Context, path string) (int, error) {
	if err := e.writable(); err != nil {
		return 0, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	roots, err := e.store.Roots()
	if err != nil {
		return 0, err
	}
	n, err := e.lib.RemoveRoot(ctx, abs)
	if err == nil && n == 0 && !slices.Contains(roots, abs) {
		return 0, fmt.Errorf("%w: %s is not in the library", core.ErrNotFound, abs)
	}
	return n, err
}

// Cancel stops the indexing run in progress; Pause and Resume hold and
// release it; Paused and Indexing report its state.
func (e *Engine) Cancel()        { e.lib.Cancel() }
func (e *Engine) Pause()         { e.lib.Pause() }
func (e *Engine) Resume()        { e.lib.Resume() }
func (e *Engine) Paused() bool   { return e.lib.Paused() }
func (e *Engine) Indexing() bool { return e.lib.Indexing() }

// Status reports the model and the size of the library.
func (e *Engine) Status() Status {
	s := Status{DataDir: e.cfg.DataDir, Mode: search.ModeKeyword, Chunks: e.keywords.Len()}
	if enc, name, vectors := e.embedding(); enc != nil {
		s.Model = name
		s.Mode = search.ModeHybrid
		s.Vectors = vectors.Len()
		s.Rebuilding = vectors.Rebuilding()
	}
	s.Reembedding = e.Reembedding()
	s.Docs = e.lib.Docs()
	s.Generator = e.LocalModel()
	s.Encrypted = e.cfg.Passphrase != ""
	return s
}

// Search returns the best passages for query.
func (e *Engine) Search(ctx context.Context, query string, opt SearchOptions) ([]core.Hit, error) {
	if opt.K <= 0 {
		opt.K = 10
	}
	hits, _, err := e.search(ctx, query, opt)
	return hits, err
}

func (e *Engine) search(ctx context.Context, query string, opt SearchOptions) ([]core.Hit, []float32, error) {
	s, _ := e.dense()
	return e.searchWith(ctx, s, query, opt)
}

// searchWith searches with s (one model's searcher, from dense()).
func (e *Engine) searchWith(ctx context.Context, s *search.Searcher, query string, opt SearchOptions) ([]core.Hit, []float32, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil, errors.New("the question is empty")
	}
	res, qvec, err := s.Search(ctx, query, opt.K, search.Options{Mode: opt.Mode, Keep: e.keep(opt.Filter)})
	if err != nil {
		return nil, nil, err
	}
	hits := make([]core.Hit, 0, len(res))
	for _, r := range res {
		c, err := e.store.Chunk(r.ID)
		if errors.Is(err, core.ErrNotFound) {
			continue // removed while we searched
		}
		if err != nil {
			return nil, nil, err
		}
		path := e.pathOf(c.DocID)
		if path == "" {
			continue // a document no file record points at, kept because the library is damaged
		}
		hits = append(hits, core.Hit{Chunk: c, Path: path, Score: r.Score})
	}
	return hits, qvec, nil
}

// lookup is the composer's search of one file for the table rows of a
// computed answer, one search per query: keywords only (row labels are
// words), each passage widened to its whole page, so that a row keeps the
// table's column headers above it. A page is returned once per query.
func (e *Engine) lookup(ctx context.Context, queries []string, path string, k int) ([][]core.Hit, error) {
	out := make([][]core.Hit, len(queries))
	var (
		doc   uint64
		pages map[int]core.Span
		text  string
	)
	for qi, q := range queries {
		hits, _, err := e.search(ctx, q, SearchOptions{K: k, Mode: search.ModeKeyword, Filter: Filter{Files: []string{path}}})
		if err != nil {
			return nil, err
		}
		if len(hits) == 0 {
			continue
		}
		if pages == nil {
			// The document's pages, read once for all the queries.
			doc = hits[0].DocID
			chunks, err := e.store.Chunks(doc)
			if err != nil {
				return nil, err
			}
			if text, err = e.store.Text(doc); err != nil {
				return nil, err
			}
			pages = map[int]core.Span{}
			for _, c := range chunks {
				if c.Page <= 0 {
					continue
				}
				sp, ok := pages[c.Page]
				if !ok {
					sp = core.Span{Start: c.Start, End: c.End}
				}
				pages[c.Page] = core.Span{Start: min(sp.Start, c.Start), End: max(sp.End, c.End)}
			}
		}
		seen := map[int]bool{}
		for _, h := range hits {
			if sp, ok := pages[h.Page]; ok && h.DocID == doc {
				if seen[h.Page] {
					continue
				}
				seen[h.Page] = true
				sp.Start, sp.End = max(0, min(sp.Start, len(text))), max(0, min(sp.End, len(text)))
				if sp.Start < sp.End {
					h.Start, h.End, h.Text = sp.Start, sp.End, text[sp.Start:sp.End]
				}
			}
			out[qi] = append(out[qi], h)
		}
	}
	return out, nil
}

// keep turns a filter into the set of chunks it allows (nil: all).
func (e *Engine) keep(f Filter) func(id uint64) bool {
	if len(f.Folders) == 0 && len(f.Files) == 0 && len(f.Types) == 0 {
		return nil
	}
	allowed := e.lib.DocsWhere(f.matches)
	return func(id uint64) bool { return allowed[store.DocOf(id)] }
}

// matches reports whether a document passes the filter.
func (f Filter) matches(path, format string) bool {
	return anyOf(f.Folders, func(dir string) bool {
		dir = filepath.Clean(dir)
		return strings.HasPrefix(path, dir+string(filepath.Separator)) || dir == string(filepath.Separator)
	}) && anyOf(f.Files, func(p string) bool {
		return filepath.Clean(p) == path
	}) && anyOf(f.Types, func(t string) bool {
		t = strings.ToLower(strings.TrimPrefix(t, "."))
		return t == strings.ToLower(format) || t == strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	})
}

// anyOf reports whether some element satisfies ok; an empty list passes.
func anyOf(list []string, ok func(string) bool) bool {
	if len(list) == 0 {
		return true
	}
	for _, s := range list {
		if ok(s) {
			return true
		}
	}
	return false
}

// pathOf finds the file of a document.
func (e *Engine) pathOf(docID uint64) string { return e.lib.DocPath(docID) }

// Library lists the roots the person added and every file under them.
func (e *Engine) Library(ctx context.Context) (Library, error) {
	roots, err := e.store.Roots()
	if err != nil {
		return Library{}, err
	}
	files, err := e.store.Files()
	if err != nil {
		return Library{}, err
	}
	lib := Library{Folders: []Folder{}, Files: []FileState{}}
	byRoot := map[string]*Folder{}
	for _, r := range roots {
		lib.Folders = append(lib.Folders, Folder{Path: r})
	}
	for i := range lib.Folders {
		byRoot[lib.Folders[i].Path] = &lib.Folders[i]
	}
	_, _, vectors := e.embedding()
	for _, f := range files {
		if f.State == store.StateIndexed && vectors != nil && !vectors.Has(store.ChunkID(f.DocID, 0)) {
			// Read and searchable by keywords, not yet by meaning.
			f.State, f.Reason = store.StatePending, "waiting for the embedding model"
		}
		fs := FileState{
			Path: f.Path, Root: f.Root, State: f.State, Reason: f.Reason,
			Pages: len(f.Pages), Chunks: f.Chunks,
		}
		for _, p := range f.Pages {
			if p.OCR != nil {
				fs.OCRPages++
				fs.OCRConfidence += p.OCR.Confidence
				if p.OCR.Regions > 0 {
					fs.OCRRegionPages++
				}
			}
		}
		if fs.OCRPages > 0 {
			fs.OCRConfidence = math.Round(fs.OCRConfidence/float64(fs.OCRPages)*10) / 10
		}
		lib.Files = append(lib.Files, fs)
		if fo := byRoot[f.Root]; fo != nil {
			fo.Files++
			switch f.State {
			case store.StateIndexed:
				fo.Indexed++
			case store.StateFailed:
				fo.Failed++
			case store.StateSkipped:
				fo.Skipped++
			case store.StatePending:
				fo.Pending++
			}
		}
	}
	return lib, nil
}

// OriginalFile returns path when it is an indexed file of the library, so
// the window can show the original (a PDF page) and nothing else.
func (e *Engine) OriginalFile(path string) (string, error) {
	rec, err := e.indexedFile(path)
	if err != nil {
		return "", err
	}
	return rec.Path, nil
}

func (e *Engine) indexedFile(path string) (store.FileRecord, error) {
	rec, ok, err := e.store.File(path)
	if err != nil {
		return store.FileRecord{}, err
	}
	if !ok || rec.DocID == 0 {
		return store.FileRecord{}, fmt.Errorf("%s is not an indexed file of the library: %w", path, core.ErrNotFound)
	}
	return rec, nil
}

// locationLabel describes where byte off of a file's text came from, e.g.
// "page 4" or "Sheet1!B7".
func (e *Engine) locationLabel(rec store.FileRecord, off int) (string, error) {
	loc, ok, err := e.store.LocationAt(rec.DocID, off)
	if err != nil {
		return "", err
	}
	if !ok {
		d := core.Document{Pages: rec.Pages}
		loc, ok = d.LocationAt(off)
	}
	if !ok {
		return "", nil
	}
	return loc.Label(), nil
}

// claimStart is where a cited claim starts: its first highlighted sentence,
// or the passage when nothing is highlighted. Locations name that spot
// (the cell or paragraph of the claim, not of the chunk's first byte).
func claimStart(start int, highlights []core.Span) int {
	if len(highlights) > 0 {
		return highlights[0].Start
	}
	return start
}

// labelCitations fills in each citation's location label.
func (e *Engine) labelCitations(ans *core.Answer) error {
	for i := range ans.Citations {
		c := &ans.Citations[i]
		rec, err := e.indexedFile(c.Path)
		if err != nil {
			continue // removed since the search; the citation still has its text
		}
		at := claimStart(c.Start, c.Highlights)
		if c.Cell != nil {
			at = c.Cell.Start // the cell asked for: "page 63 · table 1, row 25, column 2"
		}
		if c.Location, err = e.locationLabel(rec, at); err != nil {
			return err
		}
		if rec.Title != "" {
			c.Title = rec.Title
		}
	}
	return nil
}

// chunkConfig sizes chunks for the installed model, or by estimate.
func (e *Engine) chunkConfig() chunk.Config {
	if e.enc == nil {
		return chunk.Config{}
	}
	return chunk.ForModel(e.enc.MaxTokens(), e.enc.CountTokens)
}
