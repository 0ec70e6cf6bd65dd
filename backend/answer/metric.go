package answer

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"folio/backend/index/lineitem"
)

// A metric is what a question asks to compute from a filing's line items:
// a formula over operands, each a line item in a year, as the question
// defines it ("Operating cash flow ratio is defined as: cash from
// operations / total current liabilities") or as the metric's standard
// definition has it (working capital, free cash flow, year-over-year
// change, CAGR, a margin, a turnover ratio, …), or a single line item in
// the unit the question asks ("capital expenditure (in USD billions)").
//
// Invariants: expr is never nil; every operand has a year (the question's
// own when it names none); decimals is at least 0.
type metric struct {
	name     string // what is computed, for the answer ("operating cash flow ratio")
	expr     *expr
	year     int  // the question's year: its latest
	percent  bool // the result is shown × 100 with "%"
	amount   bool // the result is an amount in the tables' currency, not a ratio
	decimals int  // digits after the point in the result
	// scale is the unit the question asks amounts in (1e6 for millions,
	// 1e9 for billions); 0 when it names none.
	scale float64
}

// expr is a node of a metric's formula.
type expr struct {
	op   byte // 'v' operand, 'n' number, '+', '-', '*', '/', 'a' mean of args, 'g' CAGR of args[0] → args[1] over num years
	item *lineitem.Item
	// label is the operand as the question writes it, normalised
	// (lineitem.Normalize); it is matched to row labels when no item of
	// the table names it.
	label string
	year  int
	num   float64
	args  []*expr
}

func leaf(item *lineitem.Item, label string, year int) *expr {
	return &expr{op: 'v', item: item, label: label, year: year}
}

func bin(op byte, a, b *expr) *expr { return &expr{op: op, args: []*expr{a, b}} }

// operands lists the formula's operands, each (item or label, year) once,
// in the order written.
func (e *expr) operands() []*expr {
	var out []*expr
	seen := map[string]bool{}
	var walk func(*expr)
	walk = func(e *expr) {
		if e.op == 'v' {
			if k := e.key(); !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
			return
		}
		for _, a := range e.args {
			walk(a)
		}
	}
	walk(e)
	return out
}

// key identifies an operand: its item (or label) and year.
func (e *expr) key() string {
	name := e.label
	if e.item != nil {
		name = e.item.Name()
	}
	return name + "@" + strconv.Itoa(e.year)
}

// eval computes the formula with val giving each operand's value; ok is
// false when an operand has none or the result is not a finite number.
func (e *expr) eval(val func(*expr) (float64, bool)) (float64, bool) {
	switch e.op {
	case 'v':
		return val(e)
	case 'n':
		return e.num, true
	}
	vs := make([]float64, len(e.args))
	for i, a := range e.args {
		v, ok := a.eval(val)
		if !ok {
			return 0, false
		}
		vs[i] = v
	}
	var r float64
	switch e.op {
	case '+':
		r = vs[0] + vs[1]
	case '-':
		r = vs[0] - vs[1]
	case '*':
		r = vs[0] * vs[1]
	case '/':
		if vs[1] == 0 {
			return 0, false
		}
		r = vs[0] / vs[1]
	case 'a':
		for _, v := range vs {
			r += v
		}
		r /= float64(len(vs))
	case 'g':
		if vs[0] <= 0 || vs[1] <= 0 || e.num <= 0 {
			return 0, false
		}
		r = math.Pow(vs[1]/vs[0], 1/e.num) - 1
	default:
		return 0, false
	}
	return r, !math.IsNaN(r) && !math.IsInf(r, 0)
}

// String writes the formula with each operand shown by show.
func (e *expr) format(show func(*expr) string) string {
	switch e.op {
	case 'v':
		return show(e)
	case 'n':
		return strconv.FormatFloat(e.num, 'f', -1, 64)
	case 'a':
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = a.format(show)
		}
		return "(" + strings.Join(parts, " + ") + ") / " + strconv.Itoa(len(e.args))
	case 'g':
		return "(" + e.args[1].format(show) + " / " + e.args[0].format(show) + ")^(1/" + strconv.FormatFloat(e.num, 'f', -1, 64) + ") − 1"
	}
	a, b := e.args[0].format(show), e.args[1].format(show)
	if e.args[0].op != 'v' && e.args[0].op != 'n' && e.args[0].op != 'a' && prec(e.args[0].op) < prec(e.op) {
		a = "(" + a + ")"
	}
	if e.args[1].op != 'v' && e.args[1].op != 'n' && e.args[1].op != 'a' && (prec(e.args[1].op) < prec(e.op) || prec(e.args[1].op) == prec(e.op) && (e.op == '-' || e.op == '/')) {
		b = "(" + b + ")"
	}
	op := string(e.op)
	if e.op == '-' {
		op = "−"
	}
	return a + " " + op + " " + b
}

