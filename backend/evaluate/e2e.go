package evaluate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/stats"
)

// E2EConfig configures E2E: a folder of real documents and questions
// about them in FinanceBench's upstream format.
type E2EConfig struct {
	// Questions is a JSON Lines file: question, answer, doc_name and
	// evidence [{doc_name, evidence_page_num}] (pages zero-based).
	Questions string
	// Docs is the folder the library indexes; a document's name is its
	// file name without the extension.
	Docs string
	// Pdftotext is the poppler tool the reference reads pages with
	// (default "pdftotext" on PATH); the reference is skipped, with a note,
	// when it cannot run.
	Pdftotext string
	// Progress, if set, is told how far the run has got.
	Progress func(stage string, done, total int)
	// Generate has the generator write every answer (the asker must be a
	// GenAsker), and scores answer_hit on what it wrote.
	Generate bool
}

// E2EReport holds the figures of an end-to-end run: what the person sees
// after asking, scored against the gold filing, pages and figures.
type E2EReport struct {
	DocHit1     float64 `json:"doc_hit@1"`
	DocHitAny   float64 `json:"doc_hit_any"`
	PageHit1    float64 `json:"page_hit@1"`
	PageHitAny  float64 `json:"page_hit_any"`
	FigureShown float64 `json:"figure_shown"`
	// FigureQuestions is how many gold answers hold a figure: the
	// denominator of FigureShown.
	FigureQuestions int `json:"figure_questions"`
	NotFound        int `json:"not_found"`
	// AnswerHit, with Generate, is the share of the gold answers holding a
	// figure whose every figure the generated text states within 1%.
	AnswerHit    *float64 `json:"answer_hit,omitempty"`
	P50ms        float64  `json:"p50_ms"`
	P95ms        float64  `json:"p95_ms"`
	IndexSeconds float64  `json:"index_seconds"`
	Questions    int      `json:"questions"`
	Chunks       int      `json:"chunks,omitempty"`
	Mode         string   `json:"mode,omitempty"`
	// Reference is a plain BM25 over whole pdftotext pages, run on the
	// same files and questions; nil when pdftotext could not run.
	Reference *PageBM25Report `json:"reference,omitempty"`
	// ReferenceNote says why there is no reference.
	ReferenceNote string `json:"reference_note,omitempty"`

	PerQuestion []E2EResult `json:"per_question,omitempty"`
}

// PageBM25Report is the reference's figures: the best page's filing and
// whether one of its first pages is a gold evidence page.
type PageBM25Report struct {
	DocHit1  float64 `json:"doc_hit@1"`
	PageHit1 float64 `json:"page_hit@1"`
	PageHit3 float64 `json:"page_hit@3"`
	// FigureShown is the share of the gold answers holding a figure whose
	// figures all appear in the reference's top 3 pages (what a person
	// reading them would see), scored as E2EReport.FigureShown is.
	FigureShown float64 `json:"figure_shown"`
	Pages       int     `json:"pages"`
}

// E2EResult is one question's outcome.
type E2EResult struct {
	Question  string   `json:"question"`
	Gold      string   `json:"gold"`
	GoldDocs  []string `json:"gold_docs"`
	GoldPages []int    `json:"gold_pages"` // one-based, as Folio counts
	// Cited are the citations as "DOC p.N", first to last.
	Cited    []string `json:"cited"`
	DocHit1  bool     `json:"doc_hit@1"`
	DocAny   bool     `json:"doc_hit_any"`
	PageHit1 bool     `json:"page_hit@1"`
	PageAny  bool     `json:"page_hit_any"`
	Figures  int      `json:"figures"` // figures in the gold answer
	Shown    bool     `json:"figure_shown"`
	// AnswerHit: the generated text states every gold figure within 1%.
	AnswerHit bool    `json:"answer_hit,omitempty"`
	Found     bool    `json:"found"`
	Answer    string  `json:"answer"`
	Ms        float64 `json:"ms"`
	RefTop    string  `json:"ref_top,omitempty"` // the reference's best page, "DOC p.N"
}

// e2eQuestion is one line of the questions file (upstream field names).
type e2eQuestion struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	DocName  string `json:"doc_name"`
	Evidence []struct {
		DocName string `json:"doc_name"`
		Page    int    `json:"evidence_page_num"`
	} `json:"evidence"`
}

