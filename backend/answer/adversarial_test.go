package answer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/index"
	"folio/backend/internal/testenv"
)

// The adversarial set: claims built by program from real passages (XQuAD's
// Wikipedia paragraphs and SciFact's abstracts), each citing the passage
// it was built from. Faithful claims reword a passage sentence (function
// words swapped for synonyms, clauses reordered, a subordinate clause or
// parenthesis dropped, "According to the passage," put before it, or two
// passages' sentences joined and citing both); corruptions change one
// thing in a faithful claim: a name swapped for one from another passage,
// a number changed, a negation added or removed. The checker must flag at
// least advFlagTarget of the corruptions and accept at least
// advAcceptTarget of the faithful claims. The set is the same on every run
// (advSeed).
const (
	advSeed         = 14
	advFlagTarget   = 0.90
	advAcceptTarget = 0.90
	// advSentences is how many sentences of each passage claims are built
	// from; advSciFact how many SciFact abstracts join XQuAD's paragraphs.
	advSentences = 3
	advSciFact   = 60
)

// advItem is one claim of the set.
type advItem struct {
	kind    string // "faithful/…" or "corrupt/…"
	claim   string // with its markers
	source  string // the sentence(s) it was built from
	cits    []core.Citation
	corrupt bool
}

// advPassage is a passage claims are built from.
type advPassage struct {
	id, group string // group: the article or abstract, for joint claims
	text      string
}

