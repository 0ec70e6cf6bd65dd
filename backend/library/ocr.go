package library

import (
	"slices"

	"folio/backend/store"
)

// ocrStale reports whether rec's file has pages OCR read with other
// language packs than those it reads with now (Config.OCRLanguages): the
// file is read again, and since the languages are part of the OCR cache's
// key, the new languages really read its scans. Without OCR here (no
// languages in use) nothing is stale: a file is never read again only to
// lose the text OCR once gave it.
func (l *Library) ocrStale(rec store.FileRecord) bool {
	if l.cfg.OCRLanguages == nil {
		return false
	}
	var now []string
	for _, p := range rec.Pages {
		if p.OCR == nil {
			continue
		}
		if now == nil {
			if now = l.cfg.OCRLanguages(); len(now) == 0 {
				return false
			}
		}
		if !slices.Equal(p.OCR.Languages, now) {
			return true
		}
	}
	return false
}

// StaleOCR lists the files with pages OCR read with other language packs
// than it reads with now (see ocrStale), sorted: the files Retry should
// read again after the OCR languages changed.
func (l *Library) StaleOCR() ([]string, error) {
	recs, err := l.store.Files()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range recs {
		if r.State == store.StateIndexed && l.ocrStale(r) {
			out = append(out, r.Path)
		}
	}
	slices.Sort(out)
	return out, nil
}
