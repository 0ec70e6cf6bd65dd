package index

import (
	"strings"
	"unicode"
)

// Terms splits text into lower-case index terms: runs of letters and
// digits, without English stop words, with plural endings folded.
func Terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		w = strings.ToLower(w)
		if stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// stem folds common English plural endings so "traces" matches "trace".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does
		for from had has have how i if in into is it its it's of on or our so such than that the
		their them then there these they this those to was we were what when where which while
		who whom why will with would you your about after also all any because before between
		both during each few more most no nor not only other out over own same should some
		very just s t`) {
		m[w] = true
	}
	return m
}()
