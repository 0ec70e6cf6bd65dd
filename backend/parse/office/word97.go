package office

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"folio/backend/core"
)

// A Word 97-2003 document (MS-DOC) keeps its text in the WordDocument
// stream, in pieces listed by the piece table (the Clx) in the 0Table or
// 1Table stream. The FIB at the start of WordDocument says which table
// stream holds it and how many characters (CPs) each story has: the main
// text, then footnotes, headers and footers, comments, endnotes and text
// boxes, in that order of the CP space.
//
// Invariants of parseWord97: every CP range is clamped to the text the
// piece table yields; pieces pointing past the WordDocument stream are cut
// where it ends; a document yields at most MaxTextBytes of text.

// FIB offsets (MS-DOC 2.5.1).
const (
	fibIdent      = 0xA5EC
	fibFlagTable1 = 0x0200 // fWhichTblStm: the piece table is in 1Table
	fibMinNFib    = 0x00C1 // Word 97; older files are Word 6/95
)

// Indexes of FibRgLw97 (counts of CPs per story) and of FibRgFcLcb97.
const (
	lwCcpText    = 3
	lwCcpFtn     = 4
	lwCcpHdd     = 5
	lwCcpAtn     = 7
	lwCcpEdn     = 8
	lwCcpTxbx    = 9
	lwCcpHdrTxbx = 10
	fcPlcfHdd    = 11
	fcClx        = 33
)

// wordStory is one story of the CP space and the part its text belongs to.
type wordStory struct {
	part       string
	start, end int // CPs
}

// parseWord97 reads the text of a Word 97-2003 document.
func (p *Parser) parseWord97(ctx context.Context, c compound) (core.Document, error) {
	wd := c.data["WordDocument"]
	if len(wd) < 0x22 || binary.LittleEndian.Uint16(wd) != fibIdent {
		return core.Document{}, fmt.Errorf("%w: the WordDocument stream has no Word file information block", core.ErrCorrupt)
	}
	if nFib := binary.LittleEndian.Uint16(wd[2:]); nFib < fibMinNFib && nFib != 0 {
		return core.Document{}, fmt.Errorf("%w: Word 6/95 documents (version %#x) are not read; save it as .docx", core.ErrUnsupported, nFib)
	}
	flags := binary.LittleEndian.Uint16(wd[0x0A:])
	tableName := "0Table"
	if flags&fibFlagTable1 != 0 {
		tableName = "1Table"
	}
	table, ok := c.data[tableName]
	if !ok {
		return core.Document{}, fmt.Errorf("%w: the %s stream the document names is missing", core.ErrCorrupt, tableName)
	}
	lw, fcLcb, err := fibArrays(wd)
	if err != nil {
		return core.Document{}, err
	}
	clx := fcLcbSlice(table, fcLcb, fcClx)
	if clx == nil {
		return core.Document{}, fmt.Errorf("%w: the document has no piece table", core.ErrCorrupt)
	}
	// The CP space: each story follows the previous one.
	counts := []struct {
		idx  int
		part string
	}{{lwCcpText, ""}, {lwCcpFtn, core.PartFootnote}, {lwCcpHdd, core.PartHeader}, {lwCcpAtn, core.PartComment},
		{lwCcpEdn, core.PartEndnote}, {lwCcpTxbx, ""}, {lwCcpHdrTxbx, core.PartHeader}}
	var stories []wordStory
	cp := 0
	for _, k := range counts {
		n := 0
		if k.idx < len(lw) {
			n = int(lw[k.idx])
		}
		if n < 0 || n > p.cfg.MaxTextBytes {
			return core.Document{}, fmt.Errorf("%w: a story of %d characters passes the limit of %d bytes", core.ErrTooLarge, n, p.cfg.MaxTextBytes)
		}
		stories = append(stories, wordStory{part: k.part, start: cp, end: cp + n})
		cp += n
	}
	if cp > p.cfg.MaxTextBytes {
		return core.Document{}, fmt.Errorf("%w: the document's %d characters pass the limit of %d bytes", core.ErrTooLarge, cp, p.cfg.MaxTextBytes)
	}
	units, pieces, err := pieceText(clx, wd, cp, p.cfg.MaxTextBytes)
	if err != nil {
		return core.Document{}, err
	}
	if err := ctx.Err(); err != nil {
		return core.Document{}, err
	}
	b := newBuilder(p.cfg.MaxTextBytes)
	story := func(s wordStory) []uint16 {
		lo, hi := min(s.start, len(units)), min(s.end, len(units))
		return units[lo:hi]
	}
	// Body, then text boxes, then headers and footers, notes and comments.
	// The main story starts at CP 0, so a unit index is its CP.
	dropDeleted(units, wd, table, fcLcb, pieces)
	var props paraProps
	if w := newWordProps(wd, table, fcLcb, pieces); w != nil {
		props = w
	}
	// As for .docx: headers, the body, footers, then notes and comments.
	hdd := fcLcbSlice(table, fcLcb, fcPlcfHdd)
	emitHeaders(b, story(stories[2]), hdd, core.PartHeader)
	emitWordText(b, story(stories[6]), core.Location{Part: core.PartHeader}, false, nil)
	emitWordText(b, story(stories[0]), core.Location{}, true, props)
	emitWordText(b, story(stories[5]), core.Location{Shape: "text box"}, false, nil)
	emitHeaders(b, story(stories[2]), hdd, core.PartFooter)
	emitWordText(b, story(stories[1]), core.Location{Part: core.PartFootnote}, false, nil)
	emitWordText(b, story(stories[4]), core.Location{Part: core.PartEndnote}, false, nil)
	emitWordText(b, story(stories[3]), core.Location{Part: core.PartComment}, false, nil)
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Format: "doc", Text: b.Text(), Locations: b.Locations()}, nil
}