func loadAdvPassages(t *testing.T) []advPassage {
	t.Helper()
	var out []advPassage
	raw, err := os.ReadFile(testenv.SharedFile(t, "data/qa/xquad.en.dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sq struct {
		Data []struct {
			Title      string `json:"title"`
			Paragraphs []struct {
				Context string `json:"context"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &sq); err != nil {
		t.Fatalf("xquad.en.dev.json: %v", err)
	}
	for _, a := range sq.Data {
		for i, p := range a.Paragraphs {
			out = append(out, advPassage{id: fmt.Sprintf("%s/%d", a.Title, i), group: a.Title, text: p.Context})
		}
	}
	// SciFact abstracts: every 40th of the first advSciFact*40 lines with
	// at least four sentences.
	f, err := os.Open(testenv.SharedFile(t, "data/retrieval/scifact/corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, taken := 0, 0
	for sc.Scan() && taken < advSciFact {
		n++
		if n%40 != 0 {
			continue
		}
		var doc struct {
			ID   string `json:"_id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatalf("scifact corpus.jsonl line %d: %v", n, err)
		}
		if len(chunk.Sentences(doc.Text)) < 4 {
			continue
		}
		out = append(out, advPassage{id: "scifact/" + doc.ID, group: "scifact/" + doc.ID, text: doc.Text})
		taken++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// advBuilder builds the set from the passages.
type advBuilder struct {
	rng      *rand.Rand
	passages []advPassage
	// entities are the names of every passage (see entities); midCaps the
	// words some passage writes capitalised inside a sentence.
	entities [][]string
	midCaps  map[string]bool
}

func buildAdvSet(passages []advPassage) []advItem {
	b := &advBuilder{rng: rand.New(rand.NewSource(advSeed)), passages: passages, midCaps: map[string]bool{}}
	for _, p := range passages {
		for _, s := range sentencesOf(p.text) {
			for i, w := range strings.Fields(s) {
				if w = trimPunct(w); i > 0 && isCapitalised(w) {
					b.midCaps[w] = true
				}
			}
		}
	}
	for _, p := range passages {
		var es []string
		for _, s := range sentencesOf(p.text) {
			es = append(es, b.entitiesIn(s)...)
		}
		b.entities = append(b.entities, es)
	}
	var items []advItem
	for pi, p := range passages {
		cits := []core.Citation{{N: 1, Text: p.text}}
		sents := sentencesOf(p.text)
		order := b.rng.Perm(len(sents))
		used := 0
		for _, si := range order {
			if used == advSentences {
				break
			}
			src := sents[si]
			if n := len(strings.Fields(src)); n < 8 || n > 60 {
				continue
			}
			kind, body := b.faithful(src)
			claim := body + " [1]."
			if !oneClaim(claim) {
				continue
			}
			used++
			items = append(items, advItem{kind: "faithful/" + kind, claim: claim, source: src, cits: cits})
			for _, c := range b.corruptions(pi, body) {
				if oneClaim(c.body + " [1].") {
					items = append(items, advItem{kind: "corrupt/" + c.kind, claim: c.body + " [1].", source: src, cits: cits, corrupt: true})
				}
			}
		}
		// A claim joining a sentence of this passage and one of the next
		// passage of the same article, citing both.
		if pi+1 < len(passages) && passages[pi+1].group == p.group && len(sents) > 0 {
			next := sentencesOf(passages[pi+1].text)
			if len(next) == 0 {
				continue
			}
			a, c := sents[b.rng.Intn(len(sents))], next[b.rng.Intn(len(next))]
			if n, m := len(strings.Fields(a)), len(strings.Fields(c)); n < 6 || m < 6 || n+m > 70 {
				continue
			}
			body := strings.TrimRight(a, ".!? ") + ", and " + lowerFirst(strings.TrimRight(c, ".!? "), b.midCaps)
			joint := []core.Citation{{N: 1, Text: p.text}, {N: 2, Text: passages[pi+1].text}}
			if !oneClaim(body + " [1][2].") {
				continue
			}
			items = append(items, advItem{kind: "faithful/joint", claim: body + " [1][2].", source: a + " | " + c, cits: joint})
			for _, cr := range b.corruptions(pi, body) {
				if oneClaim(cr.body + " [1][2].") {
					items = append(items, advItem{kind: "corrupt/joint-" + cr.kind, claim: cr.body + " [1][2].", source: a + " | " + c, cits: joint, corrupt: true})
				}
			}
		}
	}
	return items
}

// sentencesOf splits a passage as the checker does.
func sentencesOf(text string) []string {
	var out []string
	for _, s := range chunk.Sentences(text) {
		out = append(out, text[s.Start:s.End])
	}
	return out
}

// oneClaim reports whether the checker reads claim as one sentence.
func oneClaim(claim string) bool { return len(splitClaims(claim)) == 1 }

// Faithful rewordings.

// functionSynonyms swap function words and phrases for synonyms.
var functionSynonyms = []struct {
	re  *regexp.Regexp
	new string
}{
	{regexp.MustCompile(`\bin order to\b`), "to"},
	{regexp.MustCompile(`\bapproximately\b`), "about"},
	{regexp.MustCompile(`\baround\b`), "about"},
	{regexp.MustCompile(`\balthough\b`), "though"},
	{regexp.MustCompile(`\bamong\b`), "amongst"},
	{regexp.MustCompile(`\bwhich\b`), "that"},
	{regexp.MustCompile(`\bupon\b`), "on"},
	{regexp.MustCompile(`\btowards\b`), "toward"},
	{regexp.MustCompile(`\buntil\b`), "till"},
	{regexp.MustCompile(`\bas well as\b`), "and"},
	{regexp.MustCompile(`\bdue to\b`), "because of"},
	{regexp.MustCompile(`\bbecause\b`), "as"},
	{regexp.MustCompile(`\bbefore\b`), "prior to"},
	{regexp.MustCompile(`\bwithin\b`), "inside"},
	{regexp.MustCompile(`\bwas able to\b`), "could"},
	{regexp.MustCompile(`\bseveral\b`), "a number of"},
	{regexp.MustCompile(`\bmany\b`), "lots of"},
	{regexp.MustCompile(`\bhowever\b`), "yet"},
	{regexp.MustCompile(`\balso\b`), "likewise"},
	{regexp.MustCompile(`\bwhile\b`), "whilst"},
	{regexp.MustCompile(`\bwith\b`), "along with"},
}

// reword applies each function-word synonym that matches, with
// probability 0.7.
func (b *advBuilder) reword(s string) string {
	for _, f := range functionSynonyms {
		if f.re.MatchString(s) && b.rng.Float64() < 0.7 {
			s = f.re.ReplaceAllString(s, f.new)
		}
	}
	return s
}

var (
	leadPhraseRe = regexp.MustCompile(`^((?:In|On|At|During|After|Before|By|From|Since|Following|Under|With|Although|While|When|Because|Despite|As|Unlike|Through|Between|Within|Throughout|Until|Upon|Over|Among|For|Due)\b[^,]{2,80}),\s+(.+)$`)
	coordRe      = regexp.MustCompile(`^(.{20,}?), (and|while|whereas|but) (.{20,})$`)
	parenRe      = regexp.MustCompile(`\s*\([^()]*\)`)
	relativeRe   = regexp.MustCompile(`, (?:which|who|whom|whose|where)\b[^,]*,`)
	trailingRe   = regexp.MustCompile(`, (?:which|who|where|making|including|although|while)\b.*$`)
)

// faithful rewords a sentence: one structural change where one applies
// (reorder, drop, first-clause, meta), then function-word synonyms.
func (b *advBuilder) faithful(src string) (string, string) {
	body := strings.TrimRight(strings.TrimSpace(src), ".!? ")
	kinds := []string{"reorder", "drop", "clause", "meta"}
	b.rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	kind := "reword"
	for _, k := range kinds {
		if out, ok := b.restructure(k, body); ok {
			kind, body = k, out
			break
		}
	}
	return kind, b.reword(body)
}

func (b *advBuilder) restructure(kind, s string) (string, bool) {
	switch kind {
	case "reorder":
		if m := leadPhraseRe.FindStringSubmatch(s); m != nil {
			return upperFirst(m[2]) + " " + lowerFirst(m[1], b.midCaps), true
		}
		if m := coordRe.FindStringSubmatch(s); m != nil && m[2] != "but" {
			return upperFirst(m[3]) + ", " + m[2] + " " + lowerFirst(m[1], b.midCaps), true
		}
	case "drop":
		for _, re := range []*regexp.Regexp{parenRe, relativeRe, trailingRe} {
			if out := re.ReplaceAllString(s, ""); out != s && len(strings.Fields(out)) >= 5 {
				return strings.TrimSpace(out), true
			}
		}
	case "clause":
		if i := strings.Index(s, "; "); i > 0 && len(strings.Fields(s[:i])) >= 5 {
			return s[:i], true
		}
	case "meta":
		if b.rng.Intn(3) == 0 {
			return "According to the passage, " + lowerFirst(s, b.midCaps), true
		}
	}
	return "", false
}

// Corruptions.

type advCorruption struct{ kind, body string }

var (
	auxRe      = regexp.MustCompile(`\b(is|was|are|were|has|had|have|can|could|will|would|did|does|do|should|may|might|must)\b( )`)
	negRe      = regexp.MustCompile(`\b(not|never) (?:[^o]|o[^n]|on[^l])|n't\b`) // but "not only"
	noRe       = regexp.MustCompile(`\b[Nn]o\b`)
	pastRe     = regexp.MustCompile(`(\s)([a-z]{3,}ed)\b`)
	numTokenRe = regexp.MustCompile(`\b\d[\d,.]*\d\b|\b\d\b`)
)

var smallNumbers = strings.Fields("two three four five six seven eight nine ten eleven twelve")

// corruptions changes one thing in a faithful claim, in each way that
// applies: a name, a number, a negation.
func (b *advBuilder) corruptions(pi int, body string) []advCorruption {
	var out []advCorruption
	if es := b.entitiesIn(body); len(es) > 0 {
		old := es[b.rng.Intn(len(es))]
		for try := 0; try < 20; try++ {
			oi := b.rng.Intn(len(b.passages))
			if oi == pi || len(b.entities[oi]) == 0 {
				continue
			}
			repl := b.entities[oi][b.rng.Intn(len(b.entities[oi]))]
			if strings.EqualFold(repl, old) || strings.Contains(strings.ToLower(old), strings.ToLower(repl)) || strings.Contains(strings.ToLower(repl), strings.ToLower(old)) {
				continue
			}
			out = append(out, advCorruption{"entity", replaceWord(body, old, repl)})
			break
		}
	}
	if nums := numTokenRe.FindAllStringIndex(body, -1); len(nums) > 0 {
		loc := nums[b.rng.Intn(len(nums))]
		if repl := b.otherNumber(body[loc[0]:loc[1]]); repl != "" {
			out = append(out, advCorruption{"number", body[:loc[0]] + repl + body[loc[1]:]})
		}
	} else {
		for _, w := range smallNumbers {
			re := regexp.MustCompile(`\b` + w + `\b`)
			if loc := re.FindStringIndex(body); loc != nil {
				repl := smallNumbers[(indexOf(smallNumbers, w)+1+b.rng.Intn(len(smallNumbers)-1))%len(smallNumbers)]
				out = append(out, advCorruption{"number", body[:loc[0]] + repl + body[loc[1]:]})
				break
			}
		}
	}
	switch {
	case negRe.MatchString(body):
		loc := negRe.FindStringSubmatchIndex(body)
		if loc[2] < 0 {
			loc[2], loc[3] = loc[0], loc[1] // n't
		} else {
			loc[3]++ // and its space
		}
		out = append(out, advCorruption{"negation-removed", body[:loc[2]] + body[loc[3]:]})
	case noRe.MatchString(body):
		out = append(out, advCorruption{"negation-removed", noRe.ReplaceAllStringFunc(body, func(no string) string {
			return map[string]string{"no": "some", "No": "Some"}[no]
		})})
	case auxRe.MatchString(body):
		loc := auxRe.FindStringSubmatchIndex(body)
		out = append(out, advCorruption{"negation-added", body[:loc[3]] + " not" + body[loc[3]:]})
	case pastRe.MatchString(body):
		loc := pastRe.FindStringSubmatchIndex(body)
		out = append(out, advCorruption{"negation-added", body[:loc[4]] + "never " + body[loc[4]:]})
	}
	return out
}

// otherNumber changes a number: a year by 1 to 15, another number by 10%
// to 90% (at least 1), keeping its thousands separators.
func (b *advBuilder) otherNumber(s string) string {
	plain := strings.ReplaceAll(s, ",", "")
	if strings.Contains(plain, ".") {
		f, err := strconv.ParseFloat(plain, 64)
		if err != nil {
			return ""
		}
		return strconv.FormatFloat(f*(1.1+0.8*b.rng.Float64()), 'f', len(plain)-strings.Index(plain, ".")-1, 64)
	}
	n, err := strconv.Atoi(plain)
	if err != nil {
		return ""
	}
	var m int
	if n >= 1000 && n <= 2100 && !strings.Contains(s, ",") {
		m = n + (1+b.rng.Intn(15))*(1-2*b.rng.Intn(2))
	} else {
		m = n + max(1, int(float64(n)*(0.1+0.8*b.rng.Float64())))
	}
	out := strconv.Itoa(m)
	if strings.Contains(s, ",") {
		var parts []string
		for len(out) > 3 {
			parts = append([]string{out[len(out)-3:]}, parts...)
			out = out[:len(out)-3]
		}
		out = strings.Join(append([]string{out}, parts...), ",")
	}
	return out
}

// entitiesIn finds names in a sentence: runs of capitalised words ("of",
// "the", "de" may join them), but a lone first word unless some passage
// writes it capitalised inside a sentence, and no run of stop words only.
func (b *advBuilder) entitiesIn(s string) []string {
	words := strings.Fields(s)
	var out []string
	for i := 0; i < len(words); {
		if !isCapitalised(trimPunct(words[i])) {
			i++
			continue
		}
		j := i + 1
		for j < len(words) && !endsRun(words[j-1]) {
			if isCapitalised(trimPunct(words[j])) {
				j++
			} else if j+1 < len(words) && (words[j] == "of" || words[j] == "de") && isCapitalised(trimPunct(words[j+1])) {
				j += 2
			} else {
				break
			}
		}
		name := trimPunct(strings.Join(words[i:j], " "))
		lone := j == i+1
		if len(index.Terms(name)) > 0 && (i > 0 || !lone || b.midCaps[name]) {
			out = append(out, name)
		}
		i = j
	}
	return out
}

func endsRun(w string) bool {
	return strings.ContainsAny(w[len(w)-1:], ",.;:)")
}

func trimPunct(w string) string {
	return strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func isCapitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst lowercases s's first letter unless its first word is a name.
func lowerFirst(s string, midCaps map[string]bool) string {
	first := trimPunct(strings.SplitN(s, " ", 2)[0])
	if len(index.Terms(first)) > 0 && midCaps[first] || strings.ToUpper(first) == first {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// replaceWord replaces the first whole-word old in s with repl.
func replaceWord(s, old, repl string) string {
	re := regexp.MustCompile(`(^|[^\pL\pN])` + regexp.QuoteMeta(old) + `($|[^\pL\pN])`)
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return strings.Replace(s, old, repl, 1)
	}
	return s[:loc[3]] + repl + s[loc[4]:]
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// runAdvSet checks every claim, one Verify call per group of claims citing
// the same passages, and returns the verdicts in order.
func runAdvSet(t *testing.T, items []advItem, embed Embedder) []core.Claim {
	t.Helper()
	type group struct {
		cits []core.Citation
		idx  []int
	}
	var groups []*group
	byKey := map[string]*group{}
	for i, it := range items {
		key := ""
		for _, c := range it.cits {
			key += c.Text + "\x00"
		}
		g := byKey[key]
		if g == nil {
			g = &group{cits: it.cits}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	out := make([]core.Claim, len(items))
	for _, g := range groups {
		var lines []string
		for _, i := range g.idx {
			lines = append(lines, items[i].claim)
		}
		claims, err := Verify(context.Background(), strings.Join(lines, "\n"), g.cits, embed)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != len(g.idx) {
			t.Fatalf("%d claims for %d lines:\n%s", len(claims), len(g.idx), strings.Join(lines, "\n"))
		}
		for k, i := range g.idx {
			out[i] = claims[k]
		}
	}
	return out
}

// checkAdvSet measures and asserts the targets on the set built from every
// step-th passage.
func checkAdvSet(t *testing.T, embed Embedder, step int) {
	var ps []advPassage
	for i, p := range loadAdvPassages(t) {
		if i%step == 0 {
			ps = append(ps, p)
		}
	}
	items := buildAdvSet(ps)
	verdicts := runAdvSet(t, items, embed)
	type tally struct{ n, right int }
	byKind := map[string]*tally{}
	var faithful, corrupt tally
	var misses []string
	for i, it := range items {
		right := verdicts[i].Supported != it.corrupt
		k := byKind[it.kind]
		if k == nil {
			k = &tally{}
			byKind[it.kind] = k
		}
		k.n++
		tt := &faithful
		if it.corrupt {
			tt = &corrupt
		}
		tt.n++
		if right {
			k.right++
			tt.right++
		} else {
			misses = append(misses, fmt.Sprintf("%s (support %.2f): %q\n\t\tfrom %q", it.kind, verdicts[i].Support, it.claim, it.source))
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-28s %4d claims, %5.1f%% judged right", k, byKind[k].n, 100*float64(byKind[k].right)/float64(byKind[k].n))
	}
	flagged := float64(corrupt.right) / float64(corrupt.n)
	accepted := float64(faithful.right) / float64(faithful.n)
	t.Logf("adversarial set: %d claims from %d passages of XQuAD-en and SciFact; corruptions flagged %d/%d = %.3f (target %.2f); faithful accepted %d/%d = %.3f (target %.2f)",
		len(items), len(ps), corrupt.right, corrupt.n, flagged, advFlagTarget, faithful.right, faithful.n, accepted, advAcceptTarget)
	if testing.Verbose() {
		for _, m := range misses {
			t.Logf("missed: %s", m)
		}
	}
	if flagged < advFlagTarget {
		t.Errorf("flagged %.3f of the corruptions, want ≥ %.2f", flagged, advFlagTarget)
	}
	if accepted < advAcceptTarget {
		t.Errorf("accepted %.3f of the faithful claims, want ≥ %.2f", accepted, advAcceptTarget)
	}
}

func TestVerifyAdversarialLexical(t *testing.T) { checkAdvSet(t, nil, 1) }

// TestVerifyAdversarialWithModel checks the set built from a third of the
// passages (about 600 claims and 1,500 passage sentences to embed; all of
// them take a minute of CPU): FOLIO_ADV_FULL=1 takes every passage.
func TestVerifyAdversarialWithModel(t *testing.T) {
	if testing.Short() || testenv.Race {
		t.Skip("embeds about 2,000 texts: skipped with -short and -race (Verify starts no goroutine)")
	}
	enc, err := encoder.Open(testenv.Model(t))
	if err != nil {
		t.Fatal(err)
	}
	step := 3
	if os.Getenv("FOLIO_ADV_FULL") != "" {
		step = 1
	}
	checkAdvSet(t, enc, step)
}

// TestAdvSetIsDeterministic builds the set twice and compares.
func TestAdvSetIsDeterministic(t *testing.T) {
	ps := loadAdvPassages(t)
	a, b := buildAdvSet(ps), buildAdvSet(ps)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d items", len(a), len(b))
	}
	for i := range a {
		if a[i].claim != b[i].claim || a[i].kind != b[i].kind {
			t.Fatalf("item %d differs: %q / %q", i, a[i].claim, b[i].claim)
		}
	}
}
