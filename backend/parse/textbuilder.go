package parse

import (
	"fmt"
	"strings"
	"unicode"

	"folio/backend/core"
)

// TextBuilder accumulates a document's Text and its Locations, up to a
// byte limit, for the readers that write text piece by piece (Office,
// mail).
//
// Invariants: every recorded location lies inside the text written so far
// and covers non-whitespace only; once a write would pass the limit,
// Over is true and every later write is dropped, so the text never exceeds
// the limit.
type TextBuilder struct {
	sb   strings.Builder
	locs []core.Location
	max  int
	over bool
}

// NewTextBuilder returns a builder that holds at most max bytes of text.
func NewTextBuilder(max int) *TextBuilder { return &TextBuilder{max: max} }

// Line appends text plus "\n", recording loc for it when it holds
// non-whitespace.
func (b *TextBuilder) Line(text string, loc core.Location) {
	b.Span(text, loc)
	b.Raw("\n")
}

// Span appends text, recording loc for it when it holds non-whitespace.
// The location covers the text without surrounding white space.
func (b *TextBuilder) Span(text string, loc core.Location) {
	if !b.fits(len(text)) {
		return
	}
	if trimmed := strings.TrimSpace(text); trimmed != "" {
		lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
		loc.Start = b.sb.Len() + lead
		loc.End = loc.Start + len(strings.TrimRightFunc(text[lead:], unicode.IsSpace))
		b.locs = append(b.locs, loc)
	}
	b.sb.WriteString(text)
}

// Raw appends text without a location (separators).
func (b *TextBuilder) Raw(s string) {
	if b.fits(len(s)) {
		b.sb.WriteString(s)
	}
}

// Block appends text whose locations the caller records itself (with
// Locate), and returns the offset where it starts; ok is false, and
// nothing is written, when it would pass the limit.
func (b *TextBuilder) Block(text string) (base int, ok bool) {
	if !b.fits(len(text)) {
		return 0, false
	}
	base = b.sb.Len()
	b.sb.WriteString(text)
	return base, true
}

// Locate records loc as it is, when it lies inside the text written so far
// and is not empty; others are dropped.
func (b *TextBuilder) Locate(loc core.Location) {
	if loc.Start >= 0 && loc.Start < loc.End && loc.End <= b.sb.Len() {
		b.locs = append(b.locs, loc)
	}
}

func (b *TextBuilder) fits(n int) bool {
	if b.over {
		return false
	}
	if b.sb.Len()+n > b.max {
		b.over = true
		return false
	}
	return true
}

// Err is core.ErrTooLarge, saying the limit, once a write was dropped;
// nil before.
func (b *TextBuilder) Err() error {
	if b.over {
		return fmt.Errorf("%w: the extracted text passes the limit of %d bytes", core.ErrTooLarge, b.max)
	}
	return nil
}

// Len is the length of the text written so far.
func (b *TextBuilder) Len() int { return b.sb.Len() }

// Over reports whether a write was dropped at the limit.
func (b *TextBuilder) Over() bool { return b.over }

// Max is the limit in bytes.
func (b *TextBuilder) Max() int { return b.max }

// Text is the text written so far.
func (b *TextBuilder) Text() string { return b.sb.String() }

// Locations are the locations recorded so far, in the order written.
func (b *TextBuilder) Locations() []core.Location { return b.locs }
