package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"folio/backend/core"
)

const ottersText = `Sea otters live along the rocky coasts of the North Pacific Ocean, from Japan to California. They rarely come ashore and spend most of their lives floating in kelp forests, where the seaweed anchors them against the current.

Sea otters eat sea urchins, crabs, clams and snails. They dive to the sea floor for their prey and use rocks as tools to crack open hard shells while floating on their backs.

Otters hold hands while they sleep so that they do not drift apart. Groups of resting otters are called rafts and can number more than a hundred animals.

Their fur is the densest of any animal, with up to a million hairs on each square centimetre. Unlike seals, they have no blubber, so the air trapped in the fur keeps them warm in cold water.

Hunting for the fur trade reduced the population to about two thousand animals by 1911, when an international treaty protected them. Since then numbers have recovered in much of their former range.
`

// otterCitations returns the citations of every turn that point at path.
func otterCitations(c core.Chat, path string) []core.Citation {
	var out []core.Citation
	for _, t := range c.Turns {
		for _, cit := range t.Answer.Citations {
			if cit.Path == path {
				out = append(out, cit)
			}
		}
	}
	return out
}

func TestChatsSurviveRestartsAndEdits(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	otters, bees := filepath.Join(docs, "otters.txt"), filepath.Join(docs, "bees.md")
	write(t, otters, ottersText)
	write(t, bees, "# Bees\n\nHoney bees dance to share where flowers are.\n\nA colony can hold sixty thousand workers.\n")
	e := open(t, data)
	defer func() { e.Close() }()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}

	// Two turns in one chat; the second follows up on the first.
	c, err := e.AskInChat(ctx, "", "Where do sea otters live?", Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Title != "Where do sea otters live?" || len(c.Turns) != 1 {
		t.Fatalf("new chat = id %q, title %q, %d turns; want an id, the question as title, 1 turn", c.ID, c.Title, len(c.Turns))
	}
	if cits := c.Turns[0].Answer.Citations; len(cits) == 0 || cits[0].Path != otters {
		t.Fatalf("first answer cites %+v, want otters.txt first", cits)
	}
	c, err = e.AskInChat(ctx, c.ID, "What do they eat?", Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Turns) != 2 {
		t.Fatalf("after a second question the chat has %d turns, want 2", len(c.Turns))
	}
	second := c.Turns[1]
	if second.Question != "What do they eat?" || second.Answer.Question != "What do they eat?" {
		t.Errorf("second turn question %q, answer question %q; want the person's words", second.Question, second.Answer.Question)
	}
	if !strings.Contains(strings.ToLower(second.Query), "otters") || !strings.Contains(second.Query, "eat") {
		t.Errorf("follow-up query %q does not carry the previous topic (otters) and the new question", second.Query)
	}
	if cits := second.Answer.Citations; len(cits) == 0 || cits[0].Path != otters {
		t.Errorf("follow-up answer cites %+v, want otters.txt first", cits)
	}
	if _, err := e.AskInChat(ctx, "no-such-chat", "Why?", Filter{}, nil); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("AskInChat in an unknown chat: %v, want ErrNotFound", err)
	}
	if _, err := e.AskInChat(ctx, c.ID, "  ", Filter{}, nil); err == nil {
		t.Error("AskInChat with an empty question succeeded")
	}

	// The chat and its citations, spans included, survive a restart.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = open(t, data)
	got, err := e.Chat(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("chat after reopen =\n%+v\nwant\n%+v", got, c)
	}
	before := otterCitations(got, otters)

	// Text inserted before the passages: the citations move with them and
	// are not marked.
	prefix := "Field notes, second edition.\n\nThis edition adds a chapter on rafts.\n\n"
	write(t, otters, prefix+ottersText)
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	got, err = e.Chat(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved := otterCitations(got, otters)
	if len(moved) != len(before) {
		t.Fatalf("%d citations of otters.txt after the insert, want %d", len(moved), len(before))
	}
	for i, m := range moved {
		b := before[i]
		if m.Changed != "" || m.Start != b.Start+len(prefix) || m.End != b.End+len(prefix) || m.Text != b.Text {
			t.Errorf("citation %d after the insert: changed %q, span %d-%d; want unchanged at %d-%d", i, m.Changed, m.Start, m.End, b.Start+len(prefix), b.End+len(prefix))
		}
		if len(m.Highlights) != len(b.Highlights) || len(b.Highlights) == 0 {
			t.Fatalf("citation %d highlights %+v, want %d", i, m.Highlights, len(b.Highlights))
		}
		src, err := e.Source(ctx, m.Path, core.Span{Start: m.Start, End: m.End}, m.Highlights, nil)
		if err != nil {
			t.Fatal(err)
		}
		var marked string
		for _, s := range src.Segments {
			if s.Kind == "highlight" {
				marked += s.Text
			}
		}
		h := b.Highlights[0]
		if want := b.Text[h.Start-b.Start : h.End-b.Start]; !strings.HasPrefix(marked, want) {
			t.Errorf("citation %d: the moved highlight shows %q, want it to start with %q", i, marked, want)
		}
	}

	// The cited passage itself changes: the citations that quoted it say so.
	edited := strings.Replace(prefix+ottersText, "Sea otters eat sea urchins", "Sea otters eat purple urchins", 1)
	write(t, otters, edited)
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err = e.Chat(c.ID); err != nil {
		t.Fatal(err)
	}
	quoted := 0
	for i, cit := range otterCitations(got, otters) {
		want := ""
		if strings.Contains(cit.Text, "eat sea urchins") {
			want = ChangedDocument
			quoted++
		}
		if cit.Changed != want {
			t.Errorf("citation %d (%.40q…) after the edit: changed %q, want %q", i, cit.Text, cit.Changed, want)
		}
	}
	if quoted == 0 {
		t.Fatalf("no citation quotes the edited sentence; citations %+v", otterCitations(got, otters))
	}

	// The file leaves the library.
	if err := os.Remove(otters); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err = e.Chat(c.ID); err != nil {
		t.Fatal(err)
	}
	for i, cit := range otterCitations(got, otters) {
		if cit.Changed != ChangedRemoved {
			t.Errorf("citation %d after the file was removed: changed %q, want %q", i, cit.Changed, ChangedRemoved)
		}
	}
	// The stored spans are still the answer's own.
	if spans, want := otterCitations(got, otters), before; len(spans) != len(want) || spans[0].Start != want[0].Start || spans[0].Text != want[0].Text {
		t.Errorf("removed file's citations lost their spans: %+v", spans)
	}
}

