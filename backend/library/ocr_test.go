package library

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/isolate"
	"folio/backend/parse/ocr"
	"folio/backend/store"
)

// ocrRig is a library over a real Badger store in a folder, parsing in
// real child processes that reach the store's OCR cache, and counting
// what Tesseract read.
type ocrRig struct {
	t     *testing.T
	dir   string
	st    *store.Store
	lib   *Library
	mu    sync.Mutex // guards langs, read and cached
	langs []string
	read  int
	cache int
}

func (r *ocrRig) open() {
	r.t.Helper()
	st, err := store.Open(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	langs := func() []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		return slices.Clone(r.langs)
	}
	reg := isolate.NewRegistry(isolate.Config{OCRCache: st.OCRCache(), OCRLanguages: langs,
		OCRPages: func(_ string, read, cached int) {
			r.mu.Lock()
			r.read += read
			r.cache += cached
			r.mu.Unlock()
		}})
	lib, err := New(Config{Store: st, Parser: reg, Workers: 1, Logger: quiet, OCRLanguages: langs})
	if err != nil {
		r.t.Fatal(err)
	}
	r.st, r.lib = st, lib
}

func (r *ocrRig) close() {
	r.lib.Close()
	if err := r.st.Close(); err != nil {
		r.t.Fatal(err)
	}
}

// counts returns and zeroes what Tesseract read and the cache served.
func (r *ocrRig) counts() (read, cached int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	read, cached = r.read, r.cache
	r.read, r.cache = 0, 0
	return read, cached
}

// stored is what the library keeps of a file's OCR: text, pages and the
// word boxes of every page.
type stored struct {
	Text  string
	Pages []core.PageSpan
	Boxes [][]core.Box
}

func (r *ocrRig) stored(path string) stored {
	r.t.Helper()
	rec, ok, err := r.st.File(path)
	if err != nil || !ok || rec.State != store.StateIndexed {
		r.t.Fatalf("%s: record %+v, %v, %v", path, rec, ok, err)
	}
	text, err := r.st.Text(rec.DocID)
	if err != nil {
		r.t.Fatal(err)
	}
	out := stored{Text: text, Pages: rec.Pages}
	for _, p := range rec.Pages {
		b, err := r.st.Boxes(rec.DocID, p.Page)
		if err != nil {
			r.t.Fatal(err)
		}
		out.Boxes = append(out.Boxes, b)
	}
	return out
}

