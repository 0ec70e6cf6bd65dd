package answer

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/internal/testenv"
)

// verifyPassages are the cited passages of the support examples.
var verifyPassages = []core.Citation{
	{N: 1, Path: "/docs/acme-annual-report.pdf", Page: 3, Text: "Acme Corp was founded in 1987 in Lyon. Revenue grew 12% in 2023, reaching 4.2 million euros. The growth came mainly from the export business. Operating costs did not change."},
	{N: 2, Path: "/docs/handbook.docx", Text: "Employees may work from home up to three days a week. Remote work requires the approval of a team lead. Laptops are provided by the IT department."},
	{N: 3, Path: "/docs/paris.md", Text: "The Eiffel Tower is 330 metres tall. It was completed in 1889 for the World's Fair. Gustave Eiffel's company designed and built the tower."},
}

// supportCase is a generated sentence and whether its cited passage
// supports it. lexical is what words alone should decide: "skip" for
// paraphrases that share too few words for them to see.
type supportCase struct {
	name    string
	claim   string
	want    bool
	lexical string // "yes", "no" or "skip"
}

var supportCases = []supportCase{
	// Copies and paraphrases of a cited sentence.
	{"copy", "Revenue grew 12% in 2023, reaching 4.2 million euros [1].", true, "yes"},
	{"copy with late marker", "Acme Corp was founded in 1987 in Lyon. [1]", true, "yes"},
	{"paraphrase revenue", "Acme's revenue increased by 12% in 2023 [1].", true, "skip"},
	{"paraphrase founding", "The company was established in Lyon in 1987 [1].", true, "skip"},
	{"paraphrase remote days", "Staff can work remotely for up to three days each week [2].", true, "skip"},
	{"paraphrase approval", "Working from home requires a team lead's approval [2].", true, "yes"},
	{"two sentences", "The tower, completed in 1889 for the World's Fair, is 330 metres tall [3].", true, "yes"},
	{"paraphrase exports", "Most of the growth came from exports [1].", true, "skip"},
	{"paraphrase laptops", "The IT department provides laptops [2].", true, "yes"},
	{"negation kept", "Operating costs did not change [1].", true, "yes"},
	{"according to", "According to passage 3, Gustave Eiffel's company built the tower [3].", true, "yes"},
	{"part of a sentence", "Acme was founded in 1987 [1].", true, "yes"},
	{"paraphrase builders", "Eiffel's company both designed and constructed the tower [3].", true, "skip"},
	{"paraphrase approval reordered", "Employees need their team lead's approval to work remotely [2].", true, "skip"},
	{"paraphrase reached", "In 2023 revenue reached 4.2 million euros [1].", true, "yes"},
	// Statements the cited passage does not make.
	{"other number", "Revenue grew 5% in 2023 [1].", false, "no"},
	{"other year", "Acme Corp was founded in 1995 in Lyon [1].", false, "no"},
	{"number in words vs digits", "Employees may work from home up to 5 days a week [2].", false, "no"},
	{"absent fact same topic", "Acme Corp plans to open a factory in Brazil next year [1].", false, "no"},
	{"absent fact", "Employees receive a yearly bonus of two months' salary [2].", false, "no"},
	{"negation added", "Remote work does not require approval [2].", false, "no"},
	{"true but cites the wrong passage", "The Eiffel Tower is 330 metres tall [2].", false, "no"},
	{"swapped designer", "The tower was designed by a team of Italian engineers [3].", false, "no"},
	{"other trend", "Operating costs rose sharply in 2023 [1].", false, "no"},
	{"other obligation", "Laptops must be bought by employees themselves [2].", false, "no"},
	{"absent fact about a named thing", "The Eiffel Tower is painted every seven years [3].", false, "no"},
}

