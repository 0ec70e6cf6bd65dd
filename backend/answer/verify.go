package answer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/parse/tablerow"
)

// Thresholds on a claim's support (see Verify). They were chosen on
// verify_test.go's examples: copies and paraphrases of a cited sentence
// score above them, claims the passage does not make (other facts, other
// numbers, other names, negated statements) below. With all-MiniLM-L6-v2
// the lowest supported example scored 0.536 and the highest unsupported one
// 0.480; by words alone, 0.667 (paraphrases sharing few words aside) and
// 0.45. On the adversarial set of adversarial_test.go (real passages) they
// flag 98% of the corruptions and accept 99–100% of the faithful claims,
// with and without the model. An antonym with the passage's other words
// kept ("fell 12%" for "grew 12%") still passes.
const (
	// SupportThreshold applies when claims are scored with embeddings.
	SupportThreshold = 0.5
	// LexicalSupportThreshold applies when they are scored by words alone.
	LexicalSupportThreshold = 0.6
)

// Weights of the support score with embeddings: the share of the claim's
// words found in the evidence, and the cosine of their embeddings.
const (
	lexicalWeight  = 0.5
	semanticWeight = 0.5
	// numberPenalty multiplies the score once for every number of the claim
	// missing from the evidence: "grew 5%" is not "grew 12%". It is below
	// both thresholds, so one absent number alone makes a claim unsupported.
	numberPenalty = 0.4
	// namePenalty multiplies the score once for every name of the claim
	// the evidence does not back (see Verify): "founded in Paris" is not
	// "founded in Lyon". Below both thresholds too.
	namePenalty = 0.4
	// negationPenalty multiplies the score when the claim and the evidence
	// say the same words with opposite polarity. It too sits below both
	// thresholds: "does not require approval" must not pass as "requires
	// approval", at the price of flagging some true paraphrases ("stayed
	// the same" for "did not change").
	negationPenalty = 0.45
	// minClaimTerms is the fewest content words an uncited sentence needs
	// to count as a claim.
	minClaimTerms = 3
	// negationScope is how many words after a negation word it covers, at
	// most; a punctuation mark, a contrasting word ("but") or a preposition
	// ends it sooner.
	negationScope = 6
	// anchorWords is the fewest words and numbers a passage sentence must
	// share with a claim to be the one it restates (see bestEvidence).
	anchorWords = 3
)

