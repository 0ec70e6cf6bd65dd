package answer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/index/lineitem"
	"folio/backend/parse/tablerow"
)

// Lookup searches one document (by path) for each query and returns, per
// query, its best k passages, best first: the engine's keyword search
// restricted to the file. The composer uses it to find the table rows a
// computed answer needs that the question's own passages lack.
type Lookup func(ctx context.Context, queries []string, path string, k int) ([][]core.Hit, error)

// lookupPassages is how many passages one operand's lookup reads.
const lookupPassages = 12

// computed is a metric worked out from table rows: the answer's lead line
// and the passages it cites, in citation order, with the rows and cells
// used in each.
type computed struct {
	line  string
	cites []operandCite
	// missing names the operands that were not found, "" when none.
	missing string
}

// operandCite is one cited passage of a computed answer.
type operandCite struct {
	hit   core.Hit
	rows  []core.Span // document offsets of the rows used
	cells []core.Span // ... and of their cells
}

// tableRow is one table row statement of a passage ("Capital spending —
// 2021: (4,625); 2020: (4,240)"), as package tablerow writes them.
type tableRow struct {
	hit   int // index of its passage in the pool
	label string
	norm  string // label normalised, footnote marks and trailing notes dropped
	span  core.Span
	cells []tableCell
}

// tableCell is one cell of a row: its column header, its text as written,
// its value and its document offsets.
type tableCell struct {
	head  string
	text  string
	value float64
	ok    bool // the text is a number
	span  core.Span
}

// rowsOf reads the table rows of a passage that starts at document offset
// h.Start, one a line. A line of a label and as many bare numbers as the
// row above it has cells ("Total current liabilities..... 2,213,556
// 2,494,435", in a table whose second half lost its header) takes that
// row's column headers. Rows whose label or cells do not parse are
// skipped.
func rowsOf(hi int, h core.Hit) []tableRow {
	var out []tableRow
	var heads, pending []string
	section := "" // the last label-only line ("Revenues", "Current assets:")
	for ls := 0; ls < len(h.Text); {
		le := strings.IndexByte(h.Text[ls:], '\n')
		if le < 0 {
			le = len(h.Text)
		} else {
			le += ls
		}
		line := h.Text[ls:le]
		base := h.Start + ls
		ls = le + 1
		trimmed := strings.TrimRight(line, " \t\r")
		if ys := headerYears(trimmed); len(ys) > 0 {
			pending = append(pending, ys...)
			continue
		}
		if len(pending) >= 2 {
			heads = pending
		}
		pending = nil
		li := strings.Index(trimmed, tablerow.LabelMark)
		if li > 0 && !strings.Contains(trimmed[li:], tablerow.HeadMark) {
			li = -1 // "Debt........ — 603,229": a dash cell, not the label mark
		}
		if li <= 0 {
			if section != "" && unlabelledRE.MatchString(trimmed) {
				// A total the parser wrote without its (blank) label:
				// the total of the section above ("Revenues").
				r := tableRow{hit: hi, label: "Total " + strings.ToLower(section), norm: rowLabel("total " + section), span: core.Span{Start: base, End: base + len(trimmed)}}
				r.cells = cellsOf(trimmed, 0, base)
				out = append(out, r)
				section = ""
				continue
			}
			if r, ok := headless(hi, trimmed, base, heads); ok {
				out = append(out, r)
			} else if sectionRE.MatchString(trimmed) {
				section = strings.TrimRight(strings.TrimSpace(trimmed), ":")
			}
			continue
		}
		label := strings.TrimSpace(trimmed[:li])
		r := tableRow{hit: hi, label: cleanLabel(label), norm: rowLabel(label), span: core.Span{Start: base, End: base + len(trimmed)}}
		r.cells = cellsOf(trimmed, li+len(tablerow.LabelMark), base)
		if r.norm != "" && len(r.cells) > 0 {
			out = append(out, r)
			heads = nil
			for _, c := range r.cells {
				heads = append(heads, c.head)
			}
		}
	}
	return out
}

