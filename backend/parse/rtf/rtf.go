// Package rtf parses Rich Text Format files (.rtf) into core.Documents:
// one line per paragraph (\par), table cells (\cell) separated by "\t" and
// one line per row (\row), with the paragraph number, or the table and row,
// as each line's location. Headers come first, then the body, then footers,
// footnotes and comments (\annotation), each with its core.Part*. The title
// comes from the \info group.
//
// Text in \'hh escapes is decoded with the code page of the current font
// (\fcharset in the font table) or of the document (\ansicpg, Windows-1252
// by default), including the double-byte code pages of Chinese, Japanese
// and Korean; \uN gives a Unicode character and skips the \ucN fallback
// characters after it. Destinations that hold no document text are skipped
// whole: pictures (\pict), embedded objects (\objdata, keeping an object's
// \result), field instructions (\fldinst, keeping \fldrslt), the font,
// colour, style and list tables, and every \* destination the reader does
// not know; \binN skips N raw bytes. In an RTF body that encapsulates
// HTML (Outlook's \fromhtml), the HTML tags (\*\htmltag) and the
// \htmlrtf passages are skipped and the text between them kept. Text
// deleted with changes tracked (\deleted) is dropped, as in .docx.
//
// Invariants: the reader never recurses (groups are a stack bounded by
// MaxDepth; deeper groups are skipped); \binN never reads past the end;
// the text is at most MaxTextBytes; a file that does not start with
// "{\rtf" fails with core.ErrCorrupt.
package rtf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"folio/backend/core"
	"folio/backend/parse"
)

// Defaults used for zero fields of Config.
const (
	DefaultMaxBytes     = 256 << 20
	DefaultMaxTextBytes = 64 << 20
	DefaultMaxDepth     = 512
)

// Extensions are the file extensions this parser handles.
var Extensions = []string{".rtf"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	MaxBytes     int64 // of the file; more fails with core.ErrTooLarge
	MaxTextBytes int   // of the extracted text
	MaxDepth     int   // group nesting read; deeper groups are skipped
}

// Parser reads RTF files. It is safe for concurrent use.
type Parser struct{ cfg Config }

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxTextBytes <= 0 {
		cfg.MaxTextBytes = DefaultMaxTextBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	return &Parser{cfg: cfg}
}