// Verify checks a generated answer against the passages it cites. It
// splits text into sentences (chunk.Sentences; a line break also ends one),
// reads each sentence's [n] markers ("[1]", "[1, 2]", "[1][2]", "[1-3]"; a
// marker right after a sentence's full stop belongs to that sentence) and
// returns one claim per sentence, in order, with the markers stripped from
// its Text.
//
// A claim is scored against evidence: one candidate, a sentence or two
// adjacent ones, from each cited passage that helps. A claim citing two
// passages is checked against both together, so a statement joining a fact
// of each is supported. The score is the share of the claim's content words
// found in the evidence, blended with the cosine of their embeddings when
// embed is not nil, then multiplied
//   - by numberPenalty for every number of the claim absent from the
//     evidence ("three" counts as 3) — but for a claim that states a
//     computation ("0.83 = … / …", "a ratio of 0.83", "grew 65.4%"), a
//     number one step computes from the table cells of its cited
//     passages (see derived), whose computation words then need no
//     support either — or swapped out: another number
//     stands in one of its places (the word before or after it) in the
//     evidence, and it stands in none;
//   - by namePenalty for every capitalised word of the claim (a name, a
//     month) absent from every cited passage while the evidence has names,
//     or swapped out by a name the claim lacks (a sentence's lone first
//     word is only checked for absence, and not at all before a comma:
//     "Overall, …");
//   - by negationPenalty when words of the claim, or pairs of neighbouring
//     words, are negated ("not", "never", "n't", "no", "without" up to
//     negationScope words before) where a sentence of the evidence states
//     them plainly, or the other way round, or the claim denies something
//     with no negation in its evidence; and also when that is so in the
//     sentence of a cited passage that shares the most words with the
//     claim (at least anchorWords), the one it restates, whatever
//     evidence scores best (names and numbers swapped out there count
//     too).
//
// Support is the best score, Evidence the sentences it rests on, per cited
// passage (document offsets within the citation's span). Of a pair, a
// sentence that adds at most one of the claim's words to the other (such
// as the name the other's pronoun stands for) is left out when the other
// adds more. Supported is Support ≥ SupportThreshold, or LexicalSupportThreshold
// without embeddings. Cited numbers with no citation go to Missing; a claim
// that cites nothing, or only missing numbers, has Support 0 and no
// Evidence.
//
// Sentences that state nothing checkable are left out: a heading line
// ("# Summary"), an uncited line ending in ":" ("Here is what I found:"),
// and an uncited sentence with fewer than minClaimTerms content words and
// no number ("Sure.", "I hope this helps."). All texts are embedded in one
// call to embed.
func Verify(ctx context.Context, text string, cits []core.Citation, embed Embedder) ([]core.Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	byN := map[int]int{}
	for i, c := range cits {
		if _, dup := byN[c.N]; !dup {
			byN[c.N] = i
		}
	}
	claims := splitClaims(text)
	out := make([]core.Claim, len(claims))
	passages := map[int]*passage{} // by citation index
	var order []int                // citation indices in first-cited order
	for i := range claims {
		cl := &claims[i]
		out[i] = core.Claim{Text: cl.text, Cites: cl.cites}
		for _, n := range cl.cites {
			ci, ok := byN[n]
			if !ok {
				out[i].Missing = append(out[i].Missing, n)
				continue
			}
			cl.cited = append(cl.cited, ci)
			if _, seen := passages[ci]; !seen {
				passages[ci] = newPassage(ci, cits[ci].Text)
				order = append(order, ci)
			}
		}
	}
	if embed != nil {
		if err := embedAll(ctx, embed, claims, passages, order); err != nil {
			return nil, err
		}
	}
	threshold := LexicalSupportThreshold
	if embed != nil {
		threshold = SupportThreshold
	}
	for i := range claims {
		cl := &claims[i]
		if len(cl.cited) == 0 {
			continue
		}
		var cited []*passage
		for _, ci := range cl.cited {
			cited = append(cited, passages[ci])
		}
		if cl.computes {
			// A computed figure may join cells of every cited passage,
			// and the words of the computation are the claim's, not the
			// cells': "ratio", "grew", "in billions".
			for _, p := range cited {
				cl.cells = append(cl.cells, evidenceNumbers(p.cands)...)
			}
			// A claim that shows its working ("= 3,000 / 3,600") is
			// computed from the cells it states, not from any two.
			var stated []float64
			for _, n := range cl.numbers {
				if v, err := strconv.ParseFloat(n, 64); err == nil && slices.Contains(cl.cells, v) {
					stated = append(stated, v)
				}
			}
			if len(stated) >= 2 {
				cl.cells = stated
			}
			if len(cl.cells) > 0 {
				kept := cl.terms[:0:0]
				for _, t := range cl.terms {
					if !computeTerms[t] {
						kept = append(kept, t)
					}
				}
				cl.terms = kept
			}
		}
		ev, best := bestEvidence(cl, cited, embed != nil)
		out[i].Support = best
		out[i].Supported = best >= threshold
		if best > 0 {
			out[i].Evidence = evidenceSpans(cl, ev, cits)
		}
	}
	return out, nil
}

