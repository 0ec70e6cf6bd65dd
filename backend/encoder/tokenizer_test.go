package encoder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"folio/backend/internal/testenv"
)

type tokCase struct {
	Text  string `json:"text"`
	IDs   []int  `json:"ids"`
	Count int    `json:"count"`
}

// TestTokenizerParity compares ids with Hugging Face's BertTokenizer, as
// recorded by scripts/gen_tokenizer_fixtures.py.
func TestTokenizerParity(t *testing.T) {
	dir := testenv.Model(t)
	b, err := os.ReadFile(filepath.Join("testdata", "tokenizer_ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		MaxLength int       `json:"max_length"`
		Cases     []tokCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	vocab, err := LoadVocab(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultTokenizerConfig()
	cfg.MaxLen = ref.MaxLength
	tok, err := NewTokenizer(vocab, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 150 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	bad := 0
	for i, c := range ref.Cases {
		got := tok.Tokenize(c.Text)
		if !slices.Equal(got, c.IDs) {
			bad++
			t.Errorf("case %d %q:\n got  %v\n want %v", i, trunc(c.Text), pieces(vocab, got), pieces(vocab, c.IDs))
		}
		if n := tok.CountTokens(c.Text); n != c.Count {
			t.Errorf("case %d %q: CountTokens = %d, want %d", i, trunc(c.Text), n, c.Count)
		}
	}
	t.Logf("%d/%d cases match", len(ref.Cases)-bad, len(ref.Cases))
}

func trunc(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func pieces(vocab []string, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = vocab[id]
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}

func TestTokenizerBasics(t *testing.T) {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "un", "##aff", "##able", ",", "!", "cafe", "中", "dummy"}
	cfg := DefaultTokenizerConfig()
	cfg.MaxLen = 6
	tok, err := NewTokenizer(vocab, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []int
	}{
		{"", []int{2, 3}},
		{"Hello, worlds!", []int{2, 4, 10, 5, 6, 11, 3}[:5:5]},
		{"unaffable", []int{2, 7, 8, 9, 3}},
		{"CAFÉ\x00", []int{2, 12, 3}},
		{"中中", []int{2, 13, 13, 3}},
		{"zzz hello", []int{2, 1, 4, 3}},
	}
	tests[1].want = []int{2, 4, 10, 5, 6, 3} // truncated to MaxLen 6
	for _, tc := range tests {
		if got := tok.Tokenize(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokenize(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := tok.CountTokens("Hello, worlds!"); got != 5 {
		t.Errorf("CountTokens = %d, want 5", got)
	}
	if _, err := NewTokenizer([]string{"a"}, cfg); err == nil {
		t.Error("NewTokenizer without special tokens: want error")
	}
}
