package chat

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"folio/backend/core"
	"folio/backend/index"
)

// The follow-up rules work on the question's words, lower-cased and
// stripped of the punctuation around them.
var (
	// strongLeads start a question that refers back whatever follows:
	// "what about Germany?", "tell me more".
	strongLeads = phrases(`and what about|and how about|but what about|what about|how about|what of|
		as for|same for|same with|the same for|what else|anything else|tell me more|more about|more on|
		compared to|compared with|versus|vs|in that case|apart from that|besides that|other than that|why not`)
	// weakLeads start a continuation, which refers back only when the rest
	// is itself a fragment: "and in 2019?" does, "And who founded Acme?"
	// does not.
	weakLeads = phrases(`and|but|also|or|so|then|plus|and also|but also`)
	// bare words alone make a question with no topic of its own: "why?",
	// "how so?", "how many?", "more details please".
	bare = set(`why how when where who whom whose what which so come much many long often far exactly
		really else not again more details detail example examples instance source sources explain
		elaborate please tell me go on for in what's who's why's how's`)
	// pronouns refer to something said before.
	pronouns = set(`it it's its itself they them their theirs themselves he him his she her hers this these
		those former latter`)
	// lastOnly refer back only as the last word: "why is that?", "what
	// happened there?" (but "is there", "the paper that ...").
	lastOnly = set(`that there`)
	// itExpletive follow a dummy "it": "is it true that ...", "it is
	// possible to ...".
	itExpletive = set(`true false possible impossible likely unlikely necessary safe ok okay worth
		better best normal legal common hard easy important wise dangerous raining`)
	// starts begin a question that stands as a sentence: wh-words,
	// auxiliaries and requests.
	starts = set(`why how when where who whom whose what which whats is are was were am do does did
		can could will would should shall may might must has have had list show explain summarize
		summarise describe define compare give find name tell`)
	// preps begin a fragment that narrows the previous question: "in
	// 2019?", "for Germany?".
	preps = set(`in for at on during from since before after with without by under over among between
		within outside inside about to until till per`)
	// articles are skipped before the value of a fragment.
	articles = set(`the a an`)
)

var yearRE = regexp.MustCompile(`^(1[5-9]|20)\d\d$`)

// FollowUp returns what to search for question, asked after prev. When
// the question depends on the previous turn ("and in 2019?", "what about
// Germany?", "why?", "how many of them?") the result combines it with the
// previous turn's query: a year, number or name in the fragment replaces
// the single one of its kind in the previous query ("GDP of France in
// 2018?" + "and in 2019?" → "GDP of France in 2019?"); otherwise the
// question is appended to it after " — ". A question that stands on its
// own, or has no previous turn, is returned unchanged.
func FollowUp(prev *core.Turn, question string) string {
	if prev == nil {
		return question
	}
	base := strings.TrimSpace(prev.Query)
	if base == "" {
		base = strings.TrimSpace(prev.Question)
	}
	q := strings.TrimSpace(question)
	if base == "" || q == "" {
		return question
	}
	ws := tokens(q)
	if len(ws) == 0 {
		return question
	}
	rest, fragment := ws, false
	if n := lead(ws, strongLeads); n > 0 {
		rest, fragment = ws[n:], true
	} else if n := lead(ws, weakLeads); n > 0 && n < len(ws) {
		rest = ws[n:]
		fragment = isFragment(rest)
	} else if n > 0 {
		rest, fragment = nil, true // "and?", "so?"
	}
	switch {
	case fragment:
	case allIn(rest, bare) && len(rest) <= 4:
	case refersBack(rest):
	case isNamed(rest) || (len(rest) <= 5 && preps[rest[0].lower]):
		// "Germany?", "2019?", "in 2019?": a bare value narrows the
		// previous question.
		fragment = true
	default:
		return question
	}
	if fragment {
		if s, ok := substitute(base, rest); ok {
			return s
		}
	}
	return appendTo(base, q)
}

// appendTo joins question onto the previous query after " — ". Of a
// previous query that was itself joined, the first part (the topic) and
// the last are kept, so a long chat does not grow its queries forever.
func appendTo(base, question string) string {
	parts := strings.Split(base, " — ")
	if len(parts) > 2 {
		parts = []string{parts[0], parts[len(parts)-1]}
	}
	parts[len(parts)-1] = strings.TrimRight(parts[len(parts)-1], "?!.;: ")
	return strings.Join(append(parts, question), " — ")
}

// isFragment reports whether the words after "and"/"but" are a fragment
// rather than a whole question: short, and not led by a question word,
// an auxiliary or a request.
func isFragment(ws []word) bool {
	return len(ws) <= 5 && !starts[ws[0].lower] || allIn(ws, bare) && len(ws) <= 4 || refersBack(ws)
}

// refersBack reports whether the question leans on a pronoun: one among
// its first four words, or anywhere when it has at most three words of its
// own. A dummy "it" ("is it true that ...") does not count.
func refersBack(ws []word) bool {
	found := -1
	for i, w := range ws {
		switch {
		case pronouns[w.lower] && !((w.lower == "it" || w.lower == "it's") && dummyIt(ws, i)):
		case lastOnly[w.lower] && i == len(ws)-1 && i > 0:
		case w.lower == "that" && i+1 < len(ws) && (ws[i+1].lower == "one" || ws[i+1].lower == "ones"):
		default:
			continue
		}
		found = i
		break
	}
	if found < 0 {
		return false
	}
	if found < 4 {
		return true
	}
	var own []string
	for _, w := range ws {
		own = append(own, w.text)
	}
	return len(index.Terms(strings.Join(own, " "))) <= 3
}

