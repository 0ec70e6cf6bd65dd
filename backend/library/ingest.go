package library

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
	"folio/backend/parse"
	"folio/backend/store"
)

// embedBatch is how many chunks are embedded and stored at a time.
const embedBatch = 32

// progressEvery is the least time between two progress reports.
const progressEvery = 200 * time.Millisecond

// queueDepth is how many files' chunks may wait for the encoder: parsing
// runs ahead of embedding by at most this much.
const queueDepth = 8

// candidate is a file found under a root.
type candidate struct {
	path, root string
	info       fs.FileInfo
}

// Index adds paths (files or folders) to the library and brings them up to
// date: new and changed files are parsed, chunked and stored; renamed or
// moved files keep their document and vectors; files gone from a scanned
// folder leave the library. Files are parsed on Workers goroutines while
// the encoder embeds their chunks, fed through a bounded queue. progress
// may be nil.
func (l *Library) Index(ctx context.Context, paths []string, progress func(core.Progress)) (IndexReport, error) {
	return l.index(ctx, request{paths: paths}, progress)
}

// Retry indexes files again even where they look unchanged: files that
// failed, once the cause is fixed.
func (l *Library) Retry(ctx context.Context, paths []string, progress func(core.Progress)) (IndexReport, error) {
	return l.index(ctx, request{paths: paths, force: true, watched: true}, progress)
}

// Update applies a batch of changes seen by a watcher: changed files are
// indexed, and removed paths (files, or folders with everything under
// them) leave the library, unless they reappear as moves among changed.
func (l *Library) Update(ctx context.Context, changed, removed []string, progress func(core.Progress)) (IndexReport, error) {
	return l.index(ctx, request{paths: changed, removed: removed, watched: true}, progress)
}

// request is one indexing run's work.
type request struct {
	paths   []string // files and folders to index
	removed []string // paths a watcher saw go
	force   bool     // read files again even if they look unchanged
	watched bool     // paths are in the library already (a watcher's, a retry's): not new roots
}

// beginRun waits for the run before it to end, then makes this one the
// library's run: Cancel ends ctx, and Running reports true until end is
// called.
func (l *Library) beginRun(ctx context.Context) (context.Context, func()) {
	l.waiting.Add(1)
	l.indexMu.Lock()
	l.waiting.Add(-1)
	l.running.Store(true)
	ctx, cancel := context.WithCancel(ctx)
	l.runMu.Lock()
	l.runCancel = cancel
	l.runMu.Unlock()
	return ctx, func() {
		cancel()
		l.running.Store(false)
		l.indexMu.Unlock()
	}
}