func prec(op byte) int {
	switch op {
	case '+', '-':
		return 1
	case '*', '/':
		return 2
	}
	return 3
}

var (
	yearRE = regexp.MustCompile(`(?i)\b(?:fy\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)\b`)
	// defineRE finds a definition the question gives: "X is defined as:
	// A / B." or "Define X as A less B.".
	definedRE = regexp.MustCompile(`(?i)([A-Za-z&()' -]{0,60}?)\s+(?:(?:is|are)\s+)?(?:here\s+)?(?:is\s+)?defined\s+as\s*:?\s*(.+?)(?:\.\s|\.$|\?|$)`)
	defineRE  = regexp.MustCompile(`(?i)\bdefine\s+(.+?)\s+as\s*:?\s*(.+?)(?:\.\s|\.$|\?|$)`)
	roundRE   = regexp.MustCompile(`(?i)round(?:ed)?\s+(?:your\s+|the\s+)?(?:answer\s+|result\s+)?to\s+(?:the\s+nearest\s+)?(zero|one|two|three|four|\d)\s+decimal`)
	percentRE = regexp.MustCompile(`(?i)\bpercent(?:s|age)?\b|%`)
	fromToRE  = regexp.MustCompile(`(?i)\bfrom\s+(?:fy\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)\s+(?:to|through|and)\s+(?:fy\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)\b`)
	rangeRE   = regexp.MustCompile(`(?i)\b(?:fy\s?)?((?:19|20)\d\d)\s*(?:-|–|to|through)\s*(?:fy\s?)?((?:19|20)\d\d)\b`)
	betweenRE = regexp.MustCompile(`(?i)^(average|change\s+in|growth\s+in)\s+(.+?)\s+between\s+(?:fy\s?)?((?:19|20)\d\d)\s+and\s+(?:fy\s?)?((?:19|20)\d\d)$`)
)

var digitWords = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4}

// standard are the metrics a question may name without defining them,
// with their usual definitions, written as a question would define them.
// Checked in order: longer names first.
var standard = []struct {
	re      *regexp.Regexp
	formula string
	percent bool
}{
	{regexp.MustCompile(`(?i)operating cash flow ratio`), "cash from operations / total current liabilities", false},
	{regexp.MustCompile(`(?i)fixed asset turnover`), "revenue / average pp&e", false},
	{regexp.MustCompile(`(?i)total asset turnover|asset turnover`), "revenue / average total assets", false},
	{regexp.MustCompile(`(?i)inventory turnover`), "cogs / average inventory", false},
	{regexp.MustCompile(`(?i)days payable outstanding|\bdpo\b`), "365 * average accounts payable / cogs", false},
	{regexp.MustCompile(`(?i)days sales outstanding|\bdso\b`), "365 * average accounts receivable / revenue", false},
	{regexp.MustCompile(`(?i)days inventory outstanding|\bdio\b`), "365 * average inventory / cogs", false},
	{regexp.MustCompile(`(?i)working capital ratio|current ratio`), "total current assets / total current liabilities", false},
	{regexp.MustCompile(`(?i)quick ratio`), "(total current assets - inventory) / total current liabilities", false},
	{regexp.MustCompile(`(?i)working capital`), "total current assets - total current liabilities", false},
	{regexp.MustCompile(`(?i)free cash flow|\bfcf\b`), "cash from operations - capex", false},
	{regexp.MustCompile(`(?i)\bebitda\b`), "operating income + depreciation and amortization", false},
	{regexp.MustCompile(`(?i)return on assets|\broa\b`), "net income / average total assets", false},
	{regexp.MustCompile(`(?i)return on equity|\broe\b`), "net income / average total equity", false},
	{regexp.MustCompile(`(?i)gross (?:profit )?margin`), "gross profit / revenue", true},
	{regexp.MustCompile(`(?i)operating (?:profit |income )?margin`), "operating income / revenue", true},
	{regexp.MustCompile(`(?i)net (?:profit |income )?margin`), "net income / revenue", true},
	{regexp.MustCompile(`(?i)interest coverage`), "operating income / interest expense", false},
	{regexp.MustCompile(`(?i)debt[- ]to[- ]equity`), "total liabilities / total equity", false},
	{regexp.MustCompile(`(?i)capex to revenue|capital expenditure to revenue`), "capex / revenue", true},
}

