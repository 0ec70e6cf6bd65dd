package answer

import (
	"strings"
	"testing"

	"folio/backend/core"
)

// A real paragraph of XQuAD (Super_Bowl_50, data/qa/xquad.en.dev.json),
// with a sentence of our own after it, cited from document offset 1000.
const excerptPassage = "The Broncos defeated the Pittsburgh Steelers in the divisional round, 23–16, by scoring 11 points in the final three minutes of the game. They then beat the defending Super Bowl XLIX champion New England Patriots in the AFC Championship Game, 20–18, by intercepting a pass on New England's 2-point conversion attempt with 17 seconds left on the clock. Despite Manning's problems with interceptions during the season, he didn't throw any in their two playoff games. They went on to play the Panthers in Super Bowl 50."

func TestExcerpt(t *testing.T) {
	const base = 1000
	sents := []string{
		"The Broncos defeated the Pittsburgh Steelers in the divisional round, 23–16, by scoring 11 points in the final three minutes of the game.",
		"They then beat the defending Super Bowl XLIX champion New England Patriots in the AFC Championship Game, 20–18, by intercepting a pass on New England's 2-point conversion attempt with 17 seconds left on the clock.",
		"Despite Manning's problems with interceptions during the season, he didn't throw any in their two playoff games.",
		"They went on to play the Panthers in Super Bowl 50.",
	}
	if strings.Join(sents, " ") != excerptPassage {
		t.Fatal("the test's sentences do not make the passage")
	}
	// span is sentence i's document offsets.
	span := func(i int) core.Span {
		s := base + strings.Index(excerptPassage, sents[i])
		return core.Span{Start: s, End: s + len(sents[i])}
	}
	cit := func(hl ...core.Span) core.Citation {
		return core.Citation{N: 1, Start: base, End: base + len(excerptPassage), Text: excerptPassage, Highlights: hl}
	}
	tests := []struct {
		name          string
		c             core.Citation
		before, after int
		want          string
	}{
		{"no highlight: whole", cit(), 1, 1, excerptPassage},
		{"first sentence and the next", cit(span(0)), 1, 1, sents[0] + " " + sents[1] + " …"},
		{"last sentence and the one before", cit(span(3)), 1, 1, "… " + sents[2] + " " + sents[3]},
		{"the highlight and the next", cit(span(1)), 0, 1, "… " + sents[1] + " " + sents[2] + " …"},
		{"the one before and the highlight", cit(span(2)), 1, 0, "… " + sents[1] + " " + sents[2] + " …"},
		{"the highlight alone", cit(span(2)), 0, 0, "… " + sents[2] + " …"},
		{"two highlights apart", cit(span(0), span(3)), 0, 0, sents[0] + " … " + sents[3]},
		{"overlapping windows keep each sentence once", cit(span(1), span(2)), 1, 1, excerptPassage},
		{"a highlight inside a sentence keeps the sentence", cit(core.Span{Start: span(1).Start + 10, End: span(1).Start + 20}), 0, 0, "… " + sents[1] + " …"},
		{"a highlight across two sentences keeps both", cit(core.Span{Start: span(1).End - 5, End: span(2).Start + 5}), 0, 0, "… " + sents[1] + " " + sents[2] + " …"},
		{"highlights outside the text: whole", cit(core.Span{Start: 0, End: 10}, core.Span{Start: 5000, End: 5100}), 0, 0, excerptPassage},
		{"an empty or reversed highlight: whole", cit(core.Span{Start: 1100, End: 1100}, core.Span{Start: 1200, End: 1150}), 0, 0, excerptPassage},
		{"negative counts are 0", cit(span(2)), -3, -1, "… " + sents[2] + " …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.c, tt.before, tt.after); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The prompt carries each passage's excerpt, not the whole passage.
func TestMessagesCarryExcerpts(t *testing.T) {
	c := core.Citation{N: 2, Path: "/docs/broncos.txt", Start: 0, End: len(excerptPassage), Text: excerptPassage}
	s := strings.Index(excerptPassage, "Despite")
	c.Highlights = []core.Span{{Start: s, End: s + 20}}
	msgs := (&Generator{}).Messages("Did Manning throw interceptions in the playoffs?", []core.Citation{c}, nil)
	last := msgs[len(msgs)-1].Content
	if !strings.Contains(last, "Sources: [2] broncos.") || !strings.Contains(last, "\n… Despite Manning's") || !strings.Contains(last, "playoff games [2]. They went on") || !strings.Contains(last, "in Super Bowl 50 [2].") {
		t.Errorf("the prompt lacks the highlight's window:\n%s", last)
	}
	if strings.Contains(last, "Pittsburgh") || strings.Contains(last, "They then beat") {
		t.Errorf("the prompt carries a sentence before the highlight:\n%s", last)
	}
}