// goldPages maps each gold document to its evidence pages, one-based.
func (q e2eQuestion) goldPages() map[string]map[int]bool {
	out := map[string]map[int]bool{}
	if q.DocName != "" {
		out[q.DocName] = map[int]bool{}
	}
	for _, e := range q.Evidence {
		if out[e.DocName] == nil {
			out[e.DocName] = map[int]bool{}
		}
		out[e.DocName][e.Page+1] = true
	}
	return out
}

func readE2EQuestions(path string) ([]e2eQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	defer f.Close()
	var qs []e2eQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var q e2eQuestion
		if err := json.Unmarshal(line, &q); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if q.Question == "" || (q.DocName == "" && len(q.Evidence) == 0) {
			return nil, fmt.Errorf("%s line %d: no question or no gold document", path, n)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	return qs, nil
}

// docName is the document name a path stands for: its file name without
// the extension ("…/3M_2018_10K.pdf" → "3M_2018_10K").
func docName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// E2E indexes cfg.Docs through asker, asks every question as the window
// does and scores what the person sees; it runs the page-BM25 reference
// on the same files and questions.
func E2E(ctx context.Context, cfg E2EConfig, asker Asker) (E2EReport, error) {
	var rep E2EReport
	qs, err := readE2EQuestions(cfg.Questions)
	if err != nil {
		return rep, err
	}
	if st, err := os.Stat(cfg.Docs); err != nil || !st.IsDir() {
		return rep, fmt.Errorf("docs %s: not a folder", cfg.Docs)
	}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	progress("indexing", 0, 1)
	t0 := time.Now()
	if err := asker.Index(ctx, []string{cfg.Docs}); err != nil {
		return rep, fmt.Errorf("index %s: %w", cfg.Docs, err)
	}
	rep.IndexSeconds = time.Since(t0).Seconds()
	if c, ok := asker.(interface{ Chunks() int }); ok {
		rep.Chunks = c.Chunks()
	}
	gasker, _ := asker.(GenAsker)
	if cfg.Generate && gasker == nil {
		return rep, fmt.Errorf("generate: this asker has no generator")
	}
	var ms []float64
	hits := 0
	for i, q := range qs {
		progress("asked", i, len(qs))
		t := time.Now()
		var ans core.Answer
		var err error
		if cfg.Generate {
			ans, _, _, err = gasker.AskGenerated(ctx, q.Question)
		} else {
			ans, err = asker.Ask(ctx, q.Question)
		}
		if err != nil {
			return rep, fmt.Errorf("ask %q: %w", core.OneLine(q.Question, 80), err)
		}
		r := scoreE2E(q, ans)
		if cfg.Generate {
			figs := parseFigures(q.Answer, true)
			r.AnswerHit = len(figs) > 0 && figuresWithin(figs, parseFigures(ans.Text, false), 0.01)
			hits += int(b2f(r.AnswerHit))
		}
		r.Ms = float64(time.Since(t).Microseconds()) / 1000
		ms = append(ms, r.Ms)
		rep.add(r)
		rep.Mode = ans.Mode
	}
	rep.average()
	if cfg.Generate && rep.FigureQuestions > 0 {
		h := float64(hits) / float64(rep.FigureQuestions)
		rep.AnswerHit = &h
	}
	rep.P50ms, rep.P95ms = stats.Quantile(ms, 0.5), stats.Quantile(ms, 0.95)

	progress("reference", 0, 1)
	ref, tops, err := pageBM25Reference(ctx, cfg, qs)
	if err != nil {
		rep.ReferenceNote = err.Error()
	} else {
		rep.Reference = &ref
		for i := range rep.PerQuestion {
			rep.PerQuestion[i].RefTop = tops[i]
		}
	}
	return rep, nil
}

// scoreE2E scores one answer against its question's gold filing, pages
// and figures.
func scoreE2E(q e2eQuestion, ans core.Answer) E2EResult {
	gold := q.goldPages()
	r := E2EResult{Question: q.Question, Gold: q.Answer, Found: ans.Found, Answer: ans.Text}
	for d, pages := range gold {
		r.GoldDocs = append(r.GoldDocs, d)
		for p := range pages {
			r.GoldPages = append(r.GoldPages, p)
		}
	}
	sort.Strings(r.GoldDocs)
	sort.Ints(r.GoldPages)
	shown := []string{ans.Text}
	for i, c := range ans.Citations {
		name := docName(c.Path)
		r.Cited = append(r.Cited, fmt.Sprintf("%s p.%d", name, c.Page))
		pages, docOK := gold[name]
		pageOK := docOK && pages[c.Page]
		r.DocAny = r.DocAny || docOK
		r.PageAny = r.PageAny || pageOK
		if i == 0 {
			r.DocHit1, r.PageHit1 = docOK, pageOK
		}
		shown = append(shown, c.Text)
	}
	figs := parseFigures(q.Answer, true)
	r.Figures = len(figs)
	r.Shown = len(figs) > 0 && figuresShown(figs, parseFigures(strings.Join(shown, "\n"), false))
	return r
}

func (rep *E2EReport) add(r E2EResult) {
	rep.PerQuestion = append(rep.PerQuestion, r)
	rep.Questions++
	if !r.Found {
		rep.NotFound++
	}
	if r.Figures > 0 {
		rep.FigureQuestions++
	}
}

func (rep *E2EReport) average() {
	n := float64(len(rep.PerQuestion))
	if n == 0 {
		return
	}
	var d1, da, p1, pa, fs float64
	for _, r := range rep.PerQuestion {
		d1 += b2f(r.DocHit1)
		da += b2f(r.DocAny)
		p1 += b2f(r.PageHit1)
		pa += b2f(r.PageAny)
		fs += b2f(r.Shown)
	}
	rep.DocHit1, rep.DocHitAny, rep.PageHit1, rep.PageHitAny = d1/n, da/n, p1/n, pa/n
	if rep.FigureQuestions > 0 {
		rep.FigureShown = fs / float64(rep.FigureQuestions)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// figure is a number as written: its absolute value, and the decimals it
// was stated to.
type figure struct {
	val      float64
	decimals int
	// precise figures (percentages, and ratios: plain numbers written
	// with decimals and no currency sign) match a shown number that rounds
	// to them at their stated precision; others match the same value.
	precise bool
	// currency figures are amounts ("$4.60", in the billions the question
	// asks for): they match a shown amount in the same unit, or a
	// thousand times smaller or larger (a table "in millions"), rounded
	// to the figure's precision, trailing zeros not counting ("$303.00"
	// is 303 to the unit; "$4.60" is 4.6, which 4,625 million rounds to).
	currency bool
}

// numberRE matches a written number with its sign, currency, grouping,
// decimals and percent sign: "1,577", "$1,577.00", "(1,577)", "-4.2%".
var numberRE = regexp.MustCompile(`[-(]?\$?\s?\d[\d,]*(?:\.\d+)?(?:\s?%)?`)

// parseFigures reads the numbers of text. gold drops what is not a figure
// in a gold answer: bare years (1900–2100 without a currency sign or
// decimals) and numbers glued to letters ("Q2", "FY2022", "10-K").
// Signs and parentheses are dropped: "(1,577)", "-1577" and "1,577" are
// one figure.
func parseFigures(text string, gold bool) []figure {
	var out []figure
	for _, m := range numberRE.FindAllStringIndex(text, -1) {
		s := text[m[0]:m[1]]
		start := m[0] + strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
		if gold && start > 0 {
			c := text[start-1]
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
				continue
			}
		}
		currency := strings.Contains(s, "$")
		pct := strings.HasSuffix(s, "%")
		digits := strings.TrimRight(text[start:m[1]], " %")
		digits = strings.TrimRight(strings.ReplaceAll(digits, ",", ""), ".")
		v, err := strconv.ParseFloat(digits, 64)
		if err != nil {
			continue
		}
		dec := 0
		if i := strings.IndexByte(digits, '.'); i >= 0 {
			dec = len(digits) - i - 1
		}
		if gold && !currency && !pct && dec == 0 && v >= 1900 && v <= 2100 {
			continue
		}
		if gold && !currency && !pct && m[1] < len(text) {
			if c := text[m[1]]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' {
				continue
			}
		}
		f := figure{val: v, decimals: dec, precise: pct || (!currency && dec > 0)}
		if gold && currency {
			f.currency = true
			if i := strings.IndexByte(digits, '.'); i >= 0 {
				f.decimals = len(strings.TrimRight(digits[i+1:], "0"))
			}
		}
		out = append(out, f)
	}
	return out
}

// figuresShown reports whether every gold figure is among the shown
// numbers.
func figuresShown(gold, shown []figure) bool {
	for _, g := range gold {
		ok := false
		for _, s := range shown {
			if g.matches(s.val) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// figuresWithin reports whether every gold figure is among the shown
// numbers within a relative tolerance tol; an amount may be shown a
// thousand times smaller or larger (millions for billions).
func figuresWithin(gold, shown []figure, tol float64) bool {
	for _, g := range gold {
		ok := false
		for _, s := range shown {
			for _, scale := range []float64{1, 1e-3, 1e3} {
				if scale != 1 && !g.currency {
					continue
				}
				if math.Abs(s.val*scale-g.val) <= tol*math.Abs(g.val) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (g figure) matches(v float64) bool {
	if g.currency {
		p := math.Pow(10, float64(g.decimals))
		for _, scale := range []float64{1, 1e-3, 1e3} {
			if math.Round(v*scale*p) == math.Round(g.val*p) {
				return true
			}
		}
		return false
	}
	if g.precise {
		p := math.Pow(10, float64(g.decimals))
		return math.Round(v*p) == math.Round(g.val*p)
	}
	return math.Abs(v-g.val) <= 1e-9*math.Max(1, g.val)
}

// pageBM25Reference ranks every pdftotext page of the PDFs in cfg.Docs by
// plain BM25 (k1 1.2, b 0.75, the index's terms) for each question, and
// scores the best pages. tops holds each question's best page.
func pageBM25Reference(ctx context.Context, cfg E2EConfig, qs []e2eQuestion) (PageBM25Report, []string, error) {
	var rep PageBM25Report
	tool := cfg.Pdftotext
	if tool == "" {
		tool = "pdftotext"
	}
	if _, err := exec.LookPath(tool); err != nil {
		return rep, nil, fmt.Errorf("no page-BM25 reference: %s not found (install poppler-utils)", tool)
	}
	files, err := filepath.Glob(filepath.Join(cfg.Docs, "*.pdf"))
	if err != nil || len(files) == 0 {
		return rep, nil, fmt.Errorf("no page-BM25 reference: no PDFs in %s", cfg.Docs)
	}
	sort.Strings(files)
	var pages []refPage
	for i, f := range files {
		if cfg.Progress != nil {
			cfg.Progress("reference pdftotext", i, len(files))
		}
		out, err := exec.CommandContext(ctx, tool, "-q", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			return rep, nil, fmt.Errorf("no page-BM25 reference: %s %s: %v", tool, filepath.Base(f), err)
		}
		for n, text := range strings.Split(string(out), "\f") {
			if strings.TrimSpace(text) == "" {
				continue
			}
			pages = append(pages, refPage{doc: docName(f), page: n + 1, text: text})
		}
	}
	bm := newPageBM25(pages)
	rep.Pages = len(pages)
	tops := make([]string, len(qs))
	figQuestions := 0
	for i, q := range qs {
		ranked := bm.rank(q.Question, 3)
		gold := q.goldPages()
		if figs := parseFigures(q.Answer, true); len(figs) > 0 {
			figQuestions++
			var seen []string
			for _, p := range ranked {
				seen = append(seen, p.text)
			}
			rep.FigureShown += b2f(figuresShown(figs, parseFigures(strings.Join(seen, "\n"), false)))
		}
		for j, p := range ranked {
			pageOK := gold[p.doc] != nil && gold[p.doc][p.page]
			if j == 0 {
				tops[i] = fmt.Sprintf("%s p.%d", p.doc, p.page)
				rep.DocHit1 += b2f(gold[p.doc] != nil)
				rep.PageHit1 += b2f(pageOK)
			}
			if pageOK {
				rep.PageHit3++
				break
			}
		}
	}
	n := float64(len(qs))
	rep.DocHit1, rep.PageHit1, rep.PageHit3 = rep.DocHit1/n, rep.PageHit1/n, rep.PageHit3/n
	if figQuestions > 0 {
		rep.FigureShown /= float64(figQuestions)
	}
	return rep, tops, nil
}

// refPage is one page of the reference: its document, one-based number
// and text.
type refPage struct {
	doc  string
	page int
	text string
}

// pageBM25 is an in-memory BM25 over whole pages.
type pageBM25 struct {
	pages []refPage
	tf    []map[string]int
	lens  []int
	df    map[string]int
	avg   float64
}

func newPageBM25(pages []refPage) *pageBM25 {
	b := &pageBM25{pages: pages, df: map[string]int{}}
	total := 0
	for _, p := range pages {
		tf := map[string]int{}
		terms := index.Terms(p.text)
		for _, t := range terms {
			tf[t]++
		}
		for t := range tf {
			b.df[t]++
		}
		b.tf = append(b.tf, tf)
		b.lens = append(b.lens, len(terms))
		total += len(terms)
	}
	if len(pages) > 0 {
		b.avg = float64(total) / float64(len(pages))
	}
	return b
}

// rank returns the k best pages for query, best first (ties by order).
func (b *pageBM25) rank(query string, k int) []refPage {
	const k1, bb = 1.2, 0.75
	n := float64(len(b.pages))
	q := map[string]bool{}
	for _, t := range index.Terms(query) {
		q[t] = true
	}
	scores := make([]float64, len(b.pages))
	for t := range q {
		df := float64(b.df[t])
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i, tf := range b.tf {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			scores[i] += idf * f * (k1 + 1) / (f + k1*(1-bb+bb*float64(b.lens[i])/b.avg))
		}
	}
	idx := make([]int, len(b.pages))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool { return scores[idx[x]] > scores[idx[y]] })
	var out []refPage
	for _, i := range idx[:min(k, len(idx))] {
		if scores[i] > 0 {
			out = append(out, b.pages[i])
		}
	}
	return out
}

// WriteText prints the report for a person, with the reference and the
// ratio of each figure to it.
func (r E2EReport) WriteText(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "End to end: %d questions, mode %s", r.Questions, r.Mode)
	if r.Chunks > 0 {
		fmt.Fprintf(w, ", %d passages indexed", r.Chunks)
	}
	fmt.Fprintf(w, " in %.1f s\n", r.IndexSeconds)
	ratio := func(v, ref float64) string {
		if ref == 0 {
			return ""
		}
		return fmt.Sprintf("  (%.2f× the page-BM25 reference's %.4f)", v/ref, ref)
	}
	var ref PageBM25Report
	if r.Reference != nil {
		ref = *r.Reference
	}
	fmt.Fprintf(w, "  doc_hit@1     %.4f%s\n", r.DocHit1, ratio(r.DocHit1, ref.DocHit1))
	fmt.Fprintf(w, "  doc_hit_any   %.4f\n", r.DocHitAny)
	fmt.Fprintf(w, "  page_hit@1    %.4f%s\n", r.PageHit1, ratio(r.PageHit1, ref.PageHit1))
	fmt.Fprintf(w, "  page_hit_any  %.4f%s\n", r.PageHitAny, ratio(r.PageHitAny, ref.PageHit3))
	fmt.Fprintf(w, "  figure_shown  %.4f%s  (of %d answers holding a figure)\n", r.FigureShown, ratio(r.FigureShown, ref.FigureShown), r.FigureQuestions)
	if r.AnswerHit != nil {
		fmt.Fprintf(w, "  answer_hit    %.4f  (generated text states the gold figures within 1%%)\n", *r.AnswerHit)
	}
	fmt.Fprintf(w, "  said nothing answers %d\n", r.NotFound)
	fmt.Fprintf(w, "  answer latency p50 %.1f ms  p95 %.1f ms\n", r.P50ms, r.P95ms)
	if r.Reference != nil {
		fmt.Fprintf(w, "  reference, BM25 over %d pdftotext pages: doc_hit@1 %.4f  page_hit@1 %.4f  page_hit@3 %.4f  figure_shown (top 3 pages) %.4f\n",
			ref.Pages, ref.DocHit1, ref.PageHit1, ref.PageHit3, ref.FigureShown)
	} else {
		fmt.Fprintf(w, "  reference: %s\n", r.ReferenceNote)
	}
	if verbose {
		for _, q := range r.PerQuestion {
			fmt.Fprintf(w, "  %s\n    gold %q in %v p.%v; doc@1 %v page_any %v figure %v; ref top %s\n    cited %v\n    answer %s\n",
				core.OneLine(q.Question, 160), core.OneLine(q.Gold, 80), q.GoldDocs, q.GoldPages, q.DocHit1, q.PageAny, q.Shown, q.RefTop, q.Cited, core.OneLine(q.Answer, 240))
		}
	}
}
