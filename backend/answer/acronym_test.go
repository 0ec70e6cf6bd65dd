package answer

import (
	"slices"
	"testing"
)

func TestAsksAcronyms(t *testing.T) {
	cases := []struct {
		q    string
		want []string
	}{
		{"What does TAM stand for?", []string{"TAM"}},
		{"What is TAM short for?", []string{"TAM"}},
		{"what are LLMs?", []string{"LLM"}},
		{"What does the acronym GDPR2 mean", []string{"GDPR2"}},
		{"Who proposed TAM?", nil},              // asks no meaning
		{"What does Tam stand for?", nil},       // not capitals
		{"What does A stand for?", nil},         // one letter
		{"What is ABCDEFGHI?", nil},             // too long
		{"What is the capital of France?", nil}, // no abbreviation
		{"What do NATO and UN stand for?", []string{"NATO", "UN"}},
	}
	for _, c := range cases {
		if got := asksAcronyms(c.q); !slices.Equal(got, c.want) {
			t.Errorf("asksAcronyms(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}

func TestSpellsOut(t *testing.T) {
	cases := []struct {
		text string
		a    string
		want bool
	}{
		{"Davis proposed the Technology Acceptance Model (TAM) in his thesis.", "TAM", true},
		{"the Technology Acceptance Model\n(TAM) by summarizing", "TAM", true},
		{"TAM (Technology Acceptance Model) was proposed in 1986.", "TAM", true},
		{"the Department of Energy (DOE) said", "DOE", false}, // "of" is skipped: initials d, e
		{"the Department of Energy (DE) said", "DE", true},
		{"large language models (LLMs) write text", "LLM", true},
		{"the North Atlantic Treaty Organization (NATO)", "NATO", true},
		{"criticisms of the TAM model (TAM) fall in three", "TAM", false}, // initials t, m
		{"TAM evolved into a leading model", "TAM", false},                // no parenthesised form
		{"TAM (see Figure 2) was extended", "TAM", false},                 // parentheses say something else
		{"(TAM)", "TAM", false}, // nothing before it
	}
	for _, c := range cases {
		if got := spellsOut(c.text, []string{c.a}); got != c.want {
			t.Errorf("spellsOut(%q, %s) = %v, want %v", c.text, c.a, got, c.want)
		}
	}
}
