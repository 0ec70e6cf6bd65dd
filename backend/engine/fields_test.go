package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDocumentNameIsSearchedAndFollowsARename: the same passage in two
// filings; a question naming one company and year finds that filing's
// passage first, and after a rename the new name is what counts.
func TestDocumentNameIsSearchedAndFollowsARename(t *testing.T) {
	docs := t.TempDir()
	passage := "Purchases of property, plant and equipment rose in the year."
	e, err := Open(context.Background(), Config{DataDir: t.TempDir(), NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// Globex first, so that of equal scores its passage would rank first.
	write(t, filepath.Join(docs, "GLOBEX_2020_10K.txt"), passage)
	indexPaths(t, e, docs)
	write(t, filepath.Join(docs, "ACME_2020_10K.txt"), passage)
	indexPaths(t, e, docs)
	first := func(q string) string {
		t.Helper()
		hits, err := e.Search(context.Background(), q, SearchOptions{K: 2})
		if err != nil || len(hits) == 0 {
			t.Fatalf("Search(%q) = %v, %v", q, hits, err)
		}
		return filepath.Base(hits[0].Path)
	}
	if got := first("Globex FY2020 purchases of equipment"); got != "GLOBEX_2020_10K.txt" {
		t.Errorf("first hit %s, want GLOBEX_2020_10K.txt", got)
	}
	if got := first("Acme 2020 purchases of equipment"); got != "ACME_2020_10K.txt" {
		t.Errorf("first hit %s, want ACME_2020_10K.txt", got)
	}
	if err := os.Rename(filepath.Join(docs, "ACME_2020_10K.txt"), filepath.Join(docs, "INITECH_2020_10K.txt")); err != nil {
		t.Fatal(err)
	}
	if rep := indexPaths(t, e, docs); rep.Moved != 1 {
		t.Fatalf("rename not seen as a move: %+v", rep)
	}
	if got := first("Initech 2020 purchases of equipment"); got != "INITECH_2020_10K.txt" {
		t.Errorf("after the rename, first hit %s, want INITECH_2020_10K.txt", got)
	}
	ans, err := e.Ask(context.Background(), "Initech 2020 purchases of property and equipment", Filter{})
	if err != nil || len(ans.Citations) == 0 || ans.Citations[0].Title != "INITECH_2020_10K" {
		t.Errorf("Ask: %+v, %v; want the first citation titled INITECH_2020_10K", ans.Citations, err)
	}
}
