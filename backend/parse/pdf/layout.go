package pdf

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/parse/tablerow"
)

// Layout tuning, in em (the font size in user space).
var (
	// spaceGap is the smallest gap between glyphs read as a word break.
	// 0.2 em misses the tightest justified LaTeX lines (0.197 em on
	// tracemonkey); in-word kerning gaps are far below 0.15 em.
	spaceGap = 0.15
	// segmentGap is the gap that splits a line into separate segments
	// (table cells, columns); columns are only found between segments.
	segmentGap = 1.0
)

const (
	// rowTol is how far two baselines may differ on one line.
	rowTol = 0.2
	// scriptTol is how far a sub- or superscript's baseline may be from
	// its line's.
	scriptTol = 0.55
	// colMinSegment is the mean segment width, in em, that each side of a
	// column gap must have: text columns hold long lines, table columns
	// short cells, which are read row by row instead.
	colMinSegment = 5.0
	// maxLayoutSegments bounds the column analysis; pages with more
	// segments are read row by row.
	maxLayoutSegments = 4000
)

// page is the layout input: the page's glyphs and geometry.
type page struct {
	glyphs []glyph
	rules  []rect // ruling lines, in user space
	crop   [4]float64
	rotate int
}

// wordBox is one word of the page text: bytes [start, end) of the page's
// text and its rectangle in user space.
type wordBox struct {
	start, end int
	r          rect
}

// fglyph is a glyph in its reading frame: the page turned so that the
// glyph's text runs left to right.
type fglyph struct {
	g            *glyph
	x0, x1, y    float64 // advance start, end and baseline
	em           float64
	top, bottom  float64 // frame box
	text         string
	space, empty bool
}

// word is a run of glyphs without a break.
type word struct {
	x0, x1, y, em float64
	top, bottom   float64
	text          string
	r             rect // user space
}

// segment is a run of words on one baseline without a wide gap.
type segment struct {
	words         []*word
	x0, x1, y, em float64
	top, bottom   float64
	merged        bool
}

