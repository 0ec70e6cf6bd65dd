// Package tablerow holds what the parsers share to write a table's body
// rows as statements that carry their row label and column headers:
//
//	Capital spending — 2021: (4,625); 2020: (4,240); 2019: (4,232)
//
// and to tell numeric cells from text. The PDF parser (which finds tables
// in its layout pass) and the Office parsers (whose tables have structure)
// write rows with the same marks, and end each row's line with a tab, the
// mark chunk.Sentences reads as a table row, so that each row is a
// sentence of its own.
package tablerow

import "strings"

// The marks written between a row's label and its cells, between cells,
// and between a column header and its cell.
const (
	LabelMark = " — "
	CellMark  = "; "
	HeadMark  = ": "
	// End ends every line of a table (before its newline).
	End = "\t"
)

// NumericWord reports whether s is one word of a number as tables write
// them — "1,577", "(1,577)", "$", "12.5%", "—", "n/a" — and whether it is
// only a currency sign or opening parenthesis that belongs to the number
// after it (prefix), or only a closing mark that belongs to the number
// before it (suffix).
func NumericWord(s string) (num, prefix, suffix bool) {
	switch s {
	case "$", "€", "£", "¥", "(", "($", "$(":
		return true, true, false
	case "%", ")", "%)", ")%", "*", "pts", "bps", "x":
		return true, false, true
	case "—", "–", "-", "−", "n/a", "N/A", "NA", "NM", "nm", "n/m", "N/M", "—%", "-%", "*)":
		return true, false, false
	}
	t := strings.TrimLeft(s, "$€£¥(+-−")
	t = strings.TrimRight(t, ")%*x")
	if t == "" {
		return false, false, false
	}
	digits := 0
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ',' || r == '.':
		default:
			return false, false, false
		}
	}
	return digits > 0, false, false
}

// Numeric reports whether text (a cell) is a number: every word numeric,
// at least one holding more than a sign.
func Numeric(text string) bool {
	f := strings.Fields(text)
	if len(f) == 0 {
		return false
	}
	value := false
	for _, w := range f {
		num, prefix, suffix := NumericWord(w)
		if !num {
			return false
		}
		if !prefix && !suffix {
			value = true
		}
	}
	return value
}

// IsYear reports whether s is a year such as "2021", as column headers
// often are.
func IsYear(s string) bool {
	if len(s) != 4 || !(strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20")) {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
