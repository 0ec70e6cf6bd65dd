package answer

import "folio/backend/core"

// Segments splits text, which starts at document offset base, into runs:
// "plain" outside the passage, "passage" inside it, "highlight" inside a
// highlighted span and "answer" inside the exact answer (nil: none), which
// shows only within a highlight. Spans are document offsets; highlights
// should be sorted. Parts of highlights outside the passage, or
// overlapping an earlier highlight, are ignored, so the runs always join
// to text.
func Segments(text string, base int, passage core.Span, highlights []core.Span, answer *core.Span) []core.Segment {
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
		if answer != nil {
			as, ae := max(clamp(answer.Start), s), min(clamp(answer.End), e)
			if as < ae {
				marks = append(marks, mark{s, "highlight"}, mark{as, "answer"}, mark{ae, "highlight"}, mark{e, "passage"})
				last = e
				continue
			}
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
