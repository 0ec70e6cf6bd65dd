//go:build cgo && !noocr

package ocr

/*
#cgo pkg-config: tesseract
#include <stdlib.h>
#include <stdbool.h>
#include <tesseract/capi.h>

// folio_cancel is what Tesseract's monitor polls: Go sets flag when the
// context is done.
typedef struct { volatile int flag; } folio_cancel;

static bool folio_cancel_fn(void *this, int words) {
	return __atomic_load_n(&((folio_cancel *)this)->flag, __ATOMIC_RELAXED) != 0;
}

static void folio_cancel_set(folio_cancel *c) {
	__atomic_store_n(&c->flag, 1, __ATOMIC_RELAXED);
}

static void folio_monitor_watch(ETEXT_DESC *m, folio_cancel *c) {
	TessMonitorSetCancelFunc(m, folio_cancel_fn);
	TessMonitorSetCancelThis(m, c);
}
*/
import "C"

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Built is true in a build with Tesseract.
const Built = true

// Available reports whether this build has Tesseract and at least one
// language pack is installed.
func Available() bool { return len(Languages()) > 0 }

// LibraryVersion returns the linked Tesseract's version, such as "5.3.0".
func LibraryVersion() string { return C.GoString(C.TessVersion()) }

var (
	langOnce  sync.Once
	langDir   string // the tessdata folder holding langCache
	langCache []string
)

// Languages lists the installed language packs (the *.traineddata files
// in Tesseract's tessdata folder: TESSDATA_PREFIX, or where Debian and
// others install them), "osd" left out, sorted. It loads no model.
func Languages() []string {
	langOnce.Do(func() { langDir, langCache = installedLanguages(tessdataDirs()) })
	return langCache
}

// quiet sends Tesseract's diagnostics nowhere: the parse child's stderr is
// for its own messages.
func quiet(h *C.TessBaseAPI) {
	for k, v := range map[string]string{"debug_file": "/dev/null"} {
		ck, cv := C.CString(k), C.CString(v)
		C.TessBaseAPISetVariable(h, ck, cv)
		C.free(unsafe.Pointer(ck))
		C.free(unsafe.Pointer(cv))
	}
}

// engines keeps initialised Tesseract handles by language string, so a
// document's pages load the language models once. A handle is used by one
// goroutine at a time.
var engines = struct {
	sync.Mutex
	idle map[string][]*C.TessBaseAPI
}{idle: map[string][]*C.TessBaseAPI{}}

// maxIdle bounds the idle handles kept per language string (each holds
// its models, tens of megabytes).
const maxIdle = 2

func getEngine(langs string) (*C.TessBaseAPI, error) {
	engines.Lock()
	if hs := engines.idle[langs]; len(hs) > 0 {
		h := hs[len(hs)-1]
		engines.idle[langs] = hs[:len(hs)-1]
		engines.Unlock()
		return h, nil
	}
	engines.Unlock()
	h := C.TessBaseAPICreate()
	quiet(h)
	cl := C.CString(langs)
	defer C.free(unsafe.Pointer(cl))
	cdir := C.CString(langDir)
	defer C.free(unsafe.Pointer(cdir))
	if C.TessBaseAPIInit3(h, cdir, cl) != 0 {
		C.TessBaseAPIDelete(h)
		return nil, fmt.Errorf("ocr: Tesseract could not load the language packs %q", langs)
	}
	quiet(h)
	return h, nil
}

func putEngine(langs string, h *C.TessBaseAPI) {
	C.TessBaseAPIClear(h)
	engines.Lock()
	defer engines.Unlock()
	if len(engines.idle[langs]) >= maxIdle {
		C.TessBaseAPIEnd(h)
		C.TessBaseAPIDelete(h)
		return
	}
	engines.idle[langs] = append(engines.idle[langs], h)
}

