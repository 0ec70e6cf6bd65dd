package chat

import (
	"strings"
	"testing"
	"unicode/utf8"

	"folio/backend/core"
)

func TestFollowUp(t *testing.T) {
	turn := func(question, query string) *core.Turn { return &core.Turn{Question: question, Query: query} }
	tests := []struct {
		name     string
		prev     *core.Turn
		question string
		want     string
	}{
		// Follow-ups: completed from the previous turn.
		{"year replaces year", turn("How much revenue did Acme make in 2018?", ""), "and in 2019?",
			"How much revenue did Acme make in 2019?"},
		{"name replaces name", turn("What was the GDP of France in 2018?", ""), "What about Germany?",
			"What was the GDP of Germany in 2018?"},
		{"builds on the previous query", turn("What about Germany?", "What was the GDP of Germany in 2018?"), "and 2019?",
			"What was the GDP of Germany in 2019?"},
		{"a bare name", turn("What was the GDP of France in 2018?", ""), "Germany?",
			"What was the GDP of Germany in 2018?"},
		{"a multi-word name", turn("How many people live in New York?", ""), "how about Los Angeles?",
			"How many people live in Los Angeles?"},
		{"number replaces number", turn("Which turbines produce more than 40 MW?", ""), "and 60?",
			"Which turbines produce more than 60 MW?"},
		{"why", turn("How did sales change in 2020?", ""), "why?",
			"How did sales change in 2020 — why?"},
		{"how so", turn("Is tidal power more predictable than wind?", ""), "How so?",
			"Is tidal power more predictable than wind — How so?"},
		{"pronoun: them", turn("Which otter species use tools?", ""), "How many of them are there?",
			"Which otter species use tools — How many of them are there?"},
		{"pronoun: it", turn("Who built the Eiffel Tower?", ""), "When was it finished?",
			"Who built the Eiffel Tower — When was it finished?"},
		{"pronoun: it with a number", turn("How much power did the plant produce?", ""), "How much did it cost?",
			"How much power did the plant produce — How much did it cost?"},
		{"pronoun late but few words of its own", turn("Which plants opened in Scotland?", ""), "What was the output of each of those?",
			"Which plants opened in Scotland — What was the output of each of those?"},
		{"curly apostrophe, that", turn("Otters hold hands while they sleep?", ""), "what’s that?",
			"Otters hold hands while they sleep — what’s that?"},
		{"fragment without a name to replace", turn("Where do sea otters live?", ""), "and river otters?",
			"Where do sea otters live — and river otters?"},
		{"two names: no telling which to replace", turn("How many employees did Acme have in Berlin?", ""), "what about Munich?",
			"How many employees did Acme have in Berlin — what about Munich?"},
		{"two years: no telling which to replace", turn("Compare sales in 2018 and 2020", ""), "and in 2021?",
			"Compare sales in 2018 and 2020 — and in 2021?"},
		{"tell me more", turn("What did the report say about tidal energy?", ""), "Tell me more",
			"What did the report say about tidal energy — Tell me more"},
		{"chains keep the topic and the last part", turn("why?", "Where do sea otters live — and river otters?"), "how?",
			"Where do sea otters live — and river otters — how?"},
		{"long chains do not grow", turn("how?", "Where do sea otters live — and river otters — how?"), "and when?",
			"Where do sea otters live — how — and when?"},

		// Questions that stand on their own: unchanged.
		{"no previous turn", nil, "and in 2019?", "and in 2019?"},
		{"a new topic", turn("Where do otters live?", ""), "What is the capital of France?", "What is the capital of France?"},
		{"dummy it", turn("Where do otters live?", ""), "Is it true that otters hold hands while they sleep?",
			"Is it true that otters hold hands while they sleep?"},
		{"it takes ... to", turn("Where do otters live?", ""), "How long does it take to boil an egg?",
			"How long does it take to boil an egg?"},
		{"pronoun bound inside the question", turn("Where do otters live?", ""), "Why do sea otters hold hands while they sleep?",
			"Why do sea otters hold hands while they sleep?"},
		{"and + a whole question", turn("What is the GDP of France?", ""), "And who founded Acme Corporation?",
			"And who founded Acme Corporation?"},
		{"a keyword query", turn("Where do otters live?", ""), "tidal energy", "tidal energy"},
		{"a request", turn("Where do otters live?", ""), "Summarize the annual report for 2019", "Summarize the annual report for 2019"},
		{"blank", turn("Where do otters live?", ""), "   ", "   "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FollowUp(tt.prev, tt.question); got != tt.want {
				t.Errorf("FollowUp(%q, %q) = %q, want %q", prevText(tt.prev), tt.question, got, tt.want)
			}
		})
	}
}

func prevText(t *core.Turn) string {
	if t == nil {
		return "<none>"
	}
	if t.Query != "" {
		return t.Query
	}
	return t.Question
}

