package answer

import (
	"strings"

	"folio/backend/chunk"
	"folio/backend/core"
)

// How many sentences before and after a highlighted one a prompt's
// excerpt keeps (Excerpt): the one after, which often completes it ("…
// The company was founded by Ann Lee. She …"). None before: a small model
// copies the text it is given first, which should be the best sentence,
// and every sentence more makes the answer start later.
const (
	ExcerptBefore = 0
	ExcerptAfter  = 1
)

// Excerpt is the part of citation c that a generator's prompt carries: the
// sentences of c.Text that hold its highlights (those the extracted answer
// picked as best answering the question), each with before sentences
// before it and after after it, in document order, joined by a space, with "…" standing
// for the sentences left out between or around them. A small model given
// the sentences around the answer, rather than whole pages, answers from
// them and cites them, and the prompt is shorter, so the answer starts
// sooner.
//
// Invariants: every sentence of the excerpt is one of c.Text's
// (chunk.Sentences), unchanged and in order, and each appears once; a
// citation with no highlight inside its text (offsets are clamped to it)
// is given whole, as is one whose excerpt would keep every sentence.
func Excerpt(c core.Citation, before, after int) string {
	return excerpt(c, before, after, nil)
}

// excerpt is Excerpt with each sentence kept passed through mark when it
// is not nil (every sentence of the text when none is highlighted).
func excerpt(c core.Citation, before, after int, mark func(string) string) string {
	before, after = max(before, 0), max(after, 0)
	sents := chunk.Sentences(c.Text)
	keep := make([]bool, len(sents))
	kept := 0
	for _, h := range c.Highlights {
		s := min(max(h.Start-c.Start, 0), len(c.Text))
		e := min(max(h.End-c.Start, 0), len(c.Text))
		if e <= s {
			continue
		}
		for i, sp := range sents {
			if sp.Start >= e || sp.End <= s {
				continue
			}
			for j := max(0, i-before); j <= min(len(sents)-1, i+after); j++ {
				if !keep[j] {
					keep[j] = true
					kept++
				}
			}
		}
	}
	if kept == 0 || kept == len(sents) {
		if mark == nil {
			return c.Text
		}
		for i := range keep {
			keep[i] = true
		}
	}
	var b strings.Builder
	gap := false
	for i, sp := range sents {
		if !keep[i] {
			gap = true
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if gap {
			b.WriteString("… ")
			gap = false
		}
		text := c.Text[sp.Start:sp.End]
		if mark != nil {
			text = mark(text)
		}
		b.WriteString(text)
	}
	if gap {
		b.WriteString(" …")
	}
	return b.String()
}

// PromptScoreShare is the least share of the best passage's score a
// passage needs to go into a small model's prompt (PromptPassages).
const PromptScoreShare = 0.9

// PromptPassages are the passages of cits (an extracted answer's, best
// first) that a generator small enough to be distracted by weaker
// passages is given: the first, and every other whose Score is at least
// PromptScoreShare of the first's. With scores unknown (the first's is
// not positive) all are kept. Each keeps its number, so the answer's
// markers still name the answer's citations.
func PromptPassages(cits []core.Citation) []core.Citation {
	if len(cits) < 2 || cits[0].Score <= 0 {
		return cits
	}
	out := []core.Citation{cits[0]}
	for _, c := range cits[1:] {
		if c.Score >= PromptScoreShare*cits[0].Score {
			out = append(out, c)
		}
	}
	return out
}
