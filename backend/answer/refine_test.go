package answer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"folio/backend/core"
)

// fakeReader answers with the first occurrence of a fixed string in each
// context, scored by a per-context table.
type fakeReader struct {
	answer string
	score  map[string]float64 // by a word of the context
	err    error
}

func (f fakeReader) Answer(_ context.Context, _, text string) (int, int, float64, error) {
	if f.err != nil {
		return 0, 0, 0, f.err
	}
	i := strings.Index(text, f.answer)
	if i < 0 {
		return -1, -1, 0, nil
	}
	score := 0.0
	for w, s := range f.score {
		if strings.Contains(text, w) {
			score = s
		}
	}
	return i, i + len(f.answer), score, nil
}

func TestRefine(t *testing.T) {
	doc := "Otters eat fish. Sea otters live in kelp forests off California. They use stones as tools."
	hits := []core.Hit{{Chunk: core.Chunk{Start: 0, End: len(doc), Text: doc}, Path: "/otters.txt"}}
	compose := func(t *testing.T) core.Answer {
		t.Helper()
		ans, err := (&Composer{}).Compose(context.Background(), "Where do sea otters live?", nil, hits)
		if err != nil || !ans.Found {
			t.Fatalf("compose: found=%v err=%v", ans.Found, err)
		}
		return ans
	}
	t.Run("the answer's sentence leads and its span is marked", func(t *testing.T) {
		ans := compose(t)
		if err := Refine(context.Background(), fakeReader{answer: "kelp forests"}, &ans, 0); err != nil {
			t.Fatal(err)
		}
		lead := ans.Statements[0]
		if lead.Text != "Sea otters live in kelp forests off California." || lead.Answer != "kelp forests" || lead.N != 1 {
			t.Errorf("lead %+v, want the kelp sentence with its answer", lead)
		}
		c := ans.Citations[0]
		if c.Answer == nil || doc[c.Answer.Start:c.Answer.End] != "kelp forests" {
			t.Errorf("citation answer %v, want the span of \"kelp forests\"", c.Answer)
		}
		var kinds []string
		for _, s := range c.Segments {
			if s.Kind == "answer" {
				kinds = append(kinds, s.Text)
			}
		}
		if len(kinds) != 1 || kinds[0] != "kelp forests" {
			t.Errorf("answer segments %q, want one \"kelp forests\"", kinds)
		}
		if !strings.HasPrefix(ans.Text, "Sea otters live in kelp forests off California. [1]") {
			t.Errorf("text %q does not lead with the answer's sentence", ans.Text)
		}
	})
	t.Run("a sentence that was not stated is added first", func(t *testing.T) {
		ans := compose(t)
		if err := Refine(context.Background(), fakeReader{answer: "stones"}, &ans, 0); err != nil {
			t.Fatal(err)
		}
		if ans.Statements[0].Text != "They use stones as tools." {
			t.Errorf("lead %q, want the stones sentence", ans.Statements[0].Text)
		}
		found := false
		for _, h := range ans.Citations[0].Highlights {
			found = found || doc[h.Start:h.End] == "They use stones as tools."
		}
		if !found {
			t.Errorf("highlights %v lack the new lead sentence", ans.Citations[0].Highlights)
		}
	})
	t.Run("the surest span of several passages wins", func(t *testing.T) {
		two := append(hits, core.Hit{Chunk: core.Chunk{Start: 0, End: 30, Text: "Sea otters live in kelp beds."}, Path: "/b.txt"})
		ans, err := (&Composer{}).Compose(context.Background(), "Where do sea otters live in kelp?", nil, two)
		if err != nil || len(ans.Citations) < 2 {
			t.Fatalf("want two citations, got %d (%v)", len(ans.Citations), err)
		}
		r := fakeReader{answer: "kelp", score: map[string]float64{"beds": 9, "forests": 1}}
		if err := Refine(context.Background(), r, &ans, 0); err != nil {
			t.Fatal(err)
		}
		var lead core.Citation
		for _, c := range ans.Citations {
			if c.N == ans.Statements[0].N {
				lead = c
			}
		}
		if lead.Path != "/b.txt" || lead.Answer == nil {
			t.Errorf("lead cites %s (answer %v), want /b.txt, the surer span", lead.Path, lead.Answer)
		}
	})
	t.Run("no span leaves the answer as it was", func(t *testing.T) {
		ans := compose(t)
		want := ans.Text
		if err := Refine(context.Background(), fakeReader{answer: "penguins"}, &ans, 0); err != nil || ans.Text != want {
			t.Errorf("text %q, err %v; want %q unchanged", ans.Text, err, want)
		}
	})
	t.Run("a reader error is reported", func(t *testing.T) {
		ans := compose(t)
		boom := errors.New("boom")
		if err := Refine(context.Background(), fakeReader{err: boom}, &ans, 0); !errors.Is(err, boom) {
			t.Errorf("error %v, want boom", err)
		}
	})
}
