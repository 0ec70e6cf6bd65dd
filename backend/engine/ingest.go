package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/store"
)

// embedBatch is how many chunks are embedded and stored at a time.
const embedBatch = 32

// progressEvery is the least time between two progress reports.
const progressEvery = 200 * time.Millisecond

// candidate is a file found under a root.
type candidate struct {
	path, root string
	info       fs.FileInfo
}

// Index adds paths (files or folders) to the library and indexes every
// supported file under them. Unchanged files are not parsed again. It then
// embeds every chunk that has no vector yet. progress may be nil.
func (e *Engine) Index(ctx context.Context, paths []string, progress func(core.Progress)) (IndexReport, error) {
	e.indexMu.Lock()
	defer e.indexMu.Unlock()
	start := time.Now()
	rep := IndexReport{Errors: []FileError{}}
	if e.closed {
		return rep, errors.New("the library is closed")
	}
	pr := newReporter(progress)

	pr.set(func(p *core.Progress) { p.Phase = "scanning" })
	var files []candidate
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			rep.Errors = append(rep.Errors, FileError{Path: p, Reason: err.Error()})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			rep.Errors = append(rep.Errors, FileError{Path: abs, Reason: "cannot read: " + reason(err)})
			continue
		}
		if err := e.store.AddRoot(abs); err != nil {
			return rep, err
		}
		if !info.IsDir() {
			files = append(files, candidate{abs, abs, info})
			continue
		}
		found, errs := walk(ctx, abs)
		files = append(files, found...)
		rep.Errors = append(rep.Errors, errs...)
	}
	rep.Failed = len(rep.Errors)
	pr.set(func(p *core.Progress) { p.Phase = "indexing"; p.FilesTotal = len(files) })

	var mu sync.Mutex // guards rep
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.cfg.Workers)
	for _, f := range files {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			pr.set(func(p *core.Progress) { p.Current = f.path })
			outcome, ferr, err := e.indexFile(gctx, f)
			if err != nil {
				return err
			}
			mu.Lock()
			rep.Files++
			switch {
			case ferr != nil:
			case outcome == "new":
				rep.New++
			case outcome == "changed":
				rep.Changed++
			case outcome == "unchanged":
				rep.Unchanged++
			case outcome == "skipped":
				rep.Skipped++
			}
			if ferr != nil {
				rep.Failed++
				rep.Errors = append(rep.Errors, *ferr)
			}
			mu.Unlock()
			pr.set(func(p *core.Progress) {
				p.FilesDone++
				if ferr != nil {
					p.Failed++
				}
			})
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		rep.ChunksEmbedded, err = e.embedPending(ctx, pr)
	}
	if e.vectors != nil {
		// Whatever was embedded, even in a canceled run, is stored: save
		// the graph so the next start need not catch up with it.
		if serr := e.vectors.Save(); serr != nil {
			e.log.Warn("save vector index snapshot", "err", serr)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	sort.Slice(rep.Errors, func(i, j int) bool { return rep.Errors[i].Path < rep.Errors[j].Path })
	if errors.Is(err, context.Canceled) {
		rep.Canceled = true
	}
	pr.set(func(p *core.Progress) { p.Phase = "done"; p.Current = "" })
	pr.flush()
	return rep, err
}

// walk lists the files under root, skipping hidden files and folders.
func walk(ctx context.Context, root string) ([]candidate, []FileError) {
	var out []candidate
	var errs []FileError
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// A path that vanished or cannot be read: note it and go on.
			errs = append(errs, FileError{Path: path, Reason: "cannot read: " + reason(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			errs = append(errs, FileError{Path: path, Reason: "cannot read: " + reason(err)})
			return nil
		}
		out = append(out, candidate{path, root, info})
		return nil
	})
	return out, errs
}

// ParserVersion is stored with every file record. Raise it when the parsers
// extract more or different text, so the next scan reads every file again.
// 2: locations, word boxes, Office/OpenDocument/EPUB/HTML/CSV formats.
const ParserVersion = 2

// indexFile parses, chunks and stores one file. It returns what happened
// ("new", "changed", "unchanged" or "skipped"), the file's error if it
// failed, and an error only when the library itself could not be written.
func (e *Engine) indexFile(ctx context.Context, f candidate) (string, *FileError, error) {
	rec := store.FileRecord{Path: f.path, Root: f.root, Size: f.info.Size(), ModTime: f.info.ModTime().UnixNano(), Parser: ParserVersion}
	old, found, err := e.store.File(f.path)
	if err != nil {
		return "", nil, err
	}
	if !e.parser.Supports(f.path) {
		if found && old.State == store.StateSkipped {
			return "skipped", nil, nil
		}
		rec.State = store.StateSkipped
		rec.Reason = fmt.Sprintf("unsupported file type %q", strings.ToLower(filepath.Ext(f.path)))
		removed, err := e.store.PutFile(rec)
		e.forget(removed)
		return "skipped", nil, err
	}
	// Read before by an older parser: read it again, whatever its state.
	current := found && old.State != store.StateSkipped && old.Parser == ParserVersion
	// Same size and modification time: trust it without reading the file.
	if current && old.Size == rec.Size && old.ModTime == rec.ModTime {
		return "unchanged", nil, nil
	}
	outcome := "new"
	if found {
		outcome = "changed"
	}
	hash, err := hashFile(f.path)
	if err != nil {
		return e.fail(rec, outcome, "cannot read: "+reason(err))
	}
	rec.Hash = hash
	if current && old.Hash == hash {
		// Touched but not changed: remember the new time, keep the document.
		old.ModTime = rec.ModTime
		return "unchanged", nil, e.store.UpdateFile(old)
	}
	doc, err := e.parser.Parse(ctx, f.path)
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
		// The record already names the file: keep just the reason.
		why := strings.TrimPrefix(reason(err), "parse "+f.path+": ")
		return e.fail(rec, outcome, why)
	}
	chunks := chunk.Split(&doc, e.chunkConfig())
	if len(chunks) == 0 {
		return e.fail(rec, outcome, "no text found")
	}
	rec.Format, rec.Pages, rec.Warnings = doc.Format, doc.Pages, doc.Warnings
	removed, err := e.store.PutDocument(rec, &doc, chunks, index.EncodePostings(chunks))
	if err != nil {
		return "", nil, err
	}
	e.forget(removed)
	e.docsMu.Lock()
	e.docs[chunks[0].DocID] = docInfo{f.path, doc.Format}
	e.docsMu.Unlock()
	e.log.Debug("indexed", "path", f.path, "chunks", len(chunks))
	return outcome, nil, nil
}

