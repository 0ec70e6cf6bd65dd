// Package answer composes Folio's reply from retrieved passages: it picks
// the sentences that best answer the question, cites each passage as [n]
// with its exact span, and marks the sentences to highlight.
package answer

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/index"
)

// Embedder turns texts into L2-normalised vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Composer builds answers. Zero fields take defaults.
type Composer struct {
	// Embed scores sentences by meaning; nil scores by words alone.
	Embed Embedder
	// IDF weighs question words by rarity; nil weighs them equally.
	IDF func(term string) float64
	// MaxPassages is the most passages cited (default 5).
	MaxPassages int
}

// NothingFound is the answer when no passage matches the question at all.
const NothingFound = "Nothing in your library matches this question."

// WeakMatch prefixes an answer whose best passage matches only weakly.
const WeakMatch = "Nothing in your library clearly answers this. The closest passages:"

// minScore is the sentence score below which a match counts as weak.
const minScore = 0.3

type scored struct {
	span  core.Span // in document offsets
	score float64
}

type passage struct {
	hit       core.Hit
	rank      int
	sentences []scored
	best      float64
}

// Compose answers question from hits (best first). qvec is the question's
// embedding, or nil in keyword mode.
func (c *Composer) Compose(ctx context.Context, question string, qvec []float32, hits []core.Hit) (core.Answer, error) {
	ans := core.Answer{Question: question, Mode: "keyword", Citations: []core.Citation{}}
	if qvec != nil && c.Embed != nil {
		ans.Mode = "hybrid"
	}
	if len(hits) == 0 {
		ans.Text = NothingFound
		return ans, nil
	}
	ps, err := c.score(ctx, question, qvec, hits)
	if err != nil {
		return ans, err
	}
	max := c.MaxPassages
	if max <= 0 {
		max = 5
	}
	if len(ps) > max {
		ps = ps[:max]
	}
	var lines []string
	for i, p := range ps {
		n := i + 1
		hl := highlights(p)
		cit := core.Citation{
			N: n, Path: p.hit.Path, Page: p.hit.Page,
			Start: p.hit.Start, End: p.hit.End, Text: p.hit.Text,
			Highlights: hl, Score: p.best,
		}
		cit.Segments = Segments(p.hit.Text, p.hit.Start, core.Span{Start: p.hit.Start, End: p.hit.End}, hl)
		ans.Citations = append(ans.Citations, cit)
		if i < 3 && len(hl) > 0 {
			for _, h := range hl {
				lines = append(lines, statement(p.hit.Text[h.Start-p.hit.Start:h.End-p.hit.Start])+fmt.Sprintf(" [%d]", n))
			}
		}
	}
	if ps[0].best < minScore {
		lines = append([]string{WeakMatch}, lines...)
	}
	ans.Text = strings.Join(lines, "\n")
	return ans, nil
}

// score splits each hit into sentences, scores them against the question
// and orders the passages by their best sentence.
func (c *Composer) score(ctx context.Context, question string, qvec []float32, hits []core.Hit) ([]passage, error) {
	qterms := unique(index.Terms(question))
	weight := func(t string) float64 {
		if c.IDF == nil {
			return 1
		}
		return c.IDF(t)
	}
	var total float64
	for _, t := range qterms {
		total += weight(t)
	}
	ps := make([]passage, 0, len(hits))
	var texts []string
	for rank, h := range hits {
		p := passage{hit: h, rank: rank}
		for _, s := range chunk.Sentences(h.Text) {
			text := h.Text[s.Start:s.End]
			lex := 0.0
			if total > 0 {
				have := map[string]bool{}
				for _, t := range index.Terms(text) {
					have[t] = true
				}
				for _, t := range qterms {
					if have[t] {
						lex += weight(t)
					}
				}
				lex /= total
			}
			p.sentences = append(p.sentences, scored{
				span:  core.Span{Start: s.Start + h.Start, End: s.End + h.Start},
				score: lex,
			})
			texts = append(texts, text)
		}
		ps = append(ps, p)
	}
	if qvec != nil && c.Embed != nil && len(texts) > 0 {
		vecs, err := c.Embed.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed sentences: %w", err)
		}
		i := 0
		for pi := range ps {
			for si := range ps[pi].sentences {
				s := &ps[pi].sentences[si]
				s.score = 0.4*s.score + 0.6*math.Max(0, cosine(qvec, vecs[i]))
				i++
			}
		}
	}
	for i := range ps {
		for _, s := range ps[i].sentences {
			ps[i].best = math.Max(ps[i].best, s.score)
		}
		// A small bonus for retrieval rank breaks ties between passages
		// whose best sentences score alike.
		ps[i].best += 0.02 / float64(ps[i].rank+1)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].best > ps[j].best })
	return ps, nil
}

// highlights picks a passage's best sentence, and a second one when it
// scores nearly as well, in document order.
func highlights(p passage) []core.Span {
	ss := append([]scored(nil), p.sentences...)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].score > ss[j].score })
	var out []core.Span
	for i, s := range ss {
		if i == 2 || s.score <= 0 || (i > 0 && s.score < 0.85*ss[0].score) {
			break
		}
		out = append(out, s.span)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// statement flattens a sentence onto one line and caps its length.
func statement(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 400 {
		s = string(r[:400]) + "…"
	}
	return s
}

// Segments splits text, which starts at document offset base, into runs:
// "plain" outside the passage, "passage" inside it and "highlight" inside a
// highlighted span. Spans are document offsets; highlights should be
// sorted. Parts of highlights outside the passage, or overlapping an
// earlier highlight, are ignored, so the runs always join to text.
func Segments(text string, base int, passage core.Span, highlights []core.Span) []core.Segment {
	type mark struct {
		at   int
		kind string
	}
	clamp := func(off int) int { return min(max(off-base, 0), len(text)) }
	// Boundaries in text-relative offsets, each starting a run of a kind.
	pStart, pEnd := clamp(passage.Start), clamp(passage.End)
	marks := []mark{{0, "plain"}, {pStart, "passage"}}
	last := pStart
	for _, h := range highlights {
		s, e := max(clamp(h.Start), last), min(clamp(h.End), pEnd)
		if e <= s {
			continue
		}
		marks = append(marks, mark{s, "highlight"}, mark{e, "passage"})
		last = e
	}
	marks = append(marks, mark{pEnd, "plain"})
	var out []core.Segment
	for i, m := range marks {
		end := len(text)
		if i+1 < len(marks) {
			end = marks[i+1].at
		}
		if end <= m.at {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Kind == m.kind {
			out[n-1].Text += text[m.at:end]
			continue
		}
		out = append(out, core.Segment{Text: text[m.at:end], Kind: m.kind})
	}
	return out
}

func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func unique(ts []string) []string {
	seen := map[string]bool{}
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