// embedAll embeds the claims that cite a passage and every candidate of the
// cited passages, in one call.
func embedAll(ctx context.Context, embed Embedder, claims []claim, passages map[int]*passage, order []int) error {
	var texts []string
	var targets []*[]float32
	for i := range claims {
		if len(claims[i].cited) > 0 {
			texts = append(texts, claims[i].text)
			targets = append(targets, &claims[i].vec)
		}
	}
	for _, ci := range order {
		for _, c := range passages[ci].cands {
			texts = append(texts, c.text)
			targets = append(targets, &c.vec)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	vecs, err := embed.Embed(ctx, texts)
	if err != nil {
		return fmt.Errorf("verify: embed: %w", err)
	}
	if len(vecs) != len(texts) {
		return fmt.Errorf("verify: embed returned %d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		*targets[i] = v
	}
	return nil
}

// bestEvidence picks the evidence of a claim: the best-scoring candidate
// of its cited passages, then, while the score rises, the candidate of
// another cited passage that raises it most. A candidate, or a sentence of
// a pair, must bring the claim at least two words or numbers the rest of
// the evidence lacks, or a name: a neighbour does not lend a lone word or
// number, only whom a pronoun stands for.
func bestEvidence(cl *claim, cited []*passage, semantic bool) ([]*candidate, float64) {
	inPassages := map[string]bool{}
	for _, t := range cl.names {
		for _, p := range cited {
			if p.terms[t] {
				inPassages[t] = true
			}
		}
	}
	// The sentence of each cited passage that shares the most words with
	// the claim is the one it restates, whatever else scores higher: a
	// negation the claim drops or adds there counts, and so do names and
	// numbers swapped out there.
	clash := false
	var anchors []*candidate
	for _, p := range cited {
		var anchor *candidate
		most := 0
		for _, c := range p.cands {
			if len(c.parts) != 1 {
				continue
			}
			if n := len(matched(cl, c)); n > most {
				anchor, most = c, n
			}
		}
		if anchor != nil && most >= anchorWords {
			anchors = append(anchors, anchor)
			clash = clash || termClash(cl, []*candidate{anchor})
		}
	}
	var ev []*candidate
	used := map[*passage]bool{}
	best := 0.0
	for len(used) < len(cited) {
		var pick *candidate
		var from *passage
		for _, p := range cited {
			if used[p] {
				continue
			}
			for _, c := range p.cands {
				if len(c.parts) == 2 && !(contributes(cl, c.parts[0], c.parts[1:]) && contributes(cl, c.parts[1], c.parts[:1])) {
					continue
				}
				if len(ev) > 0 && !contributes(cl, c, ev) {
					continue
				}
				if s := score(cl, append(ev[:len(ev):len(ev)], c), anchors, inPassages, clash, semantic); s > best {
					best, pick, from = s, c, p
				}
			}
		}
		if pick == nil {
			break
		}
		ev = append(ev, pick)
		used[from] = true
	}
	return ev, best
}

// contributes reports whether c brings the claim two words or numbers
// others lack, or a name.
func contributes(cl *claim, c *candidate, others []*candidate) bool {
	m := matched(cl, c)
	for _, o := range others {
		for k := range matched(cl, o) {
			delete(m, k)
		}
	}
	if len(m) != 1 {
		return len(m) > 1
	}
	for k := range m {
		return cl.isName[k]
	}
	return false
}

// score rates a claim against evidence (0..1); see Verify.
func score(cl *claim, ev, anchors []*candidate, inPassages map[string]bool, clash, semantic bool) float64 {
	has := func(f func(*candidate) bool) bool {
		for _, c := range ev {
			if f(c) {
				return true
			}
		}
		return false
	}
	lex := 0.0
	if len(cl.terms) > 0 {
		n := 0
		for _, t := range cl.terms {
			if has(func(c *candidate) bool { return c.terms[t] }) {
				n++
			}
		}
		lex = float64(n) / float64(len(cl.terms))
	}
	s := lex
	if semantic && cl.vec != nil {
		if v := sumVecs(ev, len(cl.vec)); v != nil {
			s = lexicalWeight*lex + semanticWeight*math.Max(0, cosine(cl.vec, v))
		}
	}
	// What names and numbers stand where in the evidence and the sentences
	// the claim restates.
	at := map[string]map[string]bool{} // place → keys
	anyName := false
	for _, c := range append(ev[:len(ev):len(ev)], anchors...) {
		for key, places := range c.places {
			if !strings.HasPrefix(key, "#") && !c.names[key] {
				continue
			}
			for pl := range places {
				if at[pl] == nil {
					at[pl] = map[string]bool{}
				}
				at[pl][key] = true
			}
		}
		anyName = anyName || len(c.names) > 0
	}
	for _, n := range cl.numbers {
		if has(func(c *candidate) bool { return c.numbers[n] }) {
			if swappedOut(cl, "#"+n, at, func(k string) bool { return k[0] == '#' }) {
				s *= numberPenalty
			}
			continue
		}
		if cl.computes && derived(n, cl.cells) {
			continue
		}
		s *= numberPenalty
	}
	otherName := func(k string) bool { return k[0] != '#' && !cl.all[k] }
	for _, t := range cl.names {
		if !inPassages[t] && anyName || inPassages[t] && !cl.initialOnly[t] && swappedOut(cl, t, at, otherName) {
			s *= namePenalty
		}
	}
	if clash || polarityClash(cl, ev) {
		s *= negationPenalty
	}
	return math.Min(1, math.Max(0, s))
}

// computeRE finds the words and signs of a computation in a claim.
var computeRE = regexp.MustCompile(`(?i)[=÷×]|\s/\s|\b(?:ratio|divided|average|mean|change|growth|grew|margin|turnover|cagr|per share|sum|difference|less|minus|plus|total of|free cash flow|working capital|ebitda|return on|in (?:millions|billions|thousands))\b`)

// computeTerms are the index terms of a computation's words, which a
// computing claim's cells need not hold.
var computeTerms = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range index.Terms(`ratio divided average mean change changed growth grew grow increase increased
		decrease decreased margin turnover cagr sum difference less minus plus total billion billions million
		millions thousand thousands percent percentage rate year over compound annual`) {
		m[t] = true
	}
	return m
}()

// evidenceNumbers are the table cells of the evidence candidates, as
// values: the numbers of 100 or more, not years, of its table row
// statements ("Capital spending — 2021: (4,625); 2020: (4,240)"). Numbers
// in prose are left out: one step from dozens of them reaches almost any
// small number.
func evidenceNumbers(ev []*candidate) []float64 {
	seen := map[string]bool{}
	var out []float64
	for _, c := range ev {
		if !strings.Contains(c.text, tablerow.LabelMark) || !strings.Contains(c.text, tablerow.HeadMark) {
			continue // prose: its numbers are no table's cells
		}
		for n := range c.numbers {
			if seen[n] {
				continue
			}
			seen[n] = true
			// Amounts only: small counts ("difference 2") and years would
			// make too many numbers computable.
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || math.Abs(v) < 100 || v == math.Trunc(v) && v >= 1900 && v <= 2100 {
				continue
			}
			out = append(out, v)
		}
	}
	return out
}

// formulaConstants are the numbers a computation writes besides its cells.
var formulaConstants = map[float64]bool{1: true, 2: true, 3: true, 4: true, 5: true, 12: true, 100: true, 360: true, 365: true, 1000: true}

// maxDerivedCells bounds the evidence numbers derived combines (pairs).
const maxDerivedCells = 40

// derived reports whether the number n (normalised, as numbers gives it)
// is computed from the cited numbers cells by one step, at n's stated
// precision: a cell in another unit (÷ or × 1,000), a ratio or product
// of two cells, their sum, difference, mean or change (b − a) / a, each
// also as a percentage (× 100); and, beside cells, a formula's constants
// ("/ 2", "× 100", "365 *"). Signs are ignored: tables write outflows
// in parentheses. A figure that needs more steps (an average of two
// ratios) is not recognised and counts as absent.
func derived(n string, cells []float64) bool {
	want, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return false
	}
	dec := 0
	if i := strings.IndexByte(n, '.'); i >= 0 {
		dec = len(n) - i - 1
	}
	p := math.Pow(10, float64(dec))
	target := math.Round(math.Abs(want) * p)
	ok := func(x float64) bool {
		x = math.Abs(x)
		return !math.IsInf(x, 0) && !math.IsNaN(x) && (math.Round(x*p) == target || math.Round(x*100*p) == target)
	}
	if len(cells) == 0 {
		return false
	}
	if formulaConstants[target/p] && dec == 0 {
		return true // "/ 2", "× 100", "365 *": the formula's own numbers
	}
	if len(cells) > maxDerivedCells {
		cells = cells[:maxDerivedCells]
	}
	for i, a := range cells {
		if ok(a/1000) || ok(a*1000) {
			return true
		}
		for j, b := range cells {
			if i == j {
				continue
			}
			if ok(a/b) || ok(a*b) || ok(a+b) || ok(a-b) || ok((a+b)/2) || ok((a-b)/b) || ok((a+b)/1000) || ok((a-b)/1000) {
				return true
			}
		}
	}
	return false
}

// swappedOut reports whether key (a name's term, or "#" and a number)
// stands in none of its claim places in the evidence (at), while another
// of its kind stands in one of them: "had 1901 members in 1373" for "had
// 1,373 members in 1901", "born in Paris" for "born in Warsaw". The other
// is any number, or a name the claim lacks (names in a list change places
// when a sentence is reworded).
func swappedOut(cl *claim, key string, at map[string]map[string]bool, other func(string) bool) bool {
	found := false
	for pl := range cl.places[key] {
		if at[pl][key] {
			return false
		}
		for k := range at[pl] {
			found = found || other(k)
		}
	}
	return found
}

// polarityClash reports whether the claim negates words a sentence of its
// evidence states plainly, or states plainly words a sentence only
// negates, or denies something while its evidence negates nothing.
func polarityClash(cl *claim, ev []*candidate) bool {
	if termClash(cl, ev) {
		return true
	}
	if !cl.negated {
		return false
	}
	for _, c := range ev {
		if c.negated {
			return false
		}
	}
	for t, pc := range cl.polarity {
		if pc&negBit != 0 {
			for _, c := range ev {
				if c.polarity[t] != 0 {
					return false
				}
			}
		}
	}
	return true
}

// termClash reports whether the claim negates words a sentence of its
// evidence states plainly, or states plainly words a sentence only negates.
func termClash(cl *claim, ev []*candidate) bool {
	for _, c := range ev {
		for _, p := range c.parts {
			for t, pc := range cl.polarity {
				pe := p.polarity[t]
				if pe != 0 && (pc&negBit != 0 && pe&negBit == 0 || pc&negBit == 0 && pe&posBit == 0) {
					return true
				}
			}
		}
	}
	return false
}

// sumVecs is the unit-length sum of the evidence's embeddings (which, as
// cosine, it takes to be unit vectors), nil when one is missing.
func sumVecs(ev []*candidate, dim int) []float32 {
	if len(ev) == 1 {
		if len(ev[0].vec) != dim {
			return nil
		}
		return ev[0].vec
	}
	sum := make([]float32, dim)
	for _, c := range ev {
		if len(c.vec) != dim {
			return nil
		}
		n := float32(math.Sqrt(float64(dot(c.vec, c.vec))))
		if n == 0 {
			continue
		}
		for i, x := range c.vec {
			sum[i] += x / n
		}
	}
	if n := float32(math.Sqrt(float64(dot(sum, sum)))); n > 0 {
		for i := range sum {
			sum[i] /= n
		}
	}
	return sum
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// evidenceSpans turns a claim's evidence into document offsets inside each
// citation's span, clamped, trimming pairs (see Verify).
func evidenceSpans(cl *claim, ev []*candidate, cits []core.Citation) []core.Evidence {
	var out []core.Evidence
	for _, c := range ev {
		parts := c.parts
		if len(parts) == 2 {
			a, b := matched(cl, parts[0]), matched(cl, parts[1])
			onlyA, onlyB := minus(a, b), minus(b, a)
			switch {
			case onlyB <= 1 && onlyA > onlyB:
				parts = parts[:1]
			case onlyA <= 1 && onlyB > onlyA:
				parts = parts[1:]
			}
		}
		cit := cits[c.cit]
		lo := cit.Start
		hi := cit.Start + len(cit.Text)
		if cit.End > cit.Start && cit.End < hi {
			hi = cit.End
		}
		e := core.Evidence{N: cit.N}
		for _, p := range parts {
			s := core.Span{Start: min(max(lo+p.span.Start, lo), hi), End: min(max(lo+p.span.End, lo), hi)}
			if s.End > s.Start {
				e.Spans = append(e.Spans, s)
			}
		}
		if len(e.Spans) > 0 {
			out = append(out, e)
		}
	}
	return out
}

// matched is what of the claim a candidate holds: its terms and numbers.
func matched(cl *claim, c *candidate) map[string]bool {
	m := map[string]bool{}
	for _, t := range cl.terms {
		if c.terms[t] {
			m[t] = true
		}
	}
	for _, n := range cl.numbers {
		if c.numbers[n] {
			m["#"+n] = true
		}
	}
	return m
}

// minus counts the keys of a not in b.
func minus(a, b map[string]bool) int {
	n := 0
	for k := range a {
		if !b[k] {
			n++
		}
	}
	return n
}

// HighlightEvidence makes the highlights of every citation a generated
// answer's claims cite the sentences that support its supported claims
// (Claim.Evidence), sorted and merged, and rebuilds its Segments. A cited
// passage no supported claim rests on keeps no highlight; citations no
// claim cites are left as they are. An exact answer outside the new
// highlights is dropped.
func HighlightEvidence(ans *core.Answer) {
	cited := map[int]bool{}
	spans := map[int][]core.Span{}
	for _, cl := range ans.Claims {
		for _, n := range cl.Cites {
			cited[n] = true
		}
		if !cl.Supported {
			continue
		}
		for _, e := range cl.Evidence {
			spans[e.N] = append(spans[e.N], e.Spans...)
		}
	}
	for i := range ans.Citations {
		c := &ans.Citations[i]
		if !cited[c.N] {
			continue
		}
		hi := c.Start + len(c.Text)
		if c.End > c.Start && c.End < hi {
			hi = c.End
		}
		c.Highlights = mergeSpans(spans[c.N], c.Start, hi)
		if c.Answer != nil && !coveredBy(*c.Answer, c.Highlights) {
			c.Answer = nil
		}
		citeSegments(c)
	}
}

// mergeSpans clamps spans to [lo, hi], sorts them and merges overlapping
// ones; empty spans are dropped.
func mergeSpans(spans []core.Span, lo, hi int) []core.Span {
	var in []core.Span
	for _, s := range spans {
		s = core.Span{Start: min(max(s.Start, lo), hi), End: min(max(s.End, lo), hi)}
		if s.End > s.Start {
			in = append(in, s)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Start < in[j].Start })
	var out []core.Span
	for _, s := range in {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

func coveredBy(s core.Span, spans []core.Span) bool {
	for _, h := range spans {
		if h.Start <= s.Start && s.End <= h.End {
			return true
		}
	}
	return false
}

// claim is one sentence of the generated text being checked.
type claim struct {
	text  string
	cites []int
	cited []int // indices of the existing cited citations
	features
	vec []float32
	// computes is set when the claim states a computation ("=", "/",
	// "ratio", "average", "change", …): its numbers absent from the
	// evidence may be computed from the evidence's (see derived).
	computes bool
	cells    []float64 // with computes, the amounts of the cited passages
}

// features are what the checker compares in a claim.
type features struct {
	// terms are the distinct index terms (stop words dropped) but for meta
	// words, numbers and negation words, which are checked on their own;
	// all holds every term.
	terms []string
	all   map[string]bool
	// numbers are the distinct numbers (see numbers).
	numbers   []string
	hasNumber map[string]bool
	// names are the terms of the capitalised words (but a lone first word
	// before a comma: "Overall, …"); initialOnly those only seen as a
	// sentence's lone first word, which may be no name at all.
	names       []string
	isName      map[string]bool
	initialOnly map[string]bool
	// places are, for every name term and every number ("#" and the
	// number), the words next to it: "<in", ">was".
	places map[string]map[string]bool
	// polarity has posBit and/or negBit for every term, and every pair of
	// neighbouring terms ("equal np") within a clause.
	polarity map[string]uint8
	negated  bool
}

// candidate is a passage sentence, or two adjacent ones, a claim may rest on.
type candidate struct {
	cit     int       // citation index
	span    core.Span // in the passage text
	parts   []*candidate
	text    string
	terms   map[string]bool
	numbers map[string]bool
	// names are the candidate's names: its capitalised words, but a
	// sentence's first word unless it starts a run of them or the passage
	// writes it capitalised inside a sentence somewhere.
	names    map[string]bool
	places   map[string]map[string]bool
	polarity map[string]uint8
	negated  bool
	vec      []float32
}

// passage is a cited passage, split into candidates.
type passage struct {
	cands []*candidate
	terms map[string]bool // every term of the passage
}

// newPassage splits a passage into its sentences and adjacent pairs.
func newPassage(ci int, text string) *passage {
	p := &passage{terms: map[string]bool{}}
	known := map[string]bool{} // capitalised inside a sentence somewhere
	for _, w := range scanWords(text) {
		for _, t := range w.terms {
			p.terms[t] = true
			if w.capital && !w.initial {
				known[t] = true
			}
		}
	}
	spans := chunk.Sentences(text)
	var singles []*candidate
	for i, s := range spans {
		c := newCandidate(ci, text, s, known)
		c.parts = []*candidate{c}
		singles = append(singles, c)
		p.cands = append(p.cands, c)
		if i > 0 {
			pair := newCandidate(ci, text, core.Span{Start: spans[i-1].Start, End: s.End}, known)
			pair.parts = []*candidate{singles[i-1], c}
			p.cands = append(p.cands, pair)
		}
	}
	return p
}

func newCandidate(ci int, passage string, s core.Span, known map[string]bool) *candidate {
	text := passage[s.Start:s.End]
	words := scanWords(text)
	f := readFeatures(words)
	c := &candidate{cit: ci, span: s, text: text, terms: f.all, numbers: f.hasNumber,
		names: map[string]bool{}, places: f.places, polarity: f.polarity, negated: f.negated}
	for i, w := range words {
		if !w.capital {
			continue
		}
		if w.initial && !known[w.first()] && !(i+1 < len(words) && words[i+1].capital && !words[i+1].boundary) {
			continue
		}
		for _, t := range w.nameTerms() {
			c.names[t] = true
		}
	}
	return c
}

// word is a word of a text as the checker reads it.
type word struct {
	lower    string
	terms    []string // its index terms (none for a stop word)
	num      string   // the number it is, normalised, if it is one
	capital  bool     // starts with a capital letter
	initial  bool     // first word of a sentence
	boundary bool     // punctuation comes before it
}

func (w word) first() string {
	if len(w.terms) == 0 {
		return ""
	}
	return w.terms[0]
}

// nameTerms are the terms of a capitalised word that are not numbers or
// meta words ("According to …").
func (w word) nameTerms() []string {
	var out []string
	for _, t := range w.terms {
		if !isDigits(t) && !numberTerms[t] && !metaTerms[t] {
			out = append(out, t)
		}
	}
	return out
}

// leadNumberRe matches a number, with thousands or decimal separators, at
// the start of a text.
var leadNumberRe = regexp.MustCompile(`^\d+(?:[.,]\d+)*`)

// scanWords splits s into words: numbers ("1,200", "3.5"), and runs of
// letters, digits and marks with apostrophes and hyphens inside.
func scanWords(s string) []word {
	var out []word
	initial, boundary := true, false
	inWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) }
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !inWord(r) {
			switch {
			case strings.ContainsRune(".!?。！？", r):
				// "U.S." does not end a sentence.
				if r != '.' || i+size >= len(s) || s[i+size] == ' ' || s[i+size] == '\n' {
					initial, boundary = true, true
				}
			case strings.ContainsRune(",;:()[]\"“”—–", r):
				boundary = true
			}
			i += size
			continue
		}
		j := i + size
		num := ""
		if m := leadNumberRe.FindString(s[i:]); m != "" {
			if next, _ := utf8.DecodeRuneInString(s[i+len(m):]); !unicode.IsLetter(next) {
				j, num = i+len(m), normNumber(m)
			}
		}
		if num == "" {
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !inWord(r) {
					if r != '\'' && r != '’' && r != '-' {
						break
					}
					// "Eiffel's", "anti-papal"; but "COVID-19" is a word and a number.
					if next, _ := utf8.DecodeRuneInString(s[j+n:]); !unicode.IsLetter(next) {
						break
					}
				}
				j += n
			}
		}
		raw := s[i:j]
		w := word{lower: strings.ToLower(raw), terms: index.Terms(raw), num: num,
			capital: unicode.IsUpper(r), initial: initial, boundary: boundary || initial}
		first, _, _ := strings.Cut(w.lower, "-") // "two-lane"
		if n, ok := numberWords[first]; ok {
			w.num = n
		}
		out = append(out, w)
		initial, boundary = false, false
		i = j
	}
	return out
}

