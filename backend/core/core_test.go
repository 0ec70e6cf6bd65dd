package core

import "testing"

func TestOneLine(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"a\n  b\tc ", 0, "a b c"},
		{"  ", 10, ""},
		{"héllo wörld", 5, "héllo…"}, // cut by runes, not bytes
		{"héllo", 5, "héllo"},        // exactly max: no mark
		{"one\ntwo", -1, "one two"},  // max ≤ 0: no cut
	}
	for _, tt := range tests {
		if got := OneLine(tt.s, tt.max); got != tt.want {
			t.Errorf("OneLine(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}