// rotCW turns (x, y) clockwise by k quarter turns.
func rotCW(k int, x, y float64) (float64, float64) {
	switch k & 3 {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// layoutPage orders the glyphs of a page into text and word boxes, with
// the spans of the table cells it wrote as rows.
func layoutPage(p page) (string, []wordBox, []cellSpan) {
	crop := rect{p.crop[0], p.crop[1], p.crop[2], p.crop[3]}
	rot := p.rotate / 90
	// Frame groups, by quarter turn of the text direction.
	var groups [4][]fglyph
	for i := range p.glyphs {
		g := &p.glyphs[i]
		if g.bbox.x1 < crop.x0 || g.bbox.x0 > crop.x1 || g.bbox.y1 < crop.y0 || g.bbox.y0 > crop.y1 {
			continue // outside the visible page
		}
		dx, dy := g.ex-g.x, g.ey-g.y
		if math.Abs(dx)+math.Abs(dy) < 1e-9 {
			dx, dy = g.dx, g.dy
		}
		// Direction in display space (the page turned by /Rotate).
		ddx, ddy := rotCW(rot, dx, dy)
		dir := 0
		switch {
		case math.Abs(ddx) >= math.Abs(ddy) && ddx >= 0:
			dir = 0
		case math.Abs(ddx) < math.Abs(ddy) && ddy > 0:
			dir = 1
		case math.Abs(ddx) >= math.Abs(ddy):
			dir = 2
		default:
			dir = 3
		}
		k := (rot + dir) & 3
		x0, y := rotCW(k, g.x, g.y)
		x1, _ := rotCW(k, g.ex, g.ey)
		if x1 < x0 {
			x1 = x0
		}
		_, by0 := rotCW(k, g.bbox.x0, g.bbox.y0)
		_, by1 := rotCW(k, g.bbox.x1, g.bbox.y1)
		em := g.em
		if em < 0.01 {
			em = 1
		}
		text := cleanGlyph(g.text)
		fg := fglyph{g: g, x0: x0, x1: x1, y: y, em: em, top: math.Max(by0, by1), bottom: math.Min(by0, by1), text: text}
		fg.space = g.space
		fg.empty = text == "" || (!g.space && strings.TrimSpace(text) == "")
		if g.vertical {
			// The frame baseline of a vertical run is its centre line.
			fg.top, fg.bottom = y+0.5*em, y-0.5*em
		}
		groups[dir] = append(groups[dir], fg)
	}
	order := []int{0, 1, 2, 3}
	sort.SliceStable(order, func(i, j int) bool { return len(groups[order[i]]) > len(groups[order[j]]) })

	pw := &pageWriter{crop: crop}
	for _, d := range order {
		if len(groups[d]) == 0 {
			continue
		}
		words := buildWords(groups[d])
		if len(words) == 0 {
			continue
		}
		segs := buildSegments(words)
		var lines [][]*segment
		if len(segs) > maxLayoutSegments {
			lines = rows(segs)
		} else {
			lines = readingOrder(segs)
		}
		pw.lines(lines, frameRules(p.rules, (rot+d)&3))
	}
	return pw.b.String(), pw.boxes, pw.spans
}

// pageWriter writes a page's lines as text, with a box for every word and
// the table cells' spans.
type pageWriter struct {
	b      strings.Builder
	boxes  []wordBox
	spans  []cellSpan
	crop   rect
	tables int // tables written so far
}

// word writes w with rectangle r (its own, or a header cell's).
func (pw *pageWriter) word(w *word, r rect) {
	start := pw.b.Len()
	pw.b.WriteString(w.text)
	pw.boxes = append(pw.boxes, wordBox{start: start, end: pw.b.Len(), r: clampRect(r, pw.crop)})
}

// words writes ws separated by spaces.
func (pw *pageWriter) words(ws []*word) {
	for i, w := range ws {
		if i > 0 {
			pw.b.WriteByte(' ')
		}
		pw.word(w, w.r)
	}
}

func (pw *pageWriter) span(start, table, row, col int) {
	pw.spans = append(pw.spans, cellSpan{start: start, end: pw.b.Len(), table: table, row: row, col: col})
}

// lines writes lines in order, the lines of tables as rows (see table.go).
// rules are the page's horizontal ruling lines in the lines' frame.
func (pw *pageWriter) lines(lines [][]*segment, rules []rect) {
	tl := tableLines(lines)
	tables, roles := findTables(tl, rules)
	ti, row, labelStart := 0, 0, 0
	joined := false
	for i := range tl {
		if pw.b.Len() > 0 {
			if joined {
				pw.b.WriteByte(' ')
			} else {
				pw.b.WriteByte('\n')
			}
		}
		role := roles[i]
		if role == roleNone {
			pw.words(tl[i].words)
			continue
		}
		for tables[ti].last < i {
			ti++
		}
		t := &tables[ti]
		if i == t.first {
			pw.tables++
			row = 1
		}
		start := pw.b.Len()
		switch role {
		case roleHead:
			pw.words(tl[i].words)
			pw.span(start, pw.tables, 1, 0)
		case roleText:
			row++
			pw.words(tl[i].words)
			pw.span(start, pw.tables, row, 1)
		case roleJoined:
			if !joined {
				row++
				labelStart = start
			}
			pw.words(tl[i].words)
			joined = true
			continue
		case roleRow:
			if !joined {
				row++
				labelStart = start
			}
			pw.row(&tl[i], t, labelStart, joined, row)
		}
		joined = false
		pw.b.WriteString(tablerow.End)
	}
}

// row writes a table row as a statement: "label — head: cell; head: cell".
// The label began at labelStart (earlier when its first line was joined).
func (pw *pageWriter) row(l *tline, t *table, labelStart int, joined bool, row int) {
	label := append([]*word(nil), l.label...)
	var cells []tcell
	for _, c := range l.cells {
		if c.col < t.firstHead {
			label = append(label, c.words...)
		} else {
			cells = append(cells, c)
		}
	}
	pw.words(label)
	if (len(label) > 0 || joined) && len(cells) > 0 {
		mark := strings.TrimRight(tablerow.LabelMark, " ")
		if len(label) == 0 {
			mark = strings.TrimLeft(mark, " ") // after the joined line's space
		}
		pw.b.WriteString(mark)
		pw.span(labelStart, pw.tables, row, 1)
		pw.b.WriteByte(' ')
	}
	for j, c := range cells {
		start := pw.b.Len()
		if h := t.heads[c.col]; len(h) > 0 {
			// The header's words, with the header cell's rectangles.
			pw.words(h)
			pw.b.WriteString(tablerow.HeadMark)
		}
		pw.words(c.words)
		if j < len(cells)-1 {
			pw.b.WriteString(strings.TrimRight(tablerow.CellMark, " "))
		}
		pw.span(start, pw.tables, row, c.col-t.firstHead+2)
		if j < len(cells)-1 {
			pw.b.WriteByte(' ')
		}
	}
}

func clampRect(r, c rect) rect {
	r = rect{math.Max(r.x0, c.x0), math.Max(r.y0, c.y0), math.Min(r.x1, c.x1), math.Min(r.y1, c.y1)}
	if r.x1 < r.x0 {
		r.x1 = r.x0
	}
	if r.y1 < r.y0 {
		r.y1 = r.y0
	}
	return r
}

func union(a, b rect) rect {
	return rect{math.Min(a.x0, b.x0), math.Min(a.y0, b.y0), math.Max(a.x1, b.x1), math.Max(a.y1, b.y1)}
}

// dupKey finds glyphs drawn twice at (almost) the same place, as fake bold
// and shadow effects do.
type dupKey struct {
	text   string
	cx, cy int32
}

// buildWords groups glyphs, in content order, into words: a word ends at a
// space glyph, a gap wider than spaceGap em, a move back, or a new baseline.
func buildWords(gs []fglyph) []*word {
	var words []*word
	var cur *word
	var curEnd float64
	var sb strings.Builder
	flush := func() {
		if cur != nil {
			cur.text = sb.String()
			if cur.text != "" {
				words = append(words, cur)
			}
		}
		cur = nil
		sb.Reset()
	}
	seen := map[dupKey][2]float64{}
	const cell = 2.0 // user space units
	for i := range gs {
		g := &gs[i]
		if g.space {
			flush()
			continue
		}
		if !g.empty {
			cx, cy := int32(math.Floor(g.x0/cell)), int32(math.Floor(g.y/cell))
			dup := false
			for ox := int32(-1); ox <= 1 && !dup; ox++ {
				for oy := int32(-1); oy <= 1; oy++ {
					if p, ok := seen[dupKey{g.text, cx + ox, cy + oy}]; ok && math.Abs(p[0]-g.x0) < 0.1*g.em && math.Abs(p[1]-g.y) < 0.1*g.em {
						dup = true
						break
					}
				}
			}
			if dup {
				continue
			}
			seen[dupKey{g.text, cx, cy}] = [2]float64{g.x0, g.y}
		}
		if cur != nil {
			em := math.Max(cur.em, g.em)
			gap := g.x0 - curEnd
			if math.Abs(g.y-cur.y) > rowTol*em || gap > spaceGap*em || gap < -0.5*em {
				flush()
			}
		}
		if cur == nil {
			if g.empty {
				continue
			}
			cur = &word{x0: g.x0, x1: g.x1, y: g.y, em: g.em, top: g.top, bottom: g.bottom, r: g.g.bbox}
			curEnd = g.x1
		} else {
			cur.x1 = math.Max(cur.x1, g.x1)
			cur.em = math.Max(cur.em, g.em)
			if !g.empty {
				cur.top = math.Max(cur.top, g.top)
				cur.bottom = math.Min(cur.bottom, g.bottom)
				cur.r = union(cur.r, g.g.bbox)
			}
			curEnd = g.x1
		}
		sb.WriteString(g.text)
	}
	flush()
	return words
}

// buildSegments groups words into lines by baseline, splits lines at wide
// gaps and attaches sub- and superscripts to their lines.
func buildSegments(words []*word) []*segment {
	sort.SliceStable(words, func(i, j int) bool { return words[i].y > words[j].y })
	var segs []*segment
	for i := 0; i < len(words); {
		// One row: baselines within rowTol of the first.
		anchor := words[i]
		j := i + 1
		for j < len(words) && anchor.y-words[j].y <= rowTol*math.Max(anchor.em, words[j].em) {
			j++
		}
		row := words[i:j]
		sort.SliceStable(row, func(a, b int) bool { return row[a].x0 < row[b].x0 })
		var s *segment
		for _, w := range row {
			if s != nil && w.x0-s.x1 > segmentGap*math.Max(s.em, w.em) {
				s = nil
			}
			if s == nil {
				s = &segment{x0: w.x0, x1: w.x1, y: w.y, em: w.em, top: w.top, bottom: w.bottom}
				segs = append(segs, s)
			}
			s.add(w)
		}
		i = j
	}
	if len(segs) <= maxLayoutSegments {
		attachScripts(segs)
		out := segs[:0]
		for _, s := range segs {
			if !s.merged {
				out = append(out, s)
			}
		}
		segs = out
	}
	return segs
}

func (s *segment) add(w *word) {
	s.words = append(s.words, w)
	s.x0 = math.Min(s.x0, w.x0)
	s.x1 = math.Max(s.x1, w.x1)
	s.top = math.Max(s.top, w.top)
	s.bottom = math.Min(s.bottom, w.bottom)
	if w.em > s.em {
		s.em = w.em
	}
}

// attachScripts merges short segments that sit a little above or below a
// longer line, next to or inside it, into that line: sub- and superscripts
// (also raised far with a smaller font, right after a word of the line) and
// words nudged off the baseline.
func attachScripts(segs []*segment) {
	for _, s := range segs {
		if len(s.words) > 3 {
			continue
		}
		var best *segment
		bestDy := 0.0
		for _, l := range segs {
			if l == s || l.merged || len(l.words) < len(s.words) || s.em > l.em*1.05 {
				continue
			}
			if len(l.words) == len(s.words) && (l.x0 > s.x0 || len(l.words) > 1) {
				continue // equal short segments: the right one joins the left
			}
			dy := math.Abs(s.y - l.y)
			if dy < 0.05*l.em {
				continue
			}
			if s.x0 > l.x1+segmentGap*l.em || s.x1 < l.x0-segmentGap*l.em {
				continue
			}
			tol := scriptTol * l.em
			if s.em < 0.85*l.em && touchesWord(l, s) {
				tol = 1.1 * l.em
			}
			if dy > tol {
				continue
			}
			if best == nil || dy < bestDy {
				best, bestDy = l, dy
			}
		}
		if best == nil {
			continue
		}
		for _, w := range s.words {
			best.add(w)
		}
		sort.SliceStable(best.words, func(a, b int) bool { return best.words[a].x0 < best.words[b].x0 })
		s.merged = true
	}
}

// touchesWord reports whether s starts right where a word of l ends.
func touchesWord(l, s *segment) bool {
	for _, w := range l.words {
		if math.Abs(s.x0-w.x1) < 0.15*l.em {
			return true
		}
	}
	return false
}

// rows orders segments top to bottom, then left to right, one line per row.
func rows(segs []*segment) [][]*segment {
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].y > segs[j].y })
	var out [][]*segment
	for i := 0; i < len(segs); {
		anchor := segs[i]
		j := i + 1
		for j < len(segs) && anchor.y-segs[j].y <= 0.4*math.Max(anchor.em, segs[j].em) {
			j++
		}
		row := append([]*segment(nil), segs[i:j]...)
		sort.SliceStable(row, func(a, b int) bool { return row[a].x0 < row[b].x0 })
		out = append(out, row)
		i = j
	}
	return out
}

