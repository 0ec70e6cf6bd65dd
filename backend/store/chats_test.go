package store

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
)

func testChat(id string, updated time.Time, turns int) core.Chat {
	c := core.Chat{ID: id, Title: "About " + id, Created: updated.Add(-time.Hour), Updated: updated}
	for i := range turns {
		c.Turns = append(c.Turns, core.Turn{
			Question: fmt.Sprintf("question %d?", i), Query: fmt.Sprintf("query %d", i),
			Asked: updated,
			Answer: core.Answer{Question: fmt.Sprintf("question %d?", i), Text: "Otters sleep. [1]", Mode: "keyword", Found: true,
				Citations: []core.Citation{{N: 1, Path: "/docs/a.txt", Page: 2, Start: 10, End: 24, Text: "Otters sleep.",
					Location: "page 2", Highlights: []core.Span{{Start: 10, End: 23}}, Score: 0.5,
					Answer: &core.Span{Start: 10, End: 16}}}},
		})
	}
	return c
}

func TestChatRoundTripAcrossReopen(t *testing.T) {
	s, dir := openTemp(t)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 123, time.UTC)
	old, mid, recent := testChat("old", t0, 1), testChat("mid", t0.Add(time.Minute), 0), testChat("new", t0.Add(time.Hour), 3)
	for _, c := range []core.Chat{mid, recent, old} {
		if err := s.PutChat(c); err != nil {
			t.Fatalf("PutChat(%s): %v", c.ID, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	got, ok, err := s.Chat("new")
	if err != nil || !ok {
		t.Fatalf("Chat(new): ok=%v err=%v", ok, err)
	}
	if !reflect.DeepEqual(got, recent) {
		t.Errorf("Chat(new) after reopen =\n%+v\nwant\n%+v", got, recent)
	}
	if _, ok, err := s.Chat("missing"); ok || err != nil {
		t.Errorf("Chat(missing): ok=%v err=%v, want not found and no error", ok, err)
	}

	all, err := s.Chats()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range all {
		ids = append(ids, c.ID)
	}
	if want := []string{"new", "mid", "old"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("Chats order = %v, want %v (newest first)", ids, want)
	}

	list, err := s.ChatList()
	if err != nil {
		t.Fatal(err)
	}
	want := []ChatInfo{
		{ID: "new", Title: "About new", Created: recent.Created, Updated: recent.Updated, Turns: 3},
		{ID: "mid", Title: "About mid", Created: mid.Created, Updated: mid.Updated, Turns: 0},
		{ID: "old", Title: "About old", Created: old.Created, Updated: old.Updated, Turns: 1},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("ChatList =\n%+v\nwant\n%+v", list, want)
	}

	if err := s.DeleteChat("mid"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChat("never-was"); err != nil {
		t.Errorf("DeleteChat of a missing chat: %v", err)
	}
	if list, _ := s.ChatList(); len(list) != 2 || list[0].ID != "new" || list[1].ID != "old" {
		t.Errorf("after delete: %+v, want new and old", list)
	}
	if _, ok, _ := s.Chat("mid"); ok {
		t.Error("deleted chat still found")
	}
}

func TestChatRefusesBadChats(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	if err := s.PutChat(core.Chat{Title: "no id"}); err == nil {
		t.Error("PutChat without an id succeeded")
	}
	big := testChat("big", time.Now().UTC(), 1)
	big.Turns[0].Answer.Text = strings.Repeat("x", MaxChatBytes)
	err := s.PutChat(big)
	if !errors.Is(err, core.ErrTooLarge) || !strings.Contains(err.Error(), "start a new chat") {
		t.Errorf("PutChat of a chat over %d bytes: %v, want ErrTooLarge saying to start a new chat", MaxChatBytes, err)
	}
	// Just under the cap is kept (it goes to Badger's value log).
	fits := testChat("fits", time.Now().UTC(), 1)
	fits.Turns[0].Answer.Text = strings.Repeat("y", MaxChatBytes-4096)
	if err := s.PutChat(fits); err != nil {
		t.Fatalf("PutChat just under the cap: %v", err)
	}
	if got, ok, err := s.Chat("fits"); err != nil || !ok || got.Turns[0].Answer.Text != fits.Turns[0].Answer.Text {
		t.Errorf("large chat did not round-trip: ok=%v err=%v", ok, err)
	}
}

func TestUpdateChatKeepsConcurrentChanges(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	if err := s.PutChat(core.Chat{ID: "c", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateChat("nope", func(*core.Chat) error { return nil }); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("UpdateChat of a missing chat: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateChat("c", func(c *core.Chat) error { c.ID = "d"; return nil }); err == nil {
		t.Error("UpdateChat that changes the id succeeded")
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateChat("c", func(c *core.Chat) error {
				c.Turns = append(c.Turns, core.Turn{Question: fmt.Sprint(i)})
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("UpdateChat: %v", err)
		}
	}
	got, _, err := s.Chat("c")
	if err != nil || len(got.Turns) != n || got.Title != "t" {
		t.Errorf("after %d concurrent appends: %d turns, title %q, err %v", n, len(got.Turns), got.Title, err)
	}
}
