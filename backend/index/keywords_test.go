package index

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"folio/backend/core"
	"folio/backend/store"
)

// keywordLibrary stores each document (a list of chunk texts) with its
// postings and returns the store, its keyword index and the chunk ids.
func keywordLibrary(t *testing.T, docs map[string][]string) (*store.Store, *Keywords, map[string][]uint64) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ids := map[string][]uint64{}
	for path, texts := range docs {
		ids[path] = putDoc(t, st, path, texts)
	}
	kw, err := OpenKeywords(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return st, kw, ids
}

func putDoc(t *testing.T, st *store.Store, path string, texts []string) []uint64 {
	t.Helper()
	var chunks []core.Chunk
	all := ""
	for _, s := range texts {
		chunks = append(chunks, core.Chunk{Start: len(all), End: len(all) + len(s), Text: s})
		all += s
	}
	if _, err := st.PutDocument(store.FileRecord{Path: path}, &core.Document{Text: all}, chunks, EncodePostings(chunks)); err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, c := range chunks {
		out = append(out, c.ID)
	}
	return out
}

func kwSearch(t *testing.T, kw *Keywords, q string, keep func(uint64) bool) []Result {
	t.Helper()
	got, err := kw.Search(context.Background(), q, 10, keep)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return got
}

// bruteBM25 scores every chunk against the query straight from the BM25
// formula, with no index: the reference for the stored postings.
func bruteBM25(chunks map[uint64]string, query string) []Result {
	terms := map[uint64][]string{}
	total := 0
	for id, text := range chunks {
		terms[id] = Terms(text)
		total += len(terms[id])
	}
	avg := float64(total) / float64(len(chunks))
	seen := map[string]bool{}
	scores := map[uint64]float64{}
	for _, q := range Terms(query) {
		if seen[q] {
			continue
		}
		seen[q] = true
		df := 0
		for _, ts := range terms {
			if slices.Contains(ts, q) {
				df++
			}
		}
		w := math.Log(1 + (float64(len(chunks))-float64(df)+0.5)/(float64(df)+0.5))
		for id, ts := range terms {
			tf := 0
			for _, t := range ts {
				if t == q {
					tf++
				}
			}
			if tf > 0 {
				f := float64(tf)
				scores[id] += w * f * 2.2 / (f + 1.2*(0.25+0.75*float64(len(ts))/avg))
			}
		}
	}
	var out []Result
	for id, s := range scores {
		out = append(out, Result{ID: id, Score: s})
	}
	slices.SortFunc(out, byScore)
	return out
}

// TestKeywordsScoreLikeBruteForceBM25 checks the stored postings against
// the BM25 formula applied to every chunk: same ranking, same scores.
func TestKeywordsScoreLikeBruteForceBM25(t *testing.T) {
	docs := map[string][]string{
		"/a": {"The trace tree records hot loops in the interpreter.", "Side exits leave the trace."},
		"/b": {"Garbage collection pauses and heap growth.", "Loops allocate on the heap."},
		"/c": {"Loops, loops and more loops: tracing JIT compilers.", "", "Type-specialised traces of loops."},
	}
	_, kw, ids := keywordLibrary(t, docs)
	chunks := map[uint64]string{}
	for path, texts := range docs {
		for i, s := range texts {
			chunks[ids[path][i]] = s
		}
	}
	if kw.Len() != len(chunks) {
		t.Errorf("Len = %d, want %d", kw.Len(), len(chunks))
	}
	for _, q := range []string{"trace trees", "loops", "heap loops", "hot interpreter exits", "the and of", "nothing matches"} {
		got, want := kwSearch(t, kw, q, nil), bruteBM25(chunks, q)
		if len(got) != len(want) {
			t.Errorf("Search(%q) = %v, want %v", q, got, want)
			continue
		}
		for i := range got {
			if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-9 {
				t.Errorf("Search(%q)[%d] = %+v, want %+v", q, i, got[i], want[i])
			}
		}
	}
	// IDF of "loop": 4 of the 7 chunks have it.
	if got, want := kw.IDF("loop"), math.Log(1+(7-4+0.5)/(4+0.5)); math.Abs(got-want) > 1e-12 {
		t.Errorf("IDF(loop) = %v, want %v", got, want)
	}
	if got, want := kw.IDF("absent"), math.Log(1+(7+0.5)/0.5); math.Abs(got-want) > 1e-12 {
		t.Errorf("IDF(absent) = %v, want %v", got, want)
	}
}

