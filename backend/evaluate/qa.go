package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"folio/backend/core"
	"folio/backend/stats"
)

// Asker is the product as the QA evaluation drives it: a library that
// indexes files and answers questions from them.
type Asker interface {
	Index(ctx context.Context, paths []string) error
	Ask(ctx context.Context, question string) (core.Answer, error)
}

// QAConfig configures QA. Zero fields mean the defaults.
type QAConfig struct {
	// SQuAD is a SQuAD v1.1-format JSON file (XQuAD uses the same format).
	SQuAD string
	// Dir receives one text file per context (default: a temporary folder,
	// deleted afterwards).
	Dir string
	// Limit asks only the first Limit questions (0: all).
	Limit int
	// Distractors is a BEIR corpus.jsonl whose documents are indexed with
	// the contexts, each as a text file: a larger library makes answering
	// harder and slower. DistractorDocs caps how many (0: all).
	Distractors    string
	DistractorDocs int
	// Generate has the generator write every answer (the asker must be a
	// GenAsker) and adds the generated answers' figures to the report.
	Generate bool
	// Progress, if set, is told how many questions have been asked.
	Progress func(done, total int)
	// Partial, if set, gets the figures of the questions asked so far
	// every PartialEvery questions (a long run's log).
	Partial      func(done, total int, so QAReport)
	PartialEvery int
}

// QAReport holds the figures of a QA evaluation. EM and F1 are of the first
// highlighted span, and are present only when a QA model marked spans.
type QAReport struct {
	FirstSentenceHit float64  `json:"first_sentence_hit"`
	AnyCitationHit   float64  `json:"any_citation_hit"`
	EM               *float64 `json:"em"`
	F1               *float64 `json:"f1"`
	P50ms            float64  `json:"p50_ms"`
	P95ms            float64  `json:"p95_ms"`
	Questions        int      `json:"questions"`
	Contexts         int      `json:"contexts"`
	Distractors      int      `json:"distractors"`
	Chunks           int      `json:"chunks"` // passages in the library, when the asker tells`
	// NotFound counts answers that said nothing in the library answers.
	NotFound int `json:"not_found"`

	// With QAConfig.Generate: Generated counts the answers the generator
	// wrote (the others fell back to the extracted answer, and miss);
	// AnswerHit is the share whose text holds the gold answer, CitedHit
	// the share where some passage they cite holds it, Supported the share
	// of their sentences the checker accepts; TTFTp50ms is from the
	// question to the first piece of text, TokensPerS the pieces streamed
	// per second after the first (one per token with the built-in
	// generator). GoldGiven is the share of questions whose generated
	// answer has among its citations (the extracted answer's passages, of
	// which the prompt carries those PromptPassages keeps) one that holds
	// the gold answer: the most CitedHit can be.
	Generated  *int     `json:"generated,omitempty"`
	GoldGiven  *float64 `json:"gold_given,omitempty"`
	AnswerHit  *float64 `json:"answer_hit,omitempty"`
	CitedHit   *float64 `json:"cited_hit,omitempty"`
	Supported  *float64 `json:"supported,omitempty"`
	TTFTp50ms  *float64 `json:"ttft_p50_ms,omitempty"`
	TokensPerS *float64 `json:"tokens_per_s,omitempty"`

	Dataset string     `json:"-"`
	Misses  []QAResult `json:"-"`
	// GenMisses are the generated answers that cite no passage holding
	// the gold answer (with QAConfig.Generate).
	GenMisses []GenMiss `json:"-"`
}

// GenMiss is a generated answer whose cited passages miss the gold answer:
// what it says, what it cites, and which of its passages hold the gold.
type GenMiss struct {
	Question string
	Gold     []string
	Text     string
	Cited    []int
	GoldIn   []int // the answer's passages that hold the gold answer
	Passages int
	Claims   []core.Claim // as checked, citations repaired
}

// GenAsker answers with the generator, streaming. It returns the
// generated answer and the extracted answer it was written from (the one
// Ask gives), so that one run scores both without answering twice.
type GenAsker interface {
	AskGenerated(ctx context.Context, question string) (generated, extracted core.Answer, t GenTiming, err error)
}

// GenTiming is how a generated answer streamed: the time from the question
// to its first piece of text, how many pieces came, and the time from the
// first piece to the last.
type GenTiming struct {
	TTFT   time.Duration
	Pieces int
	Stream time.Duration
}

// genTally adds up the generated answers' figures.
type genTally struct {
	misses                         []GenMiss
	generated, answerHit, citedHit int
	goldGiven                      int
	claims, supported              int
	ttft                           []float64
	pieces                         int
	stream                         time.Duration
}

