package pdf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// TestRunOne parses $FOLIO_PDF_ONE and prints the document (or the error)
// as one line of JSON (with "check" set when Document.Check fails), so that
// an evaluation script can run the parser on each file of a corpus in a
// child process with time and memory limits:
//
//	go test -c -o /tmp/pdf.test ./backend/parse/pdf
//	FOLIO_PDF_ONE=file.pdf timeout 60 /tmp/pdf.test -test.run '^TestRunOne$'
//
// Without it, it runs on tracemonkey.pdf and checks that the line is a
// document whose every byte maps back to a page, with no error.
func TestRunOne(t *testing.T) {
	path := os.Getenv("FOLIO_PDF_ONE")
	w := io.Writer(os.Stdout)
	var line bytes.Buffer
	if path == "" {
		path = testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
		w = &line
		defer func() {
			var got struct {
				Doc   core.Document `json:"doc"`
				Err   string        `json:"err"`
				Check string        `json:"check"`
			}
			if err := json.Unmarshal(line.Bytes(), &got); err != nil {
				t.Fatalf("the line is not JSON: %v", err)
			}
			if got.Err != "" || got.Check != "" || len(got.Doc.Pages) != 14 || len(got.Doc.Text) < 10000 {
				t.Errorf("tracemonkey.pdf: err %q, check %q, %d pages, %d bytes; want no error, 14 pages and its text",
					got.Err, got.Check, len(got.Doc.Pages), len(got.Doc.Text))
			}
		}()
	}
	doc, err := New(Config{}).Parse(context.Background(), path)
	out := map[string]any{"doc": doc}
	if err != nil {
		out["err"] = err.Error()
	} else if cerr := doc.Check(); cerr != nil {
		out["check"] = cerr.Error()
	}
	if err := json.NewEncoder(w).Encode(out); err != nil {
		t.Fatal(err)
	}
}

// minBigramF1 is the agreement with pdftotext the product's word gap must
// keep.
const minBigramF1 = 0.85

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
// pdftotext, page by page, for the word-gap threshold in layout.go, and
// holds the product's threshold to the agreement measured. It runs the
// parser in process, so only on files known not to hang or exhaust memory:
// those named in FOLIO_PDF_EVAL (comma separated), else tracemonkey.pdf,
// the LaTeX paper whose kerned words once ran together (F1 0 before the
// gap rule).
func TestAgreementWithPdftotext(t *testing.T) {
	list := os.Getenv("FOLIO_PDF_EVAL")
	if list == "" {
		list = testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	files := strings.Split(list, ",")
	product := spaceGap
	defer func(gap float64) { spaceGap = gap }(spaceGap)
	for _, gap := range []float64{0.1, 0.15, 0.2} {
		spaceGap = gap
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
		t.Logf("gap=%.2f pages=%d bigramF1=%.3f", gap, n, sum/float64(n))
		if gap == product && (n == 0 || sum/float64(n) < minBigramF1) {
			t.Errorf("the product's gap %.2f: bigram F1 %.3f over %d pages, want ≥ %.2f", gap, sum/float64(max(n, 1)), n, minBigramF1)
		}
	}
}

var bboxWord = regexp.MustCompile(`<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>`)

// TestBoxesMatchPdftotext checks that word boxes sit where poppler says the
// words are drawn: on the first pages of tracemonkey.pdf, nearly every
// word must have a poppler word with the same text whose box overlaps it
// by at least half.
func TestBoxesMatchPdftotext(t *testing.T) {
	path := testenv.SharedFile(t, "data/pdf/pdfjs/tracemonkey.pdf")
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	doc, err := New(Config{}).Parse(context.Background(), path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkBoxes(t, doc)
	for page := 1; page <= 3; page++ {
		out, err := exec.Command("pdftotext", "-bbox", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext -bbox: %v", err)
		}
		span := doc.Pages[page-1]
		top := span.Box.Y1 // poppler measures y down from the top
		type box struct{ x0, y0, x1, y1 float64 }
		poppler := map[string][]box{}
		for _, m := range bboxWord.FindAllStringSubmatch(string(out), -1) {
			v := make([]float64, 4)
			for i := range v {
				v[i], _ = strconv.ParseFloat(m[i+1], 64)
			}
			w := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'").Replace(m[5])
			poppler[w] = append(poppler[w], box{v[0], top - v[3], v[2], top - v[1]})
		}
		matched, total := 0, 0
		for _, b := range doc.Boxes {
			if b.Page != page {
				continue
			}
			total++
			for _, p := range poppler[doc.Text[b.Start:b.End]] {
				ix := math.Min(b.Rect.X1, p.x1) - math.Max(b.Rect.X0, p.x0)
				iy := math.Min(b.Rect.Y1, p.y1) - math.Max(b.Rect.Y0, p.y0)
				area := (b.Rect.X1 - b.Rect.X0) * (b.Rect.Y1 - b.Rect.Y0)
				if ix > 0 && iy > 0 && ix*iy >= 0.5*area {
					matched++
					break
				}
			}
		}
		if total < 100 || float64(matched) < 0.9*float64(total) {
			t.Errorf("page %d: %d of %d word boxes match poppler's, want >= 90%%", page, matched, total)
		} else {
			t.Logf("page %d: %d of %d word boxes match poppler's", page, matched, total)
		}
	}
}
