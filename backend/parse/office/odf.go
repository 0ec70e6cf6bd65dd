package office

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"folio/backend/core"
)

// maxRepeat bounds table:number-columns-repeated / number-rows-repeated.
const maxRepeat = 64

// odfReader walks an OpenDocument content.xml or styles.xml. Notes and
// annotations met inside paragraphs are collected for the end of the text.
type odfReader struct {
	*walker
	footnotes, endnotes, comments []block
}

// Elements of ODF content that hold no document text.
var odfSkip = map[string]bool{
	"tracked-changes": true, "sequence-decls": true, "variable-decls": true, "user-field-decls": true,
	"dde-connection-decls": true, "forms": true, "soft-page-break": true, "bookmark": true,
	"bookmark-start": true, "bookmark-end": true, "reference-mark": true, "reference-mark-start": true,
	"reference-mark-end": true, "change": true, "change-start": true, "change-end": true, "title": true,
	"desc": true, "note-citation": true, "event-listeners": true, "page-thumbnail": true,
	"annotation-end": true, "table-columns": true, "table-column": true, "table-column-group": true,
	"animations": true, "par": true, "seq": true, "scripts": true, "font-face-decls": true,
	"automatic-styles": true, "styles": true, "master-styles": true, "meta": true, "settings": true,
	"calculation-settings": true, "content-validations": true, "label-ranges": true,
	"named-expressions": true, "database-ranges": true, "data-pilot-tables": true,
}

// odfSkipLocal reports whether an element holds no document text; index
// templates (text:*-source) are skipped too.
func odfSkipLocal(local string) bool {
	return odfSkip[local] || strings.HasSuffix(local, "-source")
}

// blocks returns the handler for ODF block content.
func (r *odfReader) blocks(out *[]block) func(se startElement) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "p":
			*out = append(*out, r.paragraph(-1)...)
		case l == "h":
			level := 1
			if v, err := strconv.Atoi(attr(se, "outline-level")); err == nil && v >= 1 && v <= 10 {
				level = v
			}
			*out = append(*out, r.paragraph(level)...)
		case l == "table":
			*out = append(*out, r.table())
		case l == "annotation":
			r.annotation()
		case l == "notes":
			r.skip() // presentation notes are read by the ODP walker
		case odfSkipLocal(l):
			r.skip()
		default:
			r.each(fn, nil)
		}
	}
	return fn
}

// odfPara collects one paragraph, collapsing white space in character data
// as ODF requires (only text:s, text:tab and text:line-break are literal).
type odfPara struct {
	sb     strings.Builder
	space  bool // the last output may absorb following white space
	trail  bool // the last output is a collapsed space
	nested []block
}

func (q *odfPara) chars(b []byte) {
	for _, c := range string(b) {
		switch c {
		case ' ', '\t', '\n', '\r':
			if !q.space {
				q.sb.WriteByte(' ')
				q.space, q.trail = true, true
			}
		default:
			q.sb.WriteRune(c)
			q.space, q.trail = false, false
		}
	}
}

func (q *odfPara) literal(s string, absorb bool) {
	q.sb.WriteString(s)
	q.space, q.trail = absorb, false
}

func (q *odfPara) text() string {
	s := q.sb.String()
	if q.trail {
		s = strings.TrimSuffix(s, " ")
	}
	return s
}

// paragraph walks a text:p or text:h; level is the heading level, or -1.
func (r *odfReader) paragraph(level int) []block {
	q := &odfPara{space: true}
	r.each(r.inline(q), q.chars)
	return append([]block{{text: q.text(), level: level}}, q.nested...)
}

func (r *odfReader) inline(q *odfPara) func(se startElement) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "s":
			n := 1
			if v, err := strconv.Atoi(attr(se, "c")); err == nil && v > 1 {
				n = min(v, 1000)
			}
			q.literal(strings.Repeat(" ", n), false)
			r.skip()
		case l == "tab":
			q.literal("\t", true)
			r.skip()
		case l == "line-break":
			q.literal("\n", true)
			r.skip()
		case l == "note":
			r.note(se)
		case l == "annotation":
			r.annotation()
		case l == "ruby":
			var guide string
			r.each(func(c startElement) {
				switch c.Name.Local {
				case "ruby-base":
					r.each(fn, q.chars)
				case "ruby-text":
					guide += r.text()
				default:
					r.skip()
				}
			}, nil)
			if strings.TrimSpace(guide) != "" {
				q.literal(" ("+strings.TrimSpace(guide)+")", false)
			}
		case l == "p":
			q.nested = append(q.nested, r.paragraph(-1)...)
		case l == "h":
			q.nested = append(q.nested, r.paragraph(-1)...)
		case l == "table":
			q.nested = append(q.nested, r.table())
		case l == "list":
			r.each(r.blocks(&q.nested), nil)
		case l == "notes":
			r.skip()
		case odfSkipLocal(l):
			r.skip()
		default: // span, a, meta, fields, frame, text-box...
			r.each(fn, q.chars)
		}
	}
	return fn
}