const (
	posBit uint8 = 1 << iota
	negBit
)

// textFeatures reads the terms, numbers, names and negations of s.
func textFeatures(s string) features { return readFeatures(scanWords(s)) }

func readFeatures(words []word) features {
	f := features{all: map[string]bool{}, hasNumber: map[string]bool{}, isName: map[string]bool{}, initialOnly: map[string]bool{},
		places: map[string]map[string]bool{}, polarity: map[string]uint8{}}
	place := func(key string, a, b int) {
		if f.places[key] == nil {
			f.places[key] = map[string]bool{}
		}
		if a > 0 && !words[a].boundary {
			f.places[key]["<"+words[a-1].lower] = true
		}
		if b+1 < len(words) && !words[b+1].boundary {
			f.places[key][">"+words[b+1].lower] = true
		}
	}
	scope := 0
	prev, prevBit := "", uint8(0) // the term before, for pairs
	for i, w := range words {
		if w.boundary || contrastWords[w.lower] {
			scope = 0
		}
		if isNegation(w.lower) && !(w.lower == "not" && i+1 < len(words) && words[i+1].lower == "only") {
			f.negated = true
			scope = negationScope
			continue
		}
		bit := posBit
		if scope > 0 {
			bit = negBit
			scope--
		}
		if w.boundary {
			prev, prevBit = "", 0
		}
		for _, t := range w.terms {
			f.polarity[t] |= bit
			// Pairs of neighbouring terms tell "P equals NP" from "P does
			// not equal PSPACE" where the terms alone repeat.
			if prev != "" {
				f.polarity[prev+" "+t] |= bit | prevBit&negBit
			}
			prev, prevBit = t, bit
			if !f.all[t] && !metaTerms[t] && !isDigits(t) && !numberTerms[t] {
				f.terms = append(f.terms, t)
			}
			f.all[t] = true
		}
		if w.num != "" {
			if !f.hasNumber[w.num] {
				f.hasNumber[w.num] = true
				f.numbers = append(f.numbers, w.num)
			}
			place("#"+w.num, i, i)
		}
		if !w.capital || len(w.nameTerms()) == 0 {
			continue
		}
		// A run of capitalised words is one name: its places are the
		// words around the run.
		a, b := i, i
		for a > 0 && words[a-1].capital && !words[a].boundary {
			a--
		}
		for b+1 < len(words) && words[b+1].capital && !words[b+1].boundary {
			b++
		}
		if a == b && w.initial && i+1 < len(words) && words[i+1].boundary {
			continue // "Overall, …": a lone first word before a comma
		}
		for _, t := range w.nameTerms() {
			lone := a == b && w.initial
			if !f.isName[t] {
				f.isName[t] = true
				f.names = append(f.names, t)
				f.initialOnly[t] = lone
			} else if !lone {
				f.initialOnly[t] = false
			}
			place(t, a, b)
		}
	}
	return f
}