// readingOrder orders segments into lines: bands separated by horizontal
// gaps are read top to bottom, except that consecutive bands sharing a
// column gap are read as columns, left column first (an XY-cut that only
// cuts between real text columns).
func readingOrder(segs []*segment) [][]*segment {
	if len(segs) == 0 {
		return nil
	}
	// Bands: segments whose vertical extents chain-overlap.
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].top > segs[j].top })
	var bands [][]*segment
	lo := math.Inf(1)
	for _, s := range segs {
		if len(bands) == 0 || s.top < lo {
			bands = append(bands, nil)
			lo = s.bottom
		}
		bands[len(bands)-1] = append(bands[len(bands)-1], s)
		lo = math.Min(lo, s.bottom)
	}
	var out [][]*segment
	region := bands[0]
	listing := false // region is a listing read row by row (see below)
	emit := func(r []*segment) {
		if len(r) == 0 {
			return
		}
		if listing {
			out = append(out, rows(r)...)
			return
		}
		if at, ok := columnGap(r); ok && !numericColumns(r, at) {
			var left, right []*segment
			for _, s := range r {
				if s.x1 <= at {
					left = append(left, s)
				} else {
					right = append(right, s)
				}
			}
			if len(left) > 0 && len(right) > 0 {
				out = append(out, readingOrder(left)...)
				out = append(out, readingOrder(right)...)
				return
			}
		}
		out = append(out, rows(r)...)
	}
	for _, band := range bands[1:] {
		merged := append(append([]*segment(nil), region...), band...)
		if !listing {
			if _, ok := columnGap(merged); ok {
				region = merged
				continue
			}
		}
		if nextRow(region, band) && (listing || crossesColumnGap(region, band)) {
			region, listing = merged, true
			continue
		}
		emit(region)
		region, listing = band, false
	}
	emit(region)
	return out
}

