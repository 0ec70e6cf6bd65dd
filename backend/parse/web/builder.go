package web

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/core"
)

// blockKind says how a block is separated from the one before it.
type blockKind uint8

const (
	kindPara    blockKind = iota // paragraphs, code blocks, captions...
	kindHeading                  // h1-h6 and Markdown headings
	kindItem                     // list items, dt, dd: one per line
	kindCell                     // table cells: "\t" within a row, one row per line
)

// builder accumulates a document's text one block at a time and records a
// Location for every block that holds text. Text is written only when the
// first non-space character of a block arrives, so empty blocks leave no
// trace and Locations never hold leading or trailing white space.
type builder struct {
	buf  []byte
	locs []core.Location

	part   string
	para   int // paragraphs in this part
	tables int // tables in this part
	heads  [7]string
	path   []string // current heading path; never modified once built

	// The block being written.
	kind     blockKind
	tmpl     core.Location // Table/Row/Col of a cell
	started  bool          // its first character has been written
	start    int
	space    bool   // a space is due before the next character
	newline  bool   // a line break is due before the next character
	leadWS   string // verbatim white space seen before the first character
	last     core.Location
	lastKind blockKind
	any      bool // some block was written
}

func newBuilder() *builder { return &builder{} }

// startPart begins a new part (an EPUB chapter, Markdown front matter):
// paragraph and table numbers restart and the heading path is reset to
// root, when root is not empty.
func (b *builder) startPart(part, root string) {
	b.flush()
	b.part, b.para, b.tables = part, 0, 0
	b.heads = [7]string{}
	b.heads[1] = root
	b.rebuildPath()
	b.any = false
	b.kind = kindPara
}

// open ends the current block and starts one of kind; tmpl holds the table
// fields of a cell.
func (b *builder) open(kind blockKind, tmpl core.Location) {
	b.flush()
	b.kind, b.tmpl = kind, tmpl
}

// endRun ends a run of list items, so the next block starts after a blank
// line even when it is another list's item.
func (b *builder) endRun() {
	b.flush()
	if b.lastKind == kindItem {
		b.lastKind = kindPara
	}
}

// space asks for white space before the next character of the block.
func (b *builder) addSpace() {
	if b.started {
		b.space = true
	}
}

// lineBreak asks for a line break before the next character of the block.
func (b *builder) lineBreak() {
	if b.started {
		b.newline = true
	}
}

// begin writes the separator from the previous block and starts this one.
func (b *builder) begin() {
	if b.any && len(b.buf) > 0 {
		switch {
		case b.kind == kindCell && b.lastKind == kindCell && b.last.Table == b.tmpl.Table && b.last.Row == b.tmpl.Row:
			for i := max(1, b.tmpl.Col-b.last.Col); i > 0; i-- {
				b.buf = append(b.buf, '\t')
			}
		case b.kind == kindCell && b.lastKind == kindCell && b.last.Table == b.tmpl.Table,
			b.kind == kindItem && b.lastKind == kindItem:
			b.buf = append(b.buf, '\n')
		default:
			b.buf = append(b.buf, '\n', '\n')
		}
	} else if len(b.buf) > 0 {
		b.buf = append(b.buf, '\n', '\n')
	}
	b.started, b.start = true, len(b.buf)
	b.space, b.newline = false, false
}

// text writes inline text, collapsing white-space runs to one space.
func (b *builder) text(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				b.addSpace()
				i++
				continue
			}
			if c == 0 {
				i++
				continue
			}
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && s[j] != 0 && !isASCIISpace(s[j]) {
				j++
			}
			b.pending()
			b.buf = append(b.buf, s[i:j]...)
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			b.addSpace()
		} else {
			b.pending()
			b.buf = append(b.buf, s[i:i+n]...)
		}
		i += n
	}
}

// pending starts the block or writes the space or line break it owes
// before a character.
func (b *builder) pending() {
	switch {
	case !b.started:
		b.begin()
	case b.newline:
		b.buf = append(b.buf, '\n')
	case b.space:
		b.buf = append(b.buf, ' ')
	}
	b.space, b.newline = false, false
}

// verbatim writes preformatted text as it is. Blank lines before the first
// character are dropped; the first line's indentation is kept.
func (b *builder) verbatim(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "")
	if s == "" {
		return
	}
	if !b.started {
		s = b.leadWS + s
		i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			b.leadWS = s
			return
		}
		b.leadWS = ""
		if nl := strings.LastIndexByte(s[:i], '\n'); nl >= 0 {
			s = s[nl+1:]
		}
		b.begin()
	} else {
		b.pending()
	}
	b.buf = append(b.buf, s...)
}

// flush ends the current block, recording its Location when it has text.
func (b *builder) flush() {
	b.leadWS = ""
	if !b.started {
		return
	}
	end := len(b.buf)
	for end > b.start && isASCIISpace(b.buf[end-1]) {
		end--
	}
	b.buf = b.buf[:end]
	loc := core.Location{Start: b.start, End: end, Part: b.part, Path: b.path}
	if b.kind == kindCell {
		loc.Table, loc.Row, loc.Col = b.tmpl.Table, b.tmpl.Row, b.tmpl.Col
	} else {
		b.para++
		loc.Paragraph = b.para
	}
	b.locs = append(b.locs, loc)
	b.last, b.lastKind, b.any = loc, b.kind, true
	b.started, b.space, b.newline = false, false, false
}

// closeHeading ends a heading block of level 1-6: its text becomes that
// level of the heading path (deeper levels are cleared) and the heading's
// own Location carries the new path.
func (b *builder) closeHeading(level int) {
	b.leadWS = ""
	if !b.started {
		return
	}
	end := len(b.buf)
	for end > b.start && isASCIISpace(b.buf[end-1]) {
		end--
	}
	b.setHeading(level, strings.ReplaceAll(string(b.buf[b.start:end]), "\n", " "))
	b.flush()
}

// setHeading makes title the heading at level and clears deeper levels.
func (b *builder) setHeading(level int, title string) {
	level = min(max(level, 1), 6)
	b.heads[level] = title
	for i := level + 1; i < len(b.heads); i++ {
		b.heads[i] = ""
	}
	b.rebuildPath()
}

func (b *builder) rebuildPath() {
	var p []string
	for _, h := range b.heads[1:] {
		if h != "" {
			p = append(p, h)
		}
	}
	b.path = p
}

// document returns the text and locations written so far.
func (b *builder) document(path, format string) core.Document {
	b.flush()
	return core.Document{Path: path, Format: format, Text: string(b.buf), Locations: b.locs}
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