func TestKeywordsPhrasesPrefixesAndFilters(t *testing.T) {
	_, kw, ids := keywordLibrary(t, map[string][]string{
		"/a": {"hot loops are traced", "the loops run hot"},
		"/b": {"tracing hot loops", "a trace of the heap"},
	})
	a, b := ids["/a"], ids["/b"]
	idsOf := func(rs []Result) []uint64 {
		var out []uint64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	set := func(rs []Result) map[uint64]bool {
		m := map[uint64]bool{}
		for _, r := range rs {
			m[r.ID] = true
		}
		return m
	}
	tests := []struct {
		query string
		keep  func(uint64) bool
		want  map[uint64]bool
	}{
		{`"hot loops"`, nil, map[uint64]bool{a[0]: true, b[0]: true}},
		{`"loops hot"`, nil, map[uint64]bool{}},
		{`"run hot" loops`, nil, map[uint64]bool{a[1]: true}},
		{`trac*`, nil, map[uint64]bool{a[0]: true, b[0]: true, b[1]: true}},
		{`heap`, nil, map[uint64]bool{b[1]: true}},
		{`loops`, func(id uint64) bool { return store.DocOf(id) == store.DocOf(b[0]) }, map[uint64]bool{b[0]: true}},
	}
	for _, tt := range tests {
		if got := set(kwSearch(t, kw, tt.query, tt.keep)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Search(%s) = %v, want %v", tt.query, got, tt.want)
		}
	}
	if got := idsOf(kwSearch(t, kw, "", nil)); len(got) != 0 {
		t.Errorf("empty query found %v", got)
	}
}

func TestKeywordsFollowTheStore(t *testing.T) {
	st, kw, _ := keywordLibrary(t, map[string][]string{"/a": {"alpha beta"}, "/b": {"beta gamma"}})
	if got := len(kwSearch(t, kw, "beta", nil)); got != 2 {
		t.Fatalf("beta found %d chunks, want 2", got)
	}
	if _, err := st.RemoveFile("/a"); err != nil {
		t.Fatal(err)
	}
	newIDs := putDoc(t, st, "/b", []string{"delta"})
	if got := kwSearch(t, kw, "beta", nil); len(got) != 0 {
		t.Errorf("after remove and replace, beta found %v", got)
	}
	if got := kwSearch(t, kw, "delta", nil); len(got) != 1 || got[0].ID != newIDs[0] {
		t.Errorf("delta found %v, want [%d]", got, newIDs[0])
	}
	if kw.Len() != 1 {
		t.Errorf("Len = %d, want 1", kw.Len())
	}
}

func TestOpenKeywordsRebuildsMissingPostings(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 3 {
		chunks := []core.Chunk{{Text: fmt.Sprintf("old library chunk %d", i)}}
		if _, err := st.PutDocument(store.FileRecord{Path: fmt.Sprint("/", i)}, &core.Document{Text: chunks[0].Text}, chunks, nil); err != nil {
			t.Fatal(err)
		}
	}
	kw, err := OpenKeywords(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(kwSearch(t, kw, "library", nil)); got != 3 {
		t.Errorf("after rebuild, library found %d chunks, want 3", got)
	}
	// An older encoding is dropped and written again.
	if err := st.SetSetting(keywordsSetting, []byte("0")); err != nil {
		t.Fatal(err)
	}
	if kw, err = OpenKeywords(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if got := len(kwSearch(t, kw, "chunk", nil)); got != 3 || kw.Len() != 3 {
		t.Errorf("after re-encoding, chunk found %d chunks of %d, want 3 of 3", got, kw.Len())
	}
}

// TestKeywordsFieldsPickTheNamedDocument: the same passage in three
// filings ranks first in the one whose name holds the question's company
// and period, and numbers match however they are written.
func TestKeywordsFieldsPickTheNamedDocument(t *testing.T) {
	passage := "Purchases of property, plant and equipment (PP&E) (1,577) (1,373)"
	docs := map[string][]string{
		"/lib/3M_2019_10K.pdf":      {"Net sales grew in every segment.", passage},
		"/lib/BESTBUY_2018_10K.pdf": {passage, "Store-related projects."},
		"/lib/3M_2018_10K.pdf":      {"Capital deployment and dividends.", passage},
		"/lib/other/notes.txt":      {"A note on 3M and a purchase."},
	}
	_, kw, ids := keywordLibrary(t, docs)
	for _, q := range []string{
		"What is the FY2018 purchases of property, plant and equipment for 3M?",
		"3M 2018 PP&E purchases $1,577.00",
		"fiscal 2018 3M 1577",
	} {
		got := kwSearch(t, kw, q, nil)
		if len(got) == 0 || got[0].ID != ids["/lib/3M_2018_10K.pdf"][1] {
			t.Errorf("Search(%q) = %v, want first %d (3M 2018's passage)", q, got, ids["/lib/3M_2018_10K.pdf"][1])
		}
	}
	// An abbreviation rare in the text matches the start of a name's word.
	if got := kwSearch(t, kw, "bestb purchases of property", nil); len(got) == 0 || got[0].ID != ids["/lib/BESTBUY_2018_10K.pdf"][0] {
		t.Errorf("Search(bestb …) = %v, want BESTBUY_2018_10K's passage first", got)
	}
	// A document's name alone does not make its passages match: a query
	// whose words are only in names finds nothing.
	if got := kwSearch(t, kw, "bestbuy 10k", nil); len(got) != 0 {
		t.Errorf("Search(bestbuy 10k) = %v, want nothing", got)
	}
	scores, err := kw.DocScores(context.Background(), "3M 2018")
	if err != nil {
		t.Fatal(err)
	}
	d2018 := store.DocOf(ids["/lib/3M_2018_10K.pdf"][0])
	for path, id := range ids {
		if d := store.DocOf(id[0]); d != d2018 && scores[d] >= scores[d2018] {
			t.Errorf("DocScores: %s scores %v, not below 3M_2018_10K's %v", path, scores[d], scores[d2018])
		}
	}
}

func TestNameAndHead(t *testing.T) {
	if got, want := NameOf("/data/filings/3M_2018_10K.pdf", "/data"), filepath.Join("data", "filings", "3M_2018_10K"); got != want {
		t.Errorf("NameOf = %q, want %q", got, want)
	}
	if got := Terms(NameOf("/data/filings/3M_2018_10K.pdf", "/data")); !reflect.DeepEqual(got, []string{"data", "file", "3m", "2018", "10k"}) {
		t.Errorf("name terms = %q", got)
	}
	doc := core.Document{Text: "3M COMPANY FORM 10-K\fpage two", Pages: []core.PageSpan{{Page: 1, Start: 0, End: 20}, {Page: 2, Start: 21, End: 29}}}
	if got := HeadOf(&doc); got != "3M COMPANY FORM 10-K" {
		t.Errorf("HeadOf = %q", got)
	}
	if got := HeadOf(&core.Document{Text: "no pages"}); got != "" {
		t.Errorf("HeadOf without pages = %q", got)
	}
	f := DocFields("/d/minutes.docx", "/d", &core.Document{Text: "Minutes", Title: "Board of Acme — Q3 2021"})
	if got := Terms(f.Name); !reflect.DeepEqual(got, []string{"d", "minut", "board", "acm", "q3", "2021"}) {
		t.Errorf("name terms with a stated title = %q", got)
	}
	f = DocFields("/d/a.pdf", "/d", &doc)
	if f.PageHeads[1] != "3M COMPANY FORM 10-K" || f.PageHeads[2] != "page two" {
		t.Errorf("page heads = %v", f.PageHeads)
	}
}

// A piece of a split table is indexed with its header (Chunk.Context), so
// the header's words find it; its own words still do.
func TestPostingsHoldChunkContext(t *testing.T) {
	chunks := []core.Chunk{{Text: "Purchases of property — 2018: (1,577)", Context: "Consolidated Statement of Cash Flows"}}
	post := EncodePostings(chunks)
	for _, w := range []string{"cash", "flows", "purchases"} {
		for _, term := range Terms(w) {
			if _, ok := post.Terms[term]; !ok {
				t.Errorf("no posting for %q (term %q)", w, term)
			}
		}
	}
	if len(post.Terms) == 0 || len(EncodePostings([]core.Chunk{{Text: chunks[0].Text}}).Terms) >= len(post.Terms) {
		t.Error("the context added no terms")
	}
}
