package answer

import (
	"context"
	"math"
	"strings"
	"testing"

	"folio/backend/core"
)

// Each case's want was worked out by hand from the passages' rows.
func TestComputedAnswers(t *testing.T) {
	balance := "ACME CORP CONSOLIDATED BALANCE SHEETS (In millions)\n" +
		"Total current assets — December 31, 2021: 4,000; December 31, 2020: 3,000\t\n" +
		"Prepaid expenses and other current assets — December 31, 2021: 100; December 31, 2020: 90\t\n" +
		"Inventories — December 31, 2021: 500; December 31, 2020: 300\t\n" +
		"Total assets — December 31, 2021: $ 10,000; December 31, 2020: $ 8,000\t\n" +
		"Other current liabilities — December 31, 2021: 50; December 31, 2020: 40\t\n" +
		"Total current liabilities — December 31, 2021: 2,000; December 31, 2020: 2,500\t\n"
	income := "ACME CORP CONSOLIDATED STATEMENTS OF INCOME (In millions)\n" +
		"Net sales — 2021: $ 12,100; 2020: 11,000; 2019: 10,000\t\n" +
		"Cost of sales — 2021: 8,000; 2020: 7,000; 2019: 6,500\t\n" +
		"Non-operating income (expense), net — 2021: (5); 2020: 7; 2019: 3\t\n" +
		"Operating income — 2021: 1,500; 2020: 1,200; 2019: 1,000\t\n" +
		"Net income — 2021: 900; 2020: 800; 2019: 700\t\n"
	cash := "ACME CORP CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)\n" +
		"Net cash provided by operating activities — 2021: 3,000; 2020: 2,600\t\n" +
		"Depreciation and amortization — 2021: 400; 2020: 380\t\n" +
		"Purchases of property, plant and equipment (PP&E) — 2021: (1,250); 2020: (1,100)\t\n"
	other := "BETA INC CONSOLIDATED BALANCE SHEETS (In millions)\n" +
		"Total current assets — December 31, 2021: 9; December 31, 2020: 9\t\n" +
		"Total current liabilities — December 31, 2021: 1; December 31, 2020: 1\t\n"
	hits := []core.Hit{
		hit("/lib/ACME_2021_10K.pdf", 40, 1000, balance),
		hit("/lib/ACME_2021_10K.pdf", 42, 5000, income),
		hit("/lib/ACME_2021_10K.pdf", 44, 9000, cash),
		hit("/lib/BETA_2021_10K.pdf", 40, 1000, other),
	}
	cases := []struct {
		q    string
		lead string // the answer's first line starts with this
	}{
		{"What is ACME's FY2021 operating cash flow ratio? Operating cash flow ratio is defined as: cash from operations / total current liabilities. Round your answer to two decimal places.",
			"1.50 = (Net cash provided by operating activities, 2021: 3,000 [1]) / (Total current liabilities, December 31, 2021: 2,000 [2])"}, // 3,000 / 2,000
		{"What is ACME's FY2021 current ratio?", "2.00 = (Total current assets, December 31, 2021: 4,000 [1])"}, // 4,000 / 2,000
		{"What is ACME's FY2021 working capital ratio? Define working capital ratio as total current assets divided by total current liabilities.",
			"2.00 = (Total current assets, December 31, 2021: 4,000 [1])"},
		{"What is ACME's FY2021 net working capital? Define net working capital as total current assets less total current liabilities. Answer in USD millions.",
			"2,000 million = (Total current assets, December 31, 2021: 4,000 [1]) − (Total current liabilities"},
		{"Does ACME have positive working capital based on FY2020 data?", "500 million = (Total current assets, December 31, 2020: 3,000 [1])"}, // 3,000 − 2,500
		{"What is the FY2021 free cash flow (FCF) for ACME? FCF here is defined as: (cash from operations - capex). Answer in USD millions.",
			"1,750 million = (Net cash provided by operating activities, 2021: 3,000 [1]) − (Purchases of property"}, // 3,000 − 1,250
		{"What is the FY2021 capital expenditure amount (in USD billions) for ACME?", "1.25 billion = (Purchases of property, plant and equipment (PP&E), 2021: (1,250) [1])"},
		{"What is ACME's FY2021 return on assets? ROA is defined as: FY2021 net income / (average total assets between FY2020 and FY2021). Round your answer to three decimal places.",
			"0.100 = (Net income, 2021: 900 [1])"}, // 900 / 9,000
		{"What is ACME's year-over-year change in unadjusted operating income from FY2020 to FY2021 (in units of percents and round to one decimal place)?",
			"25.0% = (((Operating income, 2021: 1,500 [1])"}, // 300 / 1,200
		{"What is ACME's 2 year total revenue CAGR from FY2019 to FY2021 (in units of percents and round to one decimal place)?",
			"10.0% = (((Net sales, 2021: $ 12,100 [1])"}, // sqrt(1.21) − 1
		{"What is the FY2021 inventory turnover ratio for ACME? Inventory turnover ratio is defined as: (FY2021 COGS) / (average inventory between FY2020 and FY2021). Round your answer to two decimal places.",
			"20.00 = (Cost of sales, 2021: 8,000 [1])"}, // 8,000 / 400
		{"What is ACME's FY2021 unadjusted EBITDA in USD millions?", "1,900 million = (Operating income, 2021: 1,500 [1]) + (Depreciation"}, // 1,500 + 400
		{"What is ACME's FY2021 depreciation and amortization % margin?", "3.3% = ((Depreciation and amortization, 2021: 400 [1])"},         // 400 / 12,100
		{"What is the FY2020 - FY2021 2 year average of capex as a % of revenue for ACME? Answer in units of percents and round to one decimal place.",
			"10.2% = "}, // (1,250/12,100 + 1,100/11,000) / 2 = (10.33 + 10.0) / 2
		{"What is ACME's FY2021 days payable outstanding? DPO is defined as: 365 * (average inventory between FY2020 and FY2021) / (FY2021 COGS). Round your answer to two decimal places.",
			"18.25 = 365 * ((Inventories, December 31, 2021: 500 [1])"}, // 365 × 400 / 8,000
	}
	c := &Composer{}
	for _, tc := range cases {
		ans, err := c.Compose(context.Background(), tc.q, nil, hits)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		lead, _, _ := strings.Cut(ans.Text, "\n")
		if !strings.HasPrefix(lead, tc.lead) {
			t.Errorf("%q\n  lead %q\n  want %q…\n  notice %q", tc.q, lead, tc.lead, ans.Notice)
			continue
		}
		// Every [n] of the lead is a citation of ACME's filing whose
		// highlighted rows hold the number written before the marker.
		for _, n := range markerNumbers(lead) {
			if n < 1 || n > len(ans.Citations) {
				t.Errorf("%q: lead cites [%d] of %d citations", tc.q, n, len(ans.Citations))
				continue
			}
			cit := ans.Citations[n-1]
			if !strings.Contains(cit.Path, "ACME") || len(cit.Highlights) == 0 || cit.Answer == nil {
				t.Errorf("%q: [%d] is %s with highlights %v, answer %v", tc.q, n, cit.Path, cit.Highlights, cit.Answer)
			}
		}
		if ans.Statements != nil || !ans.Found {
			t.Errorf("%q: a computed answer has found %v and no statements, got %d", tc.q, ans.Found, len(ans.Statements))
		}
	}
}