func (g *genTally) add(question string, ans core.Answer, t GenTiming, gold []string) {
	if ans.Mode != "generated" {
		return
	}
	g.generated++
	if containsAnswer(ans.Text, gold) {
		g.answerHit++
	}
	cited := map[int]bool{}
	for _, c := range ans.Claims {
		g.claims++
		if c.Supported {
			g.supported++
		}
		for _, n := range c.Cites {
			cited[n] = true
		}
	}
	miss := GenMiss{Question: question, Gold: gold, Text: ans.Text, Passages: len(ans.Citations), Claims: ans.Claims}
	hit := false
	for _, c := range ans.Citations {
		if containsAnswer(c.Text, gold) {
			miss.GoldIn = append(miss.GoldIn, c.N)
			hit = hit || cited[c.N]
		}
		if cited[c.N] {
			miss.Cited = append(miss.Cited, c.N)
		}
	}
	if len(miss.GoldIn) > 0 {
		g.goldGiven++
	}
	if hit {
		g.citedHit++
	} else {
		g.misses = append(g.misses, miss)
	}
	if t.Pieces > 0 {
		g.ttft = append(g.ttft, float64(t.TTFT.Microseconds())/1000)
		g.pieces += t.Pieces - 1
		g.stream += t.Stream
	}
}

func (g *genTally) report(rep *QAReport, questions int) {
	n := float64(questions)
	gen := g.generated
	ah, ch, given := float64(g.answerHit)/n, float64(g.citedHit)/n, float64(g.goldGiven)/n
	sup := 0.0
	if g.claims > 0 {
		sup = float64(g.supported) / float64(g.claims)
	}
	ttft := stats.Median(g.ttft)
	tps := 0.0
	if g.stream > 0 {
		tps = float64(g.pieces) / g.stream.Seconds()
	}
	rep.GoldGiven = &given
	rep.Generated, rep.AnswerHit, rep.CitedHit, rep.Supported, rep.TTFTp50ms, rep.TokensPerS = &gen, &ah, &ch, &sup, &ttft, &tps
	rep.GenMisses = g.misses
}

// QAResult is one question's outcome, kept for the misses.
type QAResult struct {
	Question string
	Gold     []string
	First    string // the first highlighted sentence
	Cited    bool   // the gold answer is in some cited sentence
}

type squadFile struct {
	Data []struct {
		Title      string `json:"title"`
		Paragraphs []struct {
			Context string `json:"context"`
			QAs     []struct {
				ID       string `json:"id"`
				Question string `json:"question"`
				Answers  []struct {
					Text string `json:"text"`
				} `json:"answers"`
			} `json:"qas"`
		} `json:"paragraphs"`
	} `json:"data"`
}

type squadQuestion struct {
	id, question string
	answers      []string
}

