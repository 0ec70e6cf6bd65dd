package cli

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// shown is a file name (or any single-line value) as the plain output
// prints it: unchanged when every rune is printable, else quoted the Go
// way ("a\x1b[2Jb.txt", "\u202etxt.exe") so that a name cannot move the
// cursor, clear the screen, reorder the line or hide itself. The JSON
// output needs none of this: its encoder escapes control characters.
func shown(s string) string {
	if printable(s, "") {
		return s
	}
	return strconv.Quote(s)
}

// shownMessage is an error message or warning as the plain output prints
// it: each rune that is not printable, but for line breaks and tabs, is
// written as its Go escape (\x1b, \u202e, \xff for a byte that is not
// UTF-8). Messages hold file names; some span lines (errors.Join).
func shownMessage(s string) string {
	if printable(s, "\n\t") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case strconv.IsPrint(r) || r == '\n' || r == '\t':
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// printable reports whether every rune of s is printable or in allowed.
func printable(s, allowed string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (!strconv.IsPrint(r) && !strings.ContainsRune(allowed, r)) {
			return false
		}
		i += n
	}
	return true
}
