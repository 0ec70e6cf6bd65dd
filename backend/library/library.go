package library

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"folio/backend/chunk"
	"folio/backend/index"
	"folio/backend/parse"
	"folio/backend/store"
)

// Parser reads files into documents.
type Parser interface {
	parse.Parser
	Supports(path string) bool
}

// Embedder turns texts into vectors (the embedding model).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Config configures a Library. Zero fields take the defaults.
type Config struct {
	// Store is the open library database (required).
	Store *store.Store
	// Parser reads files (required).
	Parser Parser
	// Embed and Vectors are the embedding model and the vector index;
	// both nil means keyword search only.
	Embed   Embedder
	Vectors *index.Vectors
	// Chunk sizes chunks for the model (default: chunk's defaults).
	Chunk chunk.Config
	// Workers is how many files are parsed at once (default GOMAXPROCS).
	Workers int
	// MaxFileSize is the largest file indexed; larger ones are listed as
	// skipped, with their size (default 1 GB).
	MaxFileSize int64
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
	// OCRLanguages, when set, gives the language packs OCR reads with
	// now. A file with pages OCR read with other packs is read again,
	// even when it looks unchanged (see ocrStale); nil, or an empty list
	// (no OCR here), reads nothing again for that.
	OCRLanguages func() []string
	// OCRCacheBytes bounds the store's OCR cache, trimmed after each run
	// that read files (default store.DefaultOCRCacheBytes).
	OCRCacheBytes int64
}

// Library keeps the person's folders and files indexed: it scans, parses,
// chunks, stores and embeds them, and watches them for changes. Its
// methods are safe for concurrent use; indexing runs one at a time.
type Library struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Store
	parser  Parser
	enc     Embedder       // nil without a model
	vectors *index.Vectors // nil without a model

	indexMu        sync.Mutex // serialises indexing runs (the only writers of the library) and guards closed and pendingScanned
	closed         bool
	pendingScanned bool     // every stored chunk without a vector has been queued once since New
	gate           gate     // pauses indexing
	watch          watching // the file watcher, while Watch runs

	running atomic.Bool  // an indexing run holds indexMu
	waiting atomic.Int32 // indexing runs waiting for indexMu

	runMu     sync.Mutex         // guards runCancel
	runCancel context.CancelFunc // cancels the indexing run in progress

	docsMu sync.RWMutex // guards docs
	docs   map[uint64]docInfo
}

// docInfo is what searches need to know of an indexed document.
type docInfo struct {
	path, format string
}

// New opens the library kept in cfg.Store.
func New(cfg Config) (*Library, error) {
	if cfg.Store == nil || cfg.Parser == nil {
		return nil, errors.New("library: a store and a parser are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = 1e9
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Library{cfg: cfg, log: cfg.Logger, store: cfg.Store, parser: cfg.Parser, enc: cfg.Embed,
		vectors: cfg.Vectors, docs: map[uint64]docInfo{}}
	if l.enc == nil {
		l.vectors = nil
	}
	files, err := l.store.Files()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.DocID != 0 {
			l.docs[f.DocID] = docInfo{f.Path, f.Format}
		}
	}
	return l, nil
}

// Close waits for a running indexing run to finish (cancel it first to make
// that quick); later runs fail.
func (l *Library) Close() {
	l.indexMu.Lock()
	defer l.indexMu.Unlock()
	l.closed = true
}

// Docs returns how many documents the library holds.
func (l *Library) Docs() int {
	l.docsMu.RLock()
	defer l.docsMu.RUnlock()
	return len(l.docs)
}

// DocPath returns the file of a document, or "".
func (l *Library) DocPath(docID uint64) string {
	l.docsMu.RLock()
	defer l.docsMu.RUnlock()
	return l.docs[docID].path
}

// DocsWhere returns the documents whose file path and format pass ok.
func (l *Library) DocsWhere(ok func(path, format string) bool) map[uint64]bool {
	l.docsMu.RLock()
	defer l.docsMu.RUnlock()
	out := map[uint64]bool{}
	for id, d := range l.docs {
		if ok(d.path, d.format) {
			out[id] = true
		}
	}
	return out
}

// RootOf returns the folder or file the person added that path lies under
// (the longest), or path itself.
func (l *Library) RootOf(path string) string { return l.rootOf(path) }

// chunkConfig sizes chunks for the model.
func (l *Library) chunkConfig() chunk.Config { return l.cfg.Chunk }

// FileError names a file that could not be indexed and why.
type FileError struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// IndexReport summarises one indexing run.
type IndexReport struct {
	Files          int         `json:"files"`
	New            int         `json:"new"`
	Changed        int         `json:"changed"`
	Unchanged      int         `json:"unchanged"`
	Moved          int         `json:"moved"` // renamed or moved: document and vectors kept
	Removed        int         `json:"removed"`
	Failed         int         `json:"failed"`
	Skipped        int         `json:"skipped"`
	ChunksEmbedded int         `json:"chunks_embedded"`
	Seconds        float64     `json:"seconds"`
	Errors         []FileError `json:"errors,omitempty"`
	Canceled       bool        `json:"canceled,omitempty"`
	// Reembedded names the model of a re-embedding run (ChunksEmbedded
	// counts its passages); "" for an indexing run.
	Reembedded string `json:"reembedded,omitempty"`
}