// Patterns of metrics built around a line item the question names.
var (
	yoyRE    = regexp.MustCompile(`(?i)(?:year[- ]over[- ]year|yoy|annual)\s+(?:\(yoy\)\s+)?(?:change|growth|increase|decrease)\s+(?:in|of)\s+(.+?)\s+from\b`)
	cagrRE   = regexp.MustCompile(`(?i)(?:(\d+)[- ]year\s+)?(.*?)\bcagr\b`)
	avgOfRE  = regexp.MustCompile(`(?i)(?:(\d+)[- ]year\s+)?average\s+(?:of\s+)?(.+?)(?:\s+for\s|\s+in\s+fy|\?|\.|$)`)
	shareRE  = regexp.MustCompile(`(?i)^(.+?)\s+as\s+an?\s+(?:%|percent(?:age)?)\s+of\s+(.+)$`)
	marginRE = regexp.MustCompile(`(?i)\b((?:[a-z&]+\s+){1,6}?)(?:\([^)]*\)\s+)?%?\s*margin\b`)
)

// parseMetric reads what a question asks to compute; nil when it asks
// for no metric or line item the table knows.
func parseMetric(q string) *metric {
	m := &metric{decimals: -1}
	for _, y := range yearRE.FindAllStringSubmatch(q, -1) {
		if v, _ := strconv.Atoi(y[1]); v > m.year {
			m.year = v
		}
	}
	if m.year == 0 {
		return nil
	}
	lq := strings.ToLower(q)
	switch {
	case strings.Contains(lq, "billion"):
		m.scale = 1e9
	case strings.Contains(lq, "million"):
		m.scale = 1e6
	case strings.Contains(lq, "thousand"):
		m.scale = 1e3
	}
	if r := roundRE.FindStringSubmatch(q); r != nil {
		if d, ok := digitWords[strings.ToLower(r[1])]; ok {
			m.decimals = d
		} else {
			m.decimals, _ = strconv.Atoi(r[1])
		}
	}
	asksPercent := strings.Contains(lq, "units of percent") || strings.Contains(lq, "in percent") || strings.Contains(lq, "% margin") || strings.Contains(lq, "as a %") || strings.Contains(lq, "as a percent")
	if name, def := definition(q); def != "" {
		e := parseFormula(def, m.year)
		if e == nil {
			return nil
		}
		m.name, m.expr = name, e
		m.percent = asksPercent
	} else if e, name, pct := namedMetric(q, m.year); e != nil {
		m.name, m.expr, m.percent = name, e, pct || asksPercent
	} else {
		return nil
	}
	m.amount = amountFormula(m.expr) && !m.percent
	if m.decimals < 0 {
		switch {
		case m.percent:
			m.decimals = 1
		case !m.amount:
			m.decimals = 2
		case m.scale >= 1e9:
			m.decimals = 2
		default:
			m.decimals = 0
		}
	}
	return m
}

// definition returns the metric a question defines and its formula.
func definition(q string) (name, formula string) {
	if d := defineRE.FindStringSubmatch(q); d != nil {
		return strings.TrimSpace(d[1]), strings.TrimSpace(d[2])
	}
	if d := definedRE.FindStringSubmatch(q); d != nil {
		name = strings.TrimSpace(d[1])
		if i := strings.LastIndexAny(name, ".?!"); i >= 0 {
			name = strings.TrimSpace(name[i+1:])
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, " here"), " is")
		return name, strings.TrimSpace(d[2])
	}
	return "", ""
}

