package pdf

import (
	"unicode"
	"unicode/utf8"
)

// Pages whose text layer is unusable.
//
// A page can draw its text in fonts that say nothing of what the glyphs
// mean: no ToUnicode map, and codes that no known glyph name or standard
// encoding explains (subset fonts numbering their glyphs 1, 2, 3…;
// Identity-H fonts without ToUnicode; Type3 fonts with made-up names).
// Its text comes out empty, as control or private-use characters, or as
// the codes' standard letters, which are then guesses. Such a page is read
// by OCR as if it had no text layer (pdf.go).
//
// The decision counts the page's visible glyphs by how their text was
// found (textQuality) and is deliberately conservative: a good text page
// wrongly read by OCR loses exact text for approximate text, so a page is
// only called unusable when most of its glyphs have no usable text and
// there are enough of them to be more than a stray symbol.

// textQuality counts the visible, non-space glyphs of a page by where
// their text comes from.
type textQuality struct {
	// mapped glyphs have text from a ToUnicode map, a known glyph name or
	// a predefined CMap.
	mapped int
	// guessed glyphs have only their code's standard meaning as text: the
	// font maps them neither by ToUnicode nor by a known glyph name.
	guessed int
	// unmapped glyphs have no text, or only junk: control characters,
	// private-use characters, U+FFFD or invalid UTF-8.
	unmapped int
}

// Thresholds of unusable.
const (
	// minUnusableGlyphs is the fewest glyphs without usable text that make
	// a page unusable: a line of a few words.
	minUnusableGlyphs = 20
	// unusableShare is the share of a page's glyphs that must lack usable
	// text: most of the page.
	unusableShare = 0.5
)

// unusable reports whether a page whose glyphs count as q has no usable
// text layer: at least minUnusableGlyphs glyphs without usable text, and
// more than unusableShare of all its glyphs. Guessed glyphs count against
// the page only beside unmapped ones (at least half as many unmapped as
// guessed): a font that states no encoding and uses plain character codes
// is read right by the guess, and a page of such text alone is kept.
func (q textQuality) unusable() bool {
	bad := q.unmapped
	if q.unmapped*2 >= q.guessed {
		bad += q.guessed
	}
	total := q.mapped + q.guessed + q.unmapped
	return bad >= minUnusableGlyphs && float64(bad) > unusableShare*float64(total)
}

// measureText counts the glyphs of a page that are visible in crop.
func measureText(glyphs []glyph, crop [4]float64) textQuality {
	var q textQuality
	for i := range glyphs {
		g := &glyphs[i]
		if g.space || g.bbox.x1 < crop[0] || g.bbox.x0 > crop[2] || g.bbox.y1 < crop[1] || g.bbox.y0 > crop[3] {
			continue
		}
		switch {
		case junkText(g.text):
			q.unmapped++
		case g.guess:
			q.guessed++
		default:
			q.mapped++
		}
	}
	return q
}

// junkText reports whether a glyph's text says nothing of what it shows:
// empty, invalid UTF-8, or holding a control, private-use, surrogate or
// replacement character, or a noncharacter.
func junkText(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		switch {
		case unicode.IsControl(r) && !unicode.IsSpace(r),
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r),
			r == utf8.RuneError,
			r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
			return true
		}
	}
	return false
}
