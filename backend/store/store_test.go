package store

import (
	"errors"
	"reflect"
	"testing"

	"folio/backend/core"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, dir
}

func TestDocumentRoundTripAcrossReopen(t *testing.T) {
	s, dir := openTemp(t)
	text := "Hello world. Second sentence."
	chunks := []core.Chunk{
		{Start: 0, End: 12, Page: 1, Tokens: 3, Text: text[0:12]},
		{Start: 13, End: len(text), Page: 1, Tokens: 3, Text: text[13:]},
	}
	rec := FileRecord{Path: "/a/b.txt", Root: "/a", Format: "txt", Hash: "h1",
		Pages: []core.PageSpan{{Page: 1, Start: 0, End: len(text)}}}
	if _, err := s.PutDocument(rec, &core.Document{Text: text}, chunks, nil); err != nil {
		t.Fatalf("PutDocument: %v", err)
	}
	if chunks[0].ID == 0 || chunks[1].ID != chunks[0].ID+1 {
		t.Fatalf("chunk ids not assigned in order: %d, %d", chunks[0].ID, chunks[1].ID)
	}
	vec := []float32{0.25, -1.5, 3}
	if err := s.PutVectors([]uint64{chunks[0].ID}, [][]float32{vec}); err != nil {
		t.Fatalf("PutVectors: %v", err)
	}
	if err := s.AddRoot("/a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, ok, err := s.File("/a/b.txt")
	if err != nil || !ok {
		t.Fatalf("File: ok=%v err=%v", ok, err)
	}
	if got.State != StateIndexed || got.Chunks != 2 || got.DocID == 0 || !reflect.DeepEqual(got.Pages, rec.Pages) {
		t.Errorf("File = %+v", got)
	}
	gotText, err := s.Text(got.DocID)
	if err != nil || gotText != text {
		t.Errorf("Text = %q, %v; want %q", gotText, err, text)
	}
	var all []core.Chunk
	if err := s.EachChunk(func(c core.Chunk) error { all = append(all, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, chunks) {
		t.Errorf("chunks after reopen\n got %+v\nwant %+v", all, chunks)
	}
	var vecs [][]float32
	if err := s.EachVector(func(id uint64, v []float32) error {
		if id != chunks[0].ID {
			t.Errorf("vector id %d, want %d", id, chunks[0].ID)
		}
		vecs = append(vecs, append([]float32(nil), v...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 1 || !reflect.DeepEqual(vecs[0], vec) {
		t.Errorf("vectors = %v, want [%v]", vecs, vec)
	}
	roots, _ := s.Roots()
	if !reflect.DeepEqual(roots, []string{"/a"}) {
		t.Errorf("Roots = %v", roots)
	}
}

func TestReplaceAndRemoveDropOldChunks(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	first := []core.Chunk{{Text: "one"}, {Text: "two"}}
	if _, err := s.PutDocument(FileRecord{Path: "/x.txt", Hash: "1"}, &core.Document{Text: "one two"}, first, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVectors([]uint64{first[0].ID}, [][]float32{{1}}); err != nil {
		t.Fatal(err)
	}
	second := []core.Chunk{{Text: "three"}}
	removed, err := s.PutDocument(FileRecord{Path: "/x.txt", Hash: "2"}, &core.Document{Text: "three"}, second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(removed, []uint64{first[0].ID, first[1].ID}) {
		t.Errorf("removed %v, want the first document's chunks", removed)
	}
	if _, err := s.Chunk(first[0].ID); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("old chunk still there: %v", err)
	}
	n := 0
	_ = s.EachVector(func(uint64, []float32) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d vectors left after replace, want 0", n)
	}
	// A failure record replaces the document too.
	removed, err = s.PutFile(FileRecord{Path: "/x.txt", State: StateFailed, Reason: "corrupt"})
	if err != nil || len(removed) != 1 {
		t.Fatalf("PutFile removed %v, %v", removed, err)
	}
	rec, _, _ := s.File("/x.txt")
	if rec.State != StateFailed || rec.DocID != 0 || rec.Reason != "corrupt" {
		t.Errorf("record after failure = %+v", rec)
	}
	if _, err := s.RemoveFile("/x.txt"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.File("/x.txt"); ok {
		t.Error("file still listed after RemoveFile")
	}
}

func TestDeleteOrphans(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	if _, err := s.PutDocument(FileRecord{Path: "/keep.txt"}, &core.Document{Text: "keep"}, []core.Chunk{{Text: "keep"}}, nil); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash after the text and chunks were written but before
	// the file record was.
	id, err := s.nextDocID()
	if err != nil {
		t.Fatal(err)
	}
	b := s.newBatch()
	b.set(withID(prefixText, id), []byte("orphan"))
	b.set(withID(prefixChunk, ChunkID(id, 0)), []byte(`{"text":"orphan"}`))
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteOrphans()
	if err != nil || n != 1 {
		t.Fatalf("DeleteOrphans = %d, %v; want 1", n, err)
	}
	var texts []string
	_ = s.EachChunk(func(c core.Chunk) error { texts = append(texts, c.Text); return nil })
	if !reflect.DeepEqual(texts, []string{"keep"}) {
		t.Errorf("chunks left %v, want [keep]", texts)
	}
}

func TestManyChunksCommitInBatches(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	big := make([]byte, 4000)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	chunks := make([]core.Chunk, 5000) // ~20 MB: more than one transaction holds
	for i := range chunks {
		chunks[i] = core.Chunk{Text: string(big)}
	}
	if _, err := s.PutDocument(FileRecord{Path: "/big.txt"}, &core.Document{Text: "x"}, chunks, nil); err != nil {
		t.Fatalf("PutDocument: %v", err)
	}
	n := 0
	_ = s.EachChunk(func(core.Chunk) error { n++; return nil })
	if n != len(chunks) {
		t.Errorf("stored %d chunks, want %d", n, len(chunks))
	}
}

func TestMoveFileKeepsTheDocument(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	chunks := []core.Chunk{{Text: "moved words"}}
	if _, err := s.PutDocument(FileRecord{Path: "/a/old.txt", Hash: "h"}, &core.Document{Text: "moved words"}, chunks, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVectors([]uint64{chunks[0].ID}, [][]float32{{0.5, 1}}); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := s.File("/a/old.txt")
	rec.Path = "/b/new.txt"
	if err := s.MoveFile("/a/old.txt", rec); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.File("/a/old.txt"); found {
		t.Error("the old path still has a record")
	}
	got, found, err := s.File("/b/new.txt")
	if err != nil || !found || got.DocID != chunks[0].DocID {
		t.Fatalf("new record = %+v, %v, %v; want document %d", got, found, err, chunks[0].DocID)
	}
	vec, ok, err := s.Vector(chunks[0].ID)
	if err != nil || !ok || !reflect.DeepEqual(vec, []float32{0.5, 1}) {
		t.Errorf("Vector = %v, %v, %v", vec, ok, err)
	}
	if _, ok, _ := s.Vector(chunks[0].ID + 1); ok {
		t.Error("a chunk without a vector has one")
	}
}
