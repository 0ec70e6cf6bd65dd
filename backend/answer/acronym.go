package answer

import (
	"strings"
	"unicode"
)

// Questions about an abbreviation ("What does TAM stand for?", "What is
// TAM short for?") are answered by the sentence that spells it out: "the
// Technology Acceptance Model (TAM)" or "TAM (Technology Acceptance
// Model)". Word overlap alone misses it in a document that says TAM on
// every page: the abbreviation's weight is low there, and "stand for" is
// nowhere. The rule is purely lexical: an abbreviation is a question word
// of 2 to 8 capitals and digits (a plural s allowed), and a sentence spells
// it out when the initials of the words beside its parenthesised form,
// small words skipped, are its letters in order.

// acronymBonus is added to the score of a sentence that spells out an
// abbreviation the question asks about; it lifts such a sentence over
// the bar of a keyword-only answer (minScore) on its own.
const acronymBonus = 0.3

// asksAcronyms returns the abbreviations question asks the meaning of, or
// nil when it asks no such thing.
func asksAcronyms(question string) []string {
	q := strings.ToLower(question)
	asks := false
	for _, w := range []string{"stand for", "stands for", "short for", "abbreviat", "acronym", "mean", "what is", "what's", "what are"} {
		if strings.Contains(q, w) {
			asks = true
			break
		}
	}
	if !asks {
		return nil
	}
	var out []string
	for _, w := range strings.FieldsFunc(question, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if a := acronymForm(w); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// acronymForm returns w without a plural s when it is an abbreviation: 2 to
// 8 capital letters and digits, starting with a letter; else "".
func acronymForm(w string) string {
	w = strings.TrimSuffix(w, "s")
	if len(w) < 2 || len(w) > 8 || w[0] < 'A' || w[0] > 'Z' {
		return ""
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return w
}

// spellsOut reports whether text spells out one of acronyms: "Long Words
// (ACR)" or "ACR (Long Words)", with the words' initials, small words
// skipped, equal to the abbreviation's letters.
func spellsOut(text string, acronyms []string) bool {
	for _, a := range acronyms {
		for _, form := range []string{"(" + a + ")", "(" + a + "s)"} {
			for off := 0; ; {
				i := strings.Index(text[off:], form)
				if i < 0 {
					break
				}
				i += off
				words := strings.Fields(text[:i])
				if initialsEnd(words, a) {
					return true
				}
				off = i + len(form)
			}
		}
		if i := strings.Index(text, a+" ("); i >= 0 {
			rest := text[i+len(a)+2:]
			if j := strings.IndexByte(rest, ')'); j > 0 && initialsAre(strings.Fields(rest[:j]), a) {
				return true
			}
		}
	}
	return false
}

// smallWords are skipped when initials are read: "Department of Energy"
// is DOE or DE.
var smallWords = map[string]bool{"of": true, "and": true, "the": true, "for": true, "in": true, "on": true, "to": true, "a": true, "an": true, "&": true}

// initials returns the lower-cased first letters or digits of words,
// small words skipped; a hyphenated word gives one initial a part.
func initials(words []string) []byte {
	var out []byte
	for _, w := range words {
		for _, part := range strings.Split(w, "-") {
			part = strings.TrimFunc(part, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if part == "" || smallWords[strings.ToLower(part)] {
				continue
			}
			out = append(out, byte(unicode.ToLower(rune(part[0]))))
		}
	}
	return out
}

// initialsEnd reports whether the last len(a) initials of words (the
// words just before "(A)") are a's letters.
func initialsEnd(words []string, a string) bool {
	if len(words) > 2*len(a)+2 {
		words = words[len(words)-(2*len(a)+2):]
	}
	in := initials(words)
	return len(in) >= len(a) && string(in[len(in)-len(a):]) == strings.ToLower(a)
}

// initialsAre reports whether the initials of words are exactly a's
// letters.
func initialsAre(words []string, a string) bool {
	return string(initials(words)) == strings.ToLower(a)
}
