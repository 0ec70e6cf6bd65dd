package index

import (
	"math/rand"
	"reflect"
	"sort"
	"testing"
)

func TestExactMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const dim, n = 17, 300
	x := NewExact(dim)
	vecs := map[uint64][]float32{}
	for i := 0; i < n; i++ {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		vecs[uint64(i+1)] = v
		if err := x.Add(uint64(i+1), v); err != nil {
			t.Fatal(err)
		}
	}
	x.Delete(5, 17, 300, 9999)
	delete(vecs, 5)
	delete(vecs, 17)
	delete(vecs, 300)
	if x.Len() != len(vecs) {
		t.Fatalf("Len = %d, want %d", x.Len(), len(vecs))
	}
	q := vecs[42]
	type pair struct {
		id uint64
		s  float64
	}
	var all []pair
	for id, v := range vecs {
		var s float64
		for j := range v {
			s += float64(v[j]) * float64(q[j])
		}
		all = append(all, pair{id, s})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
	got := x.Search(q, 10, nil)
	for i, r := range got {
		if r.ID != all[i].id {
			t.Errorf("rank %d: got id %d, want %d", i, r.ID, all[i].id)
		}
	}
	if err := x.Add(1, make([]float32, 3)); err == nil {
		t.Error("Add accepted a vector of the wrong dimension")
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"The Traces of Libraries!", []string{"trace", "librari"}},
		{"Straße café naïve 2019", []string{"straße", "café", "naïve", "2019"}},
		{"class status", []string{"class", "status"}},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
