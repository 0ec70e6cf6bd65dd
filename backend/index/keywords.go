package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"folio/backend/core"
	"folio/backend/store"
)

// keywordsVersion names the postings encoding and the Terms rules. When it
// changes, OpenKeywords rebuilds every document's postings from its chunks.
const keywordsVersion = "4"

// keywordsSetting is the store setting that records keywordsVersion.
const keywordsSetting = "keywords.version"

// BM25 parameters (the usual defaults).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// maxPrefixTerms bounds how many stored terms one prefix query expands to.
const maxPrefixTerms = 64

// Keywords is a BM25 keyword index over postings kept in the store, next to
// their documents: a document's postings are written and deleted in the
// same transactions as its chunks, so the index never disagrees with the
// library. Safe for concurrent use.
//
// Queries are words, "quoted phrases" (all words, adjacent and in order)
// and prefixes ending in * (trac* matches trace and tracing).
type Keywords struct {
	st *store.Store

	mu     sync.Mutex // guards totals and at
	totals kwTotals
	at     uint64 // st.Writes() when totals were summed; 0 = never
}

// kwTotals are the figures BM25 normalises by.
type kwTotals struct {
	chunks   int // chunks indexed
	totalLen int // their total length in terms
	docs     int // documents indexed
}

// Fields are the words a document is known by, indexed as fields of their
// own beside its chunks' words (BM25F-like: each field with its weight and
// its own document frequencies). A query's words found in a document's
// fields raise every one of its passages that the query's words match, so
// that the same passage ranks higher in the filing the question names than
// in a look-alike. The passages' own text, and so their highlights, are
// untouched.
type Fields struct {
	// Name is what the document is called: its file name, folder and
	// title ("…/filings/3M_2018_10K.pdf" gives 3m, 2018, 10k).
	Name string
	// Head is the start of its text: a cover page's company, form and
	// period.
	Head string
	// PageHeads hold the start of each page (by page number): a
	// statement's title ("Consolidated Balance Sheets"), which every
	// passage of the page is indexed with, as its heading.
	PageHeads map[int]string
}

// DocFields returns the fields of the document at path, under root.
func DocFields(path, root string, doc *core.Document) Fields {
	f := Fields{Name: strings.TrimSpace(NameOf(path, root) + " " + doc.Title), Head: HeadOf(doc)}
	for _, p := range doc.Pages {
		start, end := max(0, min(p.Start, len(doc.Text))), max(0, min(p.End, len(doc.Text)))
		if end-start > pageHeadBytes {
			end = start + pageHeadBytes
			for end > start && doc.Text[end] != ' ' && doc.Text[end] != '\n' {
				end-- // cut at a space
			}
		}
		if end > start {
			if f.PageHeads == nil {
				f.PageHeads = map[int]string{}
			}
			f.PageHeads[p.Page] = doc.Text[start:end]
		}
	}
	return f
}

// pageHeadBytes is how much of a page's start is its heading.
const pageHeadBytes = 160

// Field postings are stored under the term with a field mark (a byte that
// Terms never yields); their value is the term's count in the field and
// the field's length, once per document.
const (
	nameField = "\x1fn"
	headField = "\x1fh"
	// nameWeight and headWeight scale a field term's document-level IDF,
	// saturated by its count as BM25 does (tuned on the FinanceBench
	// development split).
	nameWeight = 2.0
	headWeight = 1.0
	// headBytes is how much of a document's text Head should hold.
	headBytes = 1500
)

// HeadOf returns the start of text that Fields.Head holds: the first
// page's text, cut to headBytes at a rune boundary; "" for a document
// without pages, whose start is its first passage already.
func HeadOf(doc *core.Document) string {
	if len(doc.Pages) == 0 {
		return ""
	}
	end := min(len(doc.Text), max(doc.Pages[0].End, 0), headBytes)
	for end > 0 && end < len(doc.Text) && !utf8.RuneStart(doc.Text[end]) {
		end--
	}
	return doc.Text[:end]
}

// NameOf returns the words of a document's path that Fields.Name holds:
// the file name and the folders below root, and root's own name.
func NameOf(path, root string) string {
	rel := path
	if root != "" {
		if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
			rel = filepath.Join(filepath.Base(root), r)
		}
	} else {
		rel = filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path))
	}
	return strings.TrimSuffix(rel, filepath.Ext(rel))
}

