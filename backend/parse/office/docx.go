package office

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"folio/backend/core"
	"folio/backend/parse/tablerow"
)

// block is one unit of a word-processing part: a paragraph (with its
// heading level, -1 for body text; 0 is a Title) or a table.
type block struct {
	text    string
	level   int
	isTable bool
	rows    [][]string
	// header is set when the table marks its first row as a header row
	// (w:tblHeader, table:table-header-rows).
	header bool
}

// style is what Folio needs from one w:style in styles.xml.
type style struct {
	name    string
	basedOn string
	outline int // w:outlineLvl, -1 when not set
	caps    int // -1 unset, 0 off, 1 on
}

// styleSheet maps style ids to styles.
type styleSheet struct {
	byID          map[string]style
	defaultParaID string
}

// level returns the heading level of paragraph style id: 1..9 for Heading
// 1..9 or an outline level, 0 for Title, -1 for body text.
func (s *styleSheet) level(id string) int {
	if s == nil {
		return styleIDLevel(id)
	}
	if id == "" {
		id = s.defaultParaID
	}
	for range 20 {
		st, ok := s.byID[id]
		if !ok {
			return styleIDLevel(id)
		}
		if st.outline >= 0 {
			if st.outline <= 8 {
				return st.outline + 1
			}
			return -1
		}
		if l := styleNameLevel(st.name); l >= 0 {
			return l
		}
		if st.basedOn == "" || st.basedOn == id {
			return -1
		}
		id = st.basedOn
	}
	return -1
}

// caps reports whether style id (or a style it is based on) sets w:caps:
// -1 when none says.
func (s *styleSheet) caps(id string) int {
	if s == nil || id == "" {
		return -1
	}
	for range 20 {
		st, ok := s.byID[id]
		if !ok {
			return -1
		}
		if st.caps >= 0 {
			return st.caps
		}
		if st.basedOn == "" || st.basedOn == id {
			return -1
		}
		id = st.basedOn
	}
	return -1
}

// styleNameLevel reads "heading 3" / "Title" style names.
func styleNameLevel(name string) int {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "title" {
		return 0
	}
	if rest, ok := strings.CutPrefix(n, "heading"); ok {
		if v, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil && v >= 1 && v <= 9 {
			return v
		}
	}
	return -1
}

// styleIDLevel reads "Heading3" / "Title" style ids of styles that
// styles.xml does not define.
func styleIDLevel(id string) int { return styleNameLevel(id) }

// docxReader walks one WordprocessingML part.
type docxReader struct {
	*walker
	styles *styleSheet
	refs   []hfRef // header/footer references of the sections, in order
}

// hfRef is one w:headerReference or w:footerReference of a section.
type hfRef struct {
	footer bool
	typ    string // first, even, default
	id     string
}

// parseStyles reads styles.xml.
func parseStyles(part string, data []byte, maxDepth int) (*styleSheet, error) {
	w := newWalker(part, data, maxDepth)
	s := &styleSheet{byID: map[string]style{}}
	w.root(func(startElement) {
		w.each(func(se startElement) {
			if se.Name.Local != "style" {
				w.skip()
				return
			}
			st := style{outline: -1, caps: -1}
			id := attr(se, "styleId")
			if attr(se, "type") == "paragraph" && onOffAttr(attr(se, "default")) {
				s.defaultParaID = id
			}
			w.each(func(c startElement) {
				switch c.Name.Local {
				case "name":
					st.name = attr(c, "val")
					w.skip()
				case "basedOn":
					st.basedOn = attr(c, "val")
					w.skip()
				case "pPr":
					w.each(func(pp startElement) {
						if pp.Name.Local == "outlineLvl" {
							if v, err := strconv.Atoi(attr(pp, "val")); err == nil {
								st.outline = v
							}
						}
						w.skip()
					}, nil)
				case "rPr":
					w.each(func(rp startElement) {
						if rp.Name.Local == "caps" {
							st.caps = boolInt(onOff(rp))
						}
						w.skip()
					}, nil)
				default:
					w.skip()
				}
			}, nil)
			if id != "" {
				s.byID[id] = st
			}
		}, nil)
	})
	return s, w.err
}