// fibArrays returns FibRgLw97 (as int32s) and the FibRgFcLcb bytes.
func fibArrays(wd []byte) ([]int32, []byte, error) {
	bad := fmt.Errorf("%w: the Word file information block is truncated", core.ErrCorrupt)
	off := 0x20
	if off+2 > len(wd) {
		return nil, nil, bad
	}
	csw := int(binary.LittleEndian.Uint16(wd[off:]))
	off += 2 + 2*csw
	if off+2 > len(wd) {
		return nil, nil, bad
	}
	cslw := int(binary.LittleEndian.Uint16(wd[off:]))
	off += 2
	if off+4*cslw+2 > len(wd) {
		return nil, nil, bad
	}
	lw := make([]int32, cslw)
	for i := range lw {
		lw[i] = int32(binary.LittleEndian.Uint32(wd[off+4*i:]))
	}
	off += 4 * cslw
	cb := int(binary.LittleEndian.Uint16(wd[off:]))
	off += 2
	end := min(len(wd), off+8*cb)
	return lw, wd[off:end], nil
}

// fcLcbSlice returns the bytes of table that FibRgFcLcb entry i points at,
// or nil when the entry is absent, empty or out of range.
func fcLcbSlice(table, fcLcb []byte, i int) []byte {
	if 8*i+8 > len(fcLcb) {
		return nil
	}
	fc := int64(binary.LittleEndian.Uint32(fcLcb[8*i:]))
	lcb := int64(binary.LittleEndian.Uint32(fcLcb[8*i+4:]))
	if lcb == 0 || fc+lcb > int64(len(table)) {
		return nil
	}
	return table[fc : fc+lcb]
}

// piece is one entry of the piece table: CPs [cpStart, cpEnd) are stored
// from byte fc of WordDocument, one byte each when compressed.
type piece struct {
	cpStart, cpEnd int
	fc             int
	compressed     bool
}

