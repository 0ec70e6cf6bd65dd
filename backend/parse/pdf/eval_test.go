package pdf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func bigrams(s string) map[string]int {
	w := strings.Fields(s)
	m := map[string]int{}
	for i := 0; i+1 < len(w); i++ {
		m[w[i]+" "+w[i+1]]++
	}
	return m
}

func f1(got, want map[string]int) float64 {
	var tp, ng, nw int
	for k, v := range got {
		ng += v
		tp += min(v, want[k])
	}
	for _, v := range want {
		nw += v
	}
	if ng == 0 || nw == 0 {
		return 0
	}
	p, r := float64(tp)/float64(ng), float64(tp)/float64(nw)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// TestAgreementWithPdftotext reports word-bigram F1 against poppler's
// pdftotext, page by page, for the tuning knobs in layout.go. It runs the
// parser in process, so only on files named in FOLIO_PDF_EVAL (comma
// separated) that are known not to hang or exhaust memory.
func TestAgreementWithPdftotext(t *testing.T) {
	list := os.Getenv("FOLIO_PDF_EVAL")
	if list == "" {
		t.Skip("set FOLIO_PDF_EVAL=a.pdf,b.pdf to compare with pdftotext")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	files := strings.Split(list, ",")
	defer func(sl bool, gap float64) { sortLines, spaceGap = sl, gap }(sortLines, spaceGap)
	for _, sl := range []bool{true, false} {
		for _, gap := range []float64{0.1, 0.15, 0.2} {
			sortLines, spaceGap = sl, gap
			var sum float64
			var n int
			for _, f := range files {
				doc, err := New(Config{}).Parse(context.Background(), f)
				if err != nil {
					continue
				}
				for _, p := range doc.Pages {
					out, err := exec.Command("pdftotext", "-f", fmt.Sprint(p.Page), "-l", fmt.Sprint(p.Page), f, "-").Output()
					if err != nil || len(strings.Fields(string(out))) < 20 {
						continue
					}
					sum += f1(bigrams(doc.Text[p.Start:p.End]), bigrams(string(out)))
					n++
				}
			}
			t.Logf("sort=%v gap=%.2f pages=%d bigramF1=%.3f\n", sl, gap, n, sum/float64(n))
		}
	}
}
