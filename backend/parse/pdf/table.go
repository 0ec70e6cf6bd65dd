package pdf

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/parse/tablerow"
)

// Table detection, in the page's reading frame, on the lines the layout
// pass produced. A table is a run of lines ending in numeric cells whose
// numbers line up in columns (their extents overlap from line to line),
// under one to four header lines whose words sit over those columns. Only
// tables with column headers are found: a run of numbers without them
// (a table of contents, a list of page numbers) is left as text. A header
// title with a ruling line under it (rules.go) heads every column the rule
// spans; it is kept in the rows only when the columns' own headers repeat
// ("Fiscal 2015 Stores Opened", "Fiscal 2016 Stores Opened").
//
// A table's body rows are written as statements that carry their row
// label and column headers (pageWriter.row, in the marks of package
// tablerow): the header words repeated into
// a row keep the header cells' rectangles, and the cells' words their own,
// so a citation of a row highlights its label, its cells and the headers
// over them. Header lines and label-only lines are written as they are.
// Every line of a table ends with a tab, the mark chunk.Sentences reads as
// a table row, so each row is a sentence of its own.

// Table tuning, in em.
const (
	// tableLineGap is the widest baseline-to-baseline gap inside a table.
	tableLineGap = 3.5
	// tableHeadPad widens a column when matching header words to it.
	tableHeadPad = 1.5
	// maxHeadLines and maxLabelLines bound the header lines over a table
	// and the label-only lines between two rows.
	maxHeadLines  = 4
	maxLabelLines = 3
)

// tline is one line of the page as table detection sees it.
type tline struct {
	words  []*word
	seg    []int // segment index of each word
	y, em  float64
	x0, x1 float64
	// label are the words before the trailing numeric cells.
	label []*word
	cells []tcell
	years bool // every cell is a year: a header line, not a body row
}

// tcell is one numeric cell of a line: its words (a currency sign, the
// number, a percent sign) and the extent of its number.
type tcell struct {
	words  []*word
	x0, x1 float64
	col    int
}

// Line roles inside a table.
const (
	roleNone = iota
	roleHead
	roleText // a label-only line between rows, such as a section heading
	roleRow
	roleJoined // a wrapped label written with the row below it
)

// table is one table found on the page.
type table struct {
	first, last int          // its lines, [first, last]
	body        int          // its first line after the header lines
	cols        [][2]float64 // column extents, left to right
	heads       [][]*word    // header words of each column
	firstHead   int          // the first headed column; cells left of it join the label
}

// cellSpan is a byte range of the page text written from a table:
// table, row and column are 1-based; col 0 is a whole header line.
type cellSpan struct {
	start, end      int
	table, row, col int
}