func onOffAttr(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "on":
		return true
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// para collects one paragraph's text while its runs are walked.
type para struct {
	sb      strings.Builder
	nested  []block // text boxes and tables met inside the paragraph
	style   string
	outline int // w:outlineLvl of the paragraph, -1 when not set
}

// readPart walks a whole part and returns its blocks.
func (r *docxReader) readPart() []block {
	var out []block
	r.root(func(startElement) { r.each(r.blocks(&out), nil) })
	return out
}

// blocks returns the handler for block-level content (body, cell, header,
// note, comment, text box), appending what it finds to out.
func (r *docxReader) blocks(out *[]block) func(se startElement) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch se.Name.Local {
		case "p":
			*out = append(*out, r.paragraph()...)
		case "tbl":
			*out = append(*out, r.table())
		case "sectPr":
			r.sectPr()
		case "AlternateContent":
			r.alternate(fn)
		case "footnote", "endnote":
			switch attr(se, "type") {
			case "separator", "continuationSeparator", "continuationNotice":
				r.skip()
			default:
				r.each(fn, nil)
			}
		case "sdtPr", "sdtEndPr", "tblPr", "tblGrid", "tcPr", "trPr", "customXmlPr",
			"del", "moveFrom", "Fallback", "bookmarkStart", "bookmarkEnd", "proofErr",
			"permStart", "permEnd", "commentRangeStart", "commentRangeEnd", "background":
			r.skip()
		default:
			r.each(fn, nil)
		}
	}
	return fn
}

// paragraph walks a w:p and returns it, followed by the blocks of any text
// boxes inside it.
func (r *docxReader) paragraph() []block {
	p := &para{outline: -1}
	r.each(r.inline(p), nil)
	level := -1
	if p.outline >= 0 {
		if p.outline <= 8 {
			level = p.outline + 1
		}
	} else {
		level = r.styles.level(p.style)
	}
	return append([]block{{text: p.sb.String(), level: level}}, p.nested...)
}

// inline returns the handler for paragraph content.
func (r *docxReader) inline(p *para) func(se startElement) {
	var fn func(se startElement)
	fn = func(se startElement) {
		switch se.Name.Local {
		case "pPr":
			r.pPr(p)
		case "r":
			r.run(p)
		case "p":
			p.nested = append(p.nested, r.paragraph()...)
		case "tbl":
			p.nested = append(p.nested, r.table())
		case "AlternateContent":
			r.alternate(fn)
		case "sdt":
			r.sdt(p, fn)
		case "t":
			p.sb.WriteString(r.text())
		case "del", "moveFrom", "delText", "instrText", "delInstrText", "rPr", "pPrChange",
			"rPrChange", "sdtPr", "sdtEndPr", "Fallback", "fldData", "bookmarkStart", "bookmarkEnd",
			"proofErr", "commentRangeStart", "commentRangeEnd", "permStart", "permEnd",
			"customXmlPr", "smartTagPr", "docPr", "cNvPr":
			r.skip()
		default:
			r.each(fn, nil)
		}
	}
	return fn
}

// pPr reads the paragraph style, outline level and section break.
func (r *docxReader) pPr(p *para) {
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "pStyle":
			p.style = attr(se, "val")
			r.skip()
		case "outlineLvl":
			if v, err := strconv.Atoi(attr(se, "val")); err == nil {
				p.outline = v
			}
			r.skip()
		case "sectPr":
			r.sectPr()
		default:
			r.skip()
		}
	}, nil)
}

var hfOrder = map[string]int{"first": 0, "even": 1, "default": 2}

// sectPr records a section's header and footer references, first-page
// before even-page before default, as POI's extractor orders them.
func (r *docxReader) sectPr() {
	var refs []hfRef
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "headerReference", "footerReference":
			refs = append(refs, hfRef{footer: se.Name.Local == "footerReference", typ: attr(se, "type"), id: relID(se)})
		}
		r.skip()
	}, nil)
	sort.SliceStable(refs, func(i, j int) bool { return typRank(refs[i].typ) < typRank(refs[j].typ) })
	r.refs = append(r.refs, refs...)
}

func typRank(t string) int {
	if v, ok := hfOrder[t]; ok {
		return v
	}
	return 3
}

