package sheet

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"folio/backend/core"
)

// ReadBIFF reads the Workbook stream of an Excel 97-2003 file (BIFF8, as
// package office takes it from the OLE2 container) into a Document with
// the same text and Sheet/Cell locations as an .xlsx. Cells come from the
// shared string table (SST, with its CONTINUE records), LABELSST, LABEL,
// RSTRING, NUMBER, RK, MULRK, BOOLERR and FORMULA records, whose string
// results follow in a STRING record. Numbers whose format is a date are
// written as dates; others in general form.
//
// Invariants: every record is read inside the stream's bounds (a record
// whose size passes the end is cut); a sheet offset outside the stream
// skips that sheet; a string longer than its record yields what is there;
// at most Config.MaxCells cells are kept, with a warning past that.
func ReadBIFF(ctx context.Context, stream []byte, cfg Config) (core.Document, error) {
	cfg = cfg.withDefaults()
	if len(stream) < 8 || binary.LittleEndian.Uint16(stream) != 0x0809 {
		return core.Document{}, fmt.Errorf("%w: the Workbook stream does not start with a BIFF BOF record", core.ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint16(stream[4:]); v != 0x0600 {
		return core.Document{}, fmt.Errorf("%w: Excel 5/95 workbooks (BIFF version %#x) are not read; save it as .xlsx", core.ErrUnsupported, v)
	}
	g := readGlobals(stream)
	b := newBuilder(cfg)
	read := map[int]bool{}
	for _, sh := range g.sheets {
		if err := ctx.Err(); err != nil {
			return core.Document{}, err
		}
		if sh.kind != 0 || sh.pos <= 0 || sh.pos >= len(stream) || read[sh.pos] {
			continue // charts, macro sheets, sheets the stream does not hold, and a sheet named twice
		}
		read[sh.pos] = true
		b.startSheet(sh.name)
		err := readBIFFSheet(stream[sh.pos:], &g, b)
		b.endSheet()
		if err == errCellLimit {
			b.limitReached("sheet " + strconv.Quote(sh.name))
			break
		}
	}
	return b.document("", "xls"), nil
}

type biffSheet struct {
	name string
	pos  int
	kind byte // 0 worksheet, 1 macro sheet, 2 chart, 6 VB module
}

// biffGlobals is what the workbook globals say.
type biffGlobals struct {
	sst      []string
	sheets   []biffSheet
	formats  map[uint16]string // custom number formats by index
	xfFmt    []uint16          // number format index of each XF
	date1904 bool
}

// biffRecords calls fn with each record of b until fn returns false, and
// with the CONTINUE records that follow it in cont.
func biffRecords(b []byte, fn func(typ uint16, data []byte, cont [][]byte) bool) {
	off := 0
	next := func() (uint16, []byte, bool) {
		if off+4 > len(b) {
			return 0, nil, false
		}
		typ := binary.LittleEndian.Uint16(b[off:])
		n := int(binary.LittleEndian.Uint16(b[off+2:]))
		end := min(off+4+n, len(b))
		data := b[off+4 : end]
		off = end
		return typ, data, true
	}
	typ, data, ok := next()
	for ok {
		var cont [][]byte
		ntyp, ndata, nok := next()
		for nok && ntyp == 0x003C {
			cont = append(cont, ndata)
			ntyp, ndata, nok = next()
		}
		if !fn(typ, data, cont) {
			return
		}
		typ, data, ok = ntyp, ndata, nok
	}
}

func readGlobals(stream []byte) biffGlobals {
	g := biffGlobals{formats: map[uint16]string{}}
	first := true
	biffRecords(stream, func(typ uint16, data []byte, cont [][]byte) bool {
		switch typ {
		case 0x0809: // BOF
			if !first {
				return false // the first sheet's substream: the globals ended
			}
			first = false
		case 0x000A: // EOF
			return false
		case 0x0085: // BOUNDSHEET
			if len(data) >= 8 {
				name, _ := readXLString(data[6:], 1, nil)
				g.sheets = append(g.sheets, biffSheet{name: name, pos: int(binary.LittleEndian.Uint32(data)), kind: data[5]})
			}
		case 0x00FC: // SST
			g.sst = readSST(data, cont)
		case 0x041E: // FORMAT
			if len(data) >= 4 {
				code, _ := readXLString(data[2:], 2, cont)
				g.formats[binary.LittleEndian.Uint16(data)] = code
			}
		case 0x00E0: // XF
			if len(data) >= 4 {
				g.xfFmt = append(g.xfFmt, binary.LittleEndian.Uint16(data[2:]))
			}
		case 0x0022: // DATEMODE
			g.date1904 = len(data) >= 2 && binary.LittleEndian.Uint16(data) == 1
		}
		return true
	})
	return g
}

// segReader reads bytes across a record and its CONTINUE records.
type segReader struct {
	segs [][]byte
	i    int // current segment
	off  int // offset in it
}

func (r *segReader) atBoundary() bool {
	return r.i < len(r.segs) && r.off == len(r.segs[r.i]) && r.i+1 < len(r.segs)
}

func (r *segReader) advance() {
	for r.i < len(r.segs) && r.off >= len(r.segs[r.i]) && r.i+1 < len(r.segs) {
		r.i, r.off = r.i+1, 0
	}
}

// bytes reads n bytes, crossing segments; ok is false past the end.
func (r *segReader) bytes(n int) ([]byte, bool) {
	out := make([]byte, 0, min(n, 1<<16))
	for len(out) < n {
		r.advance()
		if r.i >= len(r.segs) || r.off >= len(r.segs[r.i]) {
			return out, false
		}
		k := min(n-len(out), len(r.segs[r.i])-r.off)
		out = append(out, r.segs[r.i][r.off:r.off+k]...)
		r.off += k
	}
	return out, true
}

func (r *segReader) u16() (int, bool) {
	b, ok := r.bytes(2)
	if !ok {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(b)), true
}

// chars reads n characters of a string that starts compressed (one byte
// each) when high is false. When the characters cross into a CONTINUE
// record, that record starts with a new option byte saying how the rest is
// stored.
func (r *segReader) chars(n int, high bool) (string, bool) {
	units := make([]uint16, 0, min(n, 1<<16))
	for len(units) < n {
		r.advance()
		if r.i >= len(r.segs) {
			return string(utf16.Decode(units)), false
		}
		seg := r.segs[r.i]
		if r.off >= len(seg) {
			return string(utf16.Decode(units)), false
		}
		if high {
			for len(units) < n && r.off+1 < len(seg) {
				units = append(units, binary.LittleEndian.Uint16(seg[r.off:]))
				r.off += 2
			}
			if r.off+1 == len(seg) {
				r.off++ // a lone byte: corrupt, skip it
			}
		} else {
			for len(units) < n && r.off < len(seg) {
				units = append(units, uint16(seg[r.off]))
				r.off++
			}
		}
		if len(units) < n {
			if !(r.off == len(seg) && r.i+1 < len(r.segs)) {
				return string(utf16.Decode(units)), false
			}
			r.i, r.off = r.i+1, 0
			if len(r.segs[r.i]) == 0 {
				return string(utf16.Decode(units)), false
			}
			high = r.segs[r.i][0]&0x01 != 0
			r.off = 1
		}
	}
	return string(utf16.Decode(units)), true
}

// readSST reads the shared string table.
func readSST(data []byte, cont [][]byte) []string {
	if len(data) < 8 {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(data[4:]))
	r := &segReader{segs: append([][]byte{data[8:]}, cont...)}
	out := make([]string, 0, min(n, 1<<16))
	for len(out) < n {
		s, ok := readRichString(r)
		if !ok {
			if s != "" {
				out = append(out, s)
			}
			break
		}
		out = append(out, s)
	}
	return out
}

// readRichString reads one XLUnicodeRichExtendedString.
func readRichString(r *segReader) (string, bool) {
	cch, ok := r.u16()
	if !ok {
		return "", false
	}
	fb, ok := r.bytes(1)
	if !ok {
		return "", false
	}
	flags := fb[0]
	runs, ext := 0, 0
	if flags&0x08 != 0 {
		if runs, ok = r.u16(); !ok {
			return "", false
		}
	}
	if flags&0x04 != 0 {
		b, ok := r.bytes(4)
		if !ok {
			return "", false
		}
		ext = int(int32(binary.LittleEndian.Uint32(b)))
	}
	s, ok := r.chars(cch, flags&0x01 != 0)
	if !ok {
		return s, false
	}
	if _, ok := r.bytes(4 * runs); !ok {
		return s, false
	}
	if ext > 0 {
		if _, ok := r.bytes(ext); !ok {
			return s, false
		}
	}
	return s, true
}

// readXLString reads an XLUnicodeString (lenBytes 2) or a
// ShortXLUnicodeString (lenBytes 1) at the start of data.
func readXLString(data []byte, lenBytes int, cont [][]byte) (string, bool) {
	if len(data) < lenBytes+1 {
		return "", false
	}
	n := int(data[0])
	if lenBytes == 2 {
		n = int(binary.LittleEndian.Uint16(data))
	}
	r := &segReader{segs: append([][]byte{data[lenBytes+1:]}, cont...)}
	return r.chars(n, data[lenBytes]&0x01 != 0)
}

// biffCell is a cell as read, before rows are sorted.
type biffCell struct {
	row, col int
	text     string
}

// readBIFFSheet reads one worksheet substream starting at its BOF.
func readBIFFSheet(b []byte, g *biffGlobals, out *builder) error {
	var cells []biffCell
	pendingFormula := -1 // index in cells awaiting its STRING record
	seenBOF := false
	limit := out.cfg.MaxCells - out.cells
	full := false
	add := func(row, col int, text string) {
		if text = cleanCell(text); text == "" {
			return
		}
		if len(cells) >= limit {
			full = true
			return
		}
		cells = append(cells, biffCell{row: row + 1, col: col + 1, text: text})
	}
	biffRecords(b, func(typ uint16, data []byte, cont [][]byte) bool {
		if typ == 0x0809 {
			if seenBOF {
				return false // the next substream
			}
			seenBOF = true
			return true
		}
		if typ == 0x000A || full {
			return false
		}
		rc := func() (int, int, int, bool) {
			if len(data) < 6 {
				return 0, 0, 0, false
			}
			return int(binary.LittleEndian.Uint16(data)), int(binary.LittleEndian.Uint16(data[2:])), int(binary.LittleEndian.Uint16(data[4:])), true
		}
		switch typ {
		case 0x00FD: // LABELSST
			if row, col, _, ok := rc(); ok && len(data) >= 10 {
				if i := int(binary.LittleEndian.Uint32(data[6:])); i < len(g.sst) {
					add(row, col, g.sst[i])
				}
			}
		case 0x0204, 0x00D6: // LABEL, RSTRING
			if row, col, _, ok := rc(); ok {
				s, _ := readXLString(data[6:], 2, cont)
				add(row, col, s)
			}
		case 0x0203: // NUMBER
			if row, col, xf, ok := rc(); ok && len(data) >= 14 {
				add(row, col, g.number(math.Float64frombits(binary.LittleEndian.Uint64(data[6:])), xf))
			}
		case 0x027E: // RK
			if row, col, xf, ok := rc(); ok && len(data) >= 10 {
				add(row, col, g.number(rkValue(binary.LittleEndian.Uint32(data[6:])), xf))
			}
		case 0x00BD: // MULRK
			if len(data) >= 6 {
				row := int(binary.LittleEndian.Uint16(data))
				col := int(binary.LittleEndian.Uint16(data[2:]))
				for off := 4; off+6 <= len(data)-2; off += 6 {
					xf := int(binary.LittleEndian.Uint16(data[off:]))
					add(row, col, g.number(rkValue(binary.LittleEndian.Uint32(data[off+2:])), xf))
					col++
				}
			}
		case 0x0205: // BOOLERR
			if row, col, _, ok := rc(); ok && len(data) >= 8 {
				add(row, col, boolErr(data[6], data[7] != 0))
			}
		case 0x0006: // FORMULA
			row, col, xf, ok := rc()
			if !ok || len(data) < 14 {
				break
			}
			res := data[6:14]
			if binary.LittleEndian.Uint16(res[6:]) != 0xFFFF {
				add(row, col, g.number(math.Float64frombits(binary.LittleEndian.Uint64(res)), xf))
				break
			}
			switch res[0] {
			case 0: // a string, in the STRING record that follows
				n := len(cells)
				add(row, col, "\x00") // placeholder, replaced below
				if len(cells) > n {
					pendingFormula = n
				}
			case 1:
				add(row, col, boolErr(res[2], false))
			case 2:
				add(row, col, boolErr(res[2], true))
			}
		case 0x0207: // STRING
			if pendingFormula >= 0 {
				s, _ := readXLString(data, 2, cont)
				cells[pendingFormula].text = cleanCell(s)
				pendingFormula = -1
			}
		}
		return true
	})
	sort.SliceStable(cells, func(i, j int) bool {
		if cells[i].row != cells[j].row {
			return cells[i].row < cells[j].row
		}
		return cells[i].col < cells[j].col
	})
	var r row
	for i := 0; i < len(cells); {
		r.num, r.cells = cells[i].row, r.cells[:0]
		for ; i < len(cells) && cells[i].row == r.num; i++ {
			c := cells[i]
			if c.text == "" || c.text == "\x00" {
				continue
			}
			if n := len(r.cells); n > 0 && r.cells[n-1].col == c.col {
				r.cells[n-1].text = c.text // a later record for the same cell wins
				continue
			}
			r.cells = append(r.cells, cell{col: c.col, text: c.text})
		}
		if err := out.addRow(r); err != nil {
			return err
		}
	}
	if full {
		return errCellLimit
	}
	return nil
}

// rkValue decodes an RK number: a 30-bit integer or the high 30 bits of a
// float64, optionally divided by 100.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

// boolErr writes a BOOLERR or a formula's boolean or error result.
func boolErr(v byte, isErr bool) string {
	if !isErr {
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERR!"
}

// number writes v as its cell's format asks: a date or time for date
// formats, a fixed number of decimals or a percentage for the simple
// numeric ones, and otherwise in general form (at most 15 significant
// digits, as Excel shows).
func (g *biffGlobals) number(v float64, xf int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	var code string
	var id uint16
	if xf >= 0 && xf < len(g.xfFmt) {
		id = g.xfFmt[xf]
		code = g.formats[id]
		if code == "" {
			code = builtinFormats[id]
		}
	}
	if strings.Contains(code, `"TRUE"`) && strings.Contains(code, `"FALSE"`) {
		// LibreOffice writes booleans as numbers with this format.
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	if isDateFormat(id, code) && v >= 0 && v < 2958466 {
		return g.date(v, code)
	}
	percent := strings.Contains(code, "%")
	if percent {
		v *= 100
	}
	s := ""
	if d, ok := fixedDecimals(code); ok {
		s = strconv.FormatFloat(v, 'f', d, 64)
	} else {
		s = generalNumber(v)
	}
	if percent {
		s += "%"
	}
	return s
}

// builtinFormats are the built-in number formats that matter here.
var builtinFormats = map[uint16]string{
	1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
}

func generalNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		r = v
	}
	if math.Abs(r) >= 1e15 || math.Abs(r) < 1e-9 {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// fixedDecimals reads the number of decimals of a simple numeric format
// such as "0.00" or "#,##0.0"; ok is false for other formats.
func fixedDecimals(code string) (int, bool) {
	code, _, _ = strings.Cut(code, ";")
	if code == "" || strings.ContainsAny(code, "E\"@/?") || !strings.Contains(code, "0") {
		return 0, false
	}
	_, frac, found := strings.Cut(code, ".")
	if !found {
		return 0, true
	}
	return strings.Count(frac, "0") + strings.Count(frac, "#"), true
}

// isDateFormat reports whether a number format shows a date or time: the
// built-in formats 14-22 and 45-47, or a code holding d, m, y, h or s
// outside quotes and brackets.
func isDateFormat(id uint16, code string) bool {
	if (id >= 14 && id <= 22) || (id >= 45 && id <= 47) {
		return true
	}
	quoted, bracket := false, false
	for _, r := range code {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case bracket:
		case strings.ContainsRune("dmyhsDMYHS", r):
			return true
		}
	}
	return false
}

// date writes a serial date as "2006-01-02", with the time when it has one
// or the format shows only a time.
func (g *biffGlobals) date(v float64, code string) string {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if g.date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	t := base.Add(time.Duration(math.Round(v*86400)) * time.Second)
	lower := strings.ToLower(code)
	switch {
	case v < 1 && !strings.ContainsAny(lower, "dy"):
		return t.Format("15:04:05")
	case v != math.Trunc(v):
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02")
}