// contrastWords end a negation's scope, and so do prepositions: "not
// given a name in Europe" does not deny Europe.
var contrastWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`but although though however whereas while yet except instead rather
		in at on from by during after before for with since until within across through into over under
		between among amongst throughout`) {
		m[w] = true
	}
	return m
}()

func isNegation(w string) bool {
	return negations[w] || strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t")
}

var (
	// markerRe matches one citation marker: [1], [1, 2], [1;2], [1-3].
	markerRe = regexp.MustCompile(`\[\s*\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*\s*\]`)
	// lateMarkersRe matches markers right after a sentence's end, as in
	// "… in 2023. [1] Next …", so they can move before the full stop.
	lateMarkersRe = regexp.MustCompile(`([.!?。！？]["'”’)]*)((?:\s*\[\s*\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*\s*\])+)`)
	// spaceBeforePunctRe finds the space a removed marker leaves.
	spaceBeforePunctRe = regexp.MustCompile(`\s+([.,;:!?。！？)])`)
	// listPrefixRe matches a Markdown list item's or heading's prefix.
	listPrefixRe = regexp.MustCompile(`^(?:[-*•+]\s+|\d{1,3}[.)]\s+|#{1,6}\s+)`)
	// thousandsRe matches 1,200,000.
	thousandsRe = regexp.MustCompile(`^\d{1,3}(?:,\d{3})+$`)
	// passageRefRe matches "passage 2" or "sources 1 and 3" in a claim,
	// whose numbers are not facts to look for.
	passageRefRe = regexp.MustCompile(`(?i)\b(?:passages?|sources?|documents?)\s+\d{1,4}(?:\s*(?:,|and|&)\s*\d{1,4})*`)
)

