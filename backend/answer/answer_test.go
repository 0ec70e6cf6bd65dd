package answer

import (
	"context"
	"strings"
	"testing"

	"folio/backend/core"
)

func TestSegments(t *testing.T) {
	text := "aaa bbb ccc ddd"
	tests := []struct {
		name    string
		base    int
		passage core.Span
		hl      []core.Span
		want    string
	}{
		{"whole passage", 100, core.Span{Start: 100, End: 115}, nil, "passage:aaa bbb ccc ddd"},
		{"passage inside", 0, core.Span{Start: 4, End: 11}, nil, "plain:aaa |passage:bbb ccc|plain: ddd"},
		{"highlight", 0, core.Span{Start: 4, End: 15}, []core.Span{{Start: 8, End: 11}}, "plain:aaa |passage:bbb |highlight:ccc|passage: ddd"},
		{"highlights outside the passage or overlapping are ignored", 0, core.Span{Start: 4, End: 11}, []core.Span{{Start: 0, End: 6}, {Start: 5, End: 7}, {Start: 12, End: 15}}, "plain:aaa |highlight:bbb|passage: ccc|plain: ddd"},
		{"highlight at edges", 10, core.Span{Start: 10, End: 25}, []core.Span{{Start: 10, End: 13}, {Start: 22, End: 25}}, "highlight:aaa|passage: bbb ccc |highlight:ddd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			var joined string
			for _, s := range Segments(text, tt.base, tt.passage, tt.hl) {
				parts = append(parts, s.Kind+":"+s.Text)
				joined += s.Text
			}
			if got := strings.Join(parts, "|"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if joined != text {
				t.Errorf("segments join to %q, want the whole text", joined)
			}
		})
	}
}

func TestComposePicksTheAnsweringSentence(t *testing.T) {
	doc := "Intro line here. The capital of France is Paris. Other facts follow."
	hits := []core.Hit{
		{Chunk: core.Chunk{Start: 0, End: 16, Text: doc[0:16], Page: 1}, Path: "/a.pdf"},
		{Chunk: core.Chunk{Start: 17, End: len(doc), Text: doc[17:], Page: 2}, Path: "/b.pdf"},
	}
	c := &Composer{}
	ans, err := c.Compose(context.Background(), "What is the capital of France?", nil, hits)
	if err != nil {
		t.Fatal(err)
	}
	// Only the passage that states something is cited: the intro line
	// shares no word with the question.
	if len(ans.Citations) != 1 {
		t.Fatalf("%d citations, want 1", len(ans.Citations))
	}
	first := ans.Citations[0]
	if first.Path != "/b.pdf" || first.Page != 2 || first.N != 1 {
		t.Errorf("first citation %+v, want /b.pdf page 2", first)
	}
	if len(first.Highlights) != 1 || doc[first.Highlights[0].Start:first.Highlights[0].End] != "The capital of France is Paris." {
		t.Errorf("highlights %v do not mark the answering sentence", first.Highlights)
	}
	if !strings.Contains(ans.Text, "The capital of France is Paris. [1]") {
		t.Errorf("answer %q does not state the sentence with [1]", ans.Text)
	}
	if !ans.Found || len(ans.Statements) == 0 || ans.Statements[0].N != 1 || ans.Statements[0].Text != "The capital of France is Paris." {
		t.Errorf("a full match gave found=%v statements %+v, want the answering sentence first", ans.Found, ans.Statements)
	}
}

func TestComposeSaysSoWhenNothingMatches(t *testing.T) {
	c := &Composer{}
	ans, err := c.Compose(context.Background(), "anything", nil, nil)
	if err != nil || ans.Text != NothingFound || len(ans.Citations) != 0 {
		t.Errorf("no hits gave %q, %d citations, %v", ans.Text, len(ans.Citations), err)
	}
	hits := []core.Hit{{Chunk: core.Chunk{End: 20, Text: "Unrelated sentences."}, Path: "/x.txt"}}
	ans, _ = c.Compose(context.Background(), "quantum chromodynamics lattice", nil, hits)
	if ans.Text != NotClear || ans.Found || len(ans.Statements) != 0 {
		t.Errorf("a weak match gave %q, found=%v, %d statements; want it said plainly, with nothing stated", ans.Text, ans.Found, len(ans.Statements))
	}
	if len(ans.Citations) != 1 || len(ans.Citations[0].Highlights) != 0 {
		t.Errorf("a weak match should list the closest passage without highlights, got %+v", ans.Citations)
	}
}