// A listing with trailing comments looks like two columns (code, then the
// comments at a tab stop) until one code line runs into its comment: a
// band that crosses the region's column gap on the very next row. Such a
// region, and the rows that follow it at the same pitch, are one block
// read row by row, each code line with its comment (as pdftotext reads
// it). Real text columns are not bridged by a line on the next row: a
// line across the page below them stands apart, an em or more lower.

// crossesColumnGap reports whether region has a column gap and a segment
// of band runs across it, from left of the gap into the right column:
// past the start of the right column on region's last row (within 0.4 em
// of its lowest baseline). A line that only ends inside the gap, longer
// than the left column's others, does not, nor does one that only passes
// a heading's start; without a right column on the last row, no line
// does.
func crossesColumnGap(region, band []*segment) bool {
	at, ok := columnGap(region)
	if !ok {
		return false
	}
	last := region[0]
	for _, s := range region {
		if s.y < last.y {
			last = s
		}
	}
	right := math.Inf(1)
	for _, s := range region {
		if s.x0 > at && s.y-last.y <= 0.4*math.Max(s.em, last.em) {
			right = math.Min(right, s.x0)
		}
	}
	for _, s := range band {
		if s.x0 < at && s.x1 > right {
			return true
		}
	}
	return false
}

// nextRow reports whether band is the row right below region: the gap
// between them is under an em (region's median).
func nextRow(region, band []*segment) bool {
	if len(region) == 0 || len(band) == 0 {
		return false
	}
	lo, top := math.Inf(1), math.Inf(-1)
	ems := make([]float64, 0, len(region))
	for _, s := range region {
		lo = math.Min(lo, s.bottom)
		ems = append(ems, s.em)
	}
	for _, s := range band {
		top = math.Max(top, s.top)
	}
	sort.Float64s(ems)
	return lo-top < ems[len(ems)/2]
}

