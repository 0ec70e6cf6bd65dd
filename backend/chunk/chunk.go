// Package chunk splits a document's text into sentences and into chunks
// sized for the embedding model. Every span it returns is an exact byte
// range of the document's text, so citations can point back at it.
package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/core"
)

// Config sets the chunk size. Zero fields take the defaults.
type Config struct {
	// MaxTokens is the most tokens in one chunk (default 200). Keep it
	// below the embedding model's limit.
	MaxTokens int
	// Count returns the number of model tokens in a text. The default,
	// ApproxTokens, estimates them when no tokenizer is installed.
	Count func(string) int
}

// ForModel is the product's chunking for an embedding model that takes at
// most maxTokens tokens, counted by count: 200-token chunks, or fewer when
// the model's limit less its two special tokens is lower. The engine and
// the evaluations both chunk with it.
func ForModel(maxTokens int, count func(string) int) Config {
	return Config{MaxTokens: min(200, maxTokens-2), Count: count}
}

func (c Config) withDefaults() Config {
	if c.MaxTokens <= 0 {
		c.MaxTokens = 200
	}
	if c.Count == nil {
		c.Count = ApproxTokens
	}
	return c
}

// Split cuts doc into chunks of whole sentences. Chunks never cross a page
// boundary, so each has exactly one page, nor a section: a slide, a sheet,
// or a document part such as the footnotes or a slide's speaker notes.
// Chunk ids are left zero.
func Split(doc *core.Document, cfg Config) []core.Chunk {
	cfg = cfg.withDefaults()
	parts := doc.Pages
	if len(parts) == 0 {
		parts = sections(doc)
	}
	var out []core.Chunk
	for _, p := range parts {
		out = splitRange(doc.Text, p.Start, p.End, p.Page, cfg, out)
	}
	tableContext(doc, out)
	return out
}

// maxCaptionLines and maxCaptionLine bound the caption taken from the
// lines above a table's header.
const (
	maxCaptionLines = 4
	maxCaptionLine  = 120
)

// tableKey names one table of a document.
type tableKey struct {
	page, table int
	part        string
}

// tableHead is what a piece of a table needs from its table: where the
// header ends, and the caption and header text.
type tableHead struct {
	start, end int // the header row's bytes
	text       string
}

// tableContext sets the Context of each chunk that holds rows of a table
// but not its header (the header row, Row 1 of the table's locations) to
// the table's caption and header, so that every piece of a split table is
// embedded and indexed with its column headers.
func tableContext(doc *core.Document, chunks []core.Chunk) {
	heads := map[tableKey]*tableHead{}
	var order []tableKey
	for _, l := range doc.Locations {
		if l.Table == 0 || l.Row != 1 {
			continue
		}
		k := tableKey{l.Page, l.Table, l.Part}
		h := heads[k]
		if h == nil {
			h = &tableHead{start: l.Start}
			heads[k] = h
			order = append(order, k)
		}
		h.end = l.End
	}
	if len(heads) == 0 {
		return
	}
	for _, k := range order {
		h := heads[k]
		header := strings.Join(strings.Fields(doc.Text[h.start:h.end]), " ")
		if c := caption(doc.Text, h.start); c != "" {
			header = c + " " + header
		}
		h.text = header
	}
	li := 0
	for i := range chunks {
		c := &chunks[i]
		for li < len(doc.Locations) && doc.Locations[li].End <= c.Start {
			li++
		}
		for j := li; j < len(doc.Locations) && doc.Locations[j].Start < c.End; j++ {
			l := doc.Locations[j]
			if l.Table == 0 || l.Row < 2 {
				continue
			}
			h := heads[tableKey{l.Page, l.Table, l.Part}]
			if h != nil && !(c.Start <= h.start && h.end <= c.End) {
				c.Context = h.text
			}
			break
		}
	}
}

// caption returns the lines of text just above offset at, up to a blank
// line, a long line, a line ending a sentence (prose, not a title) or a
// table row (a line holding a tab), joined by spaces.
func caption(text string, at int) string {
	var lines []string
	end := strings.LastIndexByte(text[:at], '\n')
	for end > 0 && len(lines) < maxCaptionLines {
		start := strings.LastIndexByte(text[:end], '\n') + 1
		line := strings.TrimSpace(text[start:end])
		if line == "" || len(line) > maxCaptionLine || strings.ContainsRune(text[start:end], '\t') || strings.ContainsAny(line[len(line)-1:], ".!?") {
			break
		}
		lines = append([]string{line}, lines...)
		end = start - 1
	}
	return strings.Join(lines, " ")
}

// sections groups consecutive locations that share a slide, sheet and part
// into ranges of the text; without locations the whole text is one range.
func sections(doc *core.Document) []core.PageSpan {
	if len(doc.Locations) == 0 {
		return []core.PageSpan{{Page: 0, Start: 0, End: len(doc.Text)}}
	}
	type key struct {
		slide       int
		sheet, part string
	}
	var out []core.PageSpan
	var last key
	for i, l := range doc.Locations {
		k := key{l.Slide, l.Sheet, l.Part}
		if i == 0 || k != last {
			out = append(out, core.PageSpan{Start: l.Start})
		}
		out[len(out)-1].End = l.End
		last = k
	}
	return out
}

