package evaluate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"time"

	"folio/backend/core"
	"folio/backend/parse/isolate"
	"folio/backend/store"
)

// OCRCacheFigure is what the OCR cache saves: the same scanned PDFs read
// twice in child processes through the OCR cache of a fresh store on disk,
// as a first index and a re-index (a parser upgrade, a copy, a restart)
// read them.
type OCRCacheFigure struct {
	Files int `json:"files"`
	// FirstPages are the pages Tesseract read the first time, in
	// FirstSeconds (rendering, OCR and the child processes).
	FirstPages   int     `json:"first_ocr_pages"`
	FirstSeconds float64 `json:"first_seconds"`
	// AgainPages are the pages Tesseract read the second time (0 when
	// the cache works), AgainCached those the cache served, in AgainSeconds.
	AgainPages   int     `json:"again_ocr_pages"`
	AgainCached  int     `json:"again_cached_pages"`
	AgainSeconds float64 `json:"again_seconds"`
	// Identical is set when the second read gave the same text, pages
	// and word boxes.
	Identical bool `json:"identical"`
}

// ocrCacheMaxFiles bounds the scans the figure reads (twice): it is a
// ratio, not a survey.
const ocrCacheMaxFiles = 3

// ocrCache measures OCRCacheFigure on up to ocrCacheMaxFiles of the 300
// dpi clean scans the variants made in work.
func ocrCache(ctx context.Context, work string) (OCRCacheFigure, error) {
	var fig OCRCacheFigure
	scans, _ := filepath.Glob(filepath.Join(work, "*-300.pdf"))
	sort.Strings(scans)
	if len(scans) > ocrCacheMaxFiles {
		scans = scans[:ocrCacheMaxFiles]
	}
	if len(scans) == 0 {
		return fig, nil
	}
	dir, err := os.MkdirTemp("", "folio-ocr-cache-")
	if err != nil {
		return fig, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir)
	if err != nil {
		return fig, err
	}
	defer st.Close()
	var mu sync.Mutex // guards read and cached
	read, cached := 0, 0
	reader := isolate.NewRegistry(isolate.Config{Timeout: 10 * time.Minute, OCRCache: st.OCRCache(),
		OCRPages: func(_ string, r, c int) {
			mu.Lock()
			read, cached = read+r, cached+c
			mu.Unlock()
		}})
	pass := func() ([]core.Document, float64, int, int, error) {
		mu.Lock()
		read, cached = 0, 0
		mu.Unlock()
		var docs []core.Document
		t0 := time.Now()
		for _, s := range scans {
			doc, err := reader.Parse(ctx, s)
			if err != nil {
				return nil, 0, 0, 0, fmt.Errorf("OCR of %s: %w", s, err)
			}
			docs = append(docs, doc)
		}
		secs := time.Since(t0).Seconds()
		mu.Lock()
		defer mu.Unlock()
		return docs, secs, read, cached, nil
	}
	first, secs, r, _, err := pass()
	if err != nil {
		return fig, err
	}
	fig.Files, fig.FirstPages, fig.FirstSeconds = len(scans), r, secs
	again, secs, r, c, err := pass()
	if err != nil {
		return fig, err
	}
	fig.AgainPages, fig.AgainCached, fig.AgainSeconds = r, c, secs
	fig.Identical = reflect.DeepEqual(first, again)
	return fig, nil
}

// writeText prints the figure as one line, with the ratio of the times.
func (f OCRCacheFigure) writeText(w io.Writer) {
	if f.Files == 0 {
		return
	}
	same := "same text and boxes"
	if !f.Identical {
		same = "DIFFERENT text or boxes"
	}
	ratio := 0.0
	if f.FirstSeconds > 0 {
		ratio = f.AgainSeconds / f.FirstSeconds
	}
	fmt.Fprintf(w, "OCR cache                re-index %d OCR pages (%d from the cache), %.2f s vs %.1f s for the first index of %d pages in %d scans (%.3f×), %s\n",
		f.AgainPages, f.AgainCached, f.AgainSeconds, f.FirstSeconds, f.FirstPages, f.Files, ratio, same)
}
