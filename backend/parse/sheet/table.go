package sheet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"folio/backend/core"
)

// maxWarnings caps Document.Warnings; further problems are counted.
const maxWarnings = 50

// errCellLimit stops a reader once Config.MaxCells cells have been taken.
var errCellLimit = errors.New("cell limit reached")

// cell is one non-empty cell of a row; col is 1-based.
type cell struct {
	col  int
	text string
}

// row is one row of a sheet: its 1-based number and its non-empty cells in
// column order.
type row struct {
	num   int
	cells []cell
}

// builder turns the rows of each sheet into Document text and locations,
// holding back a sheet's first rows until it can decide whether the first
// one is a header. It is used by one goroutine.
type builder struct {
	cfg      Config
	text     strings.Builder
	locs     []core.Location
	warnings []string
	dropped  int    // warnings not recorded because of maxWarnings
	cells    int    // cells taken so far (buffered or written)
	failure  string // first problem that lost data, for an empty result

	sheet   string
	pending []row          // rows held until the header decision
	decided bool           // the header decision is made for this sheet
	header  map[int]string // header text by column; nil without repetition
	started bool           // this sheet has written a line
}

func newBuilder(cfg Config) *builder { return &builder{cfg: cfg} }

// warn records a problem that did not stop the parse.
func (b *builder) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if b.failure == "" {
		b.failure = msg
	}
	if len(b.warnings) >= maxWarnings {
		b.dropped++
		return
	}
	b.warnings = append(b.warnings, msg)
}

// startSheet begins a sheet named name.
func (b *builder) startSheet(name string) {
	b.sheet = name
	b.pending = b.pending[:0]
	b.decided = false
	b.header = nil
	b.started = false
}

// addRow takes one row of the current sheet. Rows must come in increasing
// row order with cells in increasing column order; empty rows are ignored.
// Once Config.MaxCells cells are taken it keeps what fits and returns
// errCellLimit; the caller then ends the sheet and stops.
func (b *builder) addRow(r row) error {
	if len(r.cells) == 0 {
		return nil
	}
	room := b.cfg.MaxCells - b.cells
	if room <= 0 {
		return errCellLimit
	}
	full := false
	if len(r.cells) > room {
		r.cells, full = r.cells[:room], true
	}
	b.cells += len(r.cells)
	if b.decided {
		b.writeRow(r, false)
	} else {
		// Copy: readers may reuse their slices.
		r.cells = append([]cell(nil), r.cells...)
		b.pending = append(b.pending, r)
		if len(b.pending) > b.cfg.HeaderLookahead {
			b.flush()
		}
	}
	if full {
		return errCellLimit
	}
	return nil
}

// endSheet writes what the current sheet still holds back.
func (b *builder) endSheet() {
	b.flush()
	b.sheet = ""
}

// limitReached records the MaxCells warning.
func (b *builder) limitReached(where string) {
	b.warn("%s: stopped after %d cells (limit %d); the rest of the workbook is not indexed", where, b.cells, b.cfg.MaxCells)
}

// flush makes the header decision for the held-back rows and writes them.
func (b *builder) flush() {
	if !b.decided {
		b.decided = true
		b.header = headerOf(b.pending)
	}
	for i, r := range b.pending {
		b.writeRow(r, i == 0 && b.header != nil)
	}
	b.pending = b.pending[:0]
}

// headerOf returns the header texts by column when rows[0] is a header by
// the rule in the package documentation, and nil otherwise.
func headerOf(rows []row) map[int]string {
	if len(rows) < 3 || len(rows[0].cells) < 2 {
		return nil
	}
	for _, c := range rows[0].cells {
		if numberLike(c.text) {
			return nil
		}
	}
	cols := map[int]bool{}
	numeric := false
	for i, r := range rows {
		for _, c := range r.cells {
			cols[c.col] = true
			if i > 0 && !numeric && numberLike(c.text) {
				numeric = true
			}
		}
	}
	if !numeric && len(cols) < 3 {
		return nil
	}
	h := make(map[int]string, len(rows[0].cells))
	for _, c := range rows[0].cells {
		h[c.col] = c.text
	}
	return h
}

// writeRow appends one line for r.
func (b *builder) writeRow(r row, isHeader bool) {
	if !b.started {
		b.started = true
		if b.text.Len() > 0 {
			b.text.WriteByte('\n') // blank line between sheets
		}
	}
	prev := 0
	for _, c := range r.cells {
		gap := c.col - prev
		if prev == 0 {
			gap-- // no separator before the first cell, only empty columns
		}
		b.text.WriteString(strings.Repeat("\t", max(0, min(gap, MaxGap))))
		prev = c.col
		start := b.text.Len()
		if h := b.header[c.col]; h != "" && !isHeader {
			b.text.WriteString(h)
			b.text.WriteString(": ")
		}
		b.text.WriteString(c.text)
		b.locs = append(b.locs, core.Location{
			Start: start, End: b.text.Len(),
			Sheet: b.sheet, Cell: cellName(c.col, r.num), Row: r.num, Col: c.col,
		})
	}
	b.text.WriteByte('\n')
}

// document returns what the builder holds as a Document.
func (b *builder) document(path, format string) core.Document {
	warnings := b.warnings
	if b.dropped > 0 {
		warnings = append(warnings, fmt.Sprintf("%d more warnings not shown", b.dropped))
	}
	return core.Document{Path: path, Format: format, Text: b.text.String(), Locations: b.locs, Warnings: warnings}
}

// cellName returns the A1 name of a cell, e.g. cellName(28, 3) = "AB3".
func cellName(col, row int) string {
	if col < 1 {
		col = 1
	}
	var buf [16]byte
	i := len(buf)
	for col > 0 && i > 0 {
		col--
		i--
		buf[i] = byte('A' + col%26)
		col /= 26
	}
	return string(buf[i:]) + strconv.Itoa(row)
}

// cleanCell makes a cell's text fit on one line: tabs and line breaks
// become spaces, surrounding space is trimmed and invalid UTF-8 replaced.
func cleanCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "\t\r\n\v\f") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\r', '\n', '\v', '\f':
				return ' '
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// numberLike reports whether s reads as a number, percentage, amount, date
// or time rather than as words: a number strconv accepts, or at least one
// digit with only number punctuation around it.
func numberLike(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(".,-+/:%()$€£¥ \u00a0\u202f'", r):
		case unicode.Is(unicode.Sc, r): // other currency signs
		default:
			return false
		}
	}
	return digit
}
