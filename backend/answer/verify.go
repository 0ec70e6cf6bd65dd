package answer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/index"
)

// Thresholds on a claim's support (see Verify). They were chosen on
// verify_test.go's examples: copies and paraphrases of a cited sentence
// score above them, claims the passage does not make (other facts, other
// numbers, negated statements) below. With all-MiniLM-L6-v2 the lowest
// supported example scored 0.536 and the highest unsupported one 0.480;
// by words alone, 1.0 (paraphrases aside) and 0.45. A swapped name or an
// antonym with the passage's other words kept ("founded in Paris" for
// "founded in Lyon", "fell 12%" for "grew 12%") still passes.
const (
	// SupportThreshold applies when claims are scored with embeddings.
	SupportThreshold = 0.5
	// LexicalSupportThreshold applies when they are scored by words alone.
	LexicalSupportThreshold = 0.6
)

// Weights of the support score with embeddings: the share of the claim's
// words found in the cited sentence, and the cosine of their embeddings.
const (
	lexicalWeight  = 0.5
	semanticWeight = 0.5
	// numberPenalty multiplies the score once for every number of the claim
	// missing from the cited sentence: "grew 5%" is not "grew 12%". It is
	// below both thresholds, so one absent number alone makes a claim
	// unsupported by that sentence.
	numberPenalty = 0.4
	// negationPenalty multiplies the score when one of the claim and the
	// cited sentence is negated and the other is not. It too sits below
	// both thresholds: "does not require approval" must not pass as
	// "requires approval", at the price of flagging some true paraphrases
	// ("stayed the same" for "did not change").
	negationPenalty = 0.45
	// minClaimTerms is the fewest content words an uncited sentence needs
	// to count as a claim.
	minClaimTerms = 3
)

// Verify checks a generated answer against the passages it cites. It
// splits text into sentences (chunk.Sentences; a line break also ends one),
// reads each sentence's [n] markers ("[1]", "[1, 2]", "[1][2]", "[1-3]"; a
// marker right after a sentence's full stop belongs to that sentence) and
// returns one claim per sentence, in order, with the markers stripped from
// its Text.
//
// A claim's Support is the best score over the sentences, and pairs of
// adjacent sentences, of the passages it cites: the share of its content
// words found there, blended with the cosine of their embeddings when embed
// is not nil, then multiplied by numberPenalty for every number of the
// claim absent there and by negationPenalty when only one of them is
// negated. Supported is Support ≥ SupportThreshold, or
// LexicalSupportThreshold without embeddings. Cited numbers with no
// citation go to Missing; a claim that cites nothing, or only missing
// numbers, has Support 0.
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
	passages := map[int][]*candidate{} // by citation index
	var order []int                    // citation indices in first-cited order
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
				passages[ci] = candidates(cits[ci].Text)
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
		best := 0.0
		for _, ci := range cl.cited {
			for _, cand := range passages[ci] {
				best = math.Max(best, support(cl, cand, embed != nil))
			}
		}
		out[i].Support = best
		out[i].Supported = len(cl.cited) > 0 && best >= threshold
	}
	return out, nil
}

// embedAll embeds the claims that cite a passage and every candidate of the
// cited passages, in one call.
func embedAll(ctx context.Context, embed Embedder, claims []claim, passages map[int][]*candidate, order []int) error {
	var texts []string
	var targets []*[]float32
	for i := range claims {
		if len(claims[i].cited) > 0 {
			texts = append(texts, claims[i].text)
			targets = append(targets, &claims[i].vec)
		}
	}
	for _, ci := range order {
		for _, c := range passages[ci] {
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

// support scores a claim against one candidate (0..1).
func support(cl *claim, c *candidate, semantic bool) float64 {
	lex := 0.0
	if len(cl.terms) > 0 {
		n := 0
		for _, t := range cl.terms {
			if c.terms[t] {
				n++
			}
		}
		lex = float64(n) / float64(len(cl.terms))
	}
	s := lex
	if semantic && cl.vec != nil && c.vec != nil && len(cl.vec) == len(c.vec) {
		s = lexicalWeight*lex + semanticWeight*math.Max(0, cosine(cl.vec, c.vec))
	}
	for _, n := range cl.numbers {
		if !c.numbers[n] {
			s *= numberPenalty
		}
	}
	if cl.negated != c.negated {
		s *= negationPenalty
	}
	return math.Min(1, math.Max(0, s))
}

// claim is one sentence of the generated text being checked.
type claim struct {
	text    string
	cites   []int
	cited   []int // indices of the existing cited citations
	terms   []string
	numbers []string
	negated bool
	vec     []float32
}

// candidate is a passage sentence, or two adjacent ones, a claim may rest on.
type candidate struct {
	text    string
	terms   map[string]bool
	numbers map[string]bool
	negated bool
	vec     []float32
}

// candidates splits a passage into its sentences and adjacent pairs.
func candidates(passage string) []*candidate {
	spans := chunk.Sentences(passage)
	var out []*candidate
	add := func(text string) {
		c := &candidate{text: text, terms: map[string]bool{}, numbers: map[string]bool{}, negated: negated(text)}
		for _, t := range index.Terms(text) {
			c.terms[t] = true
		}
		for _, n := range numbers(text) {
			c.numbers[n] = true
		}
		out = append(out, c)
	}
	for i, s := range spans {
		add(passage[s.Start:s.End])
		if i > 0 {
			add(passage[spans[i-1].Start:s.End])
		}
	}
	return out
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
	// numberRe matches a number, with thousands or decimal separators.
	numberRe = regexp.MustCompile(`\d+(?:[.,]\d+)*`)
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
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
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
				// Markers alone: they belong to the sentence before.
				if n := len(out); n > 0 && len(cites) > 0 {
					out[n-1].cites = mergeInts(out[n-1].cites, cites)
				}
				continue
			}
			c := claim{text: clean, cites: cites, negated: negated(clean)}
			facts := passageRefRe.ReplaceAllString(clean, " ")
			c.terms = contentTerms(facts)
			c.numbers = numbers(facts)
			if len(cites) == 0 && (heading || strings.HasSuffix(clean, ":") || len(c.terms) < minClaimTerms && len(c.numbers) == 0) {
				continue
			}
			out = append(out, c)
		}
	}
	return out
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

// contentTerms are the distinct index terms of s (stop words already
// dropped by index.Terms), without meta words and numbers, which are
// checked on their own.
func contentTerms(s string) []string {
	var out []string
	for _, t := range unique(index.Terms(s)) {
		if metaTerms[t] || isDigits(t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// numbers returns the numbers in s, normalised: "1,200" and "1200" are
// "1200", "3.50" is "3.5", "07" is "7".
func numbers(s string) []string {
	var out []string
	for _, m := range numberRe.FindAllString(s, -1) {
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
			m = "0" + t
		} else {
			m = t
		}
		out = append(out, m)
	}
	return unique(out)
}

// negated reports whether s holds a negation word.
func negated(s string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\'' && r != '’'
	}) {
		if negations[w] || strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t") {
			return true
		}
	}
	return false
}

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