// limitCases are unsupported sentences that Verify is known to pass: a
// swapped name or an antonym with the passage's other words intact. They
// are logged, not asserted, so the report shows how far they score.
var limitCases = []supportCase{
	{"swapped city", "Acme Corp was founded in 1987 in Paris [1].", false, "no"},
	{"antonym", "Revenue fell 12% in 2023 [1].", false, "no"},
	{"swapped occasion", "The Eiffel Tower was completed in 1889 for the Olympic Games [3].", false, "no"},
	{"negated paraphrase", "Operating costs stayed the same [1].", true, "skip"},
}

// scoreCases verifies every case on its own and returns the claims.
func scoreCases(t *testing.T, cases []supportCase, embed Embedder) []core.Claim {
	t.Helper()
	var out []core.Claim
	for _, c := range cases {
		claims, err := Verify(context.Background(), c.claim, verifyPassages, embed)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(claims) != 1 {
			t.Fatalf("%s: %d claims, want 1: %+v", c.name, len(claims), claims)
		}
		out = append(out, claims[0])
	}
	return out
}

// logLimits logs how limitCases score.
func logLimits(t *testing.T, embed Embedder) {
	t.Helper()
	for i, got := range scoreCases(t, limitCases, embed) {
		c := limitCases[i]
		t.Logf("known limit: %-30s support %.3f supported %v, want %v", c.name, got.Support, got.Supported, c.want)
	}
}

func TestVerifySupportWithModel(t *testing.T) {
	enc, err := encoder.Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	logLimits(t, enc)
	claims := scoreCases(t, supportCases, enc)
	for i, c := range supportCases {
		got := claims[i]
		t.Logf("%-34s support %.3f supported %v", c.name, got.Support, got.Supported)
		if got.Supported != c.want {
			t.Errorf("%s: %q supported = %v (support %.3f, threshold %.2f), want %v", c.name, c.claim, got.Supported, got.Support, SupportThreshold, c.want)
		}
	}
}

func TestVerifySupportLexical(t *testing.T) {
	logLimits(t, nil)
	claims := scoreCases(t, supportCases, nil)
	for i, c := range supportCases {
		got := claims[i]
		t.Logf("%-34s support %.3f supported %v (lexical: %s)", c.name, got.Support, got.Supported, c.lexical)
		if c.lexical == "skip" {
			continue
		}
		if want := c.lexical == "yes"; got.Supported != want {
			t.Errorf("%s: %q supported = %v (support %.3f, threshold %.2f), want %v", c.name, c.claim, got.Supported, got.Support, LexicalSupportThreshold, want)
		}
	}
}

