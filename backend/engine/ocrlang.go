package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"folio/backend/parse/ocr"
)

// ocrLanguagesSetting is the store setting holding the OCR languages
// chosen in settings (a JSON list of Tesseract pack names).
const ocrLanguagesSetting = "ocr-languages"

// OCRLanguages are the language packs OCR can read scans with, for the
// settings screen. Chosen is the library's saved choice (empty: Default);
// InUse is what the parser reads with now: Chosen's installed packs, or
// Default. Invariants: Chosen and Default are subsets of Installed (a
// chosen pack removed from the system is dropped from InUse, not from
// Chosen, so it returns with its pack); Available is false in a build
// without Tesseract, and then every list is empty.
type OCRLanguages struct {
	Available bool     `json:"available"`
	Installed []string `json:"installed"`
	Default   []string `json:"default"`
	Chosen    []string `json:"chosen"`
	InUse     []string `json:"inUse"`
}

// ocrState holds the chosen OCR languages, read by each parser child.
type ocrState struct {
	mu    sync.RWMutex
	langs []string // nil: the OCR package's default
}

// chosen returns the saved choice's installed packs (nil: the default).
func (o *ocrState) chosen() []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if len(o.langs) == 0 {
		return nil
	}
	installed := ocr.Languages()
	var out []string
	for _, l := range o.langs {
		if slices.Contains(installed, l) {
			out = append(out, l)
		}
	}
	return out
}

// inUse returns the packs OCR reads with now: the chosen ones installed,
// or the default (what a page read now is marked with, core.PageOCR).
func (o *ocrState) inUse() []string {
	if c := o.chosen(); len(c) > 0 {
		return c
	}
	return ocr.DefaultLanguages()
}

// ocrCache is the library's OCR cache (store.OCRCache) for the parser
// children, once Open has opened the store: what OCR read is kept by the
// page's content, so a page is read by Tesseract once, whatever the file
// holding it is called and however often it is indexed.
type ocrCache struct{ e *Engine }

func (c ocrCache) Get(key []byte) ([]byte, bool) {
	if c.e.store == nil {
		return nil, false
	}
	return c.e.store.OCRCache().Get(key)
}

func (c ocrCache) Put(key, val []byte) {
	if c.e.store != nil {
		c.e.store.OCRCache().Put(key, val)
	}
}

func (o *ocrState) set(langs []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.langs = slices.Clone(langs)
}

func (e *Engine) loadOCRLanguages() error {
	raw, err := e.store.Setting(ocrLanguagesSetting)
	if err != nil || len(raw) == 0 {
		return err
	}
	var langs []string
	if err := json.Unmarshal(raw, &langs); err != nil {
		e.log.Warn("ignoring unreadable OCR language settings", "err", err)
		return nil
	}
	e.ocr.set(langs)
	return nil
}

// OCRLanguages returns the installed OCR language packs, the default and
// the library's choice.
func (e *Engine) OCRLanguages() OCRLanguages {
	out := OCRLanguages{Available: ocr.Available(), Installed: []string{}, Default: []string{}, Chosen: []string{}, InUse: []string{}}
	if !out.Available {
		return out
	}
	out.Installed = append(out.Installed, ocr.Languages()...)
	out.Default = append(out.Default, ocr.DefaultLanguages()...)
	e.ocr.mu.RLock()
	out.Chosen = append(out.Chosen, e.ocr.langs...)
	e.ocr.mu.RUnlock()
	if in := e.ocr.chosen(); len(in) > 0 {
		out.InUse = append(out.InUse, in...)
	} else {
		out.InUse = append(out.InUse, out.Default...)
	}
	return out
}

// SetOCRLanguages saves the language packs to read scans with, in order,
// without duplicates; an empty list goes back to the default. A pack that
// is not installed is refused, naming it and the installed ones. Files
// already read keep their text until they are read again: the next scan
// reads again those OCR read with other languages (StaleOCR lists them).
func (e *Engine) SetOCRLanguages(langs []string) error {
	installed := ocr.Languages()
	var keep []string
	for _, l := range langs {
		l = strings.TrimSpace(l)
		if l == "" || slices.Contains(keep, l) {
			continue
		}
		if !slices.Contains(installed, l) {
			if len(installed) == 0 {
				return fmt.Errorf("OCR language %q: no Tesseract language pack is installed", l)
			}
			return fmt.Errorf("OCR language %q is not installed (installed: %s)", l, strings.Join(installed, ", "))
		}
		keep = append(keep, l)
	}
	raw, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	if keep == nil {
		raw = nil
	}
	if err := e.store.SetSetting(ocrLanguagesSetting, raw); err != nil {
		return err
	}
	e.ocr.set(keep)
	return nil
}

// StaleOCR lists the files with pages OCR read with other language packs
// than it reads with now: after SetOCRLanguages, Retry them to read their
// scans with the new languages (the next scan of their folder does too).
func (e *Engine) StaleOCR() ([]string, error) { return e.lib.StaleOCR() }