// fail records a file that could not be indexed.
func (e *Engine) fail(rec store.FileRecord, outcome, why string) (string, *FileError, error) {
	rec.State, rec.Reason = store.StateFailed, why
	removed, err := e.store.PutFile(rec)
	e.forget(removed)
	return outcome, &FileError{Path: rec.Path, Reason: why}, err
}

// forget drops removed chunks, and their documents, from memory.
func (e *Engine) forget(ids []uint64) {
	if len(ids) == 0 {
		return
	}
	if e.vectors != nil {
		e.vectors.Remove(ids...)
	}
	e.docsMu.Lock()
	for _, id := range ids {
		delete(e.docs, store.DocOf(id))
	}
	e.docsMu.Unlock()
}

// embedPending embeds every chunk that has no vector yet.
func (e *Engine) embedPending(ctx context.Context, pr *reporter) (int, error) {
	if e.enc == nil {
		return 0, nil
	}
	var pending []core.Chunk
	if err := e.store.EachChunk(func(c core.Chunk) error {
		if !e.vectors.Has(c.ID) {
			pending = append(pending, c)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if len(pending) == 0 {
		return 0, nil
	}
	// Similar lengths batch together with less padding.
	sort.SliceStable(pending, func(i, j int) bool { return len(pending[i].Text) < len(pending[j].Text) })
	start := time.Now()
	pr.set(func(p *core.Progress) { p.Phase = "embedding"; p.Chunks = 0; p.Current = "" })
	done := 0
	for i := 0; i < len(pending); i += embedBatch {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		batch := pending[i:min(i+embedBatch, len(pending))]
		texts := make([]string, len(batch))
		ids := make([]uint64, len(batch))
		for j, c := range batch {
			texts[j], ids[j] = c.Text, c.ID
		}
		vecs, err := e.enc.Embed(ctx, texts)
		if err != nil {
			return done, fmt.Errorf("embed: %w", err)
		}
		if err := e.vectors.Put(ids, vecs); err != nil {
			return done, err
		}
		done += len(batch)
		rate := float64(done) / time.Since(start).Seconds()
		pr.set(func(p *core.Progress) {
			p.Chunks = done
			p.ChunksPerSec = rate
			p.ETASeconds = float64(len(pending)-done) / rate
		})
	}
	return done, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reason turns an error into a short message for a person.
func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the file no longer exists"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// reporter throttles progress callbacks to a few a second.
type reporter struct {
	mu   sync.Mutex // guards all fields below
	fn   func(core.Progress)
	p    core.Progress
	last time.Time
}

func newReporter(fn func(core.Progress)) *reporter { return &reporter{fn: fn} }

// set updates the progress and reports it unless it reported very recently
// (phase changes are always reported).
func (r *reporter) set(update func(*core.Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	phase := r.p.Phase
	update(&r.p)
	if r.fn != nil && (r.p.Phase != phase || time.Since(r.last) >= progressEvery) {
		r.last = time.Now()
		r.fn(r.p)
	}
}

// flush reports the latest progress.
func (r *reporter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fn != nil {
		r.fn(r.p)
	}
}