func hit(path string, page, start int, text string) core.Hit {
	return core.Hit{Chunk: core.Chunk{DocID: uint64(len(path)), Page: page, Start: start, End: start + len(text), Text: text}, Path: path}
}

// The cells a computed answer cites are marked as the answer inside the
// highlighted row; an operand that is not found is named in a notice and
// the extractive answer stands.
func TestComputedCitesCellsAndNamesMissingOperands(t *testing.T) {
	cash := "ACME CORP CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)\n" +
		"Net cash provided by operating activities — 2021: 3,000; 2020: 2,600\t\n" +
		"Capital spending — 2021: (4,625); 2020: (4,240)\t\n"
	h := hit("/lib/ACME_2021_10K.pdf", 63, 700, cash)
	c := &Composer{}
	ans, err := c.Compose(context.Background(), "What is the FY2021 capital expenditure amount (in USD billions) for ACME?", nil, []core.Hit{h})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ans.Text, "4.63 billion = (Capital spending, 2021: (4,625) [1])") {
		t.Fatalf("answer %q", ans.Text)
	}
	cit := ans.Citations[0]
	row := cash[strings.Index(cash, "Capital spending") : strings.Index(cash, "(4,240)")+len("(4,240)")]
	if len(cit.Highlights) != 1 || docText(h, cit.Highlights[0]) != row {
		t.Errorf("highlights %v, want the row %q", cit.Highlights, row)
	}
	if cit.Answer == nil || docText(h, *cit.Answer) != "(4,625)" {
		t.Errorf("answer span %v, want the 2021 cell", cit.Answer)
	}
	marked := ""
	for _, s := range cit.Segments {
		if s.Kind == "answer" {
			marked += s.Text
		}
	}
	if marked != "(4,625)" {
		t.Errorf("segments mark %q as the answer", marked)
	}

	ans, err = c.Compose(context.Background(), "What is ACME's FY2021 operating cash flow ratio? Operating cash flow ratio is defined as: cash from operations / total current liabilities.", nil, []core.Hit{h})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans.Notice, "total current liabilities (2021)") || strings.Contains(ans.Text, " = ") {
		t.Errorf("missing operand: notice %q, text %q", ans.Notice, ans.Text)
	}
	// With no operand in any table, the question is not about one: no
	// notice.
	ans, err = c.Compose(context.Background(), "What was ACME's FY2021 inventory turnover ratio?", nil, []core.Hit{h})
	if err != nil || ans.Notice != "" || strings.Contains(ans.Text, " = ") {
		t.Errorf("no operand found: notice %q, text %q, err %v", ans.Notice, ans.Text, err)
	}

	// Lookup brings the rows the question's passages lack.
	balance := "ACME CORP CONSOLIDATED BALANCE SHEETS\nTotal current liabilities — 2021: 2,000; 2020: 1,000\t\n"
	var asked []string
	c.Lookup = func(_ context.Context, qs []string, path string, k int) ([][]core.Hit, error) {
		asked = append(asked, qs...)
		out := make([][]core.Hit, len(qs))
		out[len(qs)-1] = []core.Hit{hit(path, 60, 100, balance)}
		return out, nil
	}
	ans, err = c.Compose(context.Background(), "What is ACME's FY2021 operating cash flow ratio? Operating cash flow ratio is defined as: cash from operations / total current liabilities.", nil, []core.Hit{h})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ans.Text, "1.50 = (Net cash provided by operating activities, 2021: 3,000 [1]) / (Total current liabilities, 2021: 2,000 [2])") || len(asked) != 2 {
		t.Errorf("with lookup (asked %q): %q", asked, ans.Text)
	}
}

