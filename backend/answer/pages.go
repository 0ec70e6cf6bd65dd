package answer

import (
	"fmt"

	"folio/backend/core"
)

// MergePages joins the hits that start on the same page of the same
// document into one hit spanning them all (from the first's start to the
// last's end, with the document's text in between), so that the answer
// cites the page once, with several highlights, instead of citing
// near-duplicate passages. The merged hit takes the place of the page's
// best hit and its score. Hits without a page (Page 0) are kept apart.
//
// text returns a document's extracted text; it is read only for pages
// holding several hits. Offsets outside the text are clamped, and a hit
// whose document cannot be read is kept as it was.
func MergePages(hits []core.Hit, text func(docID uint64) (string, error)) ([]core.Hit, error) {
	type key struct {
		doc  uint64
		page int
	}
	first := map[key]int{} // page → index of its best hit in out
	count := map[key]int{}
	for _, h := range hits {
		if h.Page > 0 {
			count[key{h.DocID, h.Page}]++
		}
	}
	out := make([]core.Hit, 0, len(hits))
	texts := map[uint64]string{}
	for _, h := range hits {
		k := key{h.DocID, h.Page}
		if h.Page <= 0 || count[k] < 2 {
			out = append(out, h)
			continue
		}
		i, seen := first[k]
		if !seen {
			first[k] = len(out)
			out = append(out, h)
			continue
		}
		doc, ok := texts[h.DocID]
		if !ok {
			t, err := text(h.DocID)
			if err != nil {
				return nil, fmt.Errorf("merge passages of one page: %w", err)
			}
			texts[h.DocID], doc = t, t
		}
		m := &out[i]
		start, end := min(m.Start, h.Start), max(m.End, h.End)
		start, end = max(0, min(start, len(doc))), max(0, min(end, len(doc)))
		if start >= end {
			continue
		}
		m.Start, m.End, m.Text = start, end, doc[start:end]
		m.Tokens += h.Tokens
		m.Ord = min(m.Ord, h.Ord)
	}
	return out, nil
}