// cellsOf reads the cells of a row statement from byte at of line (whose
// document offset is base): "head: value" pieces between CellMarks.
func cellsOf(line string, at, base int) []tableCell {
	var cells []tableCell
	for at < len(line) {
		end := strings.Index(line[at:], tablerow.CellMark)
		if end < 0 {
			end = len(line)
		} else {
			end += at
		}
		cell := line[at:end]
		c := tableCell{text: strings.TrimSpace(cell)}
		off := at
		if hm := strings.LastIndex(cell, tablerow.HeadMark); hm >= 0 {
			c.head = strings.TrimSpace(cell[:hm])
			c.text = strings.TrimSpace(cell[hm+len(tablerow.HeadMark):])
			off = at + hm + len(tablerow.HeadMark)
		}
		if i := strings.Index(line[off:end], c.text); i >= 0 && c.text != "" {
			off += i
		}
		c.span = core.Span{Start: base + off, End: base + off + len(c.text)}
		c.value, c.ok = cellValue(c.text)
		cells = append(cells, c)
		at = end + len(tablerow.CellMark)
	}
	return cells
}

var (
	// unlabelledRE is a row of cells alone: "2020: $ 5,162,082; 2019: …".
	unlabelledRE = regexp.MustCompile(`^(?:19|20)\d\d: \$?\s?\(?\d[\d,.]*\)?; `)
	// sectionRE is a label-only line: a few words, no digits.
	sectionRE = regexp.MustCompile(`^[A-Za-z][A-Za-z ,'’&-]{2,60}:?$`)
)

// headerYears returns the years of a line that holds only column
// headers of dates ("2022 2021", "December 31, 2022", "May 31, 2020 May
// 26, 2019"): at least one year, no other number above 31, at most eight
// words besides; nil otherwise.
func headerYears(line string) []string {
	ys := yearWordRE.FindAllString(line, -1)
	if len(ys) == 0 || len(ys) > 6 {
		return nil
	}
	rest := yearWordRE.ReplaceAllString(line, " ")
	words := 0
	for _, w := range strings.Fields(rest) {
		w = strings.Trim(w, ",.:;()")
		if w == "" {
			continue
		}
		if n, err := strconv.Atoi(w); err == nil {
			if n > 31 {
				return nil
			}
			continue
		}
		if strings.ContainsAny(w, "0123456789$%") {
			return nil
		}
		words++
	}
	if words > 8 {
		return nil
	}
	return ys
}

// headlessRE is a line of a label and trailing numbers: "Total current
// liabilities......... 2,213,556 2,494,435", "Trade payables.... $ 93,307 $ 68,377".
var headlessRE = regexp.MustCompile(`^([A-Za-z][^\d$()]*?[A-Za-z):])[\s.]*((?:\s*(?:\$\s?)?(?:\(?\d[\d,]*(?:\.\d+)?\)?|—|–))+)$`)

var headlessCell = regexp.MustCompile(`(?:\$\s?)?(?:\(?\d[\d,]*(?:\.\d+)?\)?|—|–)`)

// headless reads a line of a label and bare numbers as a row under heads,
// when it has as many numbers as heads.
func headless(hi int, line string, base int, heads []string) (tableRow, bool) {
	if len(heads) == 0 {
		return tableRow{}, false
	}
	m := headlessRE.FindStringSubmatchIndex(line)
	if m == nil {
		return tableRow{}, false
	}
	cells := headlessCell.FindAllStringIndex(line[m[4]:m[5]], -1)
	if len(cells) != len(heads) {
		return tableRow{}, false
	}
	label := line[m[2]:m[3]]
	r := tableRow{hit: hi, label: cleanLabel(label), norm: rowLabel(label), span: core.Span{Start: base, End: base + len(line)}}
	for i, c := range cells {
		s, e := m[4]+c[0], m[4]+c[1]
		text := line[s:e]
		v, ok := cellValue(text)
		r.cells = append(r.cells, tableCell{head: heads[i], text: text, value: v, ok: ok, span: core.Span{Start: base + s, End: base + e}})
	}
	return r, r.norm != ""
}

