package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

// On real filings of the FinanceBench development split, with a
// look-alike beside them: questions asking for a line item in a unit and
// for a ratio the question defines are answered with the figure first,
// each operand cited to its row on the statement's page (pages one-based;
// the split's evidence pages are zero-based: PepsiCo's cash flow statement
// is its evidence page 62).
func TestComputedAnswersOnRealFilings(t *testing.T) {
	pdfs := testenv.SharedFile(t, "data/e2e/financebench-dev/pdfs")
	docs, data := t.TempDir(), t.TempDir()
	for _, f := range []string{"PEPSICO_2021_10K.pdf", "PEPSICO_2018_10K.pdf", "ADOBE_2017_10K.pdf", "ADOBE_2016_10K.pdf"} {
		b, err := os.ReadFile(filepath.Join(pdfs, f))
		if err != nil {
			t.Skipf("%s: %v", f, err)
		}
		write(t, filepath.Join(docs, f), string(b))
	}
	ctx := context.Background()
	e, err := Open(ctx, Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q, lead string
		// cites are each cited row's file and page, and the cell the row's
		// highlight marks, in citation order.
		file  string
		pages []int
		cells []string
	}{
		{"What is the FY2021 capital expenditure amount (in USD billions) for PepsiCo? Respond to the question by assuming the perspective of an investment analyst who can only use the details shown within the statement of cash flows.",
			"4.63 billion = (Capital spending, 2021: (4,625) [1])", "PEPSICO_2021_10K.pdf", []int{63}, []string{"(4,625)"}},
		// 2,912,853 / 3,527,457 = 0.826 (Adobe reports in thousands).
		{"What is the FY2017 operating cash flow ratio for Adobe? Operating cash flow ratio is defined as: cash from operations / total current liabilities. Round your answer to two decimal places.",
			"0.83 = (Net cash provided by operating activities", "ADOBE_2017_10K.pdf", []int{61, 57}, []string{"2,912,853", "3,527,457"}},
	}
	for _, tc := range cases {
		ans, err := e.Ask(ctx, tc.q, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		lead, _, _ := strings.Cut(ans.Text, "\n")
		if !strings.HasPrefix(lead, tc.lead) {
			t.Errorf("%.60q…: lead %q, want %q…", tc.q, lead, tc.lead)
			continue
		}
		if len(ans.Citations) < len(tc.pages) {
			t.Fatalf("%d citations", len(ans.Citations))
		}
		for i, page := range tc.pages {
			c := ans.Citations[i]
			if filepath.Base(c.Path) != tc.file || c.Page != page {
				t.Errorf("[%d] cites %s p.%d, want %s p.%d", i+1, filepath.Base(c.Path), c.Page, tc.file, page)
			}
			marked := ""
			for _, s := range c.Segments {
				if s.Kind == "answer" {
					marked += s.Text
				}
			}
			if marked != tc.cells[i] || !strings.Contains(lead, tc.cells[i]) {
				t.Errorf("[%d] marks %q, want the cell %q, stated in the lead", i+1, marked, tc.cells[i])
			}
		}
	}
}

// A generated answer to a metric question keeps the computed lead first,
// and the checker finds its figure computed from the cited cells.
func TestGeneratedAnswerKeepsTheComputedLead(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "ACME_2021_10K.txt"), "ACME CORP CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)\n"+
		"Net cash provided by operating activities — 2021: 3,000; 2020: 2,600\t\n"+
		"Capital spending — 2021: (4,625); 2020: (4,240)\t\n")
	write(t, filepath.Join(docs, "notes.txt"), "The weather in Lyon was mild in 2021.")
	e := open(t, data)
	defer e.Close()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	reply := "ACME spent about 4.6 billion on capital spending in 2021 [1]."
	srv, _ := sseServer(t, reply)
	if err := e.SetGenerator(GeneratorSettings{Enabled: true, Endpoint: srv.URL + "/v1", Model: "tiny"}); err != nil {
		t.Fatal(err)
	}
	ans, err := e.AskStream(ctx, "What is the FY2021 capital expenditure amount (in USD billions) for ACME?", Filter{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lead := "4.63 billion = (Capital spending, 2021: (4,625) [1])"
	if ans.Mode != "generated" || ans.Text != lead+"\n"+reply {
		t.Fatalf("mode %q, text %q; want the computed lead, then the reply", ans.Mode, ans.Text)
	}
	if len(ans.Claims) == 0 || !ans.Claims[0].Supported {
		t.Errorf("the lead's claim is not supported: %+v", ans.Claims)
	}
}