func TestChatRenameListExportDelete(t *testing.T) {
	ctx := context.Background()
	docs := t.TempDir()
	otters, bees := filepath.Join(docs, "otters.txt"), filepath.Join(docs, "bees.md")
	write(t, otters, ottersText)
	write(t, bees, "# Bees\n\nHoney bees dance to share where flowers are.\n\nA colony can hold sixty thousand workers.\n")
	e := open(t, t.TempDir())
	defer e.Close()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	if list, err := e.Chats(); err != nil || list == nil || len(list) != 0 {
		t.Errorf("Chats of a new library = %#v, %v; want an empty list", list, err)
	}
	oc, err := e.AskInChat(ctx, "", "Where do sea otters live?", Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if oc, err = e.AskInChat(ctx, oc.ID, "and why?", Filter{}, nil); err != nil {
		t.Fatal(err)
	}
	bc, err := e.AskInChat(ctx, "", "Where do honey bees dance?", Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}

	if err := e.RenameChat(oc.ID, "  Sea\n otters "); err != nil {
		t.Fatal(err)
	}
	if err := e.RenameChat(oc.ID, " \t"); err == nil {
		t.Error("RenameChat to a blank title succeeded")
	}
	if err := e.RenameChat("missing", "x"); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("RenameChat of an unknown chat: %v, want ErrNotFound", err)
	}
	list, err := e.Chats()
	if err != nil {
		t.Fatal(err)
	}
	want := []ChatSummary{
		{ID: bc.ID, Title: "Where do honey bees dance?", Created: bc.Created, Updated: bc.Updated, Turns: 1},
		{ID: oc.ID, Title: "Sea otters", Created: oc.Created, Updated: oc.Updated, Turns: 2},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("Chats =\n%+v\nwant (newest first, renamed, rename keeps the update time)\n%+v", list, want)
	}

	md, err := e.ExportChat(oc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Sea otters\n", "\n## Where do sea otters live?\n", "\n## and why?\n", "[^1-1]", "[^2-1]",
		"\n[^1-1]: otters.txt", "(`" + otters + "`)", "*Searched for: Where do sea otters live — and why?*"} {
		if !strings.Contains(md, want) {
			t.Errorf("export lacks %q:\n%s", want, md)
		}
	}
	if _, err := e.ExportChat("missing"); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("ExportChat of an unknown chat: %v, want ErrNotFound", err)
	}

	if err := e.DeleteChat(oc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Chat(oc.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Chat after delete: %v, want ErrNotFound", err)
	}
	if err := e.DeleteChat(oc.ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("second DeleteChat: %v, want ErrNotFound", err)
	}
	if list, err := e.Chats(); err != nil || len(list) != 1 || list[0].ID != bc.ID {
		t.Errorf("Chats after delete = %+v, %v; want only the bees chat", list, err)
	}
}

func TestChatNearestIndex(t *testing.T) {
	tests := []struct {
		text, s string
		off     int
		want    int
	}{
		{"abc abc abc", "abc", 0, 0},
		{"abc abc abc", "abc", 5, 4},
		{"abc abc abc", "abc", 7, 8},
		{"abc abc abc", "abc", 100, 8},
		{"xx abc", "abc", 0, 3},
		{"abc", "abd", 0, -1},
		{"aaaa", "aa", 1, 1},
	}
	for _, tt := range tests {
		if got := nearestIndex(tt.text, tt.s, tt.off); got != tt.want {
			t.Errorf("nearestIndex(%q, %q, %d) = %d, want %d", tt.text, tt.s, tt.off, got, tt.want)
		}
	}
}