// splitClaims splits generated text into claims, dropping the sentences
// that state nothing checkable (see Verify).
func splitClaims(text string) []claim {
	var out []claim
	walkClaims(text, func(_ int, _ string, _ core.Span, c *claim, markers []int) {
		switch {
		case c != nil:
			out = append(out, *c)
		case len(out) > 0 && len(markers) > 0:
			// Markers alone belong to the claim before.
			out[len(out)-1].cites = mergeInts(out[len(out)-1].cites, markers)
		}
	})
	return out
}

// walkClaims reads text as splitClaims does and calls visit for every
// sentence of every non-empty line, with the line as read (late markers
// moved before the full stop), the sentence's span in it, and its claim
// (nil for a sentence that states nothing checkable or holds markers
// alone); markers are a markers-alone sentence's numbers, which belong to
// the claim before it if any.
func walkClaims(text string, visit func(lineNo int, line string, s core.Span, c *claim, markers []int)) {
	for no, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		heading := strings.HasPrefix(line, "#")
		line = lateMarkersRe.ReplaceAllString(line, "$2$1")
		for _, s := range chunk.Sentences(line) {
			raw := line[s.Start:s.End]
			cites := markerNumbers(raw)
			clean := stripMarkers(raw)
			clean = strings.TrimSpace(listPrefixRe.ReplaceAllString(clean, ""))
			if !hasWord(clean) {
				visit(no, line, s, nil, cites)
				continue
			}
			c := claim{text: clean, cites: cites, features: textFeatures(passageRefRe.ReplaceAllString(clean, " ")), computes: computeRE.MatchString(clean)}

			if len(cites) == 0 && (heading || strings.HasSuffix(clean, ":") || len(c.terms) < minClaimTerms && len(c.numbers) == 0) {
				visit(no, line, s, nil, nil)
				continue
			}
			visit(no, line, s, &c, nil)
		}
	}
}