// run walks a w:r.
func (r *docxReader) run(p *para) {
	caps, rStyle := -1, ""
	upper := func() bool {
		switch {
		case caps >= 0:
			return caps == 1
		case rStyle != "" && r.styles.caps(rStyle) >= 0:
			return r.styles.caps(rStyle) == 1
		}
		return r.styles.caps(p.style) == 1
	}
	var fn func(se startElement)
	fn = func(se startElement) {
		switch se.Name.Local {
		case "rPr":
			r.each(func(c startElement) {
				switch c.Name.Local {
				case "caps":
					caps = boolInt(onOff(c))
				case "rStyle":
					rStyle = attr(c, "val")
				}
				r.skip()
			}, nil)
		case "t":
			s := r.text()
			if upper() {
				s = strings.ToUpper(s)
			}
			p.sb.WriteString(s)
		case "tab", "ptab":
			p.sb.WriteByte('\t')
			r.skip()
		case "br", "cr":
			p.sb.WriteByte('\n')
			r.skip()
		case "noBreakHyphen":
			p.sb.WriteByte('-')
			r.skip()
		case "fldChar":
			r.fldChar(p, se)
		case "ruby":
			r.ruby(p)
		case "AlternateContent":
			r.alternate(fn)
		case "delText", "instrText", "delInstrText", "fldData", "footnoteReference",
			"endnoteReference", "commentReference", "annotationRef", "footnoteRef", "endnoteRef",
			"separator", "continuationSeparator", "lastRenderedPageBreak", "sym", "softHyphen":
			r.skip()
		default:
			// w:drawing, w:pict, w:object...: they may hold text boxes.
			r.each(r.inline(p), nil)
		}
	}
	r.each(fn, nil)
}

// fldChar renders a legacy check-box form field as POI does: "|X|" when
// checked (w:checked, else w:default), "|_|" otherwise.
func (r *docxReader) fldChar(p *para, se startElement) {
	if attr(se, "fldCharType") != "begin" {
		r.skip()
		return
	}
	r.each(func(ff startElement) {
		if ff.Name.Local != "ffData" {
			r.skip()
			return
		}
		r.each(func(cb startElement) {
			if cb.Name.Local != "checkBox" {
				r.skip()
				return
			}
			def, checked := false, -1
			r.each(func(x startElement) {
				switch x.Name.Local {
				case "default":
					def = onOff(x)
				case "checked":
					checked = boolInt(onOff(x))
				}
				r.skip()
			}, nil)
			if checked == 1 || (checked < 0 && def) {
				p.sb.WriteString("|X|")
			} else {
				p.sb.WriteString("|_|")
			}
		}, nil)
	}, nil)
}

// ruby writes the base text, then " (" + the phonetic guide + ")", as POI
// does ("東京 (とうきょう)").
func (r *docxReader) ruby(p *para) {
	var guide string
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "rt":
			q := &para{outline: -1, style: p.style}
			r.each(r.inline(q), nil)
			guide += q.sb.String()
		case "rubyBase":
			r.each(r.inline(p), nil)
		default:
			r.skip()
		}
	}, nil)
	if strings.TrimSpace(guide) != "" {
		p.sb.WriteString(" (" + guide + ")")
	}
}

// sdt walks an inline content control. A check-box control (w14:checkbox)
// becomes "|X|" or "|_|" in place of its glyph.
func (r *docxReader) sdt(p *para, inline func(se startElement)) {
	checkbox := -1
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "sdtPr":
			r.each(func(x startElement) {
				if x.Name.Local != "checkbox" {
					r.skip()
					return
				}
				checkbox = 0
				r.each(func(y startElement) {
					if y.Name.Local == "checked" && onOff(y) {
						checkbox = 1
					}
					r.skip()
				}, nil)
			}, nil)
		case "sdtContent":
			switch checkbox {
			case 1:
				p.sb.WriteString("|X|")
				r.skip()
			case 0:
				p.sb.WriteString("|_|")
				r.skip()
			default:
				r.each(inline, nil)
			}
		default:
			r.skip()
		}
	}, nil)
}

// table walks a w:tbl. Rows and cells wrapped in content controls or custom
// XML are found too.
func (r *docxReader) table() block {
	var rows [][]string
	header := false
	var findRows func(se startElement)
	findRows = func(se startElement) {
		switch se.Name.Local {
		case "tr":
			cells, h := r.row()
			if len(rows) == 0 {
				header = h
			}
			rows = append(rows, cells)
		case "tblPr", "tblGrid", "sdtPr", "sdtEndPr", "tblPrChange", "customXmlPr", "bookmarkStart", "bookmarkEnd":
			r.skip()
		case "AlternateContent":
			r.alternate(findRows)
		default:
			r.each(findRows, nil)
		}
	}
	r.each(findRows, nil)
	return block{isTable: true, level: -1, rows: rows, header: header}
}