// dummyIt reports whether the "it" at i is a placeholder subject: "is it
// true", "it is possible", "it's worth", "does it take long to".
func dummyIt(ws []word, i int) bool {
	next := func(k int) string {
		if i+k < len(ws) {
			return ws[i+k].lower
		}
		return ""
	}
	if itExpletive[next(1)] {
		return true // "is it true ...", "it's possible ..."
	}
	switch next(1) {
	case "is", "was", "'s", "seems", "seemed", "isn't", "wasn't":
		return itExpletive[next(2)]
	case "take", "takes", "took":
		for _, w := range ws[i+2:] {
			if w.lower == "to" {
				return true // "how long does it take to ..."
			}
		}
	}
	return false
}

// isNamed reports whether the words are only a name, a year or a number,
// ending the question: "Germany?", "New York?", "2019?".
func isNamed(ws []word) bool {
	if len(ws) == 0 || len(ws) > 4 || !strings.HasSuffix(ws[len(ws)-1].raw, "?") {
		return false
	}
	for _, w := range ws {
		if !capitalized(w.text) && !isNumber(w.text) {
			return false
		}
	}
	return true
}

// substitute puts the value of a fragment ("in 2019" → "2019", "the
// Netherlands" → "Netherlands") in place of the one value of its kind in
// base: a year for a year, a number for a number, a name for a name.
func substitute(base string, frag []word) (string, bool) {
	for len(frag) > 0 && (preps[frag[0].lower] || articles[frag[0].lower]) {
		frag = frag[1:]
	}
	if len(frag) == 0 || len(frag) > 4 {
		return "", false
	}
	var parts []string
	for _, w := range frag {
		parts = append(parts, w.text)
	}
	val := strings.Join(parts, " ")
	bw := tokens(base)
	var cands [][2]int // byte ranges in base
	switch {
	case len(frag) == 1 && yearRE.MatchString(val):
		for _, w := range bw {
			if yearRE.MatchString(w.text) {
				cands = append(cands, [2]int{w.start, w.end})
			}
		}
	case len(frag) == 1 && isNumber(val):
		for _, w := range bw {
			if isNumber(w.text) && !yearRE.MatchString(w.text) {
				cands = append(cands, [2]int{w.start, w.end})
			}
		}
	case allCapitalized(frag):
		caps := allCaps(val)
		for i := 1; i < len(bw); i++ { // the first word is capitalised as the start of the sentence
			if !capitalized(bw[i].text) || starts[bw[i].lower] || bw[i].text == "I" {
				continue
			}
			j := i
			for j+1 < len(bw) && capitalized(bw[j+1].text) && base[bw[j].end:bw[j+1].start] == " " {
				j++
			}
			run := base[bw[i].start:bw[j].end]
			if allCaps(run) == caps && !strings.EqualFold(run, val) {
				cands = append(cands, [2]int{bw[i].start, bw[j].end})
			}
			i = j
		}
	}
	if len(cands) != 1 {
		return "", false // nothing to replace, or no telling which
	}
	c := cands[0]
	return base[:c[0]] + val + base[c[1]:], true
}

// word is one word of a question: raw as written, text without the
// punctuation around it, lower its lower case, start and end the byte
// range of text in the question.
type word struct {
	raw, text, lower string
	start, end       int
}

// tokens splits s into words.
func tokens(s string) []word {
	var out []word
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		raw := s[i:j]
		lo := strings.IndexFunc(raw, isWordRune)
		if lo >= 0 {
			hi := strings.LastIndexFunc(raw, isWordRune)
			_, n := utf8.DecodeRuneInString(raw[hi:])
			text := raw[lo : hi+n]
			lower := strings.ReplaceAll(strings.ToLower(text), "’", "'")
			out = append(out, word{raw: raw, text: text, lower: lower, start: i + lo, end: i + hi + n})
		}
		i = j
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// lead returns how many words of ws the longest matching phrase covers.
func lead(ws []word, list [][]string) int {
	best := 0
	for _, p := range list {
		if len(p) > len(ws) || len(p) <= best {
			continue
		}
		ok := true
		for i, w := range p {
			if ws[i].lower != w {
				ok = false
				break
			}
		}
		if ok {
			best = len(p)
		}
	}
	return best
}

func allIn(ws []word, s map[string]bool) bool {
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if !s[w.lower] {
			return false
		}
	}
	return true
}

func allCapitalized(ws []word) bool {
	for _, w := range ws {
		if !capitalized(w.text) {
			return false
		}
	}
	return true
}

func capitalized(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// allCaps reports whether s is written in capitals, like "GDP" or "EU".
func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 1
}

func isNumber(s string) bool {
	s = strings.ReplaceAll(s, ",", "")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func phrases(list string) [][]string {
	var out [][]string
	for _, p := range strings.Split(list, "|") {
		if f := strings.Fields(p); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}