// markerNumbers returns the numbers of the [n] markers in s, each once, in
// order. A range [a-b] stands for a..b (at most 20 numbers).
func markerNumbers(s string) []int {
	out := []int{}
	seen := map[int]bool{}
	add := func(n int) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, m := range markerRe.FindAllString(s, -1) {
		inner := strings.Trim(m, "[] ")
		for _, part := range strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ';' }) {
			part = strings.TrimSpace(part)
			lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
			a, err := strconv.Atoi(strings.TrimSpace(lo))
			if err != nil {
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a >= 20 {
					b = a
				}
			}
			for n := a; n <= b; n++ {
				add(n)
			}
		}
	}
	return out
}

// stripMarkers removes [n] markers from s and the spaces they leave.
func stripMarkers(s string) string {
	s = markerRe.ReplaceAllString(s, " ")
	s = strings.Join(strings.Fields(s), " ")
	return spaceBeforePunctRe.ReplaceAllString(s, "$1")
}

// metaTerms are words about the passages rather than facts in them
// ("According to the passage, …"); they are not looked for.
var metaTerms = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range index.Terms(`according passage passages document documents source sources text
		mention mentions mentioned state states stated say says said note notes noted indicate
		indicates indicated describe describes described explain explains explained however
		therefore thus based`) {
		m[t] = true
	}
	return m
}()