// OpenKeywords returns the keyword index of st, first writing postings for
// documents stored without them (or with an older encoding).
func OpenKeywords(ctx context.Context, st *store.Store) (*Keywords, error) {
	x := &Keywords{st: st}
	v, err := st.Setting(keywordsSetting)
	if err != nil {
		return nil, err
	}
	if string(v) != keywordsVersion {
		if err := st.DropPostings(); err != nil {
			return nil, err
		}
	}
	missing, err := st.DocsWithoutPostings()
	if err != nil {
		return nil, fmt.Errorf("open keyword index: %w", err)
	}
	var files map[uint64]store.FileRecord
	if len(missing) > 0 {
		recs, err := st.Files()
		if err != nil {
			return nil, fmt.Errorf("rebuild keyword index: %w", err)
		}
		files = map[uint64]store.FileRecord{}
		for _, r := range recs {
			if r.DocID != 0 {
				files[r.DocID] = r
			}
		}
	}
	for _, doc := range missing {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunks, err := st.Chunks(doc)
		if err != nil {
			return nil, fmt.Errorf("rebuild keyword index: %w", err)
		}
		var f Fields
		if rec, ok := files[doc]; ok {
			text, _ := st.Text(doc) // without its text, the name alone
			f = DocFields(rec.Path, rec.Root, &core.Document{Text: text, Pages: rec.Pages, Title: rec.Title})
		}
		if err := st.PutPostings(doc, EncodeDocPostings(chunks, f)); err != nil {
			return nil, fmt.Errorf("rebuild keyword index: %w", err)
		}
	}
	if string(v) != keywordsVersion {
		if err := st.SetSetting(keywordsSetting, []byte(keywordsVersion)); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// EncodePostings returns the postings of one document's chunks, the i-th
// chunk having ordinal i (as store.PutDocument numbers them).
//
// A term's value lists, for each chunk that has it, the chunk's ordinal
// (as the gap from the previous one), the term's count in it, and the
// chunk's length in terms, all as uvarints. Stats holds the number of
// chunks and their total length.
func EncodePostings(chunks []core.Chunk) *store.Postings {
	return EncodeDocPostings(chunks, Fields{})
}

// EncodeDocPostings is EncodePostings with the document's fields.
func EncodeDocPostings(chunks []core.Chunk, f Fields) *store.Postings {
	post := &store.Postings{Terms: map[string][]byte{}}
	for _, fl := range []struct{ mark, text string }{{nameField, f.Name}, {headField, f.Head}} {
		terms := Terms(fl.text)
		tf := map[string]int{}
		for _, t := range terms {
			tf[t]++
		}
		for t, n := range tf {
			post.Terms[fl.mark+t] = binary.AppendUvarint(binary.AppendUvarint(nil, uint64(n)), uint64(len(terms)))
		}
	}
	last := map[string]int{}
	total := 0
	for i, c := range chunks {
		terms := Terms(c.Text)
		if h := f.PageHeads[c.Page]; h != "" && !strings.HasPrefix(c.Text, h) {
			terms = append(terms, Terms(h)...)
		}
		// A piece of a table is found by its header's words too.
		terms = append(terms, Terms(c.Context)...)
		total += len(terms)
		tf := map[string]int{}
		for _, t := range terms {
			tf[t]++
		}
		for t, n := range tf {
			prev, seen := last[t]
			if !seen {
				prev = 0
			}
			v := post.Terms[t]
			v = binary.AppendUvarint(v, uint64(i-prev))
			v = binary.AppendUvarint(v, uint64(n))
			v = binary.AppendUvarint(v, uint64(len(terms)))
			post.Terms[t] = v
			last[t] = i
		}
	}
	post.Stats = binary.AppendUvarint(binary.AppendUvarint(nil, uint64(len(chunks))), uint64(total))
	return post
}

// posting is one chunk's entry in a term's postings.
type posting struct {
	id      uint64
	tf, len int
}

// eachPosting decodes one document's postings for a term.
func eachPosting(doc uint64, v []byte, fn func(posting)) error {
	ord := uint64(0)
	for first := true; len(v) > 0; first = false {
		var f [3]uint64
		for i := range f {
			n, w := binary.Uvarint(v)
			if w <= 0 {
				return fmt.Errorf("document %d: damaged keyword postings", doc)
			}
			f[i], v = n, v[w:]
		}
		if first {
			ord = f[0]
		} else {
			ord += f[0]
		}
		fn(posting{id: store.ChunkID(doc, int(ord)), tf: int(f[1]), len: int(f[2])})
	}
	return nil
}

// sums returns the totals, summing the stored ones again after writes.
func (x *Keywords) sums() (kwTotals, error) {
	w := x.st.Writes()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.at == w+1 {
		return x.totals, nil
	}
	var t kwTotals
	err := x.st.EachPostingStats(func(doc uint64, v []byte) error {
		n, w1 := binary.Uvarint(v)
		l, w2 := binary.Uvarint(v[max(w1, 0):])
		if w1 <= 0 || w2 <= 0 {
			return fmt.Errorf("document %d: damaged keyword totals", doc)
		}
		t.chunks += int(n)
		t.totalLen += int(l)
		t.docs++
		return nil
	})
	if err != nil {
		return kwTotals{}, err
	}
	x.totals, x.at = t, w+1
	return t, nil
}

// Len returns the number of indexed chunks.
func (x *Keywords) Len() int {
	t, err := x.sums()
	if err != nil {
		return 0
	}
	return t.chunks
}

// IDF returns the inverse document frequency of a term (as from Terms),
// or 0 when it cannot be read.
func (x *Keywords) IDF(term string) float64 {
	t, err := x.sums()
	if err != nil {
		return 0
	}
	df := 0
	err = x.st.Postings(term, func(doc uint64, v []byte) error {
		return eachPosting(doc, v, func(posting) { df++ })
	})
	if err != nil {
		return 0
	}
	return idf(t.chunks, df)
}

func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// Query is a parsed keyword query.
type Query struct {
	Terms    []string   // plain terms
	Phrases  [][]string // each phrase's terms, which must be adjacent
	Prefixes []string   // prefixes to expand to stored terms
}

// ParseQuery splits a query into terms, "quoted phrases" and prefix*es.
func ParseQuery(q string) Query {
	var out Query
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 { // inside quotes
			if p := Terms(part); len(p) > 1 {
				out.Phrases = append(out.Phrases, p)
			} else {
				out.Terms = append(out.Terms, p...)
			}
			continue
		}
		for _, w := range strings.Fields(part) {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				if p = TermPrefix(p); len(p) >= 2 {
					out.Prefixes = append(out.Prefixes, p)
					continue
				}
			}
			out.Terms = append(out.Terms, Terms(w)...)
		}
	}
	return out
}