func splitRange(text string, lo, hi, page int, cfg Config, out []core.Chunk) []core.Chunk {
	var cur []core.Span
	curTokens := 0
	emit := func() {
		if len(cur) == 0 {
			return
		}
		s, e := cur[0].Start, cur[len(cur)-1].End
		out = append(out, core.Chunk{Start: s, End: e, Page: page, Tokens: curTokens, Text: text[s:e]})
		cur, curTokens = cur[:0], 0
	}
	sentences := Sentences(text[lo:hi])
	for i, s := range sentences {
		s.Start += lo
		s.End += lo
		for _, piece := range fitSpan(text, s, cfg) {
			n := cfg.Count(text[piece.Start:piece.End])
			if curTokens+n > cfg.MaxTokens {
				emit()
			}
			cur = append(cur, piece)
			curTokens += n
		}
		// A chunk a quarter full or more ends with its paragraph, so chunk
		// boundaries follow the text's own: after an edit, the chunks of
		// the paragraphs around it come out the same, and keep their
		// vectors.
		next := hi
		if i+1 < len(sentences) {
			next = sentences[i+1].Start + lo
		}
		if 4*curTokens >= cfg.MaxTokens && strings.Contains(text[s.End:next], "\n\n") {
			emit()
		}
	}
	emit()
	return out
}

// fitSpan cuts a sentence longer than cfg.MaxTokens at word boundaries.
func fitSpan(text string, s core.Span, cfg Config) []core.Span {
	if cfg.Count(text[s.Start:s.End]) <= cfg.MaxTokens {
		return []core.Span{s}
	}
	var out []core.Span
	start, tokens, lastEnd := s.Start, 0, -1
	for _, w := range words(text[s.Start:s.End]) {
		w.Start += s.Start
		w.End += s.Start
		n := cfg.Count(text[w.Start:w.End])
		if tokens+n > cfg.MaxTokens && lastEnd > start {
			out = append(out, core.Span{Start: start, End: lastEnd})
			start, tokens = w.Start, 0
		}
		tokens += n
		lastEnd = w.End
	}
	if lastEnd > start {
		out = append(out, core.Span{Start: start, End: lastEnd})
	}
	return out
}

// words returns the spans of whitespace-separated words in text.
func words(text string) []core.Span {
	var out []core.Span
	start := -1
	for i, r := range text {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, core.Span{Start: start, End: i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, core.Span{Start: start, End: len(text)})
	}
	return out
}

// ApproxTokens estimates WordPiece tokens: about 1.3 per word plus one per
// punctuation mark.
func ApproxTokens(text string) int {
	wordsN, punct := 0, 0
	inWord := false
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if !inWord {
				wordsN++
			}
			inWord = true
		case unicode.IsSpace(r):
			inWord = false
		default:
			punct++
			inWord = false
		}
	}
	return (wordsN*13+9)/10 + punct
}

// Sentences returns the spans of the sentences in text, trimmed of
// surrounding white space. A sentence ends at ., ! or ? followed by space
// and a capital, digit or opening mark (not after a known abbreviation),
// at every blank line, and at the end of a line holding a tab: such lines
// are table or spreadsheet rows, each a statement of its own.
func Sentences(text string) []core.Span {
	var out []core.Span
	start := 0
	add := func(end int) {
		s := trim(text, core.Span{Start: start, End: end})
		if s.End > s.Start {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		next := i + size
		switch {
		case r == '\n':
			// A blank line ends a paragraph.
			j := next
			for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j < len(text) && text[j] == '\n' || j < len(text) && text[j] == '\f' || strings.ContainsRune(text[start:i], '\t') {
				add(i)
			}
		case r == '\f':
			add(i)
		case r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？':
			end := next
			for end < len(text) && strings.ContainsRune(`"')]”’»`, rune(text[end])) {
				end++
			}
			if r == '.' && isAbbrev(text[start:i]) {
				break
			}
			if r >= 0x3000 || startsSentence(text[end:]) {
				add(end)
				next = end
			}
		}
		i = next
	}
	add(len(text))
	return out
}

// startsSentence reports whether rest begins with white space followed by
// what can start a sentence.
func startsSentence(rest string) bool {
	if rest == "" {
		return true
	}
	r, n := utf8.DecodeRuneInString(rest)
	if !unicode.IsSpace(r) {
		return false
	}
	rest = strings.TrimLeftFunc(rest[n:], unicode.IsSpace)
	if rest == "" {
		return true
	}
	r, _ = utf8.DecodeRuneInString(rest)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'([“‘«•-*#`, r) || r > 0x2E80
}

// isAbbrev reports whether before ends with an abbreviation such as "e.g"
// or "Fig", or a single letter (an initial).
func isAbbrev(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	w := strings.ToLower(before[i+1:])
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	return abbrevs[w]
}

var abbrevs = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "al": true, "fig": true, "figs": true, "eq": true,
	"eqs": true, "vs": true, "dr": true, "mr": true, "mrs": true, "ms": true, "prof": true,
	"no": true, "vol": true, "pp": true, "sec": true, "ch": true, "approx": true, "cf": true,
	"inc": true, "ltd": true, "co": true, "jan": true, "feb": true, "mar": true, "apr": true,
	"jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true,
	"dec": true, "st": true, "u.s": true, "ref": true, "refs": true,
}

func trim(text string, s core.Span) core.Span {
	for s.Start < s.End {
		r, n := utf8.DecodeRuneInString(text[s.Start:])
		if !unicode.IsSpace(r) {
			break
		}
		s.Start += n
	}
	for s.End > s.Start {
		r, n := utf8.DecodeLastRuneInString(text[:s.End])
		if !unicode.IsSpace(r) {
			break
		}
		s.End -= n
	}
	return s
}
