package index

import (
	"reflect"
	"testing"
)

func TestTermsUnicode(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"nfd stays one word", "nai\u0308ve cafe\u0301", []string{"naïve", "café"}},
		{"nfc and nfd agree", "naïve café", []string{"naïve", "café"}},
		{"nfkc ligature and width", "ﬁle ＡＢＣ １２", []string{"file", "abc", "12"}},
		{"case folding", "ΣΟΦΊΑ σοφίας Straße", []string{"σοφία", "σοφίασ", "straße"}},
		{"possessive", "Folio's index, the users’ files", []string{"folio", "index", "user", "file"}},
		{"apostrophe joins", "don't O'Neill", []string{"dont", "oneil"}},
		{"hyphen parts", "COVID-19 e-mail", []string{"covid", "19", "e", "mail"}},
		{"hyphen with stop word", "state-of-the-art", []string{"state", "art"}},
		{"dangling punctuation", "-- 'quoted' word- -x", []string{"quot", "word", "x"}},
		{"han bigrams", "東京都", []string{"東京", "京都"}},
		{"lone han", "猫 is here", []string{"猫", "here"}},
		{"kana with prolonged mark", "コーヒー", []string{"コー", "ーヒ", "ヒー"}},
		{"hangul apart from han", "한국어漢字", []string{"한국", "국어", "漢字"}},
		{"cjk then latin", "東京tower", []string{"東京", "tower"}},
		{"digits and letters", "IL6 and TNFα 2019", []string{"il6", "tnfα", "2019"}},
		{"underscore separates", "snake_case", []string{"snake", "case"}},
		{"empty", " \t\n", nil},
		{"numbers as written", "1,577 1577 $1,577.00 (1,577) -1,577,000", []string{"1577", "1577", "1577", "1577", "1577000"}},
		{"decimals kept", "4.25% 0.66 12.", []string{"4.25", "0.66", "12"}},
		{"not a grouping", "2017, 2018,2019 1,57", []string{"2017", "2018", "2019", "1", "57"}},
		{"number then letters", "1,5ab", []string{"1", "5ab"}},
		{"periods", "FY2018 fy18 fiscal 2018 2023Q2 Q2 2023", []string{"2018", "2018", "fiscal", "2018", "2023", "q2", "q2", "2023"}},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Terms(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestTermsDropsHugeRuns(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	if got := Terms(string(long) + " keep"); !reflect.DeepEqual(got, []string{"keep"}) {
		t.Errorf("Terms(200-letter run + keep) = %q, want [keep]", got)
	}
}

func TestTermPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Libraries", "libraries"}, // not stemmed
		{"  Nai\u0308v", "naïv"},
		{"ＡＢ", "ab"},
		{"the", "the"}, // not a stop word here
		{"東京", "東京"},
		{"...", ""},
	}
	for _, tt := range tests {
		if got := TermPrefix(tt.in); got != tt.want {
			t.Errorf("TermPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