func docText(h core.Hit, s core.Span) string {
	return h.Text[s.Start-h.Start : s.End-h.Start]
}

// Rows a parser wrote without headers take them from the year line above
// or from the table's first half; a total written without its label is
// the total of the section above.
func TestRowsWithoutHeaders(t *testing.T) {
	text := "CONSOLIDATED BALANCE SHEETS\nDecember 31, 2022\nDecember 31, 2021\n" +
		"Total current assets 1,250 1,100\nOther 255 217\n" +
		"Cash........ — November 27, 2015: $ 876,560; November 28, 2014: $ 1,117,400\t\n" +
		"LIABILITIES\nTotal current liabilities.......... 2,213,556 2,494,435\n" +
		"Debt and capital lease obligations........ — 603,229\n" +
		"Revenues\t\nCasino — 2020: $ 2,871; 2019: $ 6,517\t\n2020: $ 5,162; 2019: $ 12,899\t\n"
	rows := rowsOf(0, hit("/x.pdf", 1, 0, text))
	got := map[string]string{}
	for _, r := range rows {
		var cells []string
		for _, c := range r.cells {
			cells = append(cells, c.head+"="+c.text)
		}
		got[r.norm] = strings.Join(cells, "|")
	}
	want := map[string]string{
		"total current assets":               "2022=1,250|2021=1,100",
		"other":                              "2022=255|2021=217",
		"cash":                               "November 27, 2015=$ 876,560|November 28, 2014=$ 1,117,400",
		"total current liabilities":          "November 27, 2015=2,213,556|November 28, 2014=2,494,435",
		"debt and capital lease obligations": "November 27, 2015=—|November 28, 2014=603,229",
		"casino":                             "2020=$ 2,871|2019=$ 6,517",
		"total revenues":                     "2020=$ 5,162|2019=$ 12,899", // a total whose blank label the parser dropped
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("row %q: %q, want %q", k, got[k], v)
		}
	}
}

