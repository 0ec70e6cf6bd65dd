package answer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
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
	{"swapped city", "Acme Corp was founded in 1987 in Paris [1].", false, "no"},
	{"swapped occasion", "The Eiffel Tower was completed in 1889 for the Olympic Games [3].", false, "no"},
	{"swapped month", "The tower was completed in March 1889 [3].", false, "no"},
	{"negation removed", "Operating costs changed [1].", false, "no"},
}

// limitCases are sentences Verify is known to misjudge: an antonym with
// the passage's other words intact, a negation said in other words. They
// are logged, not asserted, so the report shows how far they score.
var limitCases = []supportCase{
	{"antonym", "Revenue fell 12% in 2023 [1].", false, "no"},
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
		{"three days, a two-lane road, COVID-19, U.S. 5.", "3 2 19 5"},
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

// handCase is a claim checked against its own passages, derived by hand.
type handCase struct {
	name  string
	cits  []core.Citation
	claim string
	want  bool
}

var (
	councilCits = []core.Citation{{N: 1, Text: "The city council had 1,373 members in 1901. It met twice a year in the old town hall."}}
	budgetCits  = []core.Citation{{N: 1, Text: "The committee met in March. The committee did not approve the budget for the new hospital."}}
	curieCits   = []core.Citation{
		{N: 1, Text: "Marie Curie was born in Warsaw in 1867. She moved to Paris to study physics."},
		{N: 2, Text: "The Nobel Prize in Chemistry of 1911 went to Marie Curie. It honoured her discovery of radium and polonium."},
	}
)

var handCases = []handCase{
	{"Lyon as the passage says", verifyPassages, "Acme Corp was founded in Lyon [1].", true},
	{"Paris for Lyon", verifyPassages, "Acme Corp was founded in Paris [1].", false},
	{"Paris for Lyon, sentence-initial", verifyPassages, "Paris is where Acme Corp was founded in 1987 [1].", false},
	{"1,373 as the passage says", councilCits, "In 1901 the city council had 1373 members [1].", true},
	{"1,577 for 1,373", councilCits, "The city council had 1,577 members in 1901 [1].", false},
	{"did not as the passage says", budgetCits, "The committee did not approve the budget for the new hospital [1].", true},
	{"did for did not", budgetCits, "The committee did approve the budget for the new hospital [1].", false},
	{"approved for did not", budgetCits, "The committee approved the hospital budget [1].", false},
	{"never, as the passage implies", budgetCits, "The committee never approved the budget for the new hospital [1].", true},
	{"two passages together", curieCits, "Marie Curie, born in Warsaw in 1867, won the 1911 Nobel Prize in Chemistry [1][2].", true},
	{"two passages, only the first cited", curieCits, "Marie Curie, born in Warsaw in 1867, won the 1911 Nobel Prize in Chemistry [1].", false},
	{"two passages, only the second cited", curieCits, "Marie Curie, born in Warsaw in 1867, won the 1911 Nobel Prize in Chemistry [2].", false},
	{"two passages, swapped city", curieCits, "Marie Curie, born in Krakow in 1867, won the 1911 Nobel Prize in Chemistry [1][2].", false},
	{"two passages, swapped year", curieCits, "Marie Curie, born in Warsaw in 1867, won the 1903 Nobel Prize in Chemistry [1][2].", false},
	{"name from elsewhere in the passage", curieCits, "Marie Curie moved to Paris to study physics [1].", true},
	{"name swapped with one from the same passage", curieCits, "Marie Curie was born in Paris in 1867 [1].", false},
	{"a first word before a comma is no name", verifyPassages, "Overall, Acme Corp was founded in Lyon in 1987 [1].", true},
	{"the name a pronoun stands for", curieCits, "Curie moved to Paris to study physics [1].", true},
	{"numbers in each other's places", councilCits, "The city council had 1901 members in 1373 [1].", false},
}

func checkHandCases(t *testing.T, embed Embedder) {
	t.Helper()
	for _, c := range handCases {
		claims, err := Verify(context.Background(), c.claim, c.cits, embed)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(claims) != 1 {
			t.Fatalf("%s: %d claims, want 1", c.name, len(claims))
		}
		got := claims[0]
		t.Logf("%-45s support %.3f supported %v", c.name, got.Support, got.Supported)
		if got.Supported != c.want {
			t.Errorf("%s: %q supported = %v (support %.3f), want %v", c.name, c.claim, got.Supported, got.Support, c.want)
		}
	}
}

func TestVerifyHandCasesLexical(t *testing.T) { checkHandCases(t, nil) }

func TestVerifyHandCasesWithModel(t *testing.T) {
	enc, err := encoder.Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	checkHandCases(t, enc)
}

func TestVerifyEvidence(t *testing.T) {
	const base = 1000
	passage := "Marie Curie was born in Warsaw in 1867. She moved to Paris to study physics. She never returned."
	doc := strings.Repeat("x", base) + passage + " tail"
	sentence := func(s string) core.Span {
		i := strings.Index(doc, s)
		return core.Span{Start: i, End: i + len(s)}
	}
	cit := core.Citation{N: 4, Start: base, End: base + len(passage), Text: passage}
	tests := []struct {
		name  string
		cit   core.Citation
		claim string
		want  []core.Span
	}{
		{"one sentence", cit, "Curie moved to Paris to study physics [4].",
			[]core.Span{sentence("She moved to Paris to study physics.")}},
		{"a pair trimmed to the sentence that holds the claim", cit, "Curie was born in Warsaw [4].",
			[]core.Span{sentence("Marie Curie was born in Warsaw in 1867.")}},
		{"two adjacent sentences", cit, "Curie, born in Warsaw in 1867, moved to Paris to study physics [4].",
			[]core.Span{sentence("Marie Curie was born in Warsaw in 1867."), sentence("She moved to Paris to study physics.")}},
		{"a citation whose document shrank is clamped", core.Citation{N: 4, Start: base, End: base + 20, Text: passage},
			"Curie moved to Paris to study physics [4].", nil},
		{"a citation without offsets", core.Citation{N: 4, Text: passage}, "Curie moved to Paris to study physics [4].",
			[]core.Span{{Start: 40, End: 76}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := Verify(context.Background(), tt.claim, []core.Citation{tt.cit}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(claims) != 1 || !claims[0].Supported {
				t.Fatalf("claims %+v: want one supported", claims)
			}
			var got []core.Span
			for _, e := range claims[0].Evidence {
				if e.N != 4 {
					t.Errorf("evidence cites %d, want 4", e.N)
				}
				got = append(got, e.Spans...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("evidence %v, want %v", got, tt.want)
			}
			for _, s := range got {
				if s.Start < tt.cit.Start || s.End > tt.cit.Start+len(tt.cit.Text) || s.End <= s.Start {
					t.Errorf("span %v outside the citation %d-%d", s, tt.cit.Start, tt.cit.End)
				}
			}
		})
	}
}

func TestVerifyEvidenceJoint(t *testing.T) {
	claims, err := Verify(context.Background(), "Marie Curie, born in Warsaw in 1867, won the 1911 Nobel Prize in Chemistry [1][2].", curieCits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 1 || !claims[0].Supported {
		t.Fatalf("claims %+v: want one supported", claims)
	}
	var got []string
	for _, e := range claims[0].Evidence {
		for _, s := range e.Spans {
			got = append(got, fmt.Sprintf("[%d] %s", e.N, curieCits[e.N-1].Text[s.Start:s.End]))
		}
	}
	want := []string{"[1] Marie Curie was born in Warsaw in 1867.", "[2] The Nobel Prize in Chemistry of 1911 went to Marie Curie."}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("evidence %q, want %q", got, want)
	}
}

func TestHighlightEvidence(t *testing.T) {
	text := "Intro. Marie Curie was born in Warsaw in 1867. She moved to Paris to study physics."
	cits := []core.Citation{
		{N: 1, Start: 0, End: len(text), Text: text, Highlights: []core.Span{{Start: 0, End: 6}}},
		{N: 2, Start: 0, End: len(text), Text: text, Highlights: []core.Span{{Start: 0, End: 6}}},
		{N: 3, Start: 0, End: len(text), Text: text, Highlights: []core.Span{{Start: 0, End: 6}}},
	}
	gen := "Curie moved to Paris to study physics [1]. Curie was born in Warsaw in 1867 [1]. Curie was born in Lyon in 1900 [2]."
	claims, err := Verify(context.Background(), gen, cits, nil)
	if err != nil {
		t.Fatal(err)
	}
	ans := core.Answer{Text: gen, Citations: cits, Claims: claims, Mode: "generated"}
	HighlightEvidence(&ans)
	var hl []string
	for _, h := range ans.Citations[0].Highlights {
		hl = append(hl, text[h.Start:h.End])
	}
	if want := []string{"Marie Curie was born in Warsaw in 1867.", "She moved to Paris to study physics."}; !reflect.DeepEqual(hl, want) {
		t.Errorf("[1] highlights %q, want %q", hl, want)
	}
	if len(ans.Citations[1].Highlights) != 0 {
		t.Errorf("[2], cited only by an unsupported claim, highlights %v", ans.Citations[1].Highlights)
	}
	if !reflect.DeepEqual(ans.Citations[2].Highlights, []core.Span{{Start: 0, End: 6}}) {
		t.Errorf("[3], cited by no claim, highlights %v changed", ans.Citations[2].Highlights)
	}
	for _, c := range ans.Citations[:2] {
		var joined strings.Builder
		for _, s := range c.Segments {
			joined.WriteString(s.Text)
		}
		if joined.String() != c.Text {
			t.Errorf("[%d] segments join to %q", c.N, joined.String())
		}
	}
}

// FuzzVerify checks that any text against any citation neither panics nor
// returns evidence outside its citation.
func FuzzVerify(f *testing.F) {
	f.Add("Acme Corp was founded in Paris [1]. It did not grow [1][2].", "Acme Corp was founded in 1987 in Lyon. Revenue grew 12%.", 0, 0)
	f.Add("1,577 [1] 3.5.5 [2-9] U.S. [1]", "The U.S. had 1,373. \xff\xfe N't no.", 5, 3)
	f.Add("\n[1]\n[1, 2]. Overall, X [2].", "", -4, 100)
	f.Fuzz(func(t *testing.T, text, passage string, start, end int) {
		cits := []core.Citation{{N: 1, Start: start, End: end, Text: passage}, {N: 2, Start: 0, End: len(passage), Text: passage}}
		claims, err := Verify(context.Background(), text, cits, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if c.Support < 0 || c.Support > 1 || math.IsNaN(c.Support) {
				t.Errorf("support %v", c.Support)
			}
			for _, e := range c.Evidence {
				cit := cits[e.N-1]
				for _, s := range e.Spans {
					if s.Start < cit.Start || s.End > cit.Start+len(cit.Text) || s.End <= s.Start {
						t.Errorf("span %v outside citation %d (%d+%d)", s, e.N, cit.Start, len(cit.Text))
					}
				}
			}
		}
		ans := core.Answer{Text: text, Citations: cits, Claims: claims}
		HighlightEvidence(&ans)
	})
}

// A figure computed from the cited cells is supported; one that no step
// from them gives is not (worked out by hand: 2,912,853 / 3,527,457 =
// 0.826; (1,493,602 − 903,095) / 903,095 = 65.4%; 4,625 / 1,000 = 4.625).
func TestVerifyComputedFigures(t *testing.T) {
	cits := []core.Citation{
		{N: 1, Path: "/lib/ADOBE_2017_10K.pdf", Page: 61, Text: "CONSOLIDATED STATEMENTS OF CASH FLOWS\nNet cash provided by operating activities — December 1, 2017: 2,912,853; December 2, 2016: 2,199,728\t\n"},
		{N: 2, Path: "/lib/ADOBE_2017_10K.pdf", Page: 57, Text: "CONSOLIDATED BALANCE SHEETS\nTotal current liabilities — December 1, 2017: 3,527,457; December 2, 2016: 2,811,635\t\n"},
		{N: 3, Path: "/lib/ADOBE_2016_10K.pdf", Page: 62, Text: "Operating income — December 2, 2016: 1,493,602; November 27, 2015: 903,095\t\n"},
		{N: 4, Path: "/lib/PEPSICO_2021_10K.pdf", Page: 63, Text: "Capital spending — 2021: (4,625); 2020: (4,240)\t\n"},
	}
	cases := []struct {
		claim string
		want  bool
	}{
		{"The operating cash flow ratio is 0.83 [1][2].", true},
		{"The operating cash flow ratio is 0.91 [1][2].", false},
		{"Operating income grew 65.4% from 2015 to 2016 [3].", true},
		{"Operating income grew 71.2% from 2015 to 2016 [3].", false},
		{"Capital spending in 2021 was 4.63 in billions [4].", true},
		{"Capital spending in 2021 was 5.1 in billions [4].", false},
		// A figure with no computation word must be in the cells.
		{"Capital spending in 2021 was 4.63 [4].", false},
	}
	for _, tc := range cases {
		claims, err := Verify(context.Background(), tc.claim, cits, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != 1 || claims[0].Supported != tc.want {
			t.Errorf("%q: %+v, want supported %v", tc.claim, claims, tc.want)
		}
	}
}

// A decimal point ends no sentence: "3.5" and "1.2 million" stay inside
// their claims, each with its own marker.
func TestSplitClaimsDecimals(t *testing.T) {
	got := splitClaims("Rainfall was 3.5 inches in 1990 [1]. It reached 1.2 million by 2000 [2]. Prices rose 0.75%. [3]")
	want := []struct {
		text  string
		cites []int
		nums  []string
	}{
		{"Rainfall was 3.5 inches in 1990.", []int{1}, []string{"3.5", "1990"}},
		{"It reached 1.2 million by 2000.", []int{2}, []string{"1.2", "2000"}},
		{"Prices rose 0.75%.", []int{3}, []string{"0.75"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d claims %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].text != w.text || !slices.Equal(got[i].cites, w.cites) || !slices.Equal(got[i].numbers, w.nums) {
			t.Errorf("claim %d: %q cites %v numbers %v; want %q, %v, %v", i, got[i].text, got[i].cites, got[i].numbers, w.text, w.cites, w.nums)
		}
	}
}

// An answer that opens with a marker ("[1] The …", as the built-in
// generator's grammar allows) has it read as its first sentence's.
func TestSplitClaimsOpeningMarker(t *testing.T) {
	got := splitClaims("[2] The defense gave up 308 points [2]. It led the league in interceptions [1].")
	if len(got) != 2 || got[0].text != "The defense gave up 308 points." || !slices.Equal(got[0].cites, []int{2}) || !slices.Equal(got[1].cites, []int{1}) {
		t.Errorf("claims %+v; want the first citing [2] alone, the second [1]", got)
	}
}