// QA indexes every context of a SQuAD-format file as a document, asks every
// question and scores the answers: whether a gold answer lies inside the
// first highlighted sentence and inside any cited sentence, EM and F1 of
// the first highlighted span, and answer latency.
func QA(ctx context.Context, cfg QAConfig, asker Asker) (QAReport, error) {
	rep := QAReport{Dataset: cfg.SQuAD}
	raw, err := os.ReadFile(cfg.SQuAD)
	if err != nil {
		return rep, fmt.Errorf("read SQuAD file: %w", err)
	}
	var sf squadFile
	if err := json.Unmarshal(raw, &sf); err != nil {
		return rep, fmt.Errorf("%s: not SQuAD JSON: %w", cfg.SQuAD, err)
	}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "folio-qa-"); err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return rep, fmt.Errorf("contexts folder: %w", err)
	}
	var qs []squadQuestion
	for ai, a := range sf.Data {
		for pi, p := range a.Paragraphs {
			name := fmt.Sprintf("%03d-%02d %s.txt", ai, pi, safeName(a.Title))
			if err := os.WriteFile(filepath.Join(dir, name), []byte(p.Context), 0o600); err != nil {
				return rep, err
			}
			rep.Contexts++
			for _, q := range p.QAs {
				sq := squadQuestion{id: q.ID, question: q.Question}
				for _, ans := range q.Answers {
					sq.answers = append(sq.answers, ans.Text)
				}
				if len(sq.answers) > 0 {
					qs = append(qs, sq)
				}
			}
		}
	}
	if len(qs) == 0 {
		return rep, fmt.Errorf("%s: no questions with answers", cfg.SQuAD)
	}
	if cfg.Limit > 0 && len(qs) > cfg.Limit {
		qs = qs[:cfg.Limit]
	}
	paths := []string{dir}
	if cfg.Distractors != "" {
		more := filepath.Join(dir, "distractors")
		n, err := writeDistractors(cfg.Distractors, more, cfg.DistractorDocs)
		if err != nil {
			return rep, err
		}
		rep.Distractors = n
	}
	if err := asker.Index(ctx, paths); err != nil {
		return rep, fmt.Errorf("index the contexts: %w", err)
	}
	if c, ok := asker.(interface{ Chunks() int }); ok {
		rep.Chunks = c.Chunks()
	}
	gasker, _ := asker.(GenAsker)
	if cfg.Generate && gasker == nil {
		return rep, fmt.Errorf("this asker cannot generate answers")
	}
	var gen genTally
	var first, any, em, f1 float64
	spans := 0
	lat := make([]float64, 0, len(qs))
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		t0 := time.Now()
		var (
			ans    core.Answer
			timing GenTiming
		)
		if cfg.Generate {
			// The extracted answer's figures come from the same run: the
			// answer the generated one was written from.
			var gans core.Answer
			if gans, ans, timing, err = gasker.AskGenerated(ctx, q.question); err != nil {
				return rep, fmt.Errorf("question %s: %w", q.id, err)
			}
			gen.add(q.question, gans, timing, q.answers)
		} else if ans, err = asker.Ask(ctx, q.question); err != nil {
			return rep, fmt.Errorf("question %s: %w", q.id, err)
		}
		lat = append(lat, float64(time.Since(t0).Microseconds())/1000) // with --generate: both answers
		if !ans.Found {
			rep.NotFound++
		}
		res := QAResult{Question: q.question, Gold: q.answers}
		sentences := citedSentences(ans)
		if len(sentences) > 0 {
			res.First = sentences[0]
			if containsAnswer(sentences[0], q.answers) {
				first++
			}
		}
		for _, s := range sentences {
			if containsAnswer(s, q.answers) {
				res.Cited = true
			}
		}
		if res.Cited {
			any++
		}
		if span, ok := firstSpan(ans); ok {
			spans++
			e, f := bestEMF1(span, q.answers)
			em += e
			f1 += f
		}
		if !containsAnswer(res.First, q.answers) {
			rep.Misses = append(rep.Misses, res)
		}
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(qs))
		}
		if cfg.Partial != nil && cfg.PartialEvery > 0 && (i+1)%cfg.PartialEvery == 0 && i+1 < len(qs) {
			so := QAReport{Dataset: rep.Dataset, Questions: i + 1, Contexts: rep.Contexts, NotFound: rep.NotFound}
			so.FirstSentenceHit, so.AnyCitationHit = first/float64(i+1), any/float64(i+1)
			if cfg.Generate {
				gen.report(&so, i+1)
			}
			cfg.Partial(i+1, len(qs), so)
		}
	}
	n := float64(len(qs))
	rep.Questions = len(qs)
	rep.FirstSentenceHit, rep.AnyCitationHit = first/n, any/n
	if spans > 0 {
		em, f1 = em/n, f1/n
		rep.EM, rep.F1 = &em, &f1
	}
	if cfg.Generate {
		gen.report(&rep, len(qs))
	}
	rep.P50ms, rep.P95ms = stats.Quantile(lat, 0.50), stats.Quantile(lat, 0.95)
	return rep, nil
}

// writeDistractors writes up to n documents of a BEIR corpus (0: all) as
// text files into dir.
func writeDistractors(corpus, dir string, n int) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	written := 0
	err := readJSONL(corpus, func(l beirLine) {
		if n > 0 && written >= n {
			return
		}
		text := strings.TrimSpace(l.Title + "\n\n" + l.Text)
		if os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.txt", written)), []byte(text), 0o600) == nil {
			written++
		}
	})
	if err != nil {
		return written, fmt.Errorf("distractors %s: %w", corpus, err)
	}
	return written, nil
}

// citedSentences are the answer's statements, first to last: the sentences
// it highlights, in the order it shows them.
func citedSentences(ans core.Answer) []string {
	out := make([]string, 0, len(ans.Statements))
	for _, s := range ans.Statements {
		out = append(out, s.Text)
	}
	return out
}

// firstSpan is the exact answer a QA model marked in the first statement.
func firstSpan(ans core.Answer) (string, bool) {
	if len(ans.Statements) == 0 || ans.Statements[0].Answer == "" {
		return "", false
	}
	return ans.Statements[0].Answer, true
}

