package store

import (
	"strings"
	"testing"

	"folio/backend/core"
)

// CheckFile reads back a file's text, chunks, vectors and postings and
// names each that is missing or wrong.
func TestCheckFileNamesWhatIsWrong(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	text := "Otters hold hands. They sleep in kelp."
	chunks := []core.Chunk{{Start: 0, End: 18, Text: text[:18]}, {Start: 19, End: len(text), Text: text[19:]}}
	post := &Postings{Terms: map[string][]byte{"otter": {1}, "kelp": {2}}, Stats: []byte{1}}
	if _, err := s.PutDocument(FileRecord{Path: "/d/a.txt", Root: "/d"}, &core.Document{Text: text}, chunks, post); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVectors([]uint64{chunks[0].ID, chunks[1].ID}, [][]float32{{1, 2, 3}, {4, 5, 6}}); err != nil {
		t.Fatal(err)
	}
	rec, _, err := s.File("/d/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if p := s.CheckFile(rec, 3, nil); len(p) != 0 {
		t.Fatalf("a whole file: %+v", p)
	}
	del := func(k []byte) {
		b := s.newBatch()
		b.del(k)
		if err := b.flush(); err != nil {
			t.Fatal(err)
		}
	}
	del(withID(prefixChunk, chunks[1].ID))
	del(postingKey("kelp", rec.DocID))
	if err := s.PutVectors([]uint64{chunks[0].ID}, [][]float32{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range s.CheckFile(rec, 3, nil) {
		if p.Path != "/d/a.txt" {
			t.Errorf("problem names %q", p.Path)
		}
		got[p.What] = p.Reason
	}
	for what, reason := range map[string]string{"chunk 1": "missing", "vector 0": "8 bytes, want 12", "postings": "1 of 4 postings cannot be read"} {
		if !strings.Contains(got[what], reason) {
			t.Errorf("%s: got %q, want %q (all: %v)", what, got[what], reason, got)
		}
	}
	del(withID(prefixText, rec.DocID))
	if p := s.CheckFile(rec, 0, []DamagedRange{{Lo: withID(prefixText, 0), Hi: withID(prefixText, 1<<40)}}); len(p) == 0 || p[0].What != "text" || !strings.Contains(p[0].Reason, "damaged block") {
		t.Errorf("text in a damaged block: %+v", p)
	}
}
