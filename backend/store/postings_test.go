package store

import (
	"bytes"
	"reflect"
	"sort"
	"testing"

	"folio/backend/core"
)

func postingsOf(t *testing.T, s *Store, term string) map[uint64]string {
	t.Helper()
	got := map[uint64]string{}
	if err := s.Postings(term, func(doc uint64, v []byte) error {
		got[doc] = string(v)
		return nil
	}); err != nil {
		t.Fatalf("Postings(%q): %v", term, err)
	}
	return got
}

func TestPostingsLiveAndDieWithTheirDocument(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	put := func(path, text string, terms map[string][]byte) uint64 {
		t.Helper()
		chunks := []core.Chunk{{Text: text}}
		post := &Postings{Terms: terms, Stats: []byte("stats:" + path)}
		if _, err := s.PutDocument(FileRecord{Path: path}, &core.Document{Text: text}, chunks, post); err != nil {
			t.Fatalf("PutDocument: %v", err)
		}
		return chunks[0].DocID
	}
	a := put("/a.txt", "trace trees", map[string][]byte{"trace": []byte("a1"), "tree": []byte("a2")})
	b := put("/b.txt", "trace", map[string][]byte{"trace": []byte("b1"), "tracing": []byte("b2")})
	before := s.Writes()

	if got, want := postingsOf(t, s, "trace"), map[uint64]string{a: "a1", b: "b1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("trace postings = %v, want %v", got, want)
	}
	// "tre" is a prefix of "tree" but not a term: it has no postings.
	if got := postingsOf(t, s, "tre"); len(got) != 0 {
		t.Errorf("tre postings = %v, want none", got)
	}
	terms, err := s.TermsWithPrefix("trac", 10)
	if err != nil || !reflect.DeepEqual(terms, []string{"trace", "tracing"}) {
		t.Errorf("TermsWithPrefix(trac) = %v, %v; want [trace tracing]", terms, err)
	}
	if terms, _ := s.TermsWithPrefix("t", 2); len(terms) != 2 {
		t.Errorf("TermsWithPrefix(t, 2) = %v, want 2 terms", terms)
	}

	// Replacing b drops its old postings; removing a drops all of a's.
	b2 := put("/b.txt", "tree", map[string][]byte{"tree": []byte("b3")})
	if _, err := s.RemoveFile("/a.txt"); err != nil {
		t.Fatal(err)
	}
	if s.Writes() <= before {
		t.Error("Writes did not advance")
	}
	for term, want := range map[string]map[uint64]string{"trace": {}, "tracing": {}, "tree": {b2: "b3"}} {
		if got := postingsOf(t, s, term); !reflect.DeepEqual(got, want) {
			t.Errorf("after replace and remove, %q postings = %v, want %v", term, got, want)
		}
	}
	stats := map[uint64]string{}
	if err := s.EachPostingStats(func(doc uint64, v []byte) error {
		stats[doc] = string(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := map[uint64]string{b2: "stats:/b.txt"}; !reflect.DeepEqual(stats, want) {
		t.Errorf("stats = %v, want %v", stats, want)
	}
	if b2 == b {
		t.Error("replacing a document kept its id")
	}

	// A document stored without postings is listed for rebuilding.
	chunks := []core.Chunk{{Text: "old"}}
	if _, err := s.PutDocument(FileRecord{Path: "/old.txt"}, &core.Document{Text: "old"}, chunks, nil); err != nil {
		t.Fatal(err)
	}
	missing, err := s.DocsWithoutPostings()
	if err != nil || !reflect.DeepEqual(missing, []uint64{chunks[0].DocID}) {
		t.Fatalf("DocsWithoutPostings = %v, %v; want [%d]", missing, err, chunks[0].DocID)
	}
	if err := s.PutPostings(chunks[0].DocID, &Postings{Terms: map[string][]byte{"old": []byte("o")}}); err != nil {
		t.Fatal(err)
	}
	if missing, _ := s.DocsWithoutPostings(); len(missing) != 0 {
		t.Errorf("after PutPostings, DocsWithoutPostings = %v", missing)
	}
	got, err := s.Chunks(chunks[0].DocID)
	if err != nil || len(got) != 1 || got[0].Text != "old" {
		t.Errorf("Chunks = %+v, %v", got, err)
	}
	if err := s.PutPostings(1, &Postings{Terms: map[string][]byte{"bad\x00term": nil}}); err == nil {
		t.Error("a term with a zero byte was accepted")
	}
}

func TestBlobReplaceAndDelete(t *testing.T) {
	s, dir := openTemp(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), (5*blobPart)/32+7) // 2.5 parts
	if b, err := s.Blob("graph"); err != nil || b != nil {
		t.Fatalf("Blob before any write = %d bytes, %v", len(b), err)
	}
	for _, data := range [][]byte{big, []byte("small"), {}} {
		if err := s.PutBlob("graph", data); err != nil {
			t.Fatalf("PutBlob(%d bytes): %v", len(data), err)
		}
		got, err := s.Blob("graph")
		if err != nil || !bytes.Equal(got, data) || got == nil {
			t.Fatalf("Blob = %d bytes (%v), want %d", len(got), err, len(data))
		}
	}
	// Only the current generation's parts are left.
	var parts int
	_ = s.scan(prefixBlobPart, false, func(k, _ []byte) error { parts++; return nil })
	if parts != 1 {
		t.Errorf("%d parts stored, want 1", parts)
	}
	// Parts written by an interrupted PutBlob do not change the blob.
	b := s.newBatch()
	b.set(blobPartKey("graph", 99, 0), []byte("torn"))
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Blob("graph"); err != nil || len(got) != 0 {
		t.Errorf("after a torn write, Blob = %q, %v; want empty", got, err)
	}
	if err := s.DeleteBlob("graph"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Blob("graph"); err != nil || got != nil {
		t.Errorf("after DeleteBlob, Blob = %q, %v", got, err)
	}
}

func TestVectorSeqAdvancesWithEveryVectorChange(t *testing.T) {
	s, _ := openTemp(t)
	defer s.Close()
	seq := func() uint64 {
		t.Helper()
		n, err := s.VectorSeq()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	chunks := []core.Chunk{{Text: "a"}, {Text: "b"}}
	if _, err := s.PutDocument(FileRecord{Path: "/v.txt"}, &core.Document{Text: "a b"}, chunks, nil); err != nil {
		t.Fatal(err)
	}
	s0 := seq()
	if err := s.PutVectors([]uint64{chunks[0].ID, chunks[1].ID}, [][]float32{{1}, {2}}); err != nil {
		t.Fatal(err)
	}
	s1 := seq()
	if _, err := s.RemoveFile("/v.txt"); err != nil {
		t.Fatal(err)
	}
	s2 := seq()
	if err := s.DeleteAllVectors(); err != nil {
		t.Fatal(err)
	}
	got := []uint64{s0, s1, s2, seq()}
	if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i] <= got[j] }) || s1 == s0 || s2 == s1 || got[3] == s2 {
		t.Errorf("vector sequence over put, remove, drop = %v, want strictly increasing", got)
	}
}