// numbers returns the numbers in s, normalised: "1,200" and "1200" are
// "1200", "3.50" is "3.5", "07" is "7", "three" is "3".
func numbers(s string) []string {
	var out []string
	for _, w := range scanWords(s) {
		if w.num != "" {
			out = append(out, w.num)
		}
	}
	return unique(out)
}

// normNumber normalises a number leadNumberRe matched.
func normNumber(m string) string {
	switch {
	case thousandsRe.MatchString(m):
		m = strings.ReplaceAll(m, ",", "")
	case strings.Count(m, ".")+strings.Count(m, ",") > 1:
		m = strings.NewReplacer(",", "", ".", "").Replace(m) // 1.200.000
	default:
		m = strings.ReplaceAll(m, ",", ".") // 3,5 is 3.5
	}
	if strings.Contains(m, ".") {
		m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
	}
	if t := strings.TrimLeft(m, "0"); t == "" || t[0] == '.' {
		return "0" + t
	} else {
		return t
	}
}

// numberWords are the numbers written as words that numbers reads.
var numberWords = func() map[string]string {
	m := map[string]string{}
	for i, w := range strings.Fields(`zero one two three four five six seven eight nine ten eleven
		twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty`) {
		m[w] = strconv.Itoa(i)
	}
	for i, w := range strings.Fields(`thirty forty fifty sixty seventy eighty ninety`) {
		m[w] = strconv.Itoa(30 + 10*i)
	}
	return m
}()

// numberTerms are the index terms of numberWords: numbers, not words.
var numberTerms = func() map[string]bool {
	m := map[string]bool{}
	for w := range numberWords {
		for _, t := range index.Terms(w) {
			m[t] = true
		}
	}
	return m
}()

var negations = map[string]bool{
	"not": true, "no": true, "never": true, "none": true, "nothing": true, "neither": true,
	"nor": true, "cannot": true, "without": true, "nobody": true,
}

func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func mergeInts(a, b []int) []int {
	for _, n := range b {
		found := false
		for _, m := range a {
			found = found || m == n
		}
		if !found {
			a = append(a, n)
		}
	}
	return a
}