// tableLines prepares lines for table detection: a line's trailing
// segments made only of numeric words are its cells.
func tableLines(lines [][]*segment) []tline {
	out := make([]tline, len(lines))
	for i, line := range lines {
		l := &out[i]
		l.x0, l.x1 = math.Inf(1), math.Inf(-1)
		for si, s := range line {
			for _, w := range s.words {
				l.words = append(l.words, w)
				l.seg = append(l.seg, si)
			}
			l.em = math.Max(l.em, s.em)
			l.x0, l.x1 = math.Min(l.x0, s.x0), math.Max(l.x1, s.x1)
		}
		if len(line) > 0 {
			l.y = line[0].y
		}
		// The trailing segments made of numbers are the cells (all of
		// them on a line without a label).
		cut := len(line)
		for cut > 0 {
			ok := true
			for _, w := range line[cut-1].words {
				if num, _, _ := tablerow.NumericWord(w.text); !num {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
			cut--
		}
		n := 0
		for _, s := range line[:cut] {
			n += len(s.words)
		}
		l.label = l.words[:n]
		cur := -1
		for _, w := range l.words[n:] {
			_, prefix, suffix := tablerow.NumericWord(w.text)
			switch {
			case suffix && cur >= 0:
				l.cells[cur].words = append(l.cells[cur].words, w)
			case cur >= 0 && isPrefixOnly(&l.cells[cur]):
				c := &l.cells[cur]
				c.words = append(c.words, w)
				if !prefix {
					c.x0, c.x1 = w.x0, w.x1
				}
			default:
				l.cells = append(l.cells, tcell{words: []*word{w}, x0: w.x0, x1: w.x1})
				cur = len(l.cells) - 1
			}
		}
		// A currency sign set close to the label belongs to the first cell.
		for len(l.cells) > 0 && len(l.label) > 1 {
			w := l.label[len(l.label)-1]
			if _, prefix, _ := tablerow.NumericWord(w.text); !prefix {
				break
			}
			l.label = l.label[:len(l.label)-1]
			l.cells[0].words = append([]*word{w}, l.cells[0].words...)
		}
		if len(l.cells) > 0 {
			l.years = true
			for _, c := range l.cells {
				if len(c.words) != 1 || !tablerow.IsYear(c.words[0].text) {
					l.years = false
				}
			}
			if l.years && len(l.cells) < 2 && len(l.label) > 0 {
				l.years = false
			}
		}
	}
	return out
}

// isPrefixOnly reports whether c holds only currency signs so far.
func isPrefixOnly(c *tcell) bool {
	for _, w := range c.words {
		if _, prefix, _ := tablerow.NumericWord(w.text); !prefix {
			return false
		}
	}
	return true
}

// follows reports whether line b can follow line a inside one table: below
// it, and not far below.
func follows(a, b *tline) bool {
	em := math.Max(a.em, b.em)
	return b.y < a.y && a.y-b.y <= tableLineGap*em
}

// headAbove reports whether header line a can sit over line b: above it,
// not far, or on the same baseline (a title the reading order put on a line
// of its own, beside another).
func headAbove(a, b *tline) bool {
	em := math.Max(a.em, b.em)
	return a.y-b.y > -0.2*em && a.y-b.y <= tableLineGap*em
}

// findTables finds the tables among lines and returns them with the role of
// every line.
func findTables(ls []tline, rules []rect) ([]table, []int) {
	roles := make([]int, len(ls))
	var tables []table
	for i := 0; i < len(ls); {
		if len(ls[i].cells) == 0 || ls[i].years {
			i++
			continue
		}
		// The run of rows: numeric lines, and a few label-only lines left
		// of the numbers between them.
		last, texts := i, 0
		left := ls[i].cells[0].x0
		for k := i + 1; k < len(ls) && follows(&ls[k-1], &ls[k]); k++ {
			l := &ls[k]
			if len(l.cells) > 0 && !l.years {
				last, texts = k, 0
				left = math.Min(left, l.cells[0].x0)
				continue
			}
			if len(l.cells) == 0 && texts < maxLabelLines && l.x1 < left-0.5*l.em {
				texts++
				continue
			}
			break
		}
		t, ok := buildTable(ls, i, last, rules)
		if ok && len(tables) > 0 && t.first <= tables[len(tables)-1].last {
			ok = false // its header would reach into the table above
		}
		if !ok {
			i = last + 1
			continue
		}
		for k := t.first; k <= t.last; k++ {
			switch {
			case k < t.body:
				roles[k] = roleHead
			case len(ls[k].cells) > 0:
				roles[k] = roleRow
			default:
				roles[k] = roleText
			}
		}
		// Wrapped labels: label-only lines whose row continues on the
		// next line.
		for k := t.last - 1; k >= t.body; k-- {
			if roles[k] == roleText && (roles[k+1] == roleRow || roles[k+1] == roleJoined) && wraps(&ls[k], &ls[k+1], t.cols[0][0]) {
				roles[k] = roleJoined
			}
		}
		tables = append(tables, t)
		i = t.last + 1
	}
	return tables, roles
}

// wraps reports whether label-only line a continues on row b, whose
// cells start at area: b has no label, or its label starts in lower case,
// or a does not end a heading (":"), runs across most of the label column
// and b is indented under it.
func wraps(a, b *tline, area float64) bool {
	if len(a.words) == 0 {
		return false
	}
	if len(b.label) == 0 {
		return true // the numbers of a label on the line above
	}
	r, _ := utf8.DecodeRuneInString(b.label[0].text)
	if unicode.IsLower(r) {
		return true
	}
	end := a.words[len(a.words)-1].text
	return !strings.HasSuffix(end, ":") && b.label[0].x0 > a.x0+0.5*a.em && a.x1-a.x0 >= 0.7*(area-a.x0)
}

// buildTable checks the rows [first, last] for aligned columns and looks
// for their header lines above.
func buildTable(ls []tline, first, last int, rules []rect) (table, bool) {
	rows := 0
	var anchors [][2]float64
	for k := first; k <= last; k++ {
		if len(ls[k].cells) > 0 {
			rows++
			for _, c := range ls[k].cells {
				anchors = append(anchors, [2]float64{c.x0, c.x1})
			}
		}
	}
	if rows < 2 {
		return table{}, false
	}
	// Columns: the numbers' extents that overlap, merged.
	sort.Slice(anchors, func(a, b int) bool { return anchors[a][0] < anchors[b][0] })
	var cols [][2]float64
	for _, a := range anchors {
		if n := len(cols); n > 0 && a[0] <= cols[n-1][1] {
			cols[n-1][1] = math.Max(cols[n-1][1], a[1])
			continue
		}
		cols = append(cols, a)
	}
	colOf := func(c tcell) int {
		mid := (c.x0 + c.x1) / 2
		for j, col := range cols {
			if mid >= col[0] && mid <= col[1] {
				return j
			}
		}
		return -1
	}
	count := make([]int, len(cols))
	for k := first; k <= last; k++ {
		for ci := range ls[k].cells {
			c := &ls[k].cells[ci]
			c.col = colOf(*c)
			if c.col >= 0 {
				count[c.col]++
			}
		}
	}
	// Trailing lines whose numbers line up with nothing (a page number)
	// end the table before them.
	for last > first {
		l := &ls[last]
		lone := true
		for _, c := range l.cells {
			if c.col >= 0 && count[c.col] >= 2 {
				lone = false
			}
		}
		if len(l.cells) > 0 && !lone {
			break
		}
		last--
	}
	aligned := false
	for _, n := range count {
		if n >= 2 {
			aligned = true
		}
	}
	if !aligned || first == last {
		return table{}, false
	}
	// Columns inside the labels' margin (years or numbers used as row
	// labels) join the labels; the header extent of the others reaches
	// their currency signs.
	labelLeft, em := math.Inf(1), 0.0
	for k := first; k <= last; k++ {
		if l := &ls[k]; len(l.label) > 0 {
			labelLeft = math.Min(labelLeft, l.label[0].x0)
		}
		em = math.Max(em, ls[k].em)
	}
	if math.IsInf(labelLeft, 1) {
		labelLeft = cols[0][0] - 10*em // no labels: numbers only
	}
	labelCols := 0
	for labelCols < len(cols)-1 && cols[labelCols][0] <= labelLeft+em {
		labelCols++
	}
	hcols := append([][2]float64(nil), cols...)
	for k := first; k <= last; k++ {
		for _, c := range ls[k].cells {
			if c.col < 0 {
				continue
			}
			if x := c.words[0].x0; x < c.x0 && c.x0-x <= 4*em {
				hcols[c.col][0] = math.Min(hcols[c.col][0], x)
			}
			hcols[c.col][1] = math.Max(hcols[c.col][1], c.words[len(c.words)-1].x1)
		}
	}
	for j := range hcols[:labelCols] {
		hcols[j] = [2]float64{math.Inf(-1), math.Inf(-1)} // heads nothing
	}
	area := math.Min(cols[labelCols][0], hcols[labelCols][0])
	// Header lines: above the first row, past at most a few label-only
	// lines, lines whose words right of the labels sit over the columns.
	k := first - 1
	for n := 0; k >= 0 && n < maxLabelLines && len(ls[k].cells) == 0 && follows(&ls[k], &ls[k+1]) && ls[k].x1 < area-0.5*ls[k].em; n++ {
		k--
	}
	body := k + 1
	top := body
	heads := make([][]*word, len(cols))
	own := make([][]*word, len(cols)) // without titles spanning columns
	headLines := 0
	for ; k >= 0 && headLines < maxHeadLines && headAbove(&ls[k], &ls[k+1]); k-- {
		l := &ls[k]
		if len(l.cells) > 0 && !l.years {
			break
		}
		got, spanned, ok := headWords(l, hcols[labelCols:], labelLeft, area, rules)
		if !ok {
			break
		}
		for j := range got {
			heads[labelCols+j] = append(got[j], heads[labelCols+j]...)
			if !spanned[j] {
				own[labelCols+j] = append(got[j], own[labelCols+j]...)
			}
		}
		headLines++
		top = k
	}
	if headLines == 0 {
		return table{}, false
	}
	if distinctHeads(own) {
		// The columns' own headers tell them apart: leave out the
		// titles over several ("Year Ended December 31,").
		heads = own
	}
	firstHead := -1
	for j := range heads {
		if len(heads[j]) > 0 {
			firstHead = j
			break
		}
	}
	if firstHead < 0 {
		return table{}, false
	}
	return table{first: top, body: body, last: last, cols: cols, heads: heads, firstHead: firstHead}, true
}

// hseg is a segment of a header line.
type hseg struct {
	words  []*word
	x0, x1 float64
}

func segs2spans(segs []hseg) [][2]float64 {
	out := make([][2]float64, len(segs))
	for i, s := range segs {
		out[i] = [2]float64{s.x0, s.x1}
	}
	return out
}

// ruledColumns returns the columns that the rule under header segment si
// of line l spans: the nearest horizontal rule below the segment's baseline
// (within 2.5 em, so a rule under the next header line counts) that lies
// under it, right of left, and under no other segment of the line.
func ruledColumns(l *tline, segs [][2]float64, si int, cols [][2]float64, left float64, rules []rect) []int {
	s := segs[si]
	best := -1
	for i, r := range rules {
		if r.y1 > l.y+0.3*l.em || r.y0 < l.y-2.5*l.em || r.x0 > s[0]+l.em || r.x1 < s[1]-l.em || r.x0 < left {
			continue
		}
		alone := true
		for sj, o := range segs {
			if sj != si && o[1] > r.x0 && o[0] < r.x1 {
				alone = false
			}
		}
		if alone && (best < 0 || r.y0 > rules[best].y0) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	r := rules[best]
	var out []int
	for j, c := range cols {
		if mid := (c[0] + c[1]) / 2; mid >= r.x0-0.5*l.em && mid <= r.x1+0.5*l.em {
			out = append(out, j)
		}
	}
	return out
}

// headWords returns, for each column, the words of a header line that sit
// over it alone. A header segment over several columns, or a line whose
// segments are over only one of several columns, spans them: it heads no
// column of its own. ok is false when l is not a header line: some segment
// starts in the left half of the labels' margin (labelLeft to area) and
// reaches the columns, or lies beyond them.
func headWords(l *tline, cols [][2]float64, labelLeft, area float64, rules []rect) (got [][]*word, spanned []bool, ok bool) {
	got = make([][]*word, len(cols))
	spanned = make([]bool, len(cols))
	pad := tableHeadPad * l.em
	var segs []hseg
	for i, w := range l.words {
		if i == 0 || l.seg[i] != l.seg[i-1] {
			segs = append(segs, hseg{x0: w.x0})
		}
		s := &segs[len(segs)-1]
		s.words = append(s.words, w)
		s.x1 = w.x1
	}
	found, spans := 0, 0
	ruled := false
	for si, s := range segs {
		if s.x1 < area-pad {
			continue // a label, such as "(in millions)"
		}
		if s.x0 < (labelLeft+area)/2 || s.x0 > cols[len(cols)-1][1]+2*l.em {
			return nil, nil, false // a text line running into the columns
		}
		if text := wordsText(s.words); tablerow.Numeric(text) && !tablerow.IsYear(text) {
			return nil, nil, false // a row of figures, not a header
		}
		// A rule under the segment alone, over some columns: it heads
		// all of them.
		if js := ruledColumns(l, segs2spans(segs), si, cols, (labelLeft+area)/2, rules); len(js) > 0 {
			for _, j := range js {
				if got[j] == nil {
					got[j] = s.words
					spanned[j] = len(js) > 1
				}
			}
			found++
			ruled = true
			continue
		}
		// The column under the segment, or else the nearest within pad.
		over, n, near := -1, 0, pad
		for j, c := range cols {
			if s.x1 > c[0] && s.x0 < c[1] {
				over = j
				n++
			}
		}
		if n == 0 {
			for j, c := range cols {
				if gap := math.Max(c[0]-s.x1, s.x0-c[1]); gap <= near {
					over, near = j, gap
				}
			}
			if over >= 0 {
				n = 1
			}
		}
		if n == 1 && got[over] == nil {
			got[over] = s.words
			found++
		} else {
			spans++
		}
	}
	if found == 0 && spans == 0 {
		return nil, nil, false
	}
	if found == 1 && len(cols) > 1 && spans+found == 1 && !ruled {
		// One segment over one of several columns: a title over them.
		return make([][]*word, len(cols)), spanned, true
	}
	return got, spanned, true
}

func wordsText(ws []*word) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	return b.String()
}

// distinctHeads reports whether the columns with a header all have
// different ones.
func distinctHeads(heads [][]*word) bool {
	seen := map[string]bool{}
	for _, h := range heads {
		if len(h) == 0 {
			continue
		}
		t := wordsText(h)
		if seen[t] {
			return false
		}
		seen[t] = true
	}
	return len(seen) > 0
}
