package evaluate

import (
	"slices"
	"testing"

	"folio/backend/core"
)

func TestParseFigures(t *testing.T) {
	tests := []struct {
		text string
		gold bool
		want []figure
	}{
		{"$1,577", true, []figure{{val: 1577, currency: true}}},
		{"(1,577)", true, []figure{{val: 1577}}},
		{"$1832.00", true, []figure{{val: 1832, currency: true}}},
		{"$4.60", true, []figure{{val: 4.6, decimals: 1, currency: true}}},
		{"0.66", true, []figure{{val: 0.66, decimals: 2, precise: true}}},
		{"65.4%", true, []figure{{val: 65.4, decimals: 1, precise: true}}},
		{"4.2 %", true, []figure{{val: 4.2, decimals: 1, precise: true}}},
		// years, quarters, fiscal years and form names are not figures of
		// a gold answer; a currency amount with a unit letter is.
		{"from 20% in Q2 of FY2022 to 2023", true, []figure{{val: 20, precise: true}}},
		{"the 10-K for 2019", true, nil},
		{"negative working capital of -$1561M in FY 2022", true, []figure{{val: 1561, currency: true}}},
		{"Its net revenue was -$473 million.", true, []figure{{val: 473, currency: true}}},
		{"Yes. It decreased.", true, nil},
		// shown text keeps every number, years included.
		{"2018 2017 $ (1,577) 1,373", false, []figure{{val: 2018}, {val: 2017}, {val: 1577}, {val: 1373}}},
	}
	for _, tc := range tests {
		got := parseFigures(tc.text, tc.gold)
		if !slices.Equal(got, tc.want) {
			t.Errorf("parseFigures(%q, %v) = %+v, want %+v", tc.text, tc.gold, got, tc.want)
		}
	}
}

func TestFiguresShown(t *testing.T) {
	tests := []struct {
		gold, shown string
		want        bool
	}{
		{"$1,577", "Purchases of PP&E (1,577) (1,373)", true},
		{"1577", "$1,577.00", true},
		{"$1832.00", "total 1,832", true},
		{"$1832.00", "total 1,832.4", true}, // to the unit: trailing zeros do not count
		{"$1832.00", "total 1,832.6", false},
		{"$1,577", "15,770", false},
		// amounts match in the unit the question asked for, or a
		// thousand times smaller or larger, at their precision.
		{"$4.60", "capital spending 4,625 (in millions)", true},
		{"$0.40", "dividends paid (397)", true},
		{"$0.40", "dividends paid (347)", false},
		{"$303.00", "accounts payable 302,578 (in thousands)", true},
		// percentages and ratios match to their stated precision.
		{"65.4%", "up 65.43 percent", true},
		{"65.4%", "up 65.46 percent", false},
		{"0.66", "ratio 0.6612", true},
		{"0.66", "ratio 0.67", false},
		// every figure of the gold answer must be shown.
		{"from 20% to 21%", "20.1% this year", false},
		{"from 20% to 21%", "20.1% then 20.9%", true},
	}
	for _, tc := range tests {
		got := figuresShown(parseFigures(tc.gold, true), parseFigures(tc.shown, false))
		if got != tc.want {
			t.Errorf("figuresShown(%q in %q) = %v, want %v", tc.gold, tc.shown, got, tc.want)
		}
	}
}

func TestScoreE2E(t *testing.T) {
	q := e2eQuestion{Question: "capex?", Answer: "$1,577", DocName: "3M_2018_10K"}
	q.Evidence = append(q.Evidence, struct {
		DocName string `json:"doc_name"`
		Page    int    `json:"evidence_page_num"`
	}{"3M_2018_10K", 59}) // zero-based: Folio's page 60
	cite := func(path string, page int, text string) core.Citation {
		return core.Citation{Path: path, Page: page, Text: text}
	}
	tests := []struct {
		name string
		cits []core.Citation
		text string
		want E2EResult
	}{
		{
			name: "right page first, figure in the passage",
			cits: []core.Citation{cite("/x/3M_2018_10K.pdf", 60, "PP&E (1,577)")},
			want: E2EResult{DocHit1: true, DocAny: true, PageHit1: true, PageAny: true, Shown: true},
		},
		{
			name: "page numbering is one-based: page 59 is not evidence page 59",
			cits: []core.Citation{cite("/x/3M_2018_10K.pdf", 59, "")},
			text: "capital was 1,577",
			want: E2EResult{DocHit1: true, DocAny: true, Shown: true},
		},
		{
			name: "look-alike first, right page second",
			cits: []core.Citation{cite("/x/3M_2019_10K.pdf", 60, "1,577"), cite("/y/3M_2018_10K.pdf", 60, "")},
			want: E2EResult{DocAny: true, PageAny: true, Shown: true},
		},
		{
			name: "nothing cited",
			text: "Nothing in the library clearly answers.",
			want: E2EResult{},
		},
	}
	for _, tc := range tests {
		got := scoreE2E(q, core.Answer{Text: tc.text, Citations: tc.cits})
		if got.DocHit1 != tc.want.DocHit1 || got.DocAny != tc.want.DocAny || got.PageHit1 != tc.want.PageHit1 ||
			got.PageAny != tc.want.PageAny || got.Shown != tc.want.Shown || got.Figures != 1 {
			t.Errorf("%s: got doc@1 %v any %v page@1 %v any %v shown %v figures %d", tc.name,
				got.DocHit1, got.DocAny, got.PageHit1, got.PageAny, got.Shown, got.Figures)
		}
	}
}

func TestPageBM25(t *testing.T) {
	pages := []refPage{
		{doc: "A", page: 1, text: "capital expenditure purchases of property plant and equipment"},
		{doc: "A", page: 2, text: "revenue by segment and geography"},
		{doc: "B", page: 1, text: "capital expenditure capital expenditure capital expenditure"},
		{doc: "B", page: 2, text: "unrelated words about nothing"},
	}
	bm := newPageBM25(pages)
	got := bm.rank("capital expenditure", 3)
	// B p.1 holds the terms three times in a short page; A p.1 once; no
	// other page holds them, and pages scoring 0 are not returned.
	if len(got) != 2 || got[0].doc != "B" || got[1].doc != "A" || got[1].page != 1 {
		t.Fatalf("rank = %+v", got)
	}
	if got := bm.rank("segment geography", 1); len(got) != 1 || got[0].doc != "A" || got[0].page != 2 {
		t.Fatalf("rank = %+v", got)
	}
}

// answer_hit: every gold figure within 1% of a number the generated text
// states (an amount may be stated in millions for billions).
func TestFiguresWithin(t *testing.T) {
	tests := []struct {
		gold, text string
		want       bool
	}{
		{"0.66", "The ratio is 0.664 [1].", true},
		{"0.66", "The ratio is 0.67 [1].", false}, // 1.5% off
		{"$4.60", "Capex was $4,625 million [1].", true},
		{"$4.60", "Capex was 4.57 billion.", true},
		{"$4.60", "Capex was 4.5 billion.", false},
		{"65.4%", "It grew 65.0% [1].", true},
		{"65.4%", "It grew 64.0% [1].", false},
		{"$1832.00", "EBITDA 1,218 = 1,196 + 22", false},
	}
	for _, tc := range tests {
		if got := figuresWithin(parseFigures(tc.gold, true), parseFigures(tc.text, false), 0.01); got != tc.want {
			t.Errorf("figuresWithin(%q, %q) = %v, want %v", tc.gold, tc.text, got, tc.want)
		}
	}
}