// index runs one indexing run: it scans what req names, then parses,
// chunks and stores the files while the encoder embeds their chunks, then
// removes what left the scanned folders.
func (l *Library) index(ctx context.Context, req request, progress func(core.Progress)) (IndexReport, error) {
	ctx, end := l.beginRun(ctx)
	defer end()
	start := time.Now()
	rep := IndexReport{Errors: []FileError{}}
	if l.closed {
		return rep, errors.New("the library is closed")
	}
	pr := newReporter(progress)

	pr.set(func(p *core.Progress) { p.Phase = "scanning" })
	sc, err := l.scan(ctx, req, &rep)
	if err != nil {
		return rep, err
	}
	rep.Failed = len(rep.Errors)
	// Whole folders need every record; a watcher's few files do not.
	var known []store.FileRecord
	if len(sc.complete)+len(sc.removed) > 0 {
		if known, err = l.store.Files(); err != nil {
			return rep, err
		}
	}
	moves := newMoves(gone(known, sc.complete, sc.removed, sc.files))
	if err := l.markPending(sc.files, known); err != nil {
		return rep, err
	}
	var bytesTotal int64
	for _, f := range sc.files {
		bytesTotal += f.info.Size()
	}
	pr.set(func(p *core.Progress) { p.Phase = "indexing"; p.FilesTotal = len(sc.files) })
	eta := newEstimate(bytesTotal, l.enc != nil)

	err = l.pipeline(ctx, sc.files, moves, req.force, pr, eta, &rep)
	if err == nil {
		err = ctx.Err()
	}
	if rep.New+rep.Changed > 0 {
		// Files were read: what OCR read is cached (ocr.Cache); keep the
		// cache to its bound.
		if n, terr := l.store.TrimOCRCache(l.cfg.OCRCacheBytes); terr != nil {
			l.log.Warn("trim the OCR cache", "err", terr)
		} else if n > 0 {
			l.log.Debug("OCR cache trimmed", "dropped", n)
		}
	}
	if err == nil {
		l.pendingScanned = true
		// Files gone from the folders walked in full, and not moved,
		// leave. Only a run that ended well gets here, and gone() only
		// counts folders whose walk was complete.
		rep.Removed, err = l.removeAll(moves.unclaimed())
	}
	if l.vectors != nil {
		// Whatever was embedded, even in a canceled run, is stored; once
		// enough has changed, save the graph so the next start need not
		// catch up with it.
		if serr := l.vectors.Checkpoint(); serr != nil {
			l.log.Warn("save vector index snapshot", "err", serr)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	sort.Slice(rep.Errors, func(i, j int) bool { return rep.Errors[i].Path < rep.Errors[j].Path })
	if errors.Is(err, context.Canceled) {
		rep.Canceled = true
	}
	pr.set(func(p *core.Progress) { p.Phase = "done"; p.Current = ""; p.ETASeconds = 0; p.Paused = false })
	pr.flush()
	return rep, err
}

// scanned is what a run's scan found.
type scanned struct {
	files    []candidate
	complete []string // folders walked in full: only their files can be gone
	removed  []string // paths a watcher saw go, or that went since
}

// scan resolves req's paths, adds the new roots, and walks the folders.
// What cannot be read is added to rep's errors by path.
func (l *Library) scan(ctx context.Context, req request, rep *IndexReport) (scanned, error) {
	sc := scanned{removed: req.removed}
	for _, p := range req.paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			rep.Errors = append(rep.Errors, FileError{Path: p, Reason: err.Error()})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			if req.watched {
				sc.removed = append(sc.removed, abs) // changed, then gone
			} else {
				rep.Errors = append(rep.Errors, FileError{Path: abs, Reason: "cannot read: " + reason(err)})
			}
			continue
		}
		if !req.watched && !info.IsDir() && !info.Mode().IsRegular() {
			// Named on purpose, a FIFO or a device is refused, not waited on.
			rep.Errors = append(rep.Errors, FileError{Path: abs, Reason: notRegular(info.Mode())})
			continue
		}
		// A watcher's or a retry's paths lie in the library already, and
		// so does a path inside a folder the person added before.
		if !req.watched && l.rootOf(abs) == abs {
			if err := l.store.AddRoot(abs); err != nil {
				return sc, err
			}
			if err := l.watch.add(abs); err != nil {
				l.log.Warn("cannot watch a library folder; it is rescanned at each start", "path", abs, "err", err)
			}
		}
		if !info.IsDir() {
			sc.files = append(sc.files, candidate{abs, l.rootOf(abs), info})
			continue
		}
		w := walk(ctx, abs, l.rootOf(abs))
		sc.files = append(sc.files, w.files...)
		rep.Errors = append(rep.Errors, w.errs...)
		if w.complete {
			sc.complete = append(sc.complete, abs)
		}
	}
	return sc, nil
}

// pipeline parses the files on Workers goroutines and feeds their chunks
// (and those a killed run left unembedded) to the encoder through a
// bounded queue, counting each file's outcome in rep.
// withDetail returns ctx with a progress report (parse.WithProgress) that
// shows what the parser says about path ("OCR page 3 of 40") as the
// progress's Detail.
func withDetail(ctx context.Context, pr *reporter, path string) context.Context {
	return parse.WithProgress(ctx, func(msg string) {
		pr.set(func(p *core.Progress) { p.Current, p.Detail = path, msg })
	})
}