func TestVerifySplitsClaims(t *testing.T) {
	cits := []core.Citation{
		{N: 1, Text: "Revenue grew 12% in 2023."},
		{N: 2, Text: "Costs fell."},
	}
	type want struct {
		text    string
		cites   []int
		missing []int
	}
	tests := []struct {
		name string
		text string
		want []want
	}{
		{"one marker each", "Revenue grew 12% in 2023 [1]. Costs fell [2].", []want{
			{"Revenue grew 12% in 2023.", []int{1}, nil},
			{"Costs fell.", []int{2}, nil},
		}},
		{"comma list and adjacent markers", "Revenue grew and costs fell [1, 2]. Both moved [1][2].", []want{
			{"Revenue grew and costs fell.", []int{1, 2}, nil},
			{"Both moved.", []int{1, 2}, nil},
		}},
		{"marker after the full stop", "Revenue grew 12%. [1] Costs fell.[2]", []want{
			{"Revenue grew 12%.", []int{1}, nil},
			{"Costs fell.", []int{2}, nil},
		}},
		{"range", "Revenue grew 12% and costs fell [1-2].", []want{
			{"Revenue grew 12% and costs fell.", []int{1, 2}, nil},
		}},
		{"line break ends a claim", "- Revenue grew 12% [1]\n- Costs fell [2]", []want{
			{"Revenue grew 12%", []int{1}, nil},
			{"Costs fell", []int{2}, nil},
		}},
		{"missing numbers", "Revenue grew 12% in 2023 [1][7]. Costs fell [9].", []want{
			{"Revenue grew 12% in 2023.", []int{1, 7}, []int{7}},
			{"Costs fell.", []int{9}, []int{9}},
		}},
		{"non-claims are left out", "# Summary\nSure. Here is what I found:\nRevenue grew 12% in 2023 [1].\nI hope this helps.", []want{
			{"Revenue grew 12% in 2023.", []int{1}, nil},
		}},
		{"uncited statements stay", "The company will double its revenue soon. In 2024 it hired.", []want{
			{"The company will double its revenue soon.", []int{}, nil},
			{"In 2024 it hired.", []int{}, nil},
		}},
		{"markers alone on a line join the claim before", "Revenue grew 12% in 2023.\n[1]", []want{
			{"Revenue grew 12% in 2023.", []int{1}, nil},
		}},
		{"empty", " \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := Verify(context.Background(), tt.text, cits, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, c := range claims {
				got = append(got, want{c.Text, c.Cites, c.Missing})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestVerifyUnsupportedWithoutCitations(t *testing.T) {
	cits := []core.Citation{{N: 1, Text: "Revenue grew 12% in 2023."}}
	claims, err := Verify(context.Background(), "Revenue grew 12% in 2023. Revenue grew 12% in 2023 [4].", cits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 2 {
		t.Fatalf("%d claims, want 2", len(claims))
	}
	for i, c := range claims {
		if c.Supported || c.Support != 0 {
			t.Errorf("claim %d %+v: want unsupported with support 0, although its words are the passage's", i, c)
		}
	}
}

// countingEmbedder embeds texts as letter counts and records its calls.
type countingEmbedder struct {
	mu    sync.Mutex // guards calls
	calls [][]string
	err   error
}

func (e *countingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, texts)
	e.mu.Unlock()
	if e.err != nil {
		return nil, e.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 26)
		var norm float32
		for _, r := range strings.ToLower(t) {
			if r >= 'a' && r <= 'z' {
				v[r-'a']++
				norm += 1
			}
		}
		for j := range v {
			if norm > 0 {
				v[j] /= norm
			}
		}
		out[i] = v
	}
	return out, nil
}

func TestVerifyEmbedsOnce(t *testing.T) {
	e := &countingEmbedder{}
	text := "Revenue grew 12% in 2023 [1]. The tower is 330 metres tall [3]. Revenue again [1]. Nothing cited here at all, sadly."
	if _, err := Verify(context.Background(), text, verifyPassages, e); err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 1 {
		t.Fatalf("%d Embed calls, want 1", len(e.calls))
	}
	// 3 cited claims; passages 1 (4 sentences, 3 pairs) and 3 (3 and 2),
	// each once although cited twice; the uncited claim is not embedded.
	if got, want := len(e.calls[0]), 3+7+5; got != want {
		t.Errorf("embedded %d texts, want %d: %q", got, want, e.calls[0])
	}
}

func TestVerifyEmbedError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Verify(context.Background(), "Revenue grew 12% in 2023 [1].", verifyPassages, &countingEmbedder{err: boom})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
}

func TestVerifyNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"grew 12% to 4.2 million", "12 4.2"},
		{"1,200,000 people and 1200 more", "1200000 1200"},
		{"3.50 and 3,5 and 07 and 0.5", "3.5 7 0.5"},
		{"1.200.000", "1200000"},
		{"no digits", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(numbers(tt.in), " "); got != tt.want {
			t.Errorf("numbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func ExampleVerify() {
	cits := []core.Citation{{N: 1, Text: "Revenue grew 12% in 2023, reaching 4.2 million euros."}}
	claims, _ := Verify(context.Background(), "Revenue grew 12% in 2023 [1]. It grew 5% [1]. Profits doubled [2].", cits, nil)
	for _, c := range claims {
		fmt.Printf("%q cites %v missing %v supported %v\n", c.Text, c.Cites, c.Missing, c.Supported)
	}
	// Output:
	// "Revenue grew 12% in 2023." cites [1] missing [] supported true
	// "It grew 5%." cites [1] missing [] supported false
	// "Profits doubled." cites [2] missing [2] supported false
}