// namedMetric recognises a metric the question names without defining it.
func namedMetric(q string, year int) (e *expr, name string, percent bool) {
	// Year-over-year change of a line item, from one year to another.
	if m := yoyRE.FindStringSubmatchIndex(q); m != nil {
		if ft := fromToRE.FindStringSubmatch(q[m[1]-4:]); ft != nil {
			item, label := operand(q[m[2]:m[3]])
			a, b := atoi(ft[1]), atoi(ft[2])
			if label != "" && a < b {
				from, to := leaf(item, label, a), leaf(item, label, b)
				return bin('/', bin('-', to, from), from), "year-over-year change in " + strings.TrimSpace(q[m[2]:m[3]]), true
			}
		}
	}
	// Compound annual growth rate between two years.
	if m := cagrRE.FindStringSubmatch(q); m != nil {
		if ft := fromToRE.FindStringSubmatch(q); ft != nil {
			phrase := m[2]
			if i := strings.LastIndexAny(phrase, ",?'’"); i >= 0 {
				phrase = phrase[i+1:]
			}
			if ms := lineitem.Find(phrase); len(ms) > 0 {
				a, b := atoi(ft[1]), atoi(ft[2])
				if a < b {
					it := ms[len(ms)-1].Item
					return &expr{op: 'g', num: float64(b - a), args: []*expr{leaf(it, it.Name(), a), leaf(it, it.Name(), b)}}, it.Name() + " CAGR", true
				}
			}
		}
	}
	// An average over a range of years, of a line item or of one line item
	// as a share of another.
	if m := avgOfRE.FindStringSubmatch(q); m != nil {
		if r := rangeRE.FindStringSubmatch(q); r != nil {
			a, b := atoi(r[1]), atoi(r[2])
			if a < b && b-a < 10 {
				inner := strings.TrimSpace(m[2])
				var per func(y int) *expr
				pct := false
				if s := shareRE.FindStringSubmatch(inner); s != nil {
					ni, nl := operand(s[1])
					di, dl := operand(s[2])
					if nl != "" && dl != "" {
						per = func(y int) *expr { return bin('/', leaf(ni, nl, y), leaf(di, dl, y)) }
						pct = true
					}
				} else if it, l := operand(inner); it != nil {
					per = func(y int) *expr { return leaf(it, l, y) }
				}
				if per != nil {
					avg := &expr{op: 'a'}
					for y := a; y <= b; y++ {
						avg.args = append(avg.args, per(y))
					}
					return avg, strconv.Itoa(b-a+1) + "-year average of " + inner, pct
				}
			}
		}
	}
	for _, s := range standard {
		if s.re.MatchString(q) {
			return parseFormula(s.formula, year), strings.ToLower(s.re.FindString(q)), s.percent
		}
	}
	// "X as a % of Y", "X % margin".
	for _, sentence := range strings.FieldsFunc(q, func(r rune) bool { return r == '?' || r == ';' }) {
		if i := strings.Index(strings.ToLower(sentence), " as a "); i >= 0 {
			tail := sentence[i:]
			head := sentence[:i]
			if ms := lineitem.Find(head); len(ms) > 0 {
				if s := shareRE.FindStringSubmatch("x" + tail); s != nil {
					if di, dl := operand(s[2]); di != nil {
						it := ms[len(ms)-1].Item
						return bin('/', leaf(it, it.Name(), year), leaf(di, dl, year)), it.Name() + " as a % of " + di.Name(), true
					}
				}
			}
		}
	}
	if m := marginRE.FindStringSubmatch(q); m != nil {
		if ms := lineitem.Find(m[1]); len(ms) > 0 {
			it := ms[len(ms)-1].Item
			rev := lineitem.Lookup("revenue")
			return bin('/', leaf(it, it.Name(), year), leaf(rev, rev.Name(), year)), it.Name() + " % margin", true
		}
	}
	// A single line item, asked as an amount.
	first := q
	if i := strings.IndexByte(q, '?'); i >= 0 {
		first = q[:i]
	}
	if amountRE.MatchString(first) {
		if ms := lineitem.Find(first); len(ms) == 1 && ms[0].Name != "cash" {
			it := ms[0].Item
			return leaf(it, it.Name(), year), it.Name(), false
		}
	}
	return nil, "", false
}

// amountRE finds a question asking for an amount in so many words.
var amountRE = regexp.MustCompile(`(?i)how much|\bamount\b|\busd\b|\$|in (?:millions|billions|thousands)`)