// row reads a w:tr: its cells, and whether it is marked as a header row
// (w:tblHeader in its w:trPr).
func (r *docxReader) row() (cells []string, header bool) {
	var find func(se startElement)
	find = func(se startElement) {
		switch se.Name.Local {
		case "tc":
			var bl []block
			r.each(r.blocks(&bl), nil)
			cells = append(cells, flattenCell(bl))
		case "trPr":
			r.each(func(se startElement) {
				if se.Name.Local == "tblHeader" && onOff(se) {
					header = true
				}
				r.skip()
			}, nil)
		case "tblPrEx", "sdtPr", "sdtEndPr", "customXmlPr", "bookmarkStart", "bookmarkEnd":
			r.skip()
		case "AlternateContent":
			r.alternate(find)
		default:
			r.each(find, nil)
		}
	}
	r.each(find, nil)
	return cells, header
}

// flattenCell joins the content of a table cell into one line: its
// non-blank paragraphs (and the cells of nested tables) separated by a
// space, line breaks turned into spaces, so each table row stays one line.
// (POI joins a cell's paragraphs with "\t", which reads as extra columns.)
func flattenCell(bl []block) string {
	var parts []string
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			parts = append(parts, strings.ReplaceAll(s, "\n", " "))
		}
	}
	for _, b := range bl {
		if !b.isTable {
			add(b.text)
			continue
		}
		for _, row := range b.rows {
			for _, c := range row {
				add(c)
			}
		}
	}
	return strings.Join(parts, " ")
}

// hasHeaderRow reports whether a table's first row heads the columns of a
// table of figures: the first row has a short heading, not a number (a year
// is a heading), over every column but the first (the row labels' corner,
// which may be blank), and most body rows hold a number. Such tables' body
// rows are written as statements carrying their column headers (package
// tablerow), as are those of tables that mark their header row; other
// tables keep their cells as they are, tab-separated.
func hasHeaderRow(rows [][]string) bool {
	if len(rows) < 2 || len(rows[0]) < 2 {
		return false
	}
	for _, h := range rows[0][1:] {
		h = strings.TrimSpace(h)
		if h == "" || len(h) > 80 || (tablerow.Numeric(h) && !tablerow.IsYear(h)) {
			return false
		}
	}
	numeric := 0
	for _, row := range rows[1:] {
		for ci := 1; ci < len(row); ci++ {
			if tablerow.Numeric(row[ci]) {
				numeric++
				break
			}
		}
	}
	return 2*numeric >= len(rows)-1
}

// emitRow writes row as a statement under the header row head. Each cell's
// location covers its repeated header and its own text; the label's its
// text and the separator.
func emitRow(b *builder, head, row []string, loc core.Location) {
	last := 0
	for ci := 1; ci < len(row); ci++ {
		if strings.TrimSpace(row[ci]) != "" {
			last = ci
		}
	}
	wrote := false
	if len(row) > 0 {
		if label := strings.TrimSpace(row[0]); label != "" {
			if last > 0 {
				label += strings.TrimRight(tablerow.LabelMark, " ")
			}
			loc.Col = 1
			b.Span(label, loc)
			wrote = true
		}
	}
	if !wrote && last == 0 {
		b.Raw("\n")
		return
	}
	for ci := 1; ci <= last; ci++ {
		cell := strings.TrimSpace(row[ci])
		if cell == "" {
			continue
		}
		if ci < len(head) {
			if h := strings.TrimSpace(head[ci]); h != "" {
				cell = h + tablerow.HeadMark + cell
			}
		}
		if ci < last {
			cell += strings.TrimRight(tablerow.CellMark, " ")
		}
		if wrote {
			b.Raw(" ")
		}
		loc.Col = ci + 1
		b.Span(cell, loc)
		wrote = true
	}
	b.Raw(tablerow.End + "\n")
}

