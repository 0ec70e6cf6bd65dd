package engine

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/parse/ocr"
)

// The OCR languages chosen in settings are checked against the installed
// packs, saved in the library (they survive reopening it) and given to the
// parser children; an empty choice goes back to the default.
func TestOCRLanguagesSetting(t *testing.T) {
	if !ocr.Available() {
		t.Skip("this build or machine has no Tesseract (needs libtesseract-dev and tesseract-ocr-eng)")
	}
	installed := ocr.Languages()
	if !slices.Contains(installed, "eng") || len(installed) < 2 {
		t.Skipf("needs English and one more Tesseract pack; installed: %v", installed)
	}
	other := installed[0]
	if other == "eng" {
		other = installed[1]
	}
	data := filepath.Join(t.TempDir(), "data")
	open := func() *Engine {
		e, err := Open(context.Background(), Config{DataDir: data, NoModel: true})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	got := e.OCRLanguages()
	if !got.Available || !slices.Equal(got.Installed, installed) || len(got.Chosen) != 0 || !slices.Equal(got.InUse, ocr.DefaultLanguages()) || e.ocr.chosen() != nil {
		t.Errorf("fresh library: %+v (parser gets %q), want nothing chosen and the default %q in use", got, e.ocr.chosen(), ocr.DefaultLanguages())
	}
	err := e.SetOCRLanguages([]string{"eng", "klingon"})
	if err == nil || !strings.Contains(err.Error(), `"klingon" is not installed`) || !strings.Contains(err.Error(), "eng") {
		t.Errorf("an uninstalled pack: err = %v, want it named with the installed ones", err)
	}
	if err := e.SetOCRLanguages([]string{other, " eng ", other, ""}); err != nil {
		t.Fatal(err)
	}
	want := []string{other, "eng"}
	if got := e.OCRLanguages(); !slices.Equal(got.Chosen, want) || !slices.Equal(got.InUse, want) || !slices.Equal(e.ocr.chosen(), want) {
		t.Errorf("after choosing: %+v (parser gets %q), want %q", got, e.ocr.chosen(), want)
	}
	e.Close()

	e = open()
	if got := e.OCRLanguages(); !slices.Equal(got.Chosen, want) || !slices.Equal(e.ocr.chosen(), want) {
		t.Errorf("reopened: %+v, want %q kept in the library", got, want)
	}
	if err := e.SetOCRLanguages(nil); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = open()
	defer e.Close()
	if got := e.OCRLanguages(); len(got.Chosen) != 0 || !slices.Equal(got.InUse, ocr.DefaultLanguages()) || e.ocr.chosen() != nil {
		t.Errorf("after clearing and reopening: %+v, want the default", got)
	}
}

// The OCR cache's entries live beside the documents: the library checks
// clean with them, they are no orphans, and they survive reopening it.
func TestOCRCacheChecksClean(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "a.txt"), "Otters hold hands while they sleep.")
	e := open(t, data)
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	key := []byte(strings.Repeat("k", 32))
	ocrCache{e}.Put(key, []byte("an entry"))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = open(t, data)
	defer e.Close()
	rep, err := e.Check(ctx)
	if err != nil || !rep.OK() || rep.Orphans != 0 {
		t.Fatalf("check with an OCR cache entry: %+v, %v", rep, err)
	}
	if v, ok := (ocrCache{e}).Get(key); !ok || string(v) != "an entry" {
		t.Fatalf("after reopening: %q, %v", v, ok)
	}
}

// The engine's parser children read scans through the library's OCR
// cache, and choosing other OCR languages lists the scans to read again:
// read with the new languages they add entries; read with the first
// languages again they add none (the cache served them).
func TestOCRLanguagesReadScansAgainThroughTheCache(t *testing.T) {
	if testing.Short() {
		t.Skip("OCR of a scanned page in child processes: skipped with -short")
	}
	if !ocr.Available() {
		t.Skip("this build or machine has no Tesseract (needs libtesseract-dev and tesseract-ocr-eng)")
	}
	installed := ocr.Languages()
	other := ""
	for _, l := range installed {
		if !slices.Contains(ocr.DefaultLanguages(), l) {
			other = l
			break
		}
	}
	if other == "" {
		t.Skipf("needs a Tesseract pack beyond the default %v; installed: %v", ocr.DefaultLanguages(), installed)
	}
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	scan := filepath.Join(docs, "scan.pdf")
	testenv.ScannedPDF(t, testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf"), 1, 1, 150, 1.0/3, scan)
	e := open(t, data)
	defer e.Close()
	entries := func() int {
		t.Helper()
		n, _, err := e.store.OCRCacheSize()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	languages := func() []string {
		t.Helper()
		rec, _, err := e.store.File(scan)
		if err != nil || len(rec.Pages) != 1 || rec.Pages[0].OCR == nil {
			t.Fatalf("%s: %+v, %v: want one page read by OCR", scan, rec, err)
		}
		return rec.Pages[0].OCR.Languages
	}
	if rep, err := e.Index(ctx, []string{docs}, nil); err != nil || rep.New != 1 {
		t.Fatalf("index: %+v, %v", rep, err)
	}
	if n := entries(); n != 1 || !slices.Equal(languages(), ocr.DefaultLanguages()) {
		t.Fatalf("first index: %d cache entries, read with %v; want 1, %v", n, languages(), ocr.DefaultLanguages())
	}
	for i, langs := range [][]string{append(slices.Clone(ocr.DefaultLanguages()), other), nil} {
		if err := e.SetOCRLanguages(langs); err != nil {
			t.Fatal(err)
		}
		stale, err := e.StaleOCR()
		if err != nil || !slices.Equal(stale, []string{scan}) {
			t.Fatalf("languages %v: stale %q, %v; want the scan", langs, stale, err)
		}
		if rep, err := e.Retry(ctx, stale, nil); err != nil || rep.Changed != 1 {
			t.Fatalf("languages %v: retry %+v, %v", langs, rep, err)
		}
		want := e.OCRLanguages().InUse
		if got := languages(); !slices.Equal(got, want) {
			t.Fatalf("languages %v: the scan was read with %v, want %v", langs, got, want)
		}
		if stale, _ := e.StaleOCR(); len(stale) != 0 {
			t.Fatalf("languages %v: still stale: %q", langs, stale)
		}
		if n := entries(); n != 2 {
			t.Fatalf("step %d, languages %v: %d cache entries, want 2 (one a language choice)", i, langs, n)
		}
	}
}
