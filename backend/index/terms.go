package index

import (
	"github.com/kljensen/snowball/english"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Terms splits text into index terms. The text is normalised to NFKC and
// case-folded (simple folding: "ß" stays, final "ς" becomes "σ"). A word is
// a run of letters and digits, with combining marks kept inside it, so
// "naïve" is one term whether it came composed or decomposed. Inside a word
// an apostrophe joins ("don't" → "dont") and a possessive "'s" is dropped;
// a hyphen separates words ("covid-19" → "covid", "19"; adding "covid19"
// too cost 0.004 nDCG@10 on SciFact). Han, Hiragana, Katakana and Hangul,
// written without spaces, become overlapping character bigrams
// ("東京都" → "東京", "京都"; a lone character stays one term). English stop
// words are dropped, plain English words are stemmed (Snowball's Porter2:
// "libraries" → "librari", worth +0.017 nDCG@10 on SciFact), and terms over
// 128 bytes are dropped.
//
// Numbers are one term however they are written: digit groups join and
// zero decimals drop ("1,577", "1577", "$1,577.00" and "(1,577)" all give
// "1577"; "4.25" stays "4.25"). Periods match periods: "FY2018" and "FY18"
// give "2018", "2023Q2" and "Q2 2023" give "2023" and "q2".
func Terms(text string) []string {
	var out []string
	scan(text, func(t string, cjk bool) {
		if cjk {
			out = append(out, t)
			return
		}
		if len(t) > maxTermBytes || stopWords[t] {
			return
		}
		if y, q, ok := period(t); ok {
			out = append(out, y)
			if q != "" {
				out = append(out, q)
			}
			return
		}
		out = append(out, stem(t))
	})
	return out
}

// period splits a fiscal period written as one word: "fy2018" and "fy18"
// give year "2018"; "2023q2" and "q22023" give "2023" and quarter "q2".
func period(w string) (year, quarter string, ok bool) {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return s != ""
	}
	isQ := func(s string) bool { return len(s) == 2 && s[0] == 'q' && s[1] >= '1' && s[1] <= '4' }
	switch {
	case strings.HasPrefix(w, "fy") && len(w) == 6 && digits(w[2:]):
		return w[2:], "", true
	case strings.HasPrefix(w, "fy") && len(w) == 4 && digits(w[2:]):
		return "20" + w[2:], "", true
	case len(w) == 6 && digits(w[:4]) && isQ(w[4:]):
		return w[:4], w[4:], true
	case len(w) == 6 && isQ(w[:2]) && digits(w[2:]):
		return w[2:], w[:2], true
	}
	return "", "", false
}

// TermPrefix normalises a prefix query the way Terms normalises words, but
// without stemming or stop words: the folded first word of prefix
// ("Naïv" → "naïv"), or "" when it holds no word. Note that indexed terms
// are stemmed ("libraries" is stored as "librari"), so a prefix that runs
// past the stem does not match it.
func TermPrefix(prefix string) string {
	var first string
	scan(prefix, func(t string, cjk bool) {
		if first == "" {
			first = t
		}
	})
	return first
}

// maxTermBytes bounds a term; longer runs (hashes, base64) are not words.
const maxTermBytes = 128

// Character classes of the scanner.
const (
	clsOther  = iota // separators and punctuation
	clsWord          // letters and digits outside the CJK scripts
	clsMark          // combining marks: kept inside a word
	clsCJK           // Han, Hiragana, Katakana: bigrammed
	clsHangul        // Hangul: bigrammed, in runs of its own
)

func class(r rune) int {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' {
			return clsWord
		}
		return clsOther
	}
	switch {
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー':
		return clsCJK
	case unicode.Is(unicode.Hangul, r):
		return clsHangul
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		return clsWord
	case unicode.Is(unicode.M, r):
		return clsMark
	}
	return clsOther
}

// fold is simple case folding of one rune.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r == 'ς' {
		return 'σ'
	}
	return unicode.ToLower(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// scan normalises text and calls emit with every word (folded, not yet
// filtered or stemmed; cjk false) and every CJK bigram or lone character
// (cjk true), in text order.
func scan(text string, emit func(term string, cjk bool)) {
	text = norm.NFKC.String(text)
	var (
		word  strings.Builder // the current word
		run   []rune          // the current CJK or Hangul run
		runCl int
	)
	flushWord := func() {
		if word.Len() > 0 {
			emit(word.String(), false)
			word.Reset()
		}
	}
	flushRun := func() {
		switch len(run) {
		case 0:
		case 1:
			emit(string(run), true)
		default:
			for i := 0; i+1 < len(run); i++ {
				emit(string(run[i:i+2]), true)
			}
		}
		run = run[:0]
	}
	// next returns the class and folded value of the rune at byte i.
	next := func(i int) (rune, int) {
		if i >= len(text) {
			return 0, clsOther
		}
		r, _ := utf8.DecodeRuneInString(text[i:])
		return fold(r), class(r)
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		c := class(r)
		r = fold(r)
		i += size
		switch {
		case c == clsWord:
			flushRun()
			word.WriteRune(r)
		case (r == ',' || r == '.') && word.Len() > 0 && allDigits(word.String()):
			// Inside a number: a grouping comma before exactly three
			// digits joins; a decimal point keeps its digits, unless they
			// are all zeros; anything else ends the number.
			j := i
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			_, after := next(j)
			switch {
			case j == i || after == clsWord:
				flushWord()
			case r == ',' && j-i == 3:
				word.WriteString(text[i:j])
				i = j
			case r == '.' && strings.Trim(text[i:j], "0") == "":
				i = j
			case r == '.':
				word.WriteByte('.')
				word.WriteString(text[i:j])
				i = j
				flushWord()
			default:
				flushWord()
			}
		case c == clsMark:
			if word.Len() > 0 {
				word.WriteRune(r)
			}
		case c == clsCJK || c == clsHangul:
			flushWord()
			if len(run) > 0 && runCl != c {
				flushRun()
			}
			run, runCl = append(run, r), c
		case word.Len() > 0 && isApostrophe(r):
			n, nc := next(i)
			if nc != clsWord {
				flushWord()
				break
			}
			if n == 's' {
				if _, ac := next(i + 1); ac != clsWord && ac != clsMark {
					i++ // possessive 's: drop it
				}
			}
		default:
			flushWord()
			flushRun()
		}
	}
	flushWord()
	flushRun()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stem reduces a word of plain a–z letters to its English stem, so "traces"
// and "tracing" both match "trace"; other words are kept whole.
func stem(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return w // not a plain English word: keep it whole
		}
	}
	return english.Stem(w, false)
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