// Recognize reads the words in img. It fails with ErrNotAvailable when no
// requested language pack is installed, with ctx.Err() when ctx ends first
// (Tesseract is stopped mid-page), and with an error naming the size when
// img is empty or larger than MaxPixels.
func Recognize(ctx context.Context, img image.Image, opt Options) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return Page{}, fmt.Errorf("ocr: empty image (%dx%d)", b.Dx(), b.Dy())
	}
	if int64(b.Dx())*int64(b.Dy()) > MaxPixels {
		return Page{}, fmt.Errorf("ocr: image of %dx%d pixels is larger than the %d-pixel limit", b.Dx(), b.Dy(), MaxPixels)
	}
	langs := chooseLanguages(opt.Languages)
	if len(langs) == 0 {
		return Page{}, ErrNotAvailable
	}
	dpi := opt.DPI
	if dpi <= 0 {
		dpi = DefaultDPI
	}
	pix, w, h := grayPixels(img)
	var cacheKey []byte
	if opt.Cache != nil {
		cacheKey = keyOf(pix, w, h, dpi, langs)
		if e, ok := opt.Cache.Get(cacheKey); ok {
			if page, err := decodePage(e, w, h, langs); err == nil {
				counts.cached.Add(1)
				return page, nil
			}
		}
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	key := strings.Join(langs, "+")
	api, err := getEngine(key)
	if err != nil {
		return Page{}, err
	}
	defer putEngine(key, api)

	cpix := C.CBytes(pix)
	defer C.free(cpix)
	// The API's default is one uniform block of text (PSM_SINGLE_BLOCK); the
	// tesseract command's, and what a scanned page needs, is full layout
	// analysis without orientation detection.
	C.TessBaseAPISetPageSegMode(api, C.PSM_AUTO)
	C.TessBaseAPISetImage(api, (*C.uchar)(cpix), C.int(w), C.int(h), 1, C.int(w))
	C.TessBaseAPISetSourceResolution(api, C.int(dpi))

	cancel := (*C.folio_cancel)(C.calloc(1, C.size_t(unsafe.Sizeof(C.folio_cancel{}))))
	defer C.free(unsafe.Pointer(cancel))
	mon := C.TessMonitorCreate()
	defer C.TessMonitorDelete(mon)
	C.folio_monitor_watch(mon, cancel)
	if d, ok := ctx.Deadline(); ok {
		ms := time.Until(d).Milliseconds()
		if ms <= 0 {
			return Page{}, context.DeadlineExceeded
		}
		C.TessMonitorSetDeadlineMSecs(mon, C.int(min(ms, 1<<30)))
	}
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			C.folio_cancel_set(cancel)
		case <-stop:
		}
	}()
	counts.read.Add(1)
	rc := C.TessBaseAPIRecognize(api, mon)
	close(stop)
	<-watched // the watcher no longer touches cancel
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	if rc != 0 {
		return Page{}, fmt.Errorf("ocr: Tesseract failed to read the image (%dx%d)", w, h)
	}

	page := Page{Width: w, Height: h, Languages: langs}
	it := C.TessBaseAPIGetIterator(api)
	if it == nil {
		if cacheKey != nil {
			opt.Cache.Put(cacheKey, encodePage(page)) // nothing found, for good
		}
		return page, nil
	}
	defer C.TessResultIteratorDelete(it)
	pit := C.TessResultIteratorGetPageIterator(it)
	bounds := image.Rect(0, 0, w, h)
	var sum float64
	newLine, newPara, newBlock := false, false, false
	for {
		// IsAtBeginningOf copies the iterator and walks the line each
		// time (a tenth of the page's time in three calls a word); a
		// paragraph or block only begins where a line does.
		if C.TessPageIteratorIsAtBeginningOf(pit, C.RIL_TEXTLINE) != 0 {
			newLine = true
			if C.TessPageIteratorIsAtBeginningOf(pit, C.RIL_PARA) != 0 {
				newPara = true
			}
			if C.TessPageIteratorIsAtBeginningOf(pit, C.RIL_BLOCK) != 0 {
				newBlock = true
			}
		}
		ctext := C.TessResultIteratorGetUTF8Text(it, C.RIL_WORD)
		if ctext != nil {
			text := cleanWord(C.GoString(ctext))
			C.TessDeleteText(ctext)
			var x0, y0, x1, y1 C.int
			ok := C.TessPageIteratorBoundingBox(pit, C.RIL_WORD, &x0, &y0, &x1, &y1) != 0
			box := image.Rect(int(x0), int(y0), int(x1), int(y1)).Intersect(bounds)
			if text != "" && ok && !box.Empty() {
				conf := min(max(float64(C.TessResultIteratorConfidence(it, C.RIL_WORD)), 0), 100)
				wd := Word{Text: text, Box: box, Conf: conf,
					NewLine: newLine || len(page.Words) == 0, NewPara: newPara || len(page.Words) == 0, NewBlock: newBlock || len(page.Words) == 0}
				var bx0, by0, bx1, by1 C.int
				if C.TessPageIteratorBaseline(pit, C.RIL_WORD, &bx0, &by0, &bx1, &by1) != 0 && bx1 > bx0 {
					wd.Baseline = [2]image.Point{{int(bx0), int(by0)}, {int(bx1), int(by1)}}
				}
				var bold, italic, under, mono, serif, caps, size, font C.int
				C.TessResultIteratorWordFontAttributes(it, &bold, &italic, &under, &mono, &serif, &caps, &size, &font)
				wd.LineSize = float64(max(size, 0))
				page.Words = append(page.Words, wd)
				sum += conf
				newLine, newPara, newBlock = false, false, false
			}
		}
		if C.TessResultIteratorNext(it, C.RIL_WORD) == 0 {
			break
		}
	}
	if len(page.Words) > 0 {
		page.Conf = sum / float64(len(page.Words))
	}
	if cacheKey != nil {
		opt.Cache.Put(cacheKey, encodePage(page))
	}
	return page, nil
}

// keyOf returns the cache key of pix read at dpi with langs: cacheKey with
// this Tesseract's version and a stamp of the language packs' files.
func keyOf(pix []byte, w, h, dpi int, langs []string) []byte {
	var models strings.Builder
	for _, l := range langs {
		fi, err := os.Stat(filepath.Join(langDir, l+".traineddata"))
		if err == nil {
			fmt.Fprintf(&models, "%s:%d:%d;", l, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return cacheKey(pix, w, h, dpi, langs, LibraryVersion(), models.String())
}