// pieceText decodes the piece table in clx into UTF-16 code units indexed
// by CP, for the first ncp CPs, and returns the pieces read. Compressed
// pieces are cp1252, one byte per CP; the others UTF-16LE.
func pieceText(clx, wd []byte, ncp, maxBytes int) ([]uint16, []piece, error) {
	// Skip the Prcs (0x01, cbGrpprl, grpprl) before the Pcdt (0x02).
	i := 0
	for i < len(clx) && clx[i] == 0x01 {
		if i+3 > len(clx) {
			break
		}
		i += 3 + int(binary.LittleEndian.Uint16(clx[i+1:]))
	}
	if i+5 > len(clx) || clx[i] != 0x02 {
		return nil, nil, fmt.Errorf("%w: the piece table is malformed", core.ErrCorrupt)
	}
	lcb := int(binary.LittleEndian.Uint32(clx[i+1:]))
	plc := clx[i+5:]
	if lcb < len(plc) {
		plc = plc[:lcb]
	}
	n := (len(plc) - 4) / 12
	if n <= 0 {
		return nil, nil, fmt.Errorf("%w: the piece table lists no text", core.ErrCorrupt)
	}
	dec := charmap.Windows1252
	units := make([]uint16, 0, min(ncp, maxBytes))
	var pieces []piece
	for k := 0; k < n && len(units) < ncp; k++ {
		cpStart := int(binary.LittleEndian.Uint32(plc[4*k:]))
		cpEnd := int(binary.LittleEndian.Uint32(plc[4*k+4:]))
		if cpEnd <= cpStart || cpStart < len(units) {
			continue // overlapping or backwards pieces are skipped
		}
		for len(units) < cpStart && len(units) < ncp {
			units = append(units, ' ') // a gap in the piece table
		}
		count := min(cpEnd-cpStart, ncp-len(units))
		pcd := plc[4*(n+1)+8*k:]
		fc := binary.LittleEndian.Uint32(pcd[2:])
		if fc&0x40000000 != 0 {
			off := int((fc &^ 0x40000000) / 2)
			if off > len(wd) {
				continue
			}
			pieces = append(pieces, piece{cpStart: len(units), cpEnd: len(units) + count, fc: off, compressed: true})
			raw := wd[off:min(len(wd), off+count)]
			for _, c := range raw {
				r := dec.DecodeByte(c)
				units = append(units, uint16(r))
			}
		} else {
			off := int(fc)
			if off > len(wd) {
				continue
			}
			pieces = append(pieces, piece{cpStart: len(units), cpEnd: len(units) + count, fc: off})
			raw := wd[off:min(len(wd), off+2*count)]
			for j := 0; j+1 < len(raw); j += 2 {
				units = append(units, binary.LittleEndian.Uint16(raw[j:]))
			}
		}
	}
	return units, pieces, nil
}

// wordText turns a story's code units into text: paragraph marks become
// "\n", cell marks "\t" (and a row's end mark a line end), field codes are
// dropped and their results kept, and special characters are removed.
// Each returned paragraph has its table flag: inTable paragraphs hold the
// cells of one table row separated by "\t".
type wordPara struct {
	text    string
	inTable bool
	mark    int // index of the paragraph mark in the story's units; -1 for rows
}

// paraProps gives what the text alone does not say about a story's
// paragraphs, by the unit index of their mark: the heading level (1-9, 0
// for none) and whether a cell mark ends a table row (known false when
// the properties cannot be read).
type paraProps interface {
	level(mark int) int
	rowEnd(mark int) (end, known bool)
}

func wordParagraphs(units []uint16, props paraProps) []wordPara {
	var (
		out   []wordPara
		cur   []uint16
		row   []string // cells of the table row being read
		depth []bool   // field stack: true while in the field's code part
	)
	inCode := func() bool {
		for _, c := range depth {
			if c {
				return true
			}
		}
		return false
	}
	flushPara := func(mark int) {
		out = append(out, wordPara{text: decodeUnits(cur), mark: mark})
		cur = cur[:0]
	}
	for i, u := range units {
		switch u {
		case 0x13: // field begin
			depth = append(depth, true)
			continue
		case 0x14: // field separator: the result follows
			if len(depth) > 0 {
				depth[len(depth)-1] = false
			}
			continue
		case 0x15: // field end
			if len(depth) > 0 {
				depth = depth[:len(depth)-1]
			}
			continue
		}
		if inCode() {
			continue
		}
		switch u {
		case 0x0D:
			flushPara(i)
		case 0x07: // end of a cell, or a row's end mark right after one
			end, known := false, false
			if props != nil {
				end, known = props.rowEnd(i)
			}
			if !known {
				end = len(cur) == 0 && len(row) > 0 && i > 0 && units[i-1] == 0x07
			}
			if end {
				out = append(out, wordPara{text: strings.Join(row, "\t"), inTable: true, mark: -1})
				row = row[:0]
				continue
			}
			row = append(row, strings.Join(strings.Fields(decodeUnits(cur)), " "))
			cur = cur[:0]
		case 0x0B, 0x0C, 0x0E: // line, page and column breaks
			cur = append(cur, '\n')
		case 0x09:
			cur = append(cur, '\t')
		case 0x1E: // non-breaking hyphen
			cur = append(cur, '-')
		case 0xA0:
			cur = append(cur, ' ')
		case 0x1F, deletedUnit: // optional hyphen, deleted text
		default:
			if u >= 0x20 {
				cur = append(cur, u)
			}
		}
	}
	if len(row) > 0 {
		out = append(out, wordPara{text: strings.Join(row, "\t"), inTable: true, mark: -1})
	}
	if len(cur) > 0 {
		flushPara(-1)
	}
	return out
}