func (l *Library) pipeline(ctx context.Context, files []candidate, moves *moves, force bool, pr *reporter, eta *estimate, rep *IndexReport) error {
	var mu sync.Mutex // guards rep
	queue := make(chan []core.Chunk, queueDepth)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		n, err := l.embedStage(gctx, queue, pr, eta)
		rep.ChunksEmbedded = n
		return err
	})
	g.Go(func() error {
		defer close(queue)
		if l.enc != nil && !l.pendingScanned {
			// Chunks a killed or cancelled run stored without vectors.
			left, err := l.unembedded()
			if err != nil {
				return err
			}
			if err := send(gctx, queue, left, eta); err != nil {
				return err
			}
		}
		parse, pctx := errgroup.WithContext(gctx)
		parse.SetLimit(l.cfg.Workers)
		for _, f := range files {
			if err := l.gate.wait(pctx, pr); err != nil {
				break
			}
			parse.Go(func() error {
				pr.set(func(p *core.Progress) { p.Current, p.Detail = f.path, "" })
				r, err := l.indexFile(withDetail(pctx, pr, f.path), f, moves, force)
				if err != nil {
					return err
				}
				if err := send(pctx, queue, r.pending, eta); err != nil {
					return err
				}
				eta.parsed(f.info.Size())
				mu.Lock()
				rep.count(r)
				mu.Unlock()
				pr.set(func(p *core.Progress) {
					p.FilesDone++
					p.Pages += r.pages
					if r.err != nil {
						p.Failed++
					}
					p.ETASeconds = eta.seconds()
				})
				return nil
			})
		}
		return parse.Wait()
	})
	return g.Wait()
}

// count adds one file's outcome to the report.
func (rep *IndexReport) count(r fileResult) {
	rep.Files++
	switch {
	case r.err != nil:
		rep.Failed++
		rep.Errors = append(rep.Errors, *r.err)
	case r.outcome == "new":
		rep.New++
	case r.outcome == "changed":
		rep.Changed++
	case r.outcome == "unchanged":
		rep.Unchanged++
	case r.outcome == "moved":
		rep.Moved++
	case r.outcome == "skipped":
		rep.Skipped++
	}
}

