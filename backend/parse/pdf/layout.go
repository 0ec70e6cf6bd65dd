package pdf

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	lpdf "github.com/ledongthuc/pdf"
)

// spaceGap is the smallest horizontal gap, in em, read as a word break.
// 0.2 em misses the tightest justified LaTeX lines (0.197 em on
// tracemonkey); in-word kerning gaps are far below 0.15 em.
var spaceGap = 0.15

// sortLines orders lines strictly top to bottom. It is off: that interleaves
// the columns of two-column papers, and producers nearly always write text
// in reading order. Word-bigram F1 against pdftotext (TestAgreementWith
// Pdftotext) on the 493 pages of the pdf.js corpus this library opens:
// 0.76 sorted, 0.87 in stream order; on tracemonkey 0.86 and 0.93.
var sortLines = false

// Layout tuning, in em (the glyph's font size in points).
const (
	// estWidth is the advance assumed for a glyph whose width is unknown
	// (the library reports 0 for Type0/CID fonts and for standard-14 fonts
	// without /Widths).
	estWidth = 0.5
	// lineShift is the baseline change that starts a new line.
	lineShift = 0.5
	// backJump is how far left of the previous glyph the next may start on
	// the same baseline before it is taken as a new line (another column or
	// table cell drawn out of order).
	backJump = 3
	// defaultEm is used when the library reports a zero font size (rotated
	// text makes the matrix entry it reads zero).
	defaultEm = 10
)

type glyph struct {
	x, y, w, em float64
	s           string
	space       bool // the glyph is whitespace
}

type line struct {
	y      float64
	glyphs []glyph
}

// layout rebuilds the text of one page from the library's glyphs: it groups
// them into lines in content-stream order, inserts spaces at gaps wider than
// spaceGap em, and orders lines top to bottom (stable, so lines on the same
// baseline keep their stream order).
func layout(texts []lpdf.Text) string {
	var lines []*line
	var cur *line
	for _, t := range texts {
		s := cleanGlyph(t.S)
		if s == "" {
			continue // includes the bogus "\n" glyph the library adds after each TJ
		}
		em := math.Abs(t.FontSize)
		if em < 0.1 {
			em = defaultEm
		}
		g := glyph{x: t.X, y: t.Y, w: t.W, em: em, s: s, space: strings.TrimSpace(s) == ""}
		if cur != nil {
			last := cur.glyphs[len(cur.glyphs)-1]
			lem := math.Max(em, last.em)
			if math.Abs(g.y-cur.y) > lineShift*lem || g.x < last.x-backJump*lem {
				cur = nil
			}
		}
		if cur == nil {
			cur = &line{y: g.y}
			lines = append(lines, cur)
		}
		cur.glyphs = append(cur.glyphs, g)
	}
	if sortLines {
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].y > lines[j].y+0.01 })
	}

	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeLine(&b, l.glyphs)
	}
	return b.String()
}

// writeLine writes one line's glyphs, inserting single spaces at word gaps
// and collapsing runs of whitespace.
func writeLine(b *strings.Builder, gs []glyph) {
	start := b.Len()
	pendingSpace := false
	stacked := 0 // glyphs before this one drawn at the previous glyph's x with unknown width
	for i, g := range gs {
		if g.space {
			pendingSpace, stacked = true, 0
			continue
		}
		if i > 0 && !pendingSpace && wordGap(gs[i-1], g, stacked) {
			pendingSpace = true
		}
		if i > 0 && gs[i-1].w == 0 && math.Abs(g.x-gs[i-1].x) < 0.01*g.em {
			stacked++
		} else {
			stacked = 0
		}
		if pendingSpace && b.Len() > start {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteString(g.s)
	}
}

// wordGap reports whether the horizontal gap between prev and g reads as a
// space. stacked counts the glyphs before prev drawn at prev's x.
//
// The library reports width 0 for some fonts and then advances the pen by
// nothing, stacking a string's glyphs at one x. The move from such a stack
// to the next glyph is then only the explicit kerning or positioning, so it
// is compared with spaceGap directly; a lone glyph of unknown width is given
// estWidth.
func wordGap(prev, g glyph, stacked int) bool {
	if prev.space {
		return false
	}
	em := math.Max(prev.em, g.em)
	move := g.x - prev.x
	switch {
	case prev.w > 0:
		return move-prev.w > spaceGap*em
	case math.Abs(move) < 0.01*em:
		return false // same stack
	case stacked > 0:
		return move > spaceGap*em
	default:
		return move-estWidth*prev.em > spaceGap*em
	}
}

// Typographic ligatures become their letters so words stay searchable.
func cleanGlyph(s string) string { return ligatures.Replace(clean(s, false)) }

var ligatures = strings.NewReplacer("\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl", "\uFB05", "st", "\uFB06", "st")

// cleanText makes page text valid UTF-8 without control characters other
// than newlines; tabs become spaces.
func cleanText(s string) string { return clean(s, true) }

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
