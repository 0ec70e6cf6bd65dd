package answer

import (
	"context"
	"fmt"
	"sort"

	"folio/backend/chunk"
	"folio/backend/core"
)

// SpanReader finds the exact answer to a question inside a context, as an
// extractive QA model (BertForQuestionAnswering) does. Start and End are
// byte offsets into context; higher scores are surer.
type SpanReader interface {
	Answer(ctx context.Context, question, context string) (start, end int, score float64, err error)
}

// refinePassages is how many of the answer's passages the reader reads.
const refinePassages = 3

// Refine marks the exact answer span that r finds in the best passages of
// ans: the sentence holding the surest span becomes the answer's first
// statement (added when it was not stated), its citation's Answer is set,
// and the span is marked "answer" inside the highlight. At most
// maxStatements are kept (0: 4, the Composer's default).
func Refine(ctx context.Context, r SpanReader, ans *core.Answer, maxStatements int) error {
	if !ans.Found || len(ans.Citations) == 0 || len(ans.Statements) == 0 {
		return nil // nothing found, or a computed answer (no statements)
	}
	type found struct {
		cit        int
		start, end int // document offsets
		score      float64
	}
	var best *found
	for i := range ans.Citations[:min(refinePassages, len(ans.Citations))] {
		c := &ans.Citations[i]
		s, e, score, err := r.Answer(ctx, ans.Question, c.Text)
		if err != nil {
			return fmt.Errorf("find the answer in %s: %w", c.Path, err)
		}
		if s < 0 || e <= s || e > len(c.Text) {
			continue
		}
		if best == nil || score > best.score {
			best = &found{cit: i, start: c.Start + s, end: c.Start + e, score: score}
		}
	}
	if best == nil {
		return nil
	}
	c := &ans.Citations[best.cit]
	// The sentence of the passage that holds the span.
	var sent core.Span
	for _, s := range chunk.Sentences(c.Text) {
		if s.Start+c.Start <= best.start && best.start < s.End+c.Start {
			sent = core.Span{Start: s.Start + c.Start, End: s.End + c.Start}
			break
		}
	}
	if sent.End <= sent.Start {
		return nil
	}
	best.end = min(best.end, sent.End) // a span never leaves its sentence
	lead := core.Statement{
		Text: c.Text[sent.Start-c.Start : sent.End-c.Start], N: c.N,
		Start: sent.Start, End: sent.End,
		Answer: c.Text[best.start-c.Start : best.end-c.Start],
	}
	stmts := []core.Statement{lead}
	for _, s := range ans.Statements {
		if s.N == lead.N && s.Start == lead.Start {
			continue
		}
		stmts = append(stmts, s)
	}
	if maxStatements <= 0 {
		maxStatements = 4 // the Composer's default
	}
	if len(stmts) > maxStatements {
		stmts = stmts[:maxStatements]
	}
	ans.Statements = stmts
	c.Answer = &core.Span{Start: best.start, End: best.end}
	if !hasSpan(c.Highlights, sent) {
		c.Highlights = append(c.Highlights, sent)
		sort.Slice(c.Highlights, func(i, j int) bool { return c.Highlights[i].Start < c.Highlights[j].Start })
	}
	// Drop highlights whose statement fell off the end.
	for i := range ans.Citations {
		ci := &ans.Citations[i]
		kept := ci.Highlights[:0]
		for _, h := range ci.Highlights {
			for _, s := range stmts {
				if s.N == ci.N && s.Start == h.Start {
					kept = append(kept, h)
					break
				}
			}
		}
		ci.Highlights = kept
		citeSegments(ci)
	}
	ans.Text = statementsText(stmts)
	return nil
}

func hasSpan(ss []core.Span, s core.Span) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
