package search

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"folio/backend/index"
)

// fixed is a retriever that returns its ids in order, scores descending.
type fixed []uint64

func (f fixed) results(k int, keep func(uint64) bool) []index.Result {
	var out []index.Result
	for i, id := range f {
		if len(out) < k && (keep == nil || keep(id)) {
			out = append(out, index.Result{ID: id, Score: float64(len(f) - i)})
		}
	}
	return out
}

type fakeKeywords fixed

func (f fakeKeywords) Search(_ context.Context, _ string, k int, keep func(uint64) bool) ([]index.Result, error) {
	return fixed(f).results(k, keep), nil
}

type fakeVectors fixed

func (f fakeVectors) Search(_ []float32, k int, keep func(uint64) bool) []index.Result {
	return fixed(f).results(k, keep)
}
func (f fakeVectors) Len() int { return len(f) }

type fakeEmbed struct{}

func (fakeEmbed) Embed(_ context.Context, texts []string) ([][]float32, error) {
	return [][]float32{{1, 0}}, nil
}

// byLength reranks passages by their length, longest first.
type byLength struct{}

func (byLength) Rerank(_ context.Context, _ string, passages []string) ([]float64, error) {
	out := make([]float64, len(passages))
	for i, p := range passages {
		out[i] = float64(len(p))
	}
	return out, nil
}

func ids(rs []Result) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestSearchModes(t *testing.T) {
	s := &Searcher{
		Keywords: fakeKeywords{1, 2, 3},
		Vectors:  fakeVectors{3, 4, 1},
		Embed:    fakeEmbed{},
		Rerank:   byLength{},
		Passage:  func(id uint64) (string, error) { return strings.Repeat("x", int(id)), nil },
	}
	tests := []struct {
		mode string
		keep func(uint64) bool
		want []uint64
	}{
		{"bm25", nil, []uint64{1, 2, 3}},
		{ModeDense, nil, []uint64{3, 4, 1}},
		// 1 and 3 are found by both; 1 ranks 1st+3rd, 3 ranks 3rd+1st: a
		// tie broken by id.
		{ModeHybrid, nil, []uint64{1, 3, 2, 4}},
		{"", nil, []uint64{1, 3, 2, 4}},
		{ModeRerank, nil, []uint64{4, 3, 2, 1}},
		{ModeHybrid, func(id uint64) bool { return id%2 == 0 }, []uint64{2, 4}},
	}
	for _, tt := range tests {
		got, qvec, err := s.Search(context.Background(), "q", 10, Options{Mode: tt.mode, Keep: tt.keep})
		if err != nil {
			t.Fatalf("mode %q: %v", tt.mode, err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("mode %q: got %v, want %v", tt.mode, ids(got), tt.want)
		}
		if wantVec := tt.mode != "bm25"; (qvec != nil) != wantVec {
			t.Errorf("mode %q: query vector %v", tt.mode, qvec)
		}
	}
	got, _, _ := s.Search(context.Background(), "q", 2, Options{Mode: ModeHybrid})
	if len(got) != 2 || got[0].Dense == 0 || got[0].Keyword == 0 {
		t.Errorf("k=2 hybrid = %+v, want 2 results with both scores on the first", got)
	}
}

func TestSearchWithoutModels(t *testing.T) {
	s := &Searcher{Keywords: fakeKeywords{7}}
	if s.Mode() != ModeKeyword {
		t.Errorf("Mode = %q without a model", s.Mode())
	}
	for _, mode := range []string{ModeDense, ModeHybrid, ModeRerank} {
		if _, _, err := s.Search(context.Background(), "q", 3, Options{Mode: mode}); !errors.Is(err, ErrNoModel) {
			t.Errorf("mode %s without a model: err = %v, want ErrNoModel", mode, err)
		}
	}
	s.Embed, s.Vectors = fakeEmbed{}, fakeVectors{7}
	if _, _, err := s.Search(context.Background(), "q", 3, Options{Mode: ModeRerank}); !errors.Is(err, ErrNoModel) {
		t.Errorf("rerank without a cross-encoder: err = %v, want ErrNoModel", err)
	}
	if _, _, err := s.Search(context.Background(), "q", 3, Options{Mode: "fuzzy"}); err == nil {
		t.Error("an unknown mode was accepted")
	}
}
