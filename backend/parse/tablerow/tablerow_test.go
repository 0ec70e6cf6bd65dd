package tablerow

import "testing"

func TestNumeric(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"1,577", true}, {"(1,577)", true}, {"$ 1,577.00", true}, {"12.5 %", true}, {"(0.7)%", true},
		{"—", true}, {"$ —", true}, {"n/a", true},
		{"$", false}, {"%", false}, {"", false}, {"Total", false}, {"Q1 2021", false}, {"1,577 units", false},
	} {
		if got := Numeric(tt.in); got != tt.want {
			t.Errorf("Numeric(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, s := range []string{"$", "(", "€"} {
		if _, prefix, _ := NumericWord(s); !prefix {
			t.Errorf("NumericWord(%q) is not a prefix", s)
		}
	}
	for _, s := range []string{"%", ")"} {
		if _, _, suffix := NumericWord(s); !suffix {
			t.Errorf("NumericWord(%q) is not a suffix", s)
		}
	}
	if !IsYear("2021") || IsYear("2,021") || IsYear("21") || IsYear("3021") {
		t.Error("IsYear")
	}
}