// Search returns the k chunks scoring highest for query under BM25. keep,
// when not nil, says which chunks may be returned.
func (x *Keywords) Search(ctx context.Context, query string, k int, keep func(id uint64) bool) ([]Result, error) {
	if k <= 0 {
		return nil, nil
	}
	q := ParseQuery(query)
	terms := slices.Clone(q.Terms)
	for _, p := range q.Phrases {
		terms = append(terms, p...)
	}
	for _, p := range q.Prefixes {
		more, err := x.st.TermsWithPrefix(p, maxPrefixTerms)
		if err != nil {
			return nil, err
		}
		terms = append(terms, more...)
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	t, err := x.sums()
	if err != nil || t.chunks == 0 {
		return nil, err
	}
	avg := float64(t.totalLen) / float64(t.chunks)
	scores := map[uint64]float64{}
	var hits map[uint64]int // per chunk, how many phrase terms it has
	need := phraseTerms(q.Phrases)
	if len(need) > 0 {
		hits = map[uint64]int{}
	}
	var list []posting
	for _, term := range terms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		list = list[:0]
		err := x.st.Postings(term, func(doc uint64, v []byte) error {
			return eachPosting(doc, v, func(p posting) { list = append(list, p) })
		})
		if err != nil {
			return nil, err
		}
		w := idf(t.chunks, len(list))
		for _, p := range list {
			if keep != nil && !keep(p.id) {
				continue
			}
			f := float64(p.tf)
			norm := 1 - bm25B + bm25B*float64(p.len)/avg
			scores[p.id] += w * f * (bm25K1 + 1) / (f + bm25K1*norm)
			if need[term] {
				hits[p.id]++
			}
		}
	}
	docs, err := x.fieldScores(ctx, terms, t)
	if err != nil {
		return nil, err
	}
	ranked := make([]Result, 0, len(scores))
	for id, s := range scores {
		if hits != nil && hits[id] < len(need) {
			continue
		}
		ranked = append(ranked, Result{ID: id, Score: s + docs[store.DocOf(id)]})
	}
	slices.SortFunc(ranked, byScore)
	if len(q.Phrases) == 0 {
		return ranked[:min(k, len(ranked))], nil
	}
	// Phrases: check adjacency in the chunk's text, best first, until k.
	var out []Result
	for _, r := range ranked {
		if len(out) == k {
			break
		}
		c, err := x.st.Chunk(r.ID)
		if errors.Is(err, core.ErrNotFound) {
			continue // removed while we searched
		}
		if err != nil {
			return nil, err
		}
		if hasPhrases(Terms(c.Text), q.Phrases) {
			out = append(out, r)
		}
	}
	return out, nil
}