// numericColumns reports whether the gap at splits the number columns of a
// table rather than two text columns: most segments right of it are
// numbers, and so are most of those ending just left of it. Such a region
// is read row by row.
func numericColumns(segs []*segment, at float64) bool {
	var left, leftNum, right, rightNum int
	for _, s := range segs {
		num := true
		for _, w := range s.words {
			if ok, _, _ := tablerow.NumericWord(w.text); !ok {
				num = false
				break
			}
		}
		switch {
		case s.x1 > at:
			right++
			if num {
				rightNum++
			}
		case s.x1 > at-3*s.em:
			left++
			if num {
				leftNum++
			}
		}
	}
	return right > 0 && 2*rightNum >= right && left > 0 && 2*leftNum >= left
}

// columnGap finds the widest vertical gap between text columns in segs:
// no segment crosses it, it is at least segmentGap em wide, and the
// segments on each side are text lines rather than table cells. It returns
// the gap's left edge.
func columnGap(segs []*segment) (float64, bool) {
	if len(segs) < 2 {
		return 0, false
	}
	idx := make([]*segment, len(segs))
	copy(idx, segs)
	sort.Slice(idx, func(i, j int) bool { return idx[i].x0 < idx[j].x0 })
	ems := make([]float64, len(segs))
	for i, s := range segs {
		ems[i] = s.em
	}
	sort.Float64s(ems)
	em := ems[len(ems)/2]
	best, bestW := 0.0, 0.0
	reach := idx[0].x1
	var leftW float64
	leftN := 0
	totalW := 0.0
	for _, s := range idx {
		totalW += s.x1 - s.x0
	}
	for i := 1; i < len(idx); i++ {
		leftW += idx[i-1].x1 - idx[i-1].x0
		leftN++
		reach = math.Max(reach, idx[i-1].x1)
		gap := idx[i].x0 - reach
		if gap < segmentGap*em {
			continue
		}
		rightN := len(idx) - leftN
		if leftW/float64(leftN) < colMinSegment*em || (totalW-leftW)/float64(rightN) < colMinSegment*em {
			continue
		}
		if gap > bestW {
			best, bestW = reach, gap
		}
	}
	return best, bestW > 0
}

// cleanGlyph makes a glyph's text valid UTF-8 without control characters
// or white space (a glyph is never more than one word), with typographic
// ligatures turned into their letters so words stay searchable.
func cleanGlyph(s string) string {
	s = ligatures.Replace(clean(s, false))
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	return s
}

var ligatures = strings.NewReplacer("\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl", "\uFB05", "st", "\uFB06", "st")

func clean(s string, keepNewlines bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	dirty := false
	for _, r := range s {
		if unicode.IsControl(r) && !(keepNewlines && r == '\n') {
			dirty = true
			break
		}
	}
	if !dirty {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && keepNewlines:
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}
