package qpdf

import (
	"slices"
	"testing"
)

func TestPasswordCandidates(t *testing.T) {
	tests := []struct {
		password string
		want     []string
	}{
		{"", []string{""}},
		{"abc", []string{"abc", ""}},
		// R6 passwords go through SASLprep: U+00AA folds to "a" under NFKC
		// and the soft hyphen U+00AD maps to nothing.
		{"S\u00aaSL\u00adprep", []string{"S\u00aaSL\u00adprep", "SaSLprep", ""}},
		// R2–R4 passwords are PDFDocEncoding bytes, Latin-1 for these.
		{"pässwört", []string{"pässwört", "p\xe4ssw\xf6rt", ""}},
		{"€uro", []string{"€uro", "\xa0uro", ""}},
		// Non-ASCII spaces become U+0020 under SASLprep.
		{"a\u00a0b", []string{"a\u00a0b", "a b", ""}}, // U+00A0 has no PDFDoc byte (0xA0 is €)
		// Characters PDFDocEncoding lacks give no PDFDoc candidate.
		{"日本", []string{"日本", ""}},
		// Invalid UTF-8 is tried only as given.
		{"\xff\xfe", []string{"\xff\xfe", ""}},
	}
	for _, tt := range tests {
		if got := passwordCandidates(tt.password); !slices.Equal(got, tt.want) {
			t.Errorf("passwordCandidates(%q) = %q, want %q", tt.password, got, tt.want)
		}
	}
}

func TestToPDFDoc(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"plain", "plain", true},
		{"æøå", "\xe6\xf8\xe5", true},
		{"•–ﬁ", "\x80\x85\x93", true},
		{"\u00ad", "", false}, // soft hyphen is undefined in PDFDocEncoding
		{"\x7f", "", false},
		{"Ω", "", false},
	}
	for _, tt := range tests {
		got, ok := toPDFDoc(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("toPDFDoc(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