// send queues chunks for the encoder, waiting while the queue is full.
func send(ctx context.Context, queue chan<- []core.Chunk, chunks []core.Chunk, eta *estimate) error {
	if len(chunks) == 0 {
		return nil
	}
	eta.queued(len(chunks))
	select {
	case queue <- chunks:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rootOf returns the library root a path lies under, or the path itself.
func (l *Library) rootOf(path string) string {
	roots, err := l.store.Roots()
	if err != nil {
		return path
	}
	best := path
	for _, r := range roots {
		if under(path, r) && (best == path || len(r) > len(best)) {
			best = r
		}
	}
	return best
}

// under reports whether path is dir or lies inside it.
func under(path, dir string) bool {
	_, ok := within(dir, path)
	return ok
}

// gone returns the records, of those known, that left the library's
// folders: under a scanned root but not found by the scan, or under a
// removed path and no longer on disk.
func gone(known []store.FileRecord, scanned, removed []string, found []candidate) []store.FileRecord {
	if len(scanned) == 0 && len(removed) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(found))
	for _, f := range found {
		seen[f.path] = true
	}
	var out []store.FileRecord
	for _, r := range known {
		if seen[r.Path] {
			continue
		}
		inAny := func(dirs []string) bool {
			for _, d := range dirs {
				if under(r.Path, d) {
					return true
				}
			}
			return false
		}
		if inAny(scanned) {
			out = append(out, r)
		} else if inAny(removed) {
			if _, err := os.Lstat(r.Path); errors.Is(err, fs.ErrNotExist) {
				out = append(out, r)
			}
		}
	}
	return out
}

// markPending records files that have no record yet as pending, so a run
// killed before reaching them still lists them. known, when not nil, holds
// every record; else each file's is looked up.
func (l *Library) markPending(files []candidate, known []store.FileRecord) error {
	have := make(map[string]bool, len(known))
	for _, r := range known {
		have[r.Path] = true
	}
	var recs []store.FileRecord
	for _, f := range files {
		if known == nil {
			var err error
			if _, have[f.path], err = l.store.File(f.path); err != nil {
				return err
			}
		}
		if !have[f.path] {
			recs = append(recs, store.FileRecord{Path: f.path, Root: f.root, State: store.StatePending, Size: f.info.Size()})
		}
	}
	return l.store.UpdateFiles(recs)
}

// removeAll forgets the given files and their documents.
func (l *Library) removeAll(recs []store.FileRecord) (int, error) {
	for _, r := range recs {
		removed, err := l.store.RemoveFile(r.Path)
		if err != nil {
			return 0, err
		}
		l.forget(removed)
		if r.DocID != 0 {
			l.docsMu.Lock()
			delete(l.docs, r.DocID)
			l.docsMu.Unlock()
		}
	}
	return len(recs), nil
}

// RemoveRoot takes a folder or file the person added out of the library,
// with every file under it, their chunks and vectors. It returns how many
// files left.
func (l *Library) RemoveRoot(ctx context.Context, path string) (int, error) {
	l.indexMu.Lock()
	defer l.indexMu.Unlock()
	if l.closed {
		return 0, errors.New("the library is closed")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	recs, err := l.store.Files()
	if err != nil {
		return 0, err
	}
	var gone []store.FileRecord
	for _, r := range recs {
		if r.Root == abs || under(r.Path, abs) {
			gone = append(gone, r)
		}
	}
	n, err := l.removeAll(gone)
	if err != nil {
		return n, err
	}
	if l.vectors != nil {
		if err := l.vectors.Checkpoint(); err != nil {
			l.log.Warn("save vector index snapshot", "err", err)
		}
	}
	l.watch.remove(abs)
	return n, l.store.RemoveRoot(abs)
}

// Indexing reports whether an indexing run is in progress or waiting.
func (l *Library) Indexing() bool { return l.running.Load() || l.waiting.Load() > 0 }

// Cancel stops the indexing run in progress, if any (a watch goes on).
// Files already indexed stay.
func (l *Library) Cancel() {
	l.runMu.Lock()
	defer l.runMu.Unlock()
	if l.runCancel != nil {
		l.runCancel()
	}
}

// moves matches new files to records that left the library, by content:
// a file renamed or moved keeps its document.
type moves struct {
	mu     sync.Mutex // guards byHash and left
	byHash map[string][]store.FileRecord
	left   map[string]store.FileRecord // by path: gone and not (yet) claimed
}

func newMoves(gone []store.FileRecord) *moves {
	m := &moves{byHash: map[string][]store.FileRecord{}, left: map[string]store.FileRecord{}}
	for _, r := range gone {
		m.left[r.Path] = r
		if r.State == store.StateIndexed && r.DocID != 0 && r.Parser == ParserVersion && r.Hash != "" {
			m.byHash[r.Hash] = append(m.byHash[r.Hash], r)
		}
	}
	return m
}

// claim takes a gone record with this content, if there is one.
func (m *moves) claim(hash string) (store.FileRecord, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.byHash[hash]) > 0 {
		r := m.byHash[hash][0]
		m.byHash[hash] = m.byHash[hash][1:]
		if _, ok := m.left[r.Path]; ok {
			delete(m.left, r.Path)
			return r, true
		}
	}
	return store.FileRecord{}, false
}

// unclaimed returns the gone records no new file took.
func (m *moves) unclaimed() []store.FileRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.FileRecord, 0, len(m.left))
	for _, r := range m.left {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// walked is what walking one folder found. Only a complete walk, one that
// reached every entry under the folder, may take files out of the library:
// a file the walk did not see is gone only if the walk saw everything.
type walked struct {
	files    []candidate
	errs     []FileError // the paths the walk could not read, each with why
	complete bool        // every entry under the folder was read
}

// walk lists the files under dir, which lies in the library root root,
// skipping hidden and system files and folders (Ignored). The walk is
// complete only when it read every entry and was not cut short by ctx.
func walk(ctx context.Context, dir, root string) walked {
	var w walked
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			// A path that vanished or cannot be read: note it and go on.
			w.errs = append(w.errs, FileError{Path: path, Reason: "cannot read: " + reason(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != dir && Ignored(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&special == 0 {
			return nil // folders are walked; links are not followed
		}
		info, err := d.Info()
		if err != nil {
			w.errs = append(w.errs, FileError{Path: path, Reason: "cannot read: " + reason(err)})
			return nil
		}
		w.files = append(w.files, candidate{path, root, info})
		return nil
	})
	if err != nil && ctx.Err() == nil {
		w.errs = append(w.errs, FileError{Path: dir, Reason: "cannot read: " + reason(err)})
	}
	w.complete = err == nil && len(w.errs) == 0
	return w
}

// ParserVersion is stored with every file record. Raise it when the parsers
// extract more or different text, so the next scan reads every file again.
// 2: locations, word boxes, Office/OpenDocument/EPUB/HTML/CSV formats.
// 3: OCR of PDF pages without a text layer, and image files.
const ParserVersion = 3

// fileResult is what indexing one file did.
type fileResult struct {
	outcome string       // "new", "changed", "unchanged", "moved" or "skipped"
	err     *FileError   // the file's failure, if it failed
	pages   int          // pages read
	pending []core.Chunk // chunks that need embedding
}

// indexFile parses, chunks and stores one file, reusing the vectors of
// chunks whose text did not change. It returns an error only when the
// library itself could not be written.
func (l *Library) indexFile(ctx context.Context, f candidate, mv *moves, force bool) (fileResult, error) {
	rec := store.FileRecord{Path: f.path, Root: f.root, Size: f.info.Size(), ModTime: f.info.ModTime().UnixNano(), Parser: ParserVersion}
	old, found, err := l.store.File(f.path)
	if err != nil {
		return fileResult{}, err
	}
	if found && old.State == store.StatePending {
		found = false // first read
	}
	if !f.info.Mode().IsRegular() {
		// A FIFO, socket or device in a folder: listed, never opened.
		return l.skip(rec, old, found, notRegular(f.info.Mode()))
	}
	if !l.parser.Supports(f.path) {
		return l.skip(rec, old, found, fmt.Sprintf("unsupported file type %q", strings.ToLower(filepath.Ext(f.path))))
	}
	if max := l.cfg.MaxFileSize; rec.Size > max {
		return l.skip(rec, old, found, fmt.Sprintf("%s is larger than the %s limit", humanBytes(rec.Size), humanBytes(max)))
	}
	// Read before by an older parser, or by OCR in other languages: read
	// it again, whatever its state.
	current := found && old.State != store.StateSkipped && old.Parser == ParserVersion && !force && !l.ocrStale(old)
	// Same size and modification time: trust it without reading the file.
	if current && old.Size == rec.Size && old.ModTime == rec.ModTime {
		return fileResult{outcome: "unchanged"}, nil
	}
	outcome := "new"
	if found {
		outcome = "changed"
	}
	hash, err := hashFile(f.path)
	if err != nil {
		return l.fail(rec, outcome, "cannot read: "+reason(err))
	}
	rec.Hash = hash
	if current && old.Hash == hash {
		// Touched but not changed: remember the new time, keep the document.
		old.ModTime = rec.ModTime
		return fileResult{outcome: "unchanged"}, l.store.UpdateFile(old)
	}
	if !found {
		if from, ok := mv.claim(hash); ok {
			// Renamed or moved: the document, chunks and vectors follow.
			moved := from
			moved.Path, moved.Root, moved.Size, moved.ModTime = rec.Path, rec.Root, rec.Size, rec.ModTime
			if err := l.store.MoveFile(from.Path, moved); err != nil {
				return fileResult{}, err
			}
			if err := l.renamePostings(moved); err != nil {
				return fileResult{}, err
			}
			l.docsMu.Lock()
			l.docs[moved.DocID] = docInfo{moved.Path, moved.Format}
			l.docsMu.Unlock()
			return fileResult{outcome: "moved"}, nil
		}
	}
	doc, err := l.parser.Parse(ctx, f.path)
	if err != nil {
		if ctx.Err() != nil {
			return fileResult{}, ctx.Err()
		}
		// The record already names the file: keep just the reason.
		why := strings.TrimPrefix(reason(err), "parse "+f.path+": ")
		return l.fail(rec, outcome, why)
	}
	chunks := chunk.Split(&doc, l.chunkConfig())
	if len(chunks) == 0 {
		return l.fail(rec, outcome, "no text found")
	}
	var kept map[string][]float32
	if found && old.DocID != 0 && l.vectors != nil {
		if kept, err = l.vectorsByText(old.DocID); err != nil {
			return fileResult{}, err
		}
	}
	rec.Format, rec.Pages, rec.Warnings, rec.Title = doc.Format, doc.Pages, doc.Warnings, doc.Title
	removed, err := l.store.PutDocument(rec, &doc, chunks, index.EncodeDocPostings(chunks, index.DocFields(rec.Path, rec.Root, &doc)))
	if err != nil {
		return fileResult{}, err
	}
	l.forget(removed)
	l.docsMu.Lock()
	l.docs[chunks[0].DocID] = docInfo{f.path, doc.Format}
	l.docsMu.Unlock()
	res := fileResult{outcome: outcome, pages: len(doc.Pages)}
	if l.vectors == nil {
		return res, nil
	}
	// Chunks whose text is unchanged keep their vectors; the rest wait
	// for the encoder.
	var ids []uint64
	var vecs [][]float32
	for _, c := range chunks {
		if v, ok := kept[c.Text]; ok {
			ids, vecs = append(ids, c.ID), append(vecs, v)
		} else {
			res.pending = append(res.pending, c)
		}
	}
	if len(ids) > 0 {
		if err := l.vectors.Put(ids, vecs); err != nil {
			return fileResult{}, err
		}
	}
	l.log.Debug("indexed", "path", f.path, "chunks", len(chunks), "vectors_kept", len(ids))
	return res, nil
}

// vectorsByText maps the text of a document's chunks to their vectors.
func (l *Library) vectorsByText(docID uint64) (map[string][]float32, error) {
	chunks, err := l.store.Chunks(docID)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(chunks))
	for _, c := range chunks {
		v, ok, err := l.store.Vector(c.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out[c.Text] = v
		}
	}
	return out, nil
}

// skip records a file Folio does not read, and why.
func (l *Library) skip(rec, old store.FileRecord, found bool, why string) (fileResult, error) {
	if found && old.State == store.StateSkipped && old.Reason == why {
		return fileResult{outcome: "skipped"}, nil
	}
	rec.State, rec.Reason = store.StateSkipped, why
	removed, err := l.store.PutFile(rec)
	l.forget(removed)
	return fileResult{outcome: "skipped"}, err
}

// fail records a file that could not be indexed.
func (l *Library) fail(rec store.FileRecord, outcome, why string) (fileResult, error) {
	rec.State, rec.Reason = store.StateFailed, why
	removed, err := l.store.PutFile(rec)
	l.forget(removed)
	return fileResult{outcome: outcome, err: &FileError{Path: rec.Path, Reason: why}}, err
}

// forget drops removed chunks, and their documents, from memory.
func (l *Library) forget(ids []uint64) {
	if len(ids) == 0 {
		return
	}
	if l.vectors != nil {
		l.vectors.Remove(ids...)
	}
	l.docsMu.Lock()
	for _, id := range ids {
		delete(l.docs, store.DocOf(id))
	}
	l.docsMu.Unlock()
}

// renamePostings rewrites a moved document's keyword postings: its name
// and folder are fields of the index.
func (l *Library) renamePostings(rec store.FileRecord) error {
	chunks, err := l.store.Chunks(rec.DocID)
	if err != nil || len(chunks) == 0 {
		return err
	}
	text, err := l.store.Text(rec.DocID)
	if err != nil {
		return err
	}
	doc := core.Document{Text: text, Pages: rec.Pages, Title: rec.Title}
	return l.store.PutPostings(rec.DocID, index.EncodeDocPostings(chunks, index.DocFields(rec.Path, rec.Root, &doc)))
}

// contextual is the text a chunk is embedded as: its document's name
// ("3M_2018_10K.pdf" gives "3M 2018 10K") and its Context (a split table's
// header) before its own words, so that a passage's vector knows which
// filing and which columns it comes from. Only the vector sees it; the
// chunk's text and highlights are the passage's own.
func contextual(path string, c core.Chunk) string {
	text := c.Text
	if c.Context != "" {
		text = c.Context + "\n" + text // a table's header, for a piece without it
	}
	if path == "" {
		return text
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == '.' }), " ")
	if name == "" {
		return text
	}
	return name + ": " + text
}