// note moves a footnote or endnote body to the notes lists.
func (r *odfReader) note(se startElement) {
	var bl []block
	r.each(func(c startElement) {
		if c.Name.Local == "note-body" {
			r.each(r.blocks(&bl), nil)
			return
		}
		r.skip()
	}, nil)
	if attr(se, "note-class") == "endnote" {
		r.endnotes = append(r.endnotes, bl...)
	} else {
		r.footnotes = append(r.footnotes, bl...)
	}
}

// annotation moves a comment's paragraphs to the comments list.
func (r *odfReader) annotation() {
	var bl []block
	fn := r.blocks(&bl)
	r.each(func(c startElement) {
		switch c.Name.Local {
		case "creator", "date", "date-string", "initials", "sender-initials":
			r.skip()
		default:
			fn(c)
		}
	}, nil)
	r.comments = append(r.comments, bl...)
}

// table walks a table:table.
func (r *odfReader) table() block {
	var rows [][]string
	header := false
	var find func(se startElement)
	find = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "table-header-rows" && len(rows) == 0:
			header = true
			r.each(find, nil)
		case l == "table-row":
			rep := repeat(attr(se, "number-rows-repeated"))
			cells := r.row()
			if rep > 1 && strings.TrimSpace(strings.Join(cells, "")) == "" {
				rep = 1
			}
			for range rep {
				rows = append(rows, cells)
			}
		case odfSkipLocal(l):
			r.skip()
		default: // table-header-rows, table-rows, table-row-group
			r.each(find, nil)
		}
	}
	r.each(find, nil)
	return block{isTable: true, level: -1, rows: rows, header: header}
}

func (r *odfReader) row() []string {
	var cells []string
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "table-cell", "covered-table-cell":
			rep := repeat(attr(se, "number-columns-repeated"))
			var bl []block
			r.each(r.blocks(&bl), nil)
			c := flattenCell(bl)
			for range rep {
				cells = append(cells, c)
			}
		default:
			r.skip()
		}
	}, nil)
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	return cells
}

func repeat(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxRepeat)
}

// odfBodyKind returns the local name of the first child of office:body
// ("text", "presentation", "spreadsheet"...), or "".
func odfBodyKind(data []byte) string {
	w := newWalker("content.xml", data, DefaultMaxDepth)
	kind := ""
	var fn func(se startElement)
	fn = func(se startElement) {
		if kind != "" {
			w.skip()
			return
		}
		if se.Name.Local == "body" {
			w.each(func(c startElement) {
				if kind == "" {
					kind = c.Name.Local
				}
				w.skip()
			}, nil)
			return
		}
		w.skip()
	}
	w.root(func(startElement) { w.each(fn, nil) })
	return kind
}