// emitBlocks appends blocks to b as lines. hp is nil for parts without a
// heading path (headers, notes); para and table count paragraphs and tables
// within the part.
func emitBlocks(b *builder, blocks []block, part string, hp *headingPath, para, table *int) {
	for _, blk := range blocks {
		var path []string
		if blk.isTable {
			*table++
			if hp != nil {
				path = hp.path()
			}
			header := hasHeaderRow(blk.rows) || (blk.header && len(blk.rows) > 1 && len(blk.rows[0]) > 1)
			for ri, row := range blk.rows {
				if header && ri > 0 {
					emitRow(b, blk.rows[0], row, core.Location{Part: part, Path: path, Table: *table, Row: ri + 1})
					continue
				}
				for ci, cell := range row {
					if ci > 0 {
						b.Raw("\t")
					}
					b.Span(cell, core.Location{Part: part, Path: path, Table: *table, Row: ri + 1, Col: ci + 1})
				}
				b.Raw("\n")
			}
			continue
		}
		*para++
		if hp != nil {
			if blk.level >= 0 {
				if name := headingName(blk.text); name != "" {
					hp.push(blk.level, name)
				}
			}
			path = hp.path()
		}
		b.Line(blk.text, core.Location{Part: part, Path: path, Paragraph: *para})
	}
}

// parseDOCX extracts a WordprocessingML package.
func (p *Parser) parseDOCX(ctx context.Context, a container) (core.Document, error) {
	main := ""
	if pkg, err := readRels(a, ""); err == nil {
		for _, t := range relByType(pkg, "officeDocument") {
			if strings.HasPrefix(t, "word/") && a.Has(t) {
				main = t
				break
			}
		}
	}
	if main == "" {
		main = "word/document.xml"
	}
	if !a.Has(main) {
		return core.Document{}, fmt.Errorf("%w: no main document part (word/document.xml); not a valid .docx", core.ErrCorrupt)
	}
	var warnings []string
	warn := func(err error) { warnings = append(warnings, err.Error()) }
	rels, err := readRels(a, main)
	if err != nil {
		warn(err)
	}
	var styles *styleSheet
	for _, t := range relByType(rels, "styles") {
		data, err := a.Read(t)
		if err != nil {
			warn(err)
			continue
		}
		if styles, err = parseStyles(t, data, p.cfg.MaxDepth); err != nil {
			warn(err)
		}
		break
	}
	data, err := a.Read(main)
	if err != nil {
		return core.Document{}, err
	}
	r := &docxReader{walker: newWalker(main, data, p.cfg.MaxDepth), styles: styles}
	body := r.readPart()
	if r.err != nil {
		if len(body) == 0 {
			return core.Document{}, r.err
		}
		warn(fmt.Errorf("%v (text after this point is missing)", r.err))
	}
	refs := r.refs

	readBlocks := func(name string) []block {
		data, err := a.Read(name)
		if err != nil {
			warn(err)
			return nil
		}
		pr := &docxReader{walker: newWalker(name, data, p.cfg.MaxDepth), styles: styles}
		bl := pr.readPart()
		if pr.err != nil {
			warn(pr.err)
		}
		return bl
	}
	byID := map[string]rel{}
	for _, rl := range rels {
		byID[rl.ID] = rl
	}
	hf := func(footer bool) ([]block, error) {
		var out []block
		seen := map[string]bool{}
		kind := "header"
		if footer {
			kind = "footer"
		}
		for _, ref := range refs {
			rl, ok := byID[ref.id]
			if ref.footer != footer || !ok || !strings.HasSuffix(rl.Type, "/"+kind) || seen[rl.Target] {
				continue
			}
			seen[rl.Target] = true
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out = append(out, readBlocks(rl.Target)...)
		}
		return out, nil
	}
	notes := func(typ string) ([]block, error) {
		var out []block
		for _, t := range relByType(rels, typ) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out = append(out, readBlocks(t)...)
		}
		return out, nil
	}

	headers, err := hf(false)
	if err != nil {
		return core.Document{}, err
	}
	footers, err := hf(true)
	if err != nil {
		return core.Document{}, err
	}
	var parts [3][]block
	for i, typ := range []string{"footnotes", "endnotes", "comments"} {
		if parts[i], err = notes(typ); err != nil {
			return core.Document{}, err
		}
	}

	b := newBuilder(p.cfg.MaxTextBytes)
	emit := func(bl []block, part string, hp *headingPath) {
		var para, table int
		emitBlocks(b, bl, part, hp, &para, &table)
	}
	emit(headers, core.PartHeader, nil)
	emit(body, "", &headingPath{})
	emit(footers, core.PartFooter, nil)
	emit(parts[0], core.PartFootnote, nil)
	emit(parts[1], core.PartEndnote, nil)
	emit(parts[2], core.PartComment, nil)
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Format: "docx", Text: b.Text(), Locations: b.Locations(), Warnings: warnings}, nil
}