// unembedded returns the stored chunks that have no vector yet.
func (l *Library) unembedded() ([]core.Chunk, error) {
	var out []core.Chunk
	err := l.store.EachChunk(func(c core.Chunk) error {
		if !l.vectors.Has(c.ID) {
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// embedStage embeds the queued chunks in batches as they arrive and stores
// their vectors. It returns how many it embedded.
func (l *Library) embedStage(ctx context.Context, queue <-chan []core.Chunk, pr *reporter, eta *estimate) (int, error) {
	if l.enc == nil {
		for range queue {
		}
		return 0, nil
	}
	done := 0
	var buf []core.Chunk
	flush := func(n int) error {
		if err := l.gate.wait(ctx, pr); err != nil {
			return err
		}
		batch := buf[:n]
		texts := make([]string, len(batch))
		ids := make([]uint64, len(batch))
		for j, c := range batch {
			texts[j], ids[j] = contextual(l.DocPath(store.DocOf(c.ID)), c), c.ID
		}
		vecs, err := l.enc.Embed(ctx, texts)
		if err != nil {
			return fmt.Errorf("embed: %w", err)
		}
		if err := l.vectors.Put(ids, vecs); err != nil {
			return err
		}
		buf = append(buf[:0], buf[n:]...)
		done += n
		eta.embedded(n)
		pr.set(func(p *core.Progress) {
			p.Chunks = done
			p.ChunksPerSec = eta.rate()
			p.ETASeconds = eta.seconds()
		})
		return nil
	}
	for chunks := range queue {
		buf = append(buf, chunks...)
		for len(buf) >= embedBatch {
			if err := flush(embedBatch); err != nil {
				return done, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return done, err
	}
	if len(buf) > 0 {
		if err := flush(len(buf)); err != nil {
			return done, err
		}
	}
	return done, nil
}

// special is the file types a scan lists as skipped: they are not read,
// and opening a FIFO would wait for a writer.
const special = fs.ModeNamedPipe | fs.ModeSocket | fs.ModeDevice | fs.ModeCharDevice | fs.ModeIrregular

// notRegular is the reason a file that is not a regular file is not read:
// "not a regular file (a FIFO)".
func notRegular(mode fs.FileMode) string {
	return fmt.Sprintf("%v (%s)", core.ErrNotRegular, parse.Kind(mode))
}

// hashFile hashes a file's content; it never blocks opening it (see
// parse.OpenFile).
func hashFile(path string) (string, error) {
	f, err := parse.OpenFile(path)
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
