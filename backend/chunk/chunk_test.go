package chunk

import (
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"simple", "One two. Three four! Five?", []string{"One two.", "Three four!", "Five?"}},
		{"abbreviation", "See Fig. 3 for details. It shows e.g. this. Next one.", []string{"See Fig. 3 for details.", "It shows e.g. this.", "Next one."}},
		{"decimal", "The value is 3.14 here. Done.", []string{"The value is 3.14 here.", "Done."}},
		{"lowercase after period", "version 2. then more", []string{"version 2. then more"}},
		{"paragraphs", "Heading\n\nBody text line\ncontinues here.", []string{"Heading", "Body text line\ncontinues here."}},
		{"quote", `He said "stop." Then left.`, []string{`He said "stop."`, "Then left."}},
		{"unicode", "Café au lait. Über alles. 日本語です。次の文。", []string{"Café au lait.", "Über alles.", "日本語です。", "次の文。"}},
		{"whitespace only", " \n\t ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Sentences(tt.text) {
				got = append(got, tt.text[s.Start:s.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSplitSpansSliceBack(t *testing.T) {
	long := strings.Repeat("word ", 500) + "end."
	tests := []struct {
		name      string
		doc       core.Document
		maxTokens int
		wantPages []int
	}{
		{"plain", core.Document{Text: "Alpha beta. Gamma delta.\n\nEpsilon."}, 200, []int{0}},
		{"small budget", core.Document{Text: "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."}, 5, []int{0, 0, 0}},
		{"long sentence is cut", core.Document{Text: long}, 100, nil},
		{"pages", core.Document{
			Text:  "Page one text.\n\nPage two. Ünïcödé text.",
			Pages: []core.PageSpan{{Page: 1, Start: 0, End: 14}, {Page: 2, Start: 16, End: 41}},
		}, 200, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := Split(&tt.doc, Config{MaxTokens: tt.maxTokens})
			if len(chunks) == 0 {
				t.Fatal("no chunks")
			}
			var pages []int
			prevEnd := 0
			for i, c := range chunks {
				if got := tt.doc.Text[c.Start:c.End]; got != c.Text {
					t.Errorf("chunk %d: Text %q, but doc.Text[%d:%d] is %q", i, c.Text, c.Start, c.End, got)
				}
				if c.Start < prevEnd {
					t.Errorf("chunk %d starts at %d, before the previous end %d", i, c.Start, prevEnd)
				}
				prevEnd = c.End
				if strings.TrimSpace(c.Text) != c.Text || c.Text == "" {
					t.Errorf("chunk %d %q is empty or not trimmed", i, c.Text)
				}
				if c.Tokens > tt.maxTokens {
					t.Errorf("chunk %d has %d tokens, over the limit %d", i, c.Tokens, tt.maxTokens)
				}
				if want := tt.doc.PageAt(c.Start); c.Page != want {
					t.Errorf("chunk %d page %d, want %d", i, c.Page, want)
				}
				pages = append(pages, c.Page)
			}
			if tt.wantPages != nil && !equal(pages, tt.wantPages) {
				t.Errorf("pages %v, want %v", pages, tt.wantPages)
			}
			// All the words survive chunking.
			var words int
			for _, c := range chunks {
				words += len(strings.Fields(c.Text))
			}
			if want := len(strings.Fields(tt.doc.Text)); words != want {
				t.Errorf("chunks hold %d words, document has %d", words, want)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestApproxTokens(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello", 2},
		{"hello world, again.", 6},
	}
	for _, tt := range tests {
		if got := ApproxTokens(tt.text); got != tt.want {
			t.Errorf("ApproxTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestSplitKeepsSectionsApart(t *testing.T) {
	text := "Revenue grew. Costs fell.\nSpeaker note one.\nSecond slide text.\n"
	doc := core.Document{Text: text, Locations: []core.Location{
		{Start: 0, End: 13, Slide: 1, Shape: "Title"},
		{Start: 14, End: 25, Slide: 1, Shape: "Body"},
		{Start: 26, End: 43, Slide: 1, Part: core.PartNotes},
		{Start: 44, End: 62, Slide: 2},
	}}
	var got []string
	for _, c := range Split(&doc, Config{}) {
		got = append(got, c.Text)
	}
	want := []string{"Revenue grew. Costs fell.", "Speaker note one.", "Second slide text."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("chunks = %q, want %q", got, want)
	}
}

func TestSentencesSplitTableRows(t *testing.T) {
	text := "Plant\tWater\nPlant: Monstera\tWater: weekly\nA line that wraps\nin prose. Next one."
	var got []string
	for _, s := range Sentences(text) {
		got = append(got, text[s.Start:s.End])
	}
	want := []string{"Plant\tWater", "Plant: Monstera\tWater: weekly", "A line that wraps\nin prose.", "Next one."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Sentences = %q, want %q", got, want)
	}
}

// TestChunksFollowParagraphs checks that an edit to one paragraph changes
// only the chunks near it: chunks a quarter full or more end with their
// paragraph, so the rest come out the same.
func TestChunksFollowParagraphs(t *testing.T) {
	paras := testenv.Paragraphs(30)
	texts := func() map[string]bool {
		doc := core.Document{Text: strings.Join(paras, "\n\n")}
		out := map[string]bool{}
		for _, c := range Split(&doc, Config{MaxTokens: 40}) {
			out[c.Text] = true
		}
		return out
	}
	before := texts()
	paras[3] += " An added sentence of several words here."
	after := texts()
	changed := 0
	for c := range after {
		if !before[c] {
			changed++
		}
	}
	// (Packing sentences greedily across paragraphs changed 4 of 11.)
	if changed < 1 || changed > 2 {
		t.Errorf("editing one paragraph changed %d of %d chunks; want 1 or 2", changed, len(after))
	}
}

// TestTableContext splits a long table: every piece without the table's
// header gets the caption and header as its Context, and its own text
// stays the passage's bytes.
func TestTableContext(t *testing.T) {
	var b strings.Builder
	var locs []core.Location
	add := func(s string, l core.Location) {
		l.Start = b.Len()
		b.WriteString(s)
		l.End = b.Len()
		l.Page = 1
		locs = append(locs, l)
	}
	add("Notes before the table, a sentence of prose.\nConsolidated Statement of Cash Flows\n(in millions)\n", core.Location{})
	add("2021 2020", core.Location{Table: 1, Row: 1})
	b.WriteString("\t\n")
	for r := 2; r <= 30; r++ {
		add("Capital spending item —", core.Location{Table: 1, Row: r, Col: 1})
		b.WriteString(" ")
		add("2021: (4,625);", core.Location{Table: 1, Row: r, Col: 2})
		b.WriteString(" ")
		add("2020: (4,240)", core.Location{Table: 1, Row: r, Col: 3})
		b.WriteString("\t\n")
	}
	add("After the table.", core.Location{})
	doc := core.Document{Text: b.String(), Pages: []core.PageSpan{{Page: 1, Start: 0, End: b.Len()}}, Locations: locs}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	chunks := Split(&doc, Config{MaxTokens: 60})
	if len(chunks) < 3 {
		t.Fatalf("%d chunks, want the table split", len(chunks))
	}
	const want = "Consolidated Statement of Cash Flows (in millions) 2021 2020"
	withContext := 0
	for i, c := range chunks {
		if c.Text != doc.Text[c.Start:c.End] {
			t.Fatalf("chunk %d text is not its bytes", i)
		}
		hasHeader := strings.Contains(c.Text, "2021 2020")
		inTable := strings.Contains(c.Text, "Capital spending")
		switch {
		case inTable && !hasHeader:
			withContext++
			if c.Context != want {
				t.Errorf("chunk %d context = %q, want %q", i, c.Context, want)
			}
			if strings.Contains(c.Text, "Consolidated") {
				t.Errorf("chunk %d text holds the caption: %q", i, c.Text)
			}
		case c.Context != "":
			t.Errorf("chunk %d (%.40q) has context %q, want none", i, c.Text, c.Context)
		}
	}
	if withContext < 2 {
		t.Errorf("%d chunks carry the header, want every later piece of the table", withContext)
	}
}