// DocScores returns, for each document whose fields hold some of query's
// words, how much its fields add to the score of its passages.
func (x *Keywords) DocScores(ctx context.Context, query string) (map[uint64]float64, error) {
	q := ParseQuery(query)
	terms := slices.Clone(q.Terms)
	for _, p := range q.Phrases {
		terms = append(terms, p...)
	}
	slices.Sort(terms)
	t, err := x.sums()
	if err != nil || t.chunks == 0 {
		return nil, err
	}
	return x.fieldScores(ctx, slices.Compact(terms), t)
}

// fieldScores sums, per document, each term's field matches: the field's
// weight times the term's IDF among documents, saturated by its count.
func (x *Keywords) fieldScores(ctx context.Context, terms []string, t kwTotals) (map[uint64]float64, error) {
	out := map[uint64]float64{}
	var list []fieldHit
	for _, fl := range []struct {
		mark string
		w    float64
	}{{nameField, nameWeight}, {headField, headWeight}} {
		for _, term := range terms {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			list = list[:0]
			err := x.st.Postings(fl.mark+term, func(doc uint64, v []byte) error {
				n, w := binary.Uvarint(v)
				if w <= 0 {
					return fmt.Errorf("document %d: damaged field postings", doc)
				}
				list = append(list, fieldHit{doc, int(n)})
				return nil
			})
			if err != nil {
				return nil, err
			}
			if len(list) == 0 && fl.mark == nameField {
				if list, err = x.namePrefix(term, t, list); err != nil {
					return nil, err
				}
			}
			idf := idf(max(t.docs, len(list)), len(list))
			for _, h := range list {
				f := float64(h.tf)
				out[h.doc] += fl.w * idf * f * (bm25K1 + 1) / (f + bm25K1)
			}
		}
	}
	return out, nil
}

// fieldHit is a document whose field holds a term, and how often.
type fieldHit struct {
	doc uint64
	tf  int
}

// namePrefix finds, for a query word no document's name holds, the
// documents whose name has a word it begins ("JPM" → JPMORGAN_2021Q1_10Q),
// when the word is an abbreviation: three letters or more, found in the
// text of at most a quarter of the documents (so "net" never matches
// NETFLIX). It appends the documents to list, each once.
func (x *Keywords) namePrefix(term string, t kwTotals, list []fieldHit) ([]fieldHit, error) {
	if len(term) < minPrefixAbbrev || !allLetters(term) {
		return list, nil
	}
	docs := 0
	err := x.st.Postings(term, func(uint64, []byte) error { docs++; return nil })
	if err != nil || docs*4 > t.docs {
		return list, err
	}
	names, err := x.st.TermsWithPrefix(nameField+term, maxPrefixTerms)
	if err != nil {
		return list, err
	}
	seen := map[uint64]bool{}
	for _, n := range names {
		err := x.st.Postings(n, func(doc uint64, _ []byte) error {
			if !seen[doc] {
				seen[doc] = true
				list = append(list, fieldHit{doc, 1})
			}
			return nil
		})
		if err != nil {
			return list, err
		}
	}
	return list, nil
}

// minPrefixAbbrev is the shortest query word matched as the start of a
// name's word.
const minPrefixAbbrev = 3

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// byScore orders results best first, ties by id.
func byScore(a, b Result) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func phraseTerms(phrases [][]string) map[string]bool {
	need := map[string]bool{}
	for _, p := range phrases {
		for _, t := range p {
			need[t] = true
		}
	}
	return need
}

// hasPhrases reports whether terms holds every phrase as a run.
func hasPhrases(terms []string, phrases [][]string) bool {
	for _, p := range phrases {
		found := false
		for i := 0; i+len(p) <= len(terms) && !found; i++ {
			found = slices.Equal(terms[i:i+len(p)], p)
		}
		if !found {
			return false
		}
	}
	return true
}