// TestOCRCachedAcrossReindexRestartAndCopies indexes a scanned PDF, then
// indexes it again every way the library reads a file again: after a
// parser upgrade, forced, after a restart, and as a copy under another
// name. Only the first read runs Tesseract; the others take every page
// from the OCR cache in Badger and store the same text and word boxes.
// Choosing other OCR languages reads the scan again with them.
func TestOCRCachedAcrossReindexRestartAndCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of scanned pages in child processes (seconds of CPU): skipped with -short")
	}
	if !ocr.Available() {
		t.Skipf("OCR unavailable (%v): skipping", ocr.ErrNotAvailable)
	}
	ctx := context.Background()
	docs := t.TempDir()
	scan := filepath.Join(docs, "scan.pdf")
	// The top third of two pages: OCR reads each rendered at 300 dpi, and
	// this test reads them four times.
	testenv.ScannedPDF(t, testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf"), 1, 2, 150, 1.0/3, scan)
	r := &ocrRig{t: t, dir: t.TempDir(), langs: []string{"eng"}}
	r.open()

	rep, err := r.lib.Index(ctx, []string{docs}, nil)
	if err != nil || rep.New != 1 {
		t.Fatalf("first index: %+v, %v", rep, err)
	}
	if read, cached := r.counts(); read != 2 || cached != 0 {
		t.Fatalf("first index: Tesseract read %d pages, the cache served %d; want 2, 0", read, cached)
	}
	first := r.stored(scan)
	if len(first.Pages) != 2 || first.Pages[0].OCR == nil || len(first.Boxes[0]) < 30 {
		t.Fatalf("first index: pages %+v, %d boxes on page 1", first.Pages, len(first.Boxes[0]))
	}
	again := func(what string) {
		t.Helper()
		if read, cached := r.counts(); read != 0 || cached != 2 {
			t.Fatalf("%s: Tesseract read %d pages, the cache served %d; want 0, 2", what, read, cached)
		}
		if got := r.stored(scan); !reflect.DeepEqual(got, first) {
			t.Fatalf("%s: the stored text, pages or boxes differ from the first read", what)
		}
	}

	// A parser upgrade (an older ParserVersion in the record) reads it again.
	rec, _, _ := r.st.File(scan)
	rec.Parser = ParserVersion - 1
	if err := r.st.UpdateFile(rec); err != nil {
		t.Fatal(err)
	}
	if rep, err := r.lib.Index(ctx, []string{docs}, nil); err != nil || rep.Changed != 1 {
		t.Fatalf("after a parser upgrade: %+v, %v", rep, err)
	}
	again("after a parser upgrade")
	if _, err := r.lib.Retry(ctx, []string{scan}, nil); err != nil {
		t.Fatal(err)
	}
	again("forced again")

	// A restart: the cache is in the database.
	r.close()
	r.open()
	defer r.close()
	if _, err := r.lib.Retry(ctx, []string{scan}, nil); err != nil {
		t.Fatal(err)
	}
	again("after a restart")

	// A copy under another name is a new file, and no page of it is read
	// by Tesseract; a renamed file keeps its document.
	raw, err := os.ReadFile(scan)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(docs, "sub", "copy of scan.pdf")
	os.MkdirAll(filepath.Dir(copied), 0o755)
	if err := os.WriteFile(copied, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := r.lib.Index(ctx, []string{docs}, nil); err != nil || rep.New != 1 {
		t.Fatalf("a copy: %+v, %v", rep, err)
	}
	if read, cached := r.counts(); read != 0 || cached != 2 {
		t.Fatalf("a copy: Tesseract read %d pages, the cache served %d; want 0, 2", read, cached)
	}
	if got := r.stored(copied); got.Text != first.Text || !reflect.DeepEqual(got.Boxes, first.Boxes) {
		t.Fatal("the copy's text or boxes differ from the original's")
	}
	renamed := filepath.Join(docs, "renamed.pdf")
	if err := os.Rename(scan, renamed); err != nil {
		t.Fatal(err)
	}
	if rep, err := r.lib.Index(ctx, []string{docs}, nil); err != nil || rep.Moved != 1 {
		t.Fatalf("renamed: %+v, %v", rep, err)
	}
	if read, _ := r.counts(); read != 0 {
		t.Fatalf("renamed: Tesseract read %d pages", read)
	}
	scan = renamed

	// The database checks clean: cache entries are no orphans, and every
	// file reads back whole.
	if o, err := r.st.Orphans(); err != nil || len(o) != 0 {
		t.Fatalf("orphans %v, %v", o, err)
	}
	recs, _ := r.st.Files()
	for _, rec := range recs {
		if p := r.st.CheckFile(rec, 0, nil); len(p) > 0 {
			t.Fatalf("check %s: %+v", rec.Path, p)
		}
	}
	if n, _, err := r.st.OCRCacheSize(); err != nil || n != 2 {
		t.Fatalf("the cache holds %d entries (%v), want the 2 pages", n, err)
	}

	// Other OCR languages: both files are stale, and reading them again
	// runs Tesseract with the new languages, once per page (the copy
	// shares the original's pages).
	r.mu.Lock()
	r.langs = []string{"eng", ocr.Languages()[0]}
	if r.langs[1] == "eng" {
		r.langs[1] = ocr.Languages()[len(ocr.Languages())-1]
	}
	r.mu.Unlock()
	if r.langs[1] == "eng" {
		t.Skip("one OCR language pack installed: cannot change the languages")
	}
	stale, err := r.lib.StaleOCR()
	if err != nil || !reflect.DeepEqual(stale, []string{renamed, copied}) {
		t.Fatalf("stale after the languages changed: %q, %v; want both files", stale, err)
	}
	if rep, err := r.lib.Index(ctx, []string{docs}, nil); err != nil || rep.Changed != 2 {
		t.Fatalf("other languages: %+v, %v", rep, err)
	}
	if read, cached := r.counts(); read != 2 || cached != 2 {
		t.Fatalf("other languages: Tesseract read %d pages, the cache served %d; want 2, 2", read, cached)
	}
	for _, p := range []string{renamed, copied} {
		got := r.stored(p)
		for _, pg := range got.Pages {
			if pg.OCR == nil || !reflect.DeepEqual(pg.OCR.Languages, r.langs) {
				t.Fatalf("%s page %d read with %+v, want %v", p, pg.Page, pg.OCR, r.langs)
			}
		}
	}
	if stale, _ := r.lib.StaleOCR(); len(stale) != 0 {
		t.Fatalf("still stale: %q", stale)
	}
	if rep, err := r.lib.Index(ctx, []string{docs}, nil); err != nil || rep.Unchanged != 2 {
		t.Fatalf("indexed again with the same languages: %+v, %v", rep, err)
	}
	if read, cached := r.counts(); read+cached != 0 {
		t.Fatalf("unchanged files were parsed: %d read, %d cached", read, cached)
	}
}
