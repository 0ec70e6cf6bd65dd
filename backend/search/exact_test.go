package search

import (
	"context"
	"fmt"
	"testing"

	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/store"
)

// TestExactIdentifierWinsInEveryMode is the library of 2,000 notes, each
// with a unique serial such as "Z01234Q": searching for a serial ranks its
// note first in keyword, dense and hybrid modes, even when the dense
// retriever, which knows nothing of serials, ranks other notes first (so
// fusion alone would tie the keyword hit with a dense one at 1/61).
func TestExactIdentifierWinsInEveryMode(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var notes []uint64
	for i := range 2000 {
		text := fmt.Sprintf("Meeting note %d. Serial Z%05dQ. Discussed the quarterly budget and the office move.", i, i)
		chunks := []core.Chunk{{Start: 0, End: len(text), Text: text}}
		if _, err := st.PutDocument(store.FileRecord{Path: fmt.Sprintf("/notes/note-%04d.txt", i)}, &core.Document{Text: text}, chunks, index.EncodePostings(chunks)); err != nil {
			t.Fatal(err)
		}
		notes = append(notes, chunks[0].ID)
	}
	kw, err := index.OpenKeywords(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	// The dense retriever ranks 50 other notes, the wanted one absent.
	var dense fixed
	for i := range 50 {
		dense = append(dense, notes[1000+i])
	}
	s := &Searcher{Keywords: kw, Vectors: fakeVectors(dense), Embed: fakeEmbed{}}
	want := notes[1234]
	for _, mode := range []string{ModeKeyword, ModeDense, ModeHybrid} {
		for _, q := range []string{"Z01234Q", "which note has serial z01234q?"} {
			got, _, err := s.Search(context.Background(), q, 5, Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[0].ID != want {
				t.Errorf("mode %s, %q: first %v, want note 1234 (%d)", mode, q, ids(got), want)
			}
		}
	}
	// A word shared by many notes is no identifier: dense keeps its order.
	got, _, err := s.Search(context.Background(), "budget", 3, Options{Mode: ModeDense})
	if err != nil || len(got) == 0 || got[0].ID != dense[0] {
		t.Errorf("dense search for a common word = %v, %v; want the dense order", ids(got), err)
	}
}