// cleanLabel is a row label as shown: dot leaders and spaces trimmed.
func cleanLabel(label string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(label), ". "))
}

var trailingNote = regexp.MustCompile(`\s*(\([^()]*\)|\[[^\]]*\]|\*+)\s*$`)

// rowLabel normalises a row label for matching: trailing notes such as
// "(1)", "(a)" or "(PP&E)" and a trailing colon dropped.
func rowLabel(label string) string {
	label = strings.TrimRight(strings.TrimSpace(label), ":")
	for {
		l := trailingNote.ReplaceAllString(label, "")
		if l == label || l == "" {
			break
		}
		label = l
	}
	return lineitem.Normalize(label)
}

// cellValue reads a cell as tables write numbers: "$ 1,577.0", "(4,625)"
// (negative), "12.5 %", "-3". Dashes and words are not numbers.
func cellValue(s string) (float64, bool) {
	neg := strings.Contains(s, "(") || strings.HasPrefix(strings.TrimLeft(s, "$€£¥ "), "-") || strings.HasPrefix(strings.TrimLeft(s, "$€£¥ "), "−")
	t := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9' || r == '.':
			return r
		case r == ',' || r == '$' || r == '€' || r == '£' || r == '¥' || r == ' ' || r == '(' || r == ')' || r == '%' || r == '-' || r == '−' || r == '*':
			return -1
		}
		return 'x'
	}, s)
	if t == "" || strings.ContainsRune(t, 'x') {
		return 0, false
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// yearsOf returns the distinct years a column header names.
func yearsOf(head string) []int {
	var out []int
	for _, m := range yearWordRE.FindAllString(head, -1) {
		y := atoi(m)
		if len(out) == 0 || out[len(out)-1] != y {
			out = append(out, y)
		}
	}
	return out
}

var yearWordRE = regexp.MustCompile(`\b(?:19|20)\d\d\b`)

// labelScore is how well a row label names an operand: 3 when it is one
// of the item's names (or the operand's own words), 2 when it starts with
// one, 1 when it holds one of two words or more; less a little for every
// word the label adds, so the plainest row wins. 0 when it names none.
func labelScore(norm string, op *expr) float64 {
	names := []string{op.label}
	if op.item != nil {
		names = append(op.item.Names, op.label)
	}
	best := 0.0
	for _, n := range names {
		if n == "" {
			continue
		}
		s := 0.0
		switch {
		case norm == n:
			s = 3
		case strings.HasPrefix(norm, n+" "):
			s = 2
		case strings.HasSuffix(norm, " "+n) && qualifier(strings.TrimSuffix(norm, " "+n)):
			s = 1
		}
		if s > 0 {
			s -= 0.02 * float64(len(strings.Fields(norm))-len(strings.Fields(n)))
		}
		best = math.Max(best, s)
	}
	// A row of another item that holds this one's name ("deferred
	// revenue", "total current assets" for "current assets") is not it.
	if best > 0 && best < 3 && op.item != nil {
		if it := lineitem.Lookup(norm); it != nil && it != op.item {
			return 0
		}
		for _, m := range lineitem.Find(norm) {
			if m.Item != op.item && len(m.Name) > len(op.label) && strings.Contains(m.Name, " ") {
				return 0
			}
		}
	}
	return best
}

// qualifier reports whether words before an item's name in a row label
// only qualify it ("total", "net", "consolidated"): "Total net sales" is
// net sales, "Prepaid expenses and other current assets" is not current
// assets.
func qualifier(words string) bool {
	for _, w := range strings.Fields(words) {
		switch w {
		case "total", "net", "consolidated", "reported":
		default:
			return false
		}
	}
	return true
}

// statementTitles are the titles of the statement an item is usually
// found in (lineitem.Item.Statement), lower case.
var statementTitles = map[string][]string{
	"cash flows":    {"statement of cash flows", "statements of cash flows", "statement of consolidated cash flows", "statements of consolidated cash flows"},
	"balance sheet": {"balance sheet", "statement of financial position", "statements of financial position", "statement of financial condition", "statements of financial condition"},
	"income":        {"statements of income", "statement of income", "statements of operations", "statement of operations", "statements of earnings", "statement of earnings", "income statement", "statements of consolidated income", "statement of consolidated income"},
}

// titleHead is how far into a page its title is looked for.
const titleHead = 400

// inStatement is how surely a passage is the statement an operand's item
// belongs to: 0.5 when the statement's title opens it (within titleHead
// bytes, as a page of the statement starts), 0 otherwise (a note that
// mentions "the consolidated statements of operations" is not one).
func inStatement(text string, op *expr) float64 {
	if op.item == nil || op.item.Statement == "" {
		return 0
	}
	lt := strings.ToLower(text[:min(len(text), titleHead)])
	for _, w := range statementTitles[op.item.Statement] {
		if strings.Contains(lt, w) {
			return 0.5
		}
	}
	return 0
}

// found is an operand's value: the row and cell it was read from.
type found struct {
	row   *tableRow
	cell  *tableCell
	val   float64 // in units: the cell's value times scale
	scale float64 // the unit of the row's table (tableScale)
}

// findOperand picks the row and cell that best give op: the best label
// match, then a passage of the item's statement, then the earliest
// passage; the cell is the first whose header names op's year alone.
func findOperand(rows []tableRow, pool []core.Hit, op *expr) *found {
	var best *found
	bestScore := 0.0
	for i := range rows {
		r := &rows[i]
		s := labelScore(r.norm, op)
		if s <= 0 {
			continue
		}
		var cell *tableCell
		for j := range r.cells {
			c := &r.cells[j]
			if ys := yearsOf(c.head); c.ok && len(ys) == 1 && ys[0] == op.year && !strings.Contains(c.head, "%") && !strings.Contains(strings.ToLower(c.head), "percent") && !strings.Contains(strings.ToLower(c.head), "change") {
				cell = c
				break
			}
		}
		if cell == nil {
			cell = inferredCell(r, op.year)
		}
		if cell == nil {
			continue
		}
		s += inStatement(pool[r.hit].Text, op)
		if s > bestScore || s == bestScore && best != nil && r.span.Start < best.row.span.Start {
			v := cell.value
			if op.item != nil && op.item.Outflow {
				v = math.Abs(v)
			}
			h := pool[r.hit]
			scale := tableScale(h.Text[:max(0, min(r.span.Start-h.Start, len(h.Text)))])
			best, bestScore = &found{row: r, cell: cell, val: v * scale, scale: scale}, s
		}
	}
	return best
}

// inferredCell finds year's cell in a row whose headers name only some
// years ("December 26," "December 27," "December 28, 2013", a header the
// page split): annual columns are consecutive years, latest first, so a
// cell k places before the one headed Y is Y+k. nil when no header names
// a year.
func inferredCell(r *tableRow, year int) *tableCell {
	for k := range r.cells {
		ys := yearsOf(r.cells[k].head)
		if len(ys) != 1 {
			continue
		}
		i := k - (year - ys[0])
		if i >= 0 && i < len(r.cells) && i != k && r.cells[i].ok && len(yearsOf(r.cells[i].head)) == 0 {
			return &r.cells[i]
		}
		return nil
	}
	return nil
}

// tableScale is the unit the amounts after text are stated in, from the
// last of its words that says so ("(In thousands, except par value)",
// "in millions"); 1e6 when none does, as filings' statements mostly are.
func tableScale(text string) float64 {
	ms := scaleRE.FindAllStringSubmatch(strings.ToLower(text), -1)
	if ms == nil {
		return 1e6
	}
	switch ms[len(ms)-1][1] {
	case "thousands":
		return 1e3
	case "billions":
		return 1e9
	}
	return 1e6
}

var scaleRE = regexp.MustCompile(`in (millions|thousands|billions)`)

// targetDoc picks the document a question is about among the hits': the
// one whose name shares the most words with the question (company, year,
// form), the earliest ranked of equals. "" when there are no hits.
func targetDoc(question string, hits []core.Hit) string {
	q := map[string]bool{}
	for _, t := range index.Terms(question) {
		q[t] = true
	}
	for _, y := range yearRE.FindAllStringSubmatch(question, -1) {
		q[y[1]] = true
	}
	best, bestN := "", -1
	for _, h := range hits {
		n := 0
		for _, t := range unique(index.Terms(strings.NewReplacer("_", " ", "-", " ").Replace(docName(h.Path)))) {
			if q[t] {
				n++
			}
		}
		if n > bestN {
			best, bestN = h.Path, n
		}
	}
	return best
}

// compute works out the metric a question asks for (parseMetric) from the
// table rows of the question's filing: the hits of that document, and
// what lookup finds in it for each operand. nil when the question asks for
// no metric.
func (c *Composer) compute(ctx context.Context, question string, hits []core.Hit) (*computed, error) {
	m := parseMetric(question)
	if m == nil || len(hits) == 0 {
		return nil, nil
	}
	path := targetDoc(question, hits)
	var pool []core.Hit
	seen := map[[2]int]bool{}
	add := func(h core.Hit) {
		k := [2]int{h.Start, h.End}
		if h.Path != path || seen[k] {
			return
		}
		seen[k] = true
		pool = append(pool, h)
	}
	for _, h := range hits {
		add(h)
	}
	ops := m.expr.operands()
	if c.Lookup != nil {
		var queries []string
		asked := map[string]bool{}
		for _, op := range ops {
			q := op.label
			if op.item != nil {
				q = strings.Join(op.item.Names[:min(8, len(op.item.Names))], " ")
				if w := statementTitles[op.item.Statement]; len(w) > 0 {
					q += " " + w[0]
				}
			}
			q += " " + strconv.Itoa(op.year)
			if !asked[q] {
				asked[q] = true
				queries = append(queries, q)
			}
		}
		res, err := c.Lookup(ctx, queries, path, lookupPassages)
		if err != nil {
			return nil, fmt.Errorf("look up the operands of %s: %w", m.name, err)
		}
		for _, hs := range res {
			for _, h := range hs {
				add(h)
			}
		}
	}
	var rows []tableRow
	for i, h := range pool {
		rows = append(rows, rowsOf(i, h)...)
	}
	vals := map[string]*found{}
	var missing []string
	for _, op := range ops {
		f := findOperand(rows, pool, op)
		if f == nil {
			missing = append(missing, fmt.Sprintf("%s (%d)", opName(op), op.year))
			continue
		}
		vals[op.key()] = f
	}
	if len(missing) == len(ops) {
		return nil, nil // no table holds any of it: not a question about one
	}
	if len(missing) > 0 {
		return &computed{missing: strings.Join(missing, ", ")}, nil
	}
	v, ok := m.expr.eval(func(e *expr) (float64, bool) { return vals[e.key()].val, true })
	if !ok {
		return &computed{missing: "a value the formula can use (it divides by zero)"}, nil
	}
	// Cite each operand's passage, in the order the formula uses them.
	out := &computed{}
	number := map[int]int{} // pool index → citation number
	for _, op := range ops {
		f := vals[op.key()]
		n, ok := number[f.row.hit]
		if !ok {
			out.cites = append(out.cites, operandCite{hit: pool[f.row.hit]})
			n = len(out.cites)
			number[f.row.hit] = n
		}
		oc := &out.cites[n-1]
		if !containsSpan(oc.rows, f.row.span) {
			oc.rows = append(oc.rows, f.row.span)
		}
		oc.cells = append(oc.cells, f.cell.span)
	}
	result := v
	unit := ""
	if m.percent {
		result *= 100
	} else if m.amount {
		to := m.scale
		if to == 0 {
			to = vals[ops[0].key()].scale
		}
		result /= to
		unit = " " + scaleName(to)
	}
	res := formatNumber(result, m.decimals)
	if m.percent {
		res += "%"
	}
	working := m.expr.format(func(e *expr) string {
		f := vals[e.key()]
		return fmt.Sprintf("(%s, %s %s [%d])", f.row.label, cellYear(f.cell.head, e.year), f.cell.text, number[f.row.hit])
	})
	if m.percent && m.expr.op != 'a' {
		working = "(" + working + ") × 100"
	}
	out.line = fmt.Sprintf("%s%s = %s", res, unit, working)
	return out, nil
}

// opName is an operand's name for a person.
func opName(op *expr) string {
	if op.item != nil && strings.Contains(op.label, op.item.Name()) {
		return op.item.Name()
	}
	return op.label
}

// cellYear is how an operand's column is shown: its header when short,
// else its year.
func cellYear(head string, year int) string {
	if len(head) > 0 && len(head) <= 24 && len(yearsOf(head)) > 0 {
		return head + ":"
	}
	return strconv.Itoa(year) + ":"
}

func scaleName(s float64) string {
	switch s {
	case 1e3:
		return "thousand"
	case 1e9:
		return "billion"
	}
	return "million"
}

// formatNumber writes v to decimals places with grouping commas.
func formatNumber(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	s := strconv.FormatFloat(math.Round(math.Abs(v)*p)/p, 'f', decimals, 64)
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + frac
	if v < 0 && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

func containsSpan(ss []core.Span, s core.Span) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// withComputed puts a computed answer before an extractive one: the
// computed line leads, citing the operands' passages as [1]…[k] with
// their rows highlighted and cells marked; the extractive answer's
// statements follow, renumbered after them (a passage cited by both keeps
// the operand's number). The answer keeps no Statements: its text carries
// several citations per line.
func withComputed(ans core.Answer, cm *computed) core.Answer {
	out := ans
	out.Found = true
	out.Citations = nil
	byPlace := map[[3]int]int{}
	for i, oc := range cm.cites {
		n := i + 1
		rows := append([]core.Span(nil), oc.rows...)
		sort.Slice(rows, func(a, b int) bool { return rows[a].Start < rows[b].Start })
		c := citation(n, oc.hit, rows)
		// The cells are the answer within the rows: from the first cell
		// used to the last.
		cell := core.Span{Start: oc.cells[0].Start, End: oc.cells[0].End}
		for _, s := range oc.cells[1:] {
			cell.Start, cell.End = min(cell.Start, s.Start), max(cell.End, s.End)
		}
		c.Answer = &cell
		c.Segments = Segments(oc.hit.Text, oc.hit.Start, core.Span{Start: oc.hit.Start, End: oc.hit.End}, rows, &cell)
		if len(oc.cells) == 1 {
			// One operand's cell: the citation carries it, header and
			// value ("2021: (4,625)"), for the source to mark on the page
			// (its runs keep the value marked as the answer).
			c.Cell = cellOf(oc.hit.Text, oc.hit.Start, oc.cells[0])
		}
		out.Citations = append(out.Citations, c)
		byPlace[[3]int{len(oc.hit.Path), oc.hit.Start, oc.hit.End}] = n
	}
	lines := []string{cm.line}
	if ans.Found {
		renum := map[int]int{}
		for _, c := range ans.Citations {
			if n, ok := byPlace[[3]int{len(c.Path), c.Start, c.End}]; ok && out.Citations[n-1].Path == c.Path {
				renum[c.N] = n
				continue
			}
			renum[c.N] = len(out.Citations) + 1
			c.N = renum[c.N]
			out.Citations = append(out.Citations, c)
		}
		for _, s := range ans.Statements {
			lines = append(lines, fmt.Sprintf("%s [%d]", statement(s.Text), renum[s.N]))
		}
	}
	out.Statements = nil
	out.Text = strings.Join(lines, "\n")
	return out
}