func decodeUnits(u []uint16) string { return string(utf16.Decode(u)) }

// emitWordText writes a story's paragraphs with locations like tmpl
// (its Part, its Shape for text boxes). Tables count from 1 for each run
// of table rows, each cell with its Row and Col. numbered marks whether
// body paragraphs get their number. props, when set, gives heading levels
// (headings then make the Path of what follows, as in .docx) and row ends;
// without it a cell mark right after another ends the row.
func emitWordText(b *builder, units []uint16, tmpl core.Location, numbered bool, props paraProps) {
	para, tbl, rowN := 0, 0, 0
	inTable := false
	var hp headingPath
	var path []string
	for _, p := range wordParagraphs(units, props) {
		if p.inTable {
			if !inTable {
				tbl++
				rowN = 0
			}
			inTable = true
			rowN++
			for ci, cell := range strings.Split(p.text, "\t") {
				if ci > 0 {
					b.Raw("\t")
				}
				loc := tmpl
				loc.Path, loc.Table, loc.Row, loc.Col = path, tbl, rowN, ci+1
				b.Span(cell, loc)
			}
			b.Raw("\n")
			continue
		}
		inTable = false
		if strings.TrimSpace(p.text) == "" {
			continue
		}
		para++
		if props != nil && p.mark >= 0 {
			if l := props.level(p.mark); l > 0 {
				if name := headingName(p.text); name != "" {
					hp.push(l, name)
					path = hp.path()
				}
			}
		}
		loc := tmpl
		loc.Path = path
		if numbered || tmpl.Part != "" {
			loc.Paragraph = para
		}
		b.Line(p.text, loc)
	}
}

// emitHeaders writes the headers (want core.PartHeader) or the footers
// (core.PartFooter) of the header story, split by the PlcfHdd: after six
// separator stories come six per section (even header, odd header, even
// footer, odd footer, first-page header and footer). Without a usable
// PlcfHdd the whole story counts as headers. A text repeated by later
// sections is written once.
func emitHeaders(b *builder, units []uint16, plc []byte, want string) {
	if len(units) == 0 {
		return
	}
	n := len(plc) / 4
	if n < 2 {
		if want == core.PartHeader {
			emitWordText(b, units, core.Location{Part: core.PartHeader}, false, nil)
		}
		return
	}
	seen := map[string]bool{}
	for i := 6; i+1 < n; i++ {
		part := core.PartHeader
		switch (i - 6) % 6 {
		case 2, 3, 5:
			part = core.PartFooter
		}
		if part != want {
			continue
		}
		lo := int(binary.LittleEndian.Uint32(plc[4*i:]))
		hi := int(binary.LittleEndian.Uint32(plc[4*i+4:]))
		lo, hi = min(max(lo, 0), len(units)), min(max(hi, 0), len(units))
		if hi <= lo {
			continue
		}
		key := decodeUnits(units[lo:hi])
		if strings.TrimSpace(key) == "" || seen[key] {
			continue
		}
		seen[key] = true
		emitWordText(b, units[lo:hi], core.Location{Part: part}, false, nil)
	}
}
