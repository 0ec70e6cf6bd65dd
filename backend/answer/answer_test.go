package answer

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/internal/testenv"
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

// TestComposeLeadSentence checks which sentence leads when the one that
// answers shares few or none of the question's words with it, and another
// shares the topic.
func TestComposeLeadSentence(t *testing.T) {
	enc, err := encoder.Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		question string
		passages []string
		want     string
	}{
		{
			"Who founded the company?",
			[]string{"The company makes pumps for farms. It was founded in 1921 by Anna Berg, an engineer from Malmö. Its pumps are sold in forty countries."},
			"It was founded in 1921 by Anna Berg, an engineer from Malmö.",
		},
		{
			"When may the tenant end the lease early?",
			[]string{"The lease runs for three years from the start date. The tenant may terminate it after twelve months by giving two months' written notice. Rent is due on the first day of each month."},
			"The tenant may terminate it after twelve months by giving two months' written notice.",
		},
		{
			// No word of the question is in the answer.
			"How many people live in the city?",
			[]string{"The city lies on the north bank of the river. It has a population of about 450,000. Its cathedral dates from the 12th century."},
			"It has a population of about 450,000.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			var hits []core.Hit
			off := 0
			for i, p := range tt.passages {
				hits = append(hits, core.Hit{Chunk: core.Chunk{Ord: i, Start: off, End: off + len(p), Text: p}, Path: "/doc.txt"})
				off += len(p) + 1
			}
			qv, err := enc.Embed(context.Background(), []string{tt.question})
			if err != nil {
				t.Fatal(err)
			}
			c := &Composer{Embed: enc}
			ans, err := c.Compose(context.Background(), tt.question, qv[0], hits)
			if err != nil {
				t.Fatal(err)
			}
			if !ans.Found || len(ans.Statements) == 0 {
				t.Fatalf("no answer: %q", ans.Text)
			}
			if got := ans.Statements[0].Text; got != tt.want {
				t.Errorf("lead %q\nwant %q", got, tt.want)
			}
			if n := len(ans.Statements); n > 4 {
				t.Errorf("%d statements, want at most 4", n)
			}
		})
	}
}

// TestMaxSim checks the word-level match: stop words and punctuation are
// left out, and each question word counts its best match.
func TestMaxSim(t *testing.T) {
	e := func(x, y float32) []float32 { return []float32{x, y} }
	ts := encoder.TokenStates{Pieces: []string{"the", "cat", "##s", "?", "sat"}, States: [][]float32{e(1, 0), e(0, 1), e(1, 0), e(1, 0), e(0.6, 0.8)}}
	got := contentStates(ts)
	if len(got) != 2 || got[0][1] != 1 || got[1][0] != 0.6 {
		t.Fatalf("content states %v, want those of cat and sat", got)
	}
	tests := []struct {
		q, s [][]float32
		want float64
	}{
		{[][]float32{e(0, 1)}, got, 1},
		{[][]float32{e(1, 0), e(0, 1)}, got, (0.6 + 1) / 2},
		{nil, got, 0},
		{got, nil, 0},
	}
	for _, tt := range tests {
		if m := maxSim(tt.q, tt.s); math.Abs(m-tt.want) > 1e-6 {
			t.Errorf("maxSim(%v, %v) = %v, want %v", tt.q, tt.s, m, tt.want)
		}
	}
}

// TestComposeOffTopic checks that a question the passages do not touch is
// told so, with the closest passage listed and nothing stated.
func TestComposeOffTopic(t *testing.T) {
	enc, err := encoder.Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	p := "The lease runs for three years from the start date. The tenant may terminate it after twelve months by giving two months' written notice. Rent is due on the first day of each month."
	hits := []core.Hit{{Chunk: core.Chunk{End: len(p), Text: p}, Path: "/lease.txt"}}
	q := "At what temperature does ethanol boil?"
	qv, err := enc.Embed(context.Background(), []string{q})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := (&Composer{Embed: enc}).Compose(context.Background(), q, qv[0], hits)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Found || ans.Text != NotClear || len(ans.Statements) != 0 || len(ans.Citations) != 1 {
		t.Errorf("off-topic question gave found=%v %q, %d statements, %d citations; want NotClear with the passage listed", ans.Found, ans.Text, len(ans.Statements), len(ans.Citations))
	}
}

// embedOnly hides an encoder's word vectors, so Compose scores as it did
// before them.
type embedOnly struct{ e Embedder }

func (o embedOnly) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return o.e.Embed(ctx, texts)
}

// BenchmarkCompose composes an answer from eight XQuAD paragraphs (the
// engine asks for eight hits) with word vectors; ratio is its time over
// composing without them (sentence embeddings only), in the same run.
func BenchmarkCompose(b *testing.B) {
	enc, err := encoder.Open(testenv.Model(b))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(testenv.SharedFile(b, "data/qa/xquad.en.dev.json"))
	if err != nil {
		b.Fatal(err)
	}
	var f struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		b.Fatal(err)
	}
	var hits []core.Hit
	for _, p := range f.Data[0].Paragraphs[:8] {
		hits = append(hits, core.Hit{Chunk: core.Chunk{End: len(p.Context), Text: p.Context}, Path: "/x.txt"})
	}
	ctx := context.Background()
	q := "Which team won the game?"
	qv, err := enc.Embed(ctx, []string{q})
	if err != nil {
		b.Fatal(err)
	}
	withWords, without := &Composer{Embed: enc}, &Composer{Embed: embedOnly{enc}}
	var tw, t0 float64
	for b.Loop() {
		start := time.Now()
		if _, err := without.Compose(ctx, q, qv[0], hits); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := withWords.Compose(ctx, q, qv[0], hits); err != nil {
			b.Fatal(err)
		}
		t0 += mid.Sub(start).Seconds()
		tw += time.Since(mid).Seconds()
	}
	b.ReportMetric(tw/t0, "ratio")
	b.ReportMetric(tw/float64(b.N)*1000, "ms/compose")
}

// TestComposeNamedFilingAndFigureLead: of the same two sentences in two
// filings, the one from the filing the question names leads; within it,
// the row stating the figure leads over the sentence about the topic; the
// citation carries the document's title.
func TestComposeNamedFilingAndFigureLead(t *testing.T) {
	about := "Capital expenditure supports our stores and supply chain."
	row := "Purchases of property and equipment (4,625) (4,240)"
	text := about + " " + row
	hit := func(path string) core.Hit {
		return core.Hit{Chunk: core.Chunk{Start: 0, End: len(text), Text: text, Page: 63}, Path: path}
	}
	hits := []core.Hit{hit("/lib/WALMART_2021_10K.pdf"), hit("/lib/PEPSICO_2021_10K.pdf")}
	c := &Composer{}
	ans, err := c.Compose(context.Background(), "What is PepsiCo's FY2021 capital expenditure amount for property and equipment?", nil, hits)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Citations) == 0 || ans.Citations[0].Path != "/lib/PEPSICO_2021_10K.pdf" || ans.Citations[0].Title != "PEPSICO_2021_10K" {
		t.Fatalf("first citation %+v, want PepsiCo's filing with its title", ans.Citations)
	}
	if len(ans.Statements) == 0 || ans.Statements[0].Text != row {
		t.Errorf("first statement %+v, want the row with the figure", ans.Statements)
	}
	if !holdsFigure(row) || holdsFigure(about) || holdsFigure("In 2021, 2020 and 2019 we grew.") || holdsFigure("See Exhibit 21.1 and Note 12.") {
		t.Error("holdsFigure: wrong on the row, the sentence or the years")
	}
}