// parseODF extracts an OpenDocument text or presentation.
func (p *Parser) parseODF(ctx context.Context, a container, kind string) (core.Document, error) {
	if a.Has("META-INF/manifest.xml") {
		m, err := a.Read("META-INF/manifest.xml")
		if err != nil {
			return core.Document{}, err
		}
		if bytes.Contains(m, []byte("encryption-data")) {
			return core.Document{}, fmt.Errorf("%w: the OpenDocument package is encrypted", core.ErrEncrypted)
		}
	}
	if !a.Has("content.xml") {
		return core.Document{}, fmt.Errorf("%w: no content.xml; not a valid OpenDocument file", core.ErrCorrupt)
	}
	data, err := a.Read("content.xml")
	if err != nil {
		return core.Document{}, err
	}
	var warnings []string
	b := newBuilder(p.cfg.MaxTextBytes)
	if kind == kindODP {
		r := &odfReader{walker: newWalker("content.xml", data, p.cfg.MaxDepth)}
		if err := r.presentation(ctx, b); err != nil {
			return core.Document{}, err
		}
		if r.err != nil {
			if b.Len() == 0 {
				return core.Document{}, r.err
			}
			warnings = append(warnings, fmt.Sprintf("%v (text after this point is missing)", r.err))
		}
		if err := b.Err(); err != nil {
			return core.Document{}, err
		}
		return core.Document{Format: "odp", Text: b.Text(), Locations: b.Locations(), Warnings: warnings}, nil
	}

	r := &odfReader{walker: newWalker("content.xml", data, p.cfg.MaxDepth)}
	var body []block
	r.root(func(startElement) { r.each(r.blocks(&body), nil) })
	if r.err != nil {
		if len(body) == 0 {
			return core.Document{}, r.err
		}
		warnings = append(warnings, fmt.Sprintf("%v (text after this point is missing)", r.err))
	}
	if err := ctx.Err(); err != nil {
		return core.Document{}, err
	}
	var headers, footers []block
	if a.Has("styles.xml") {
		if sdata, err := a.Read("styles.xml"); err != nil {
			warnings = append(warnings, err.Error())
		} else {
			sr := &odfReader{walker: newWalker("styles.xml", sdata, p.cfg.MaxDepth)}
			headers, footers = sr.masterPages()
			if sr.err != nil {
				warnings = append(warnings, sr.err.Error())
			}
		}
	}
	emit := func(bl []block, part string, hp *headingPath) {
		var para, table int
		emitBlocks(b, bl, part, hp, &para, &table)
	}
	emit(headers, core.PartHeader, nil)
	emit(body, "", &headingPath{})
	emit(footers, core.PartFooter, nil)
	emit(r.footnotes, core.PartFootnote, nil)
	emit(r.endnotes, core.PartEndnote, nil)
	emit(r.comments, core.PartComment, nil)
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Format: "odt", Text: b.Text(), Locations: b.Locations(), Warnings: warnings}, nil
}

// masterPages reads the headers and footers of the master pages in
// styles.xml.
func (r *odfReader) masterPages() (headers, footers []block) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "master-page":
			r.each(func(c startElement) {
				switch c.Name.Local {
				case "header", "header-left", "header-first":
					r.each(r.blocks(&headers), nil)
				case "footer", "footer-left", "footer-first":
					r.each(r.blocks(&footers), nil)
				default:
					r.skip()
				}
			}, nil)
		case l == "master-styles" || l == "document-styles":
			r.each(fn, nil)
		default:
			r.skip()
		}
	}
	r.root(func(se startElement) {
		if se.Name.Local == "document-styles" {
			r.each(fn, nil)
		} else {
			r.skip()
		}
	})
	return headers, footers
}

// Presentation classes of ODP frames whose text is never extracted.
var skipODPClass = map[string]bool{"page-number": true, "date-time": true, "header": true, "footer": true, "handout": true}

// presentation walks office:presentation: each draw:page is a slide, each
// frame or custom shape a shape, presentation:notes the speaker notes.
func (r *odfReader) presentation(ctx context.Context, b *builder) error {
	slide := 0
	var ctxErr error
	var fn func(se startElement)
	fn = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "page":
			if ctxErr = ctx.Err(); ctxErr != nil || b.Over() {
				r.skip()
				return
			}
			slide++
			var shapes, notes []shape
			r.each(r.shapes(&shapes, &notes, false), nil)
			emitShapes(b, shapes, slide, "")
			emitShapes(b, notes, slide, core.PartNotes)
			b.Raw("\n")
		case odfSkipLocal(l):
			r.skip()
		default: // office:document-content, office:body, office:presentation
			r.each(fn, nil)
		}
	}
	r.root(func(startElement) { r.each(fn, nil) })
	return ctxErr
}

// shapes returns the handler for the content of a draw:page (or of its
// presentation:notes when inNotes), adding shapes to out and notes shapes to
// notes.
func (r *odfReader) shapes(out, notes *[]shape, inNotes bool) func(se startElement) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch l := se.Name.Local; {
		case l == "notes":
			if inNotes {
				r.skip()
				return
			}
			r.each(r.shapes(notes, notes, true), nil)
		case l == "g" || l == "a":
			r.each(fn, nil)
		case odfSkipLocal(l) || l == "forms":
			r.skip()
		default: // frame, custom-shape, rect, ellipse...: a shape
			if skipODPClass[attr(se, "class")] {
				r.skip()
				return
			}
			name := attr(se, "name")
			var bl []block
			r.each(r.blocks(&bl), nil)
			if len(bl) > 0 {
				*out = append(*out, shape{name: name, blocks: bl})
			}
		}
	}
	return fn
}
