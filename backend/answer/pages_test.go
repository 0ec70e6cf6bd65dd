package answer

import (
	"errors"
	"reflect"
	"testing"

	"folio/backend/core"
)

func TestMergePages(t *testing.T) {
	doc := "Page one. Alpha figures 1,577.\nBeta row 1,373.\fPage two text."
	hit := func(id uint64, page, start, end int, score float64) core.Hit {
		return core.Hit{Chunk: core.Chunk{ID: id, DocID: 1, Page: page, Start: start, End: end, Text: doc[start:end]}, Path: "/a.pdf", Score: score}
	}
	other := core.Hit{Chunk: core.Chunk{ID: 9, DocID: 2, Page: 1, Start: 0, End: 4, Text: "else"}, Path: "/b.pdf", Score: 0.8}
	texts := func(id uint64) (string, error) {
		if id != 1 {
			return "", errors.New("unexpected read")
		}
		return doc, nil
	}
	hits := []core.Hit{
		hit(2, 1, 31, 46, 0.9), // "Beta row 1,373."
		other,
		hit(1, 1, 10, 30, 0.7), // "Alpha figures 1,577."
		hit(3, 2, 47, 61, 0.5), // page two
	}
	got, err := MergePages(hits, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d hits, want 3: %+v", len(got), got)
	}
	m := got[0]
	if m.Start != 10 || m.End != 46 || m.Text != doc[10:46] || m.Score != 0.9 || m.ID != 2 {
		t.Errorf("merged hit = %+v, want [10,46) with the best hit's score and id", m)
	}
	if !reflect.DeepEqual(got[1], other) || got[2].ID != 3 {
		t.Errorf("other hits moved: %+v", got[1:])
	}
	// A page with one hit needs no text; offsets past the text are clamped.
	if _, err := MergePages([]core.Hit{other}, texts); err != nil {
		t.Errorf("single hit read the text: %v", err)
	}
	bad := []core.Hit{hit(1, 1, 10, 30, 0.7), {Chunk: core.Chunk{ID: 5, DocID: 1, Page: 1, Start: 40, End: 999}, Score: 0.1}}
	got, err = MergePages(bad, texts)
	if err != nil || len(got) != 1 || got[0].End != len(doc) {
		t.Errorf("clamped merge = %+v, %v", got, err)
	}
}
