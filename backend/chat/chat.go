package chat

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"unicode"
)

// NewID returns a new chat id: 128 random bits in hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// MaxTitle is the longest title Title returns, in characters.
const MaxTitle = 60

// Untitled is the title of a chat whose first question has no words.
const Untitled = "New chat"

// Title makes a chat's title from its first question: the question on one
// line, cut at a word boundary to at most MaxTitle characters ("…" marks
// the cut).
func Title(question string) string {
	t := strings.Join(strings.Fields(question), " ")
	if t == "" {
		return Untitled
	}
	r := []rune(t)
	if len(r) <= MaxTitle {
		return t
	}
	cut := string(r[:MaxTitle-1]) // room for the ellipsis
	if r[MaxTitle-1] != ' ' {
		// The cut falls inside a word: drop that word, unless it is the
		// only one.
		if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}