// Parse reads path. Format is "rtf".
func (p *Parser) Parse(ctx context.Context, path string) (doc core.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc = core.Document{}
			err = fmt.Errorf("parse %s: %w: parser crashed: %v", path, core.ErrCorrupt, r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	f, err := parse.OpenFile(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	raw, err := io.ReadAll(io.LimitReader(f, p.cfg.MaxBytes+1))
	f.Close()
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if int64(len(raw)) > p.cfg.MaxBytes {
		return core.Document{}, fmt.Errorf("parse %s: %w: the file passes the limit of %d bytes", path, core.ErrTooLarge, p.cfg.MaxBytes)
	}
	doc, err = p.read(ctx, raw)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	doc.Path = path
	return doc, nil
}

// read extracts the text of an RTF document held in raw.
func (p *Parser) read(ctx context.Context, raw []byte) (core.Document, error) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n\x00\xEF\xBB\xBF")
	if len(trimmed) == 0 {
		return core.Document{}, fmt.Errorf("%w: empty file", core.ErrEmpty)
	}
	if !bytes.HasPrefix(trimmed, []byte(`{\rtf`)) {
		return core.Document{}, fmt.Errorf("%w: not an RTF file (it does not start with {\\rtf)", core.ErrCorrupt)
	}
	r := newReader(trimmed, p.cfg)
	if err := r.run(ctx); err != nil {
		return core.Document{}, err
	}
	r.endLine(false)
	if r.over {
		return core.Document{}, fmt.Errorf("%w: the extracted text passes the limit of %d bytes", core.ErrTooLarge, p.cfg.MaxTextBytes)
	}
	doc := r.document()
	if strings.TrimSpace(doc.Text) == "" {
		return core.Document{}, fmt.Errorf("%w: the document holds no text", core.ErrEmpty)
	}
	return doc, nil
}

// dest is what a group's text goes to.
type dest int

const (
	destText  dest = iota
	destSkip       // dropped
	destFonts      // the font table: \fN and \fcharsetN are recorded
	destTitle      // \info\title
	destInfo       // the rest of \info: dropped, but \title is read
)

// state is one group's state.
type state struct {
	dest dest
	uc   int // fallback characters after \uN
	cp   int // code page of the current font (0: the document's)
	// part is the core.Part* of a header, footer, footnote or comment
	// group, "" in the body.
	part string
	// htmlrtf is set inside \htmlrtf ... \htmlrtf0 of an RTF body that
	// encapsulates HTML (Outlook): text there only repeats the HTML's.
	htmlrtf bool
	deleted bool // \deleted: text removed while changes were tracked
}

type reader struct {
	src   []byte
	pos   int
	cfg   Config
	stack []state
	cur   state

	docCP    int
	fonts    map[int]int // font number → code page
	fontNum  int         // \fN seen last in the font table
	pending  []byte      // \'hh bytes waiting to be decoded together
	skipN    int         // fallback characters still to skip after \uN
	highSurr rune        // a high surrogate from \uN waiting for its pair
	title    strings.Builder

	bufs    map[string]*strings.Builder // the line being read, by part
	lines   []rtfLine
	inRow   bool // the current line holds table cells
	textLen int
	over    bool
}

type rtfLine struct {
	text    string
	inTable bool
	part    string
}

// buf is the line being read in the current part.
func (r *reader) buf() *strings.Builder {
	b := r.bufs[r.cur.part]
	if b == nil {
		b = &strings.Builder{}
		r.bufs[r.cur.part] = b
	}
	return b
}

func newReader(src []byte, cfg Config) *reader {
	return &reader{src: src, cfg: cfg, cur: state{uc: 1}, docCP: 1252, fonts: map[int]int{}, bufs: map[string]*strings.Builder{}}
}

// run reads the whole source.
func (r *reader) run(ctx context.Context) error {
	skipDepth := 0 // groups nested past MaxDepth, skipped whole
	for n := 0; r.pos < len(r.src); n++ {
		if n%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := r.src[r.pos]
		if skipDepth > 0 {
			r.pos++
			switch c {
			case '{':
				skipDepth++
			case '}':
				skipDepth--
			case '\\':
				r.pos++ // an escaped brace does not count
			}
			continue
		}
		switch c {
		case '{':
			r.pos++
			r.flushBytes()
			if len(r.stack) >= r.cfg.MaxDepth {
				skipDepth = 1
				continue
			}
			r.stack = append(r.stack, r.cur)
			if r.pos+1 < len(r.src) && r.src[r.pos] == '\\' && r.src[r.pos+1] == '*' {
				// {\* ... } is an ignorable destination unless it is one
				// whose text is kept; the control word after it decides.
				r.pos += 2
				for r.pos < len(r.src) && (r.src[r.pos] == '\r' || r.src[r.pos] == '\n' || r.src[r.pos] == ' ') {
					r.pos++
				}
				if !bytes.HasPrefix(r.src[r.pos:], []byte(`\footnote`)) {
					r.cur.dest = destSkip // LibreOffice marks footnotes \* too
				}
			}
		case '}':
			r.pos++
			r.flushBytes()
			if len(r.stack) == 0 {
				return nil // the document's closing brace; trailing bytes are ignored
			}
			if outer := r.stack[len(r.stack)-1]; r.cur.part != outer.part {
				r.endLine(false) // a note or header ends with its group
			}
			r.cur = r.stack[len(r.stack)-1]
			r.stack = r.stack[:len(r.stack)-1]
		case '\\':
			r.control()
		case '\r', '\n':
			r.pos++
		default:
			r.pos++
			r.flushBytes()
			r.char(rune(c), c >= 0x80)
		}
		if r.over {
			return nil
		}
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// control reads one control word or symbol at pos.
func (r *reader) control() {
	r.pos++ // the backslash
	if r.pos >= len(r.src) {
		return
	}
	c := r.src[r.pos]
	if !isLetter(c) {
		r.pos++
		switch c {
		case '\'':
			if r.pos+2 <= len(r.src) {
				if v, err := strconv.ParseUint(string(r.src[r.pos:r.pos+2]), 16, 8); err == nil {
					r.pos += 2
					if r.skipN > 0 {
						r.skipN--
						return
					}
					if r.cur.dest == destText || r.cur.dest == destTitle {
						r.pending = append(r.pending, byte(v))
					}
					return
				}
			}
		case '\\', '{', '}':
			r.flushBytes()
			r.char(rune(c), false)
		case '~':
			r.flushBytes()
			r.char('\u00A0', false)
		case '_':
			r.flushBytes()
			r.char('\u2011', false)
		case '-': // optional hyphen
		case '\r', '\n':
			r.flushBytes()
			r.endLine(false)
		case '*':
			r.cur.dest = destSkip // a \* not right after a brace
		}
		return
	}
	start := r.pos
	for r.pos < len(r.src) && isLetter(r.src[r.pos]) && r.pos-start < 32 {
		r.pos++
	}
	word := string(r.src[start:r.pos])
	num, hasNum := 0, false
	if r.pos < len(r.src) && (r.src[r.pos] == '-' || r.src[r.pos] >= '0' && r.src[r.pos] <= '9') {
		ns := r.pos
		r.pos++
		for r.pos < len(r.src) && r.src[r.pos] >= '0' && r.src[r.pos] <= '9' && r.pos-ns < 11 {
			r.pos++
		}
		if v, err := strconv.Atoi(string(r.src[ns:r.pos])); err == nil {
			num, hasNum = v, true
		}
	}
	if r.pos < len(r.src) && r.src[r.pos] == ' ' {
		r.pos++
	}
	if word != "u" {
		r.flushBytes()
	}
	r.word(word, num, hasNum)
}

// word applies one control word.
func (r *reader) word(w string, n int, hasNum bool) {
	switch w {
	case "bin":
		if hasNum && n > 0 {
			r.pos = min(len(r.src), r.pos+n)
		}
		return
	case "ansicpg":
		if hasNum {
			r.docCP = n
		}
		return
	case "uc":
		if hasNum && n >= 0 && n < 16 {
			r.cur.uc = n
		}
		return
	case "u":
		if !hasNum {
			return
		}
		if n < 0 {
			n += 65536
		}
		r.flushBytes()
		r.unicode(rune(n))
		r.skipN = r.cur.uc
		return
	case "fonttbl":
		r.cur.dest = destFonts
		return
	case "htmlrtf":
		r.cur.htmlrtf = !hasNum || n != 0
		return
	case "deleted":
		r.cur.deleted = !hasNum || n != 0
		return
	case "plain":
		r.cur.deleted = false // \plain resets character formatting
	case "header", "headerl", "headerr", "headerf":
		r.cur.part = core.PartHeader
		return
	case "footer", "footerl", "footerr", "footerf":
		r.cur.part = core.PartFooter
		return
	case "footnote":
		r.cur.part = core.PartFootnote
		return
	case "annotation":
		r.cur.part = core.PartComment
		return
	case "title":
		if r.cur.dest == destInfo {
			r.cur.dest = destTitle
		} else {
			r.cur.dest = destSkip
		}
		return
	case "info":
		r.cur.dest = destInfo
		return
	case "pict", "objdata", "fldinst", "colortbl", "stylesheet", "listtable", "listoverridetable",
		"revtbl", "rsidtbl", "generator", "themedata", "colorschememapping", "datastore", "latentstyles",
		"xmlnstbl", "mmathPr", "author", "operator", "company", "subject", "keywords", "comment",
		"doccomm", "category", "manager", "filetbl", "pgdsctbl", "private", "userprops", "xe", "tc",
		"bkmkstart", "bkmkend", "nonshppict", "template", "docvar", "pn", "pntext", "listtext", "objclass", "objname":
		r.cur.dest = destSkip
		return
	}
	switch r.cur.dest {
	case destFonts:
		switch w {
		case "f":
			r.fontNum = n
		case "fcharset":
			if cp := charsetCP(n); cp != 0 {
				r.fonts[r.fontNum] = cp
			}
		case "cpg":
			r.fonts[r.fontNum] = n
		}
		return
	case destSkip, destInfo, destTitle:
		return
	}
	switch w {
	case "f":
		r.cur.cp = r.fonts[n]
	case "par", "sect", "page":
		r.endLine(false)
	case "line":
		r.char('\n', false)
	case "row":
		r.endLine(true)
	case "intbl":
		r.inRow = true
	case "cell", "nestcell":
		r.inRow = true
		r.char('\t', false)
	case "tab":
		r.char('\t', false)
	case "emdash":
		r.char('—', false)
	case "endash":
		r.char('–', false)
	case "bullet":
		r.char('•', false)
	case "lquote":
		r.char('‘', false)
	case "rquote":
		r.char('’', false)
	case "ldblquote":
		r.char('“', false)
	case "rdblquote":
		r.char('”', false)
	case "emspace", "enspace", "qmspace":
		r.char(' ', false)
	}
}

// char adds one character of text (or of the title); raw marks a byte of
// 8-bit text outside an escape, decoded like one.
func (r *reader) char(c rune, raw bool) {
	if r.skipN > 0 {
		r.skipN--
		return
	}
	if raw {
		if r.cur.dest == destText || r.cur.dest == destTitle {
			r.pending = append(r.pending, byte(c))
			r.flushBytes()
		}
		return
	}
	r.emit(c)
}

// unicode adds a \uN character, pairing surrogates.
func (r *reader) unicode(c rune) {
	switch {
	case utf16.IsSurrogate(c) && c < 0xDC00:
		r.highSurr = c
		return
	case utf16.IsSurrogate(c) && r.highSurr != 0:
		c = utf16.DecodeRune(r.highSurr, c)
	}
	r.highSurr = 0
	r.emit(c)
}

func (r *reader) emit(c rune) {
	if r.cur.htmlrtf || r.cur.deleted {
		return
	}
	switch r.cur.dest {
	case destText:
		if c < 0x20 && c != '\t' && c != '\n' {
			return
		}
		if r.textLen+utf8.RuneLen(c) > r.cfg.MaxTextBytes {
			r.over = true
			return
		}
		r.textLen += utf8.RuneLen(c)
		r.buf().WriteRune(c)
	case destTitle:
		if r.title.Len() < 1000 {
			r.title.WriteRune(c)
		}
	}
}

// flushBytes decodes the pending \'hh bytes with the current code page.
func (r *reader) flushBytes() {
	if len(r.pending) == 0 {
		return
	}
	b := r.pending
	r.pending = r.pending[:0]
	cp := r.cur.cp
	if cp == 0 {
		cp = r.docCP
	}
	s := decodeCP(b, cp)
	for _, c := range s {
		r.emit(c)
	}
}

// endLine ends the current line of the current part; row marks a table
// row's end (tables are read in the body only).
func (r *reader) endLine(row bool) {
	b := r.buf()
	part := r.cur.part
	if part == "" {
		if row {
			r.inRow = true
		}
		if r.inRow && !row {
			// A paragraph inside a table cell: keep reading the row.
			b.WriteByte(' ')
			return
		}
	}
	r.lines = append(r.lines, rtfLine{text: strings.TrimRight(b.String(), "\t"), inTable: row && part == "", part: part})
	b.Reset()
	if part == "" {
		r.inRow = false
	}
}

// document turns the lines into text with locations: headers first, then
// the body, footers, footnotes and comments, each part's paragraphs
// numbered from 1.
func (r *reader) document() core.Document {
	var sb strings.Builder
	var locs []core.Location
	for _, part := range []string{core.PartHeader, "", core.PartFooter, core.PartFootnote, core.PartComment} {
		para, tbl, rowN := 0, 0, 0
		inTable := false
		for _, l := range r.lines {
			if l.part != part {
				continue
			}
			t := strings.TrimRightFunc(l.text, unicode.IsSpace)
			if !l.inTable {
				t = strings.TrimLeftFunc(t, unicode.IsSpace)
			}
			if strings.TrimSpace(t) == "" {
				if !l.inTable {
					inTable = false
				}
				continue
			}
			loc := core.Location{Part: part}
			if l.inTable {
				if !inTable {
					tbl++
					rowN = 0
				}
				inTable = true
				rowN++
				loc.Table, loc.Row = tbl, rowN
			} else {
				inTable = false
				para++
				loc.Paragraph = para
			}
			lead := len(t) - len(strings.TrimLeftFunc(t, unicode.IsSpace))
			loc.Start = sb.Len() + lead
			loc.End = sb.Len() + len(t)
			locs = append(locs, loc)
			sb.WriteString(t)
			sb.WriteByte('\n')
		}
	}
	return core.Document{Format: "rtf", Title: strings.Join(strings.Fields(r.title.String()), " "), Text: sb.String(), Locations: locs}
}

// charsetCP maps an RTF \fcharset to a Windows code page (0: unknown or
// the document's own).
func charsetCP(cs int) int {
	switch cs {
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	}
	return 0
}

// decodeCP decodes b in a Windows code page; unknown pages read as
// Windows-1252.
func decodeCP(b []byte, cp int) string {
	var enc encoding.Encoding
	switch cp {
	case 874:
		enc = charmap.Windows874
	case 932:
		enc = japanese.ShiftJIS
	case 936:
		enc = simplifiedchinese.GBK
	case 949:
		enc = korean.EUCKR
	case 950:
		enc = traditionalchinese.Big5
	case 1250:
		enc = charmap.Windows1250
	case 1251:
		enc = charmap.Windows1251
	case 1253:
		enc = charmap.Windows1253
	case 1254:
		enc = charmap.Windows1254
	case 1255:
		enc = charmap.Windows1255
	case 1256:
		enc = charmap.Windows1256
	case 1257:
		enc = charmap.Windows1257
	case 1258:
		enc = charmap.Windows1258
	case 437:
		enc = charmap.CodePage437
	case 850:
		enc = charmap.CodePage850
	case 866:
		enc = charmap.CodePage866
	case 10000:
		enc = charmap.Macintosh
	default:
		enc = charmap.Windows1252
	}
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}
