package engine

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
