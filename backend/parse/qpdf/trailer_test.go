package qpdf

import (
	"slices"
	"strings"
	"testing"
)

func TestRootCandidates(t *testing.T) {
	tests := []struct {
		name string
		pdf  string
		want []ref
	}{
		{"catalog object", "1 0 obj\n<< /Type /Pages >>\nendobj\n2 0 obj\n<</Type/Catalog/Pages 1 0 R>>\nendobj\n", []ref{{2, 0}}},
		{"later catalog first, then /Root of an xref stream",
			"3 0 obj <</Type /Catalog>> endobj 7 1 obj <</Type /Catalog>> endobj 9 0 obj <</Type/XRef/Root 5 0 R>> stream",
			[]ref{{7, 1}, {3, 0}, {5, 0}}},
		{"/Type in a later object does not count", "4 0 obj <</Pages 2 0 R>> endobj /Type /Catalog", nil},
		{"deduplicated", "6 0 obj <</Type /Catalog>> endobj trailer <</Root 6 0 R>>", []ref{{6, 0}}},
		{"object 0 is not a candidate", "trailer <</Root 0 0 R>>", nil},
		{"nothing", "%PDF-1.4 garbage", nil},
	}
	for _, tt := range tests {
		if got := rootCandidates([]byte(tt.pdf), 3); !slices.Equal(got, tt.want) {
			t.Errorf("%s: rootCandidates = %v, want %v", tt.name, got, tt.want)
		}
	}
	many := strings.Repeat("1 0 obj <</Type/Catalog>> endobj 2 0 obj <</Type/Catalog>> endobj 3 0 obj <</Type/Catalog>> endobj 4 0 obj <</Type/Catalog>> endobj ", 2)
	if got := rootCandidates([]byte(many), 3); len(got) != 3 || got[0] != (ref{4, 0}) {
		t.Errorf("rootCandidates(4 catalogs, max 3) = %v, want 3 starting with 4 0 R", got)
	}
}

func TestWithTrailer(t *testing.T) {
	got := string(withTrailer([]byte("%PDF-1.4\n"), ref{12, 0}))
	want := "%PDF-1.4\n\ntrailer\n<< /Root 12 0 R >>\nstartxref\n0\n%%EOF\n"
	if got != want {
		t.Errorf("withTrailer = %q, want %q", got, want)
	}
}