func TestParseFormula(t *testing.T) {
	cases := []struct {
		in   string
		want float64 // with every operand valued by valueOf below
	}{
		{"a / b", 0.5},
		{"cash from operations / total current liabilities", 3.0 / 4},
		{"total current assets less total current liabilities", 5 - 4},
		{"(FY2019 COGS) / (average inventory between FY2018 and FY2019)", 6 / ((2019 + 2018) / 2.0)},
		{"365 * (average accounts payable between FY2017 and FY2018) / (FY2018 COGS + change in inventory between FY2017 and FY2018)", 365 * 2017.5 / (6 + 1)},
		{"net income divided by revenue", 7.0 / 8},
	}
	values := map[string]float64{"a": 1, "b": 2, "cash from operations": 3, "total current liabilities": 4, "total current assets": 5, "cogs": 6, "net income": 7, "revenue": 8}
	for _, tc := range cases {
		e := parseFormula(tc.in, 2019)
		if e == nil {
			t.Errorf("%q: no formula", tc.in)
			continue
		}
		v, ok := e.eval(func(op *expr) (float64, bool) {
			name := op.label
			if op.item != nil {
				name = op.item.Name()
			}
			if name == "inventory" || name == "accounts payable" {
				return float64(op.year), true
			}
			x, ok := values[name]
			return x, ok
		})
		if !ok || math.Abs(v-tc.want) > 1e-9 {
			t.Errorf("%q = %v (ok %v), want %v", tc.in, v, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "a /", "(a + b", "/ b"} {
		if parseFormula(bad, 2019) != nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseMetricIgnoresOtherQuestions(t *testing.T) {
	for _, q := range []string{
		"Which of JPM's business segments had the lowest net revenue in 2021 Q1?",
		"Among operations, investing, and financing activities, which brought in the most cash flow for Nike in FY2023?",
		"Where do sea otters live?",
		"Has MGM Resorts paid dividends to common shareholders in FY2022?",
	} {
		if m := parseMetric(q); m != nil {
			t.Errorf("%q: metric %q", q, m.expr.format(func(e *expr) string { return e.key() }))
		}
	}
}

// The checker finds every number of a one-step computed lead in the cited
// cells or computed from them, so a generated answer that keeps the lead
// keeps it supported. (Two steps, such as a ratio to an average, are
// beyond it.)
func TestComputedLeadPassesTheChecker(t *testing.T) {
	cash := "ACME CORP CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)\n" +
		"Net cash provided by operating activities — 2021: 3,000; 2020: 2,600\t\n" +
		"Capital spending — 2021: (4,625); 2020: (4,240)\t\n"
	balance := "ACME CORP CONSOLIDATED BALANCE SHEETS (In millions)\n" +
		"Total current assets — December 31, 2021: 4,000; December 31, 2020: 3,000\t\n" +
		"Total current liabilities — December 31, 2021: 3,600; December 31, 2020: 2,500\t\n"
	hits := []core.Hit{hit("/lib/ACME_2021_10K.pdf", 63, 700, cash), hit("/lib/ACME_2021_10K.pdf", 60, 100, balance)}
	c := &Composer{}
	for _, q := range []string{
		"What is the FY2021 capital expenditure amount (in USD billions) for ACME?",
		"What is ACME's FY2021 operating cash flow ratio? Operating cash flow ratio is defined as: cash from operations / total current liabilities.",
		"What is ACME's FY2021 net working capital? Define net working capital as total current assets less total current liabilities.",
		"What is the FY2021 free cash flow (FCF) for ACME? FCF here is defined as: (cash from operations - capex). Answer in USD millions.",
	} {
		ans, err := c.Compose(context.Background(), q, nil, hits)
		if err != nil {
			t.Fatal(err)
		}
		lead, _, _ := strings.Cut(ans.Text, "\n")
		claims, err := Verify(context.Background(), lead, ans.Citations, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != 1 || !claims[0].Supported {
			t.Errorf("%q: lead %q: %+v", q, lead, claims)
		}
		// The same figure off by a little is not.
		bad := strings.Replace(lead, "0.83", "0.85", 1)
		bad = strings.Replace(bad, "4.63", "4.71", 1)
		bad = strings.Replace(bad, "400 million", "470 million", 1)
		bad = strings.Replace(bad, "1,625 million", "1,725 million", 1)
		if bad == lead {
			t.Fatalf("%q: no figure to corrupt in %q", q, lead)
		}
		if claims, _ := Verify(context.Background(), bad, ans.Citations, nil); len(claims) != 1 || claims[0].Supported {
			t.Errorf("%q: corrupted lead %q passes: %+v", q, bad, claims)
		}
	}
}
