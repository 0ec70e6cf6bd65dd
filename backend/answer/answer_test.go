package answer

import (
	"context"
	"strings"
	"testing"

	"folio/backend/core"
)

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