// amountFormula reports whether a formula's result is an amount: a sum or
// difference of amounts, an average of them, a single line item (no
// division, no CAGR, no constant factor).
func amountFormula(e *expr) bool {
	switch e.op {
	case 'v':
		return true
	case '+', '-', 'a':
		for _, a := range e.args {
			if !amountFormula(a) {
				return false
			}
		}
		return true
	}
	return false
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

// operand reads an operand phrase: the line item it names (nil when the
// table names none) and its normalised label ("" when it says nothing).
// Notes in parentheses are dropped: "depreciation and amortization (D&A
// from cash flow statement)".
func operand(phrase string) (*lineitem.Item, string) {
	phrase = parenNote.ReplaceAllString(phrase, " ")
	label := " " + lineitem.Normalize(phrase) + " "
	for _, w := range []string{"from cash flow statement", "from income statement", "from balance sheet", "unadjusted", "reported", "year end", "amount of", "amount", "total amount of"} {
		label = strings.ReplaceAll(label, " "+w+" ", " ")
	}
	label = strings.TrimSpace(label)
	if label == "" {
		return nil, ""
	}
	if ms := lineitem.Find(label); len(ms) > 0 {
		return ms[len(ms)-1].Item, label
	}
	return nil, label
}

var parenNote = regexp.MustCompile(`\([^()]*[a-zA-Z][^()]*\)`)

// parseFormula parses a formula as questions write them:
//
//	365 * (average accounts payable between FY2017 and FY2018) / (FY2018 COGS + change in inventory between FY2017 and FY2018)
//	total current assets less total current liabilities
//
// Operators are + - * / and the words "plus", "less", "minus", "times",
// "divided by"; an operand is a line item, optionally after a year
// ("FY2018 COGS"), or "average X [between Y1 and Y2]" (the mean of the
// two years; the question's year and the one before when no years are
// given), or "change in X between Y1 and Y2" (Y2 less Y1), or a number.
// Operands without a year take year. nil when the formula does not parse
// or an operand names nothing.
func parseFormula(s string, year int) *expr {
	p := &formulaParser{year: year}
	p.lex(s)
	if len(p.toks) == 0 {
		return nil
	}
	e := p.sum()
	if e == nil || p.pos != len(p.toks) {
		return nil
	}
	return e
}

type formulaParser struct {
	toks []string
	pos  int
	year int
}

var opWords = strings.NewReplacer(" divided by ", " / ", " over ", " / ", " less ", " - ", " minus ", " - ", " plus ", " + ", " times ", " * ", " multiplied by ", " * ", " × ", " * ", " ÷ ", " / ", " − ", " - ")

func (p *formulaParser) lex(s string) {
	s = opWords.Replace(" " + strings.ToLower(s) + " ")
	var cur strings.Builder
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			p.toks = append(p.toks, t)
		}
		cur.Reset()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == '+' || c == '*' || c == '/':
			// a parenthesis inside an operand's name ("(loss)") is part
			// of it only when letters follow and no operator: keep it
			// simple, treat every parenthesis as grouping
			flush()
			p.toks = append(p.toks, string(c))
		case c == '-' && (i == 0 || s[i-1] == ' ' || s[i-1] == ')') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '('):
			flush()
			p.toks = append(p.toks, "-")
		default:
			cur.WriteByte(c)
		}
	}
	flush()
}

func (p *formulaParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *formulaParser) sum() *expr {
	e := p.product()
	for e != nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.toks[p.pos][0]
		p.pos++
		r := p.product()
		if r == nil {
			return nil
		}
		e = bin(op, e, r)
	}
	return e
}

func (p *formulaParser) product() *expr {
	e := p.atom()
	for e != nil && (p.peek() == "*" || p.peek() == "/") {
		op := p.toks[p.pos][0]
		p.pos++
		r := p.atom()
		if r == nil {
			return nil
		}
		e = bin(op, e, r)
	}
	return e
}

func (p *formulaParser) atom() *expr {
	t := p.peek()
	switch t {
	case "":
		return nil
	case "(":
		p.pos++
		e := p.sum()
		if e == nil || p.peek() != ")" {
			return nil
		}
		p.pos++
		return e
	case ")", "+", "-", "*", "/":
		return nil
	}
	p.pos++
	return p.term(t)
}

// term reads one operand phrase.
func (p *formulaParser) term(t string) *expr {
	t = strings.TrimSpace(t)
	if v, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64); err == nil {
		return &expr{op: 'n', num: v}
	}
	if m := betweenRE.FindStringSubmatch(t); m != nil {
		item, label := operand(m[2])
		if label == "" {
			return nil
		}
		a, b := atoi(m[3]), atoi(m[4])
		if a > b {
			a, b = b, a
		}
		if strings.HasPrefix(m[1], "average") {
			return &expr{op: 'a', args: []*expr{leaf(item, label, b), leaf(item, label, a)}}
		}
		return bin('-', leaf(item, label, b), leaf(item, label, a))
	}
	year := p.year
	if m := yearRE.FindStringSubmatchIndex(t); m != nil {
		year = atoi(t[m[2]:m[3]])
		t = t[:m[0]] + " " + t[m[1]:]
	}
	t = strings.TrimSpace(t)
	if rest, ok := strings.CutPrefix(t, "average "); ok {
		item, label := operand(rest)
		if label == "" {
			return nil
		}
		return &expr{op: 'a', args: []*expr{leaf(item, label, year), leaf(item, label, year-1)}}
	}
	item, label := operand(t)
	if label == "" {
		return nil
	}
	return leaf(item, label, year)
}
