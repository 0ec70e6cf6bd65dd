package answer

import (
	"regexp"
	"strconv"
	"strings"

	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/parse/tablerow"
)

// TableCell finds, in a table row statement written with the marks of
// package tablerow ("Capital spending — 2021: (4,625); 2020: (4,240)"),
// the cell that holds the figure question asks for. text starts at
// document offset base and row is the statement's span (document
// offsets); offsets outside text are clamped. It returns nil when row is
// no table row (no cell is "header: number") or no cell fits:
//
//   - a question naming periods ("FY2021", "fiscal 2021", "2021", "FY21")
//     gets the first cell whose header names one of them, and among those
//     the one whose header shares most of the question's words ("2021
//     Amount" over "2021 Shares" for "... amount ..."); none when no
//     header names them;
//   - a question naming no period gets the row's only cell, or the cell
//     whose header shares most of the question's words, when one does.
//
// The cell's Start/End cover its header and value as written, without the
// separator after it; its Label is that text.
func TableCell(question, text string, base int, row core.Span) *core.Cell {
	clamp := func(off int) int { return min(max(off-base, 0), len(text)) }
	lo, hi := clamp(row.Start), clamp(row.End)
	if hi <= lo {
		return nil
	}
	s := text[lo:hi]
	body := 0
	if i := strings.Index(s, tablerow.LabelMark); i >= 0 {
		body = i + len(tablerow.LabelMark)
	}
	type cell struct {
		start, end int // in s
		head       string
	}
	var cells []cell
	for at := body; at < len(s); {
		end := len(s)
		next := len(s)
		if i := strings.Index(s[at:], tablerow.CellMark); i >= 0 {
			end, next = at+i, at+i+len(tablerow.CellMark)
		}
		// Trailing white space (the row's tab and newline) is no part of
		// the cell.
		e := at + len(strings.TrimRight(s[at:end], " \t\r\n"))
		if c := s[at:e]; c != "" {
			if j := strings.LastIndex(c, tablerow.HeadMark); j > 0 && tablerow.Numeric(c[j+len(tablerow.HeadMark):]) {
				cells = append(cells, cell{start: at, end: e, head: c[:j]})
			} else if body == 0 {
				return nil // no label mark and a cell that is not "header: number": not a row
			}
		}
		at = next
	}
	if len(cells) == 0 {
		return nil
	}
	want := periods(question)
	qterms := map[string]bool{}
	for _, t := range index.Terms(question) {
		qterms[t] = true
	}
	best, bestScore := -1, 0
	for i, c := range cells {
		score := 0
		if len(want) > 0 {
			named := false
			for p := range periods(c.head) {
				if want[p] {
					named = true
				}
			}
			if !named {
				continue
			}
			score = 1
		}
		for _, t := range unique(index.Terms(c.head)) {
			if qterms[t] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 && len(want) == 0 && len(cells) == 1 {
		best = 0
	}
	if best < 0 {
		return nil
	}
	c := cells[best]
	return &core.Cell{Start: base + lo + c.start, End: base + lo + c.end, Label: s[c.start:c.end]}
}

// periodRE finds runs of digits, each with an "FY" before it if any:
// "2021", "FY2021", "FY21", "fiscal 2021".
var periodRE = regexp.MustCompile(`(?i)(FY'?)?(\d+)`)

// periods returns the years text names, as four digits.
func periods(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range periodRE.FindAllStringSubmatch(text, -1) {
		switch {
		case tablerow.IsYear(m[2]):
			out[m[2]] = true
		case m[1] != "" && len(m[2]) == 2:
			n, _ := strconv.Atoi(m[2])
			out[strconv.Itoa(2000+n)] = true
		}
	}
	return out
}

// cellOf returns the cell of a row statement whose value is at value
// (document offsets; text starts at base): the value with its column
// header before it, back to the cell mark, label mark or line start before
// the value ("2021: (4,625)" for "(4,625)"). Offsets are clamped; nil when
// value is empty after clamping.
func cellOf(text string, base int, value core.Span) *core.Cell {
	s, e := min(max(value.Start-base, 0), len(text)), min(max(value.End-base, 0), len(text))
	if e <= s {
		return nil
	}
	start := strings.LastIndexByte(text[:s], '\n') + 1
	for _, mark := range []string{tablerow.CellMark, tablerow.LabelMark} {
		if i := strings.LastIndex(text[start:s], mark); i >= 0 {
			start = max(start, start+i+len(mark))
		}
	}
	return &core.Cell{Start: base + start, End: base + e, Label: text[start:e]}
}

// MarkCell marks cell (document offsets) as "cell" inside the highlighted
// runs of segs, which cover text from document offset base. Only
// "highlight" and "answer" runs are split (the cell is the surer mark of
// the two where they meet), so a cell outside every highlight, or parts of
// it, stay as they were; a nil cell returns segs unchanged. The runs still
// join to the same text.
func MarkCell(segs []core.Segment, base int, cell *core.Cell) []core.Segment {
	if cell == nil || cell.End <= cell.Start {
		return segs
	}
	out := make([]core.Segment, 0, len(segs)+2)
	at := base
	for _, sg := range segs {
		start, end := at, at+len(sg.Text)
		at = end
		s, e := max(cell.Start, start), min(cell.End, end)
		if sg.Kind != "highlight" && sg.Kind != "answer" || e <= s {
			out = append(out, sg)
			continue
		}
		for _, part := range []core.Segment{
			{Text: sg.Text[:s-start], Kind: sg.Kind},
			{Text: sg.Text[s-start : e-start], Kind: "cell"},
			{Text: sg.Text[e-start:], Kind: sg.Kind},
		} {
			if part.Text == "" {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Kind == part.Kind {
				out[n-1].Text += part.Text
				continue
			}
			out = append(out, part)
		}
	}
	return out
}

// citeSegments sets c.Segments from its text, highlights, exact answer and
// table cell. A cell no longer inside a highlight is dropped.
func citeSegments(c *core.Citation) {
	if c.Cell != nil && !coveredBy(core.Span{Start: c.Cell.Start, End: c.Cell.End}, c.Highlights) {
		c.Cell = nil
	}
	c.Segments = MarkCell(Segments(c.Text, c.Start, core.Span{Start: c.Start, End: c.End}, c.Highlights, c.Answer), c.Start, c.Cell)
}

// markCells sets each citation's Cell: the cell that the question asks for
// in the first of picked (best first) that is a highlighted row of it.
func markCells(question string, cits []core.Citation, hits []core.Hit, picked []*sentence, number map[int]int) {
	for i := range cits {
		c := &cits[i]
		for _, s := range picked {
			if number[s.hit] != c.N {
				continue
			}
			h := hits[s.hit]
			if cell := TableCell(question, h.Text, h.Start, s.span); cell != nil {
				c.Cell = cell
				citeSegments(c)
				break
			}
		}
	}
}