// containsAnswer reports whether some gold answer appears in text, as
// whole words after SQuAD's normalisation.
func containsAnswer(text string, gold []string) bool {
	t := " " + strings.Join(squadTokens(text), " ") + " "
	for _, g := range gold {
		toks := squadTokens(g)
		if len(toks) > 0 && strings.Contains(t, " "+strings.Join(toks, " ")+" ") {
			return true
		}
	}
	return false
}

var squadArticles = regexp.MustCompile(`\b(a|an|the)\b`)

// squadTokens normalises text as the SQuAD v1.1 script does: lower case,
// punctuation and articles removed, split on white space.
func squadTokens(s string) []string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Fields(squadArticles.ReplaceAllString(s, " "))
}

// bestEMF1 is SQuAD's exact match and token F1 of pred against the best
// gold answer.
func bestEMF1(pred string, gold []string) (em, f1 float64) {
	p := squadTokens(pred)
	for _, g := range gold {
		gt := squadTokens(g)
		if strings.Join(p, " ") == strings.Join(gt, " ") {
			em = 1
		}
		f1 = max(f1, tokenF1(p, gt))
	}
	return em, f1
}

func tokenF1(pred, gold []string) float64 {
	if len(pred) == 0 || len(gold) == 0 {
		if len(pred) == len(gold) {
			return 1
		}
		return 0
	}
	count := map[string]int{}
	for _, t := range gold {
		count[t]++
	}
	same := 0
	for _, t := range pred {
		if count[t] > 0 {
			count[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	prec, rec := float64(same)/float64(len(pred)), float64(same)/float64(len(gold))
	return 2 * prec * rec / (prec + rec)
}

// safeName keeps a title usable as a file name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// WriteText prints the report for a person.
func (r QAReport) WriteText(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "QA on %s: %d questions over %d contexts", r.Dataset, r.Questions, r.Contexts)
	if r.Distractors > 0 {
		fmt.Fprintf(w, " and %d distractor documents", r.Distractors)
	}
	if r.Chunks > 0 {
		fmt.Fprintf(w, " (%d passages indexed)", r.Chunks)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  gold answer in the first highlighted sentence  %.4f\n", r.FirstSentenceHit)
	fmt.Fprintf(w, "  gold answer in some cited sentence            %.4f\n", r.AnyCitationHit)
	if r.EM != nil {
		fmt.Fprintf(w, "  first highlighted span: EM %.4f  F1 %.4f\n", *r.EM, *r.F1)
	} else {
		fmt.Fprintln(w, "  EM/F1: no QA model installed, so no answer spans are marked")
	}
	fmt.Fprintf(w, "  said nothing answers                          %d\n", r.NotFound)
	fmt.Fprintf(w, "  answer latency p50 %.1f ms  p95 %.1f ms\n", r.P50ms, r.P95ms)
	if r.Generated != nil {
		fmt.Fprintf(w, "  generated answers %d of %d (the rest fell back to the extracted answer)\n", *r.Generated, r.Questions)
		fmt.Fprintf(w, "  gold answer in the generated text   %.4f\n", *r.AnswerHit)
		fmt.Fprintf(w, "  gold answer in a passage it cites   %.4f (in one of its answer's passages: %.4f)\n", *r.CitedHit, *r.GoldGiven)
		fmt.Fprintf(w, "  sentences the checker supports      %.4f\n", *r.Supported)
		fmt.Fprintf(w, "  time to first token p50 %.1f ms, %.1f tokens/s\n", *r.TTFTp50ms, *r.TokensPerS)
	}
	if verbose {
		for _, m := range r.GenMisses {
			fmt.Fprintf(w, "  generated miss: %s\n    gold %q in passages %v of %d; cites %v%s\n    %s\n", m.Question, m.Gold, m.GoldIn, m.Passages, m.Cited, claimNotes(m.Claims), core.OneLine(m.Text, 400))
		}
		for _, m := range r.Misses {
			fmt.Fprintf(w, "  miss: %s\n    gold %q\n    first %s\n    cited elsewhere: %v\n", m.Question, m.Gold, core.OneLine(m.First, 200), m.Cited)
		}
	}
}

// claimNotes tells, for a miss, how each sentence was checked: "; checked
// supported, unsupported (moved from [2])".
func claimNotes(claims []core.Claim) string {
	if len(claims) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("; checked")
	for i, c := range claims {
		if i > 0 {
			b.WriteByte(',')
		}
		if c.Supported {
			b.WriteString(" supported")
		} else {
			b.WriteString(" unsupported")
		}
		if len(c.Recited) > 0 {
			fmt.Fprintf(&b, " (moved from %v)", c.Recited)
		}
	}
	return b.String()
}