func TestTitle(t *testing.T) {
	sixty := strings.Repeat("abcd ", 11) + "abcd" // 59 characters
	sixty += "?"
	tests := []struct{ question, want string }{
		{"Where do honey bees dance?", "Where do honey bees dance?"},
		{"  Where   do\nbees  dance? ", "Where do bees dance?"},
		{"", Untitled},
		{" \t\n", Untitled},
		{sixty, sixty},
		{"How did the output of the northern tidal energy plants change between 2018 and 2021?",
			"How did the output of the northern tidal energy plants…"},
		{"Which of the turbines, counting those offshore, produced the most power overall?",
			"Which of the turbines, counting those offshore, produced…"},
		{strings.Repeat("x", 70), strings.Repeat("x", 59) + "…"},
		{"Wie viele Mitarbeiter hatte die Gesellschaft für Straßenbahnbetrieb 2019?",
			"Wie viele Mitarbeiter hatte die Gesellschaft für…"},
	}
	for _, tt := range tests {
		got := Title(tt.question)
		if got != tt.want {
			t.Errorf("Title(%q) = %q, want %q", tt.question, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > MaxTitle {
			t.Errorf("Title(%q) has %d characters, more than %d", tt.question, n, MaxTitle)
		}
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if len(a) != 32 || a == b || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("NewID() = %q, %q; want two different 32-digit hex ids", a, b)
	}
}

func TestMarkdown(t *testing.T) {
	bees := "Honey bees dance to share where flowers are. They also buzz."
	otters := "Otters hold hands while they sleep.\nThey live in kelp forests."
	c := core.Chat{
		ID:    "c1",
		Title: "Bees and\notters",
		Turns: []core.Turn{
			{
				Question: "Where do honey bees dance?",
				Query:    "Where do honey bees dance?",
				Answer: core.Answer{
					Mode: "keyword", Found: true,
					Text: "Honey bees dance to share where flowers are. [1]\nOtters hold hands while they sleep. [2]",
					Citations: []core.Citation{
						{N: 1, Path: "/docs/sub/b.md", Start: 100, End: 100 + len(bees), Text: bees,
							Location: "paragraph 2", Highlights: []core.Span{{Start: 100, End: 144}}},
						{N: 2, Path: "/docs/a.pdf", Page: 3, Start: 0, End: len(otters), Text: otters,
							Highlights: []core.Span{{Start: 0, End: 35}, {Start: 36, End: len(otters)}},
							Changed:    "the document changed since this answer"},
						{N: 3, Path: "/docs/c.txt", Start: 5, End: 5 + len(strings.Repeat("word ", 50)), Text: strings.Repeat("word ", 50)},
					},
				},
			},
			{
				Question: "and why?",
				Query:    "Where do honey bees dance? — and why?",
				Answer: core.Answer{
					Mode: "generated", Found: true,
					Text: "Bees dance to show food [1]. They like music [1, 7].",
					Claims: []core.Claim{
						{Text: "Bees dance to show food [1].", Cites: []int{1}, Supported: true, Support: 0.8},
						{Text: "They like music", Cites: []int{1, 7}, Missing: []int{7}, Supported: false, Support: 0.1},
						{Text: "Bees vote on new homes.", Supported: false},
					},
					Citations: []core.Citation{
						{N: 1, Path: "/docs/sub/b.md", Start: 100, End: 100 + len(bees), Text: bees, Location: "paragraph 2"},
					},
				},
			},
		},
	}
	want := `# Bees and otters

## Where do honey bees dance?

Honey bees dance to share where flowers are. [^1-1]

Otters hold hands while they sleep. [^1-2]

More sources: [^1-3]

[^1-1]: b.md, paragraph 2 — “Honey bees dance to share where flowers are.” (` + "`/docs/sub/b.md`" + `)
[^1-2]: a.pdf, page 3 — “Otters hold hands while they sleep. … They live in kelp forests.” (` + "`/docs/a.pdf`" + `) ⚠ *the document changed since this answer*
[^1-3]: c.txt — “` + strings.TrimSpace(strings.Repeat("word ", 40)) + `…” (` + "`/docs/c.txt`" + `)

## and why?

*Searched for: Where do honey bees dance? — and why?*

Bees dance to show food [^2-1]. They like music [^2-1][7 ⚠ no such source] ⚠ *not supported by the cited text*.

> ⚠ *not supported by the cited text*: “Bees vote on new homes.”

[^2-1]: b.md, paragraph 2 — “Honey bees dance to share where flowers are. They also buzz.” (` + "`/docs/sub/b.md`" + `)
`
	got := Markdown(c)
	if got != want {
		t.Errorf("Markdown =\n%s\nwant\n%s", got, want)
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < min(len(gl), len(wl)); i++ {
			if gl[i] != wl[i] {
				t.Errorf("first difference, line %d:\ngot  %q\nwant %q", i+1, gl[i], wl[i])
				break
			}
		}
	}
}

func TestMarkdownEmptyChat(t *testing.T) {
	if got, want := Markdown(core.Chat{ID: "x"}), "# "+Untitled+"\n"; got != want {
		t.Errorf("Markdown(empty) = %q, want %q", got, want)
	}
}

// FuzzFollowUp checks that odd questions never panic, that a follow-up
// always keeps the question's words, and that titles stay short.
func FuzzFollowUp(f *testing.F) {
	for _, s := range []string{"and in 2019?", "What about Germany?", "why?", "How many of them?", "it", "’", "and", "Is it", "\xff?", "the?", "in the"} {
		f.Add("What was the GDP of France in 2018?", s)
	}
	f.Fuzz(func(t *testing.T, prev, q string) {
		got := FollowUp(&core.Turn{Question: prev}, q)
		if got != q && got == "" {
			t.Errorf("FollowUp(%q, %q) is empty", prev, q)
		}
		if n := utf8.RuneCountInString(Title(q)); n > MaxTitle {
			t.Errorf("Title(%q) has %d characters", q, n)
		}
		_ = Markdown(core.Chat{Title: q, Turns: []core.Turn{{Question: q, Query: got, Answer: core.Answer{Text: q + " [1] [99]",
			Claims:    []core.Claim{{Text: q}},
			Citations: []core.Citation{{N: 1, Text: q, Start: 3, End: 3 + len(q), Highlights: []core.Span{{Start: -5, End: 900}}}}}}}})
	})
}
