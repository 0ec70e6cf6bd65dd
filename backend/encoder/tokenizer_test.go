package encoder

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"folio/backend/internal/testenv"
	"folio/backend/model"
	"folio/backend/model/modeltest"
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
		{"hello[SEP]world", []int{2, 4, 3, 5, 3}}, // special tokens stay whole
		{"[sep] [UNK]", []int{2, 1, 1, 1, 1, 3}},  // only exact spellings
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

// parityRef is testdata/tokenizer_parity.json.gz, written by
// scripts/gen_tokenizer_parity.py.
type parityRef struct {
	VocabSHA256 string `json:"vocab_sha256"`
	Sources     []struct {
		Name        string `json:"name"`
		Path        string `json:"path"`
		Inputs      int    `json:"inputs"`
		TextsSHA256 string `json:"texts_sha256"`
	} `json:"sources"`
	Configs map[string]parityConfig `json:"configs"`
	Edge    struct {
		Texts   []string   `json:"texts"`
		Uncased []edgeWant `json:"uncased"`
		Cased   []edgeWant `json:"cased"`
	} `json:"edge"`
}

// edgeWant holds Hugging Face's slow ids and, when they differ, the fast ones.
type edgeWant struct {
	Slow []int `json:"slow"`
	Fast []int `json:"fast"`
}

type parityConfig struct {
	DoLowerCase          bool     `json:"do_lower_case"`
	StripAccents         *bool    `json:"strip_accents"`
	TokenizeChineseChars bool     `json:"tokenize_chinese_chars"`
	MaxLength            int      `json:"max_length"`
	InputsChecked        int      `json:"inputs_checked"`
	OnlyLonger           bool     `json:"only_longer_than_max"`
	Index                []int    `json:"index"`
	Counts               []int    `json:"counts"`
	Hashes               []string `json:"hashes"`
	Full                 [][]int  `json:"full"`
	SlowFastDisagree     []struct {
		Index int   `json:"index"`
		Slow  []int `json:"slow"`
		Fast  []int `json:"fast"`
	} `json:"slow_fast_disagree"`
}

func loadParityRef(t testing.TB) parityRef {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "tokenizer_parity.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var ref parityRef
	if err := json.NewDecoder(zr).Decode(&ref); err != nil {
		t.Fatalf("decode tokenizer_parity.json.gz: %v", err)
	}
	return ref
}

// parityInputs reads the inputs in the order gen_tokenizer_parity.py uses:
// each SciFact document's title then text, the documents again as
// title + " " + text, the SciFact queries, then each XQuAD paragraph's
// context then its questions. It fails if a source's texts differ from the
// ones the fixture was made from.
func parityInputs(t testing.TB, ref parityRef) []string {
	t.Helper()
	read := map[string]func(string) ([]string, error){
		"scifact": readSciFactInputs,
		"scifact_doc": func(path string) ([]string, error) {
			tt, err := readSciFactInputs(path)
			docs := make([]string, 0, len(tt)/2)
			for i := 0; i+1 < len(tt); i += 2 {
				docs = append(docs, tt[i]+" "+tt[i+1])
			}
			return docs, err
		},
		"scifact_queries": readSciFactQueries,
		"xquad":           readXQuADInputs,
	}
	var all []string
	for _, src := range ref.Sources {
		fn, ok := read[src.Name]
		if !ok {
			t.Fatalf("fixture names unknown source %q", src.Name)
		}
		texts, err := fn(testenv.SharedFile(t, src.Path))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, s := range texts {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		if got := hex.EncodeToString(h.Sum(nil)); len(texts) != src.Inputs || got != src.TextsSHA256 {
			t.Fatalf("%s: %d inputs with sha256 %s, fixture has %d with %s: rerun scripts/gen_tokenizer_parity.py",
				src.Path, len(texts), got, src.Inputs, src.TextsSHA256)
		}
		all = append(all, texts...)
	}
	return all
}

func readSciFactInputs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var d struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := dec.Decode(&d); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, d.Title, d.Text)
	}
}

func readSciFactQueries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var q struct {
			Text string `json:"text"`
		}
		if err := dec.Decode(&q); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		out = append(out, q.Text)
	}
}

func readXQuADInputs(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Question string `json:"question"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []string
	for _, a := range d.Data {
		for _, p := range a.Paragraphs {
			out = append(out, p.Context)
			for _, q := range p.QAs {
				out = append(out, q.Question)
			}
		}
	}
	return out, nil
}

// idHash is the fixture's hash: the first 12 hex digits of the sha256 of
// the decimal ids joined by ",".
func idHash(ids []int) string {
	b := make([]byte, 0, 8*len(ids))
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:12]
}

// TestTokenizerCorpusParity checks Folio's ids against Hugging Face's for
// every SciFact title and abstract and every XQuAD context and question, in
// an uncased, a cased and a truncated (256) configuration.
func TestTokenizerCorpusParity(t *testing.T) {
	testenv.OutsideRace(t, "tokenizes two corpora in one goroutine")
	ref := loadParityRef(t)
	dir := testenv.Model(t)
	vb, err := os.ReadFile(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if s := sha256.Sum256(vb); hex.EncodeToString(s[:]) != ref.VocabSHA256 {
		t.Fatalf("%s/vocab.txt differs from the one the fixture was made with", dir)
	}
	vocab, err := LoadVocab(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	inputs := parityInputs(t, ref)
	uncased, ok := ref.Configs["uncased"]
	if !ok {
		t.Fatal("fixture has no uncased configuration")
	}
	for _, name := range []string{"uncased", "cased", "uncased_trunc"} {
		c, ok := ref.Configs[name]
		if !ok {
			t.Fatalf("fixture has no %s configuration", name)
		}
		t.Run(name, func(t *testing.T) {
			if len(c.SlowFastDisagree) > 0 {
				t.Logf("note: Hugging Face's slow and fast tokenizers disagree on %d inputs; the slow one is the reference", len(c.SlowFastDisagree))
			}
			// The fixture's hashes of every input, and full ids where stored.
			type want struct {
				count int
				hash  string
				full  []int
			}
			wants := make([]want, len(inputs))
			if c.InputsChecked != len(inputs) {
				t.Fatalf("fixture checked %d inputs, have %d", c.InputsChecked, len(inputs))
			}
			if c.OnlyLonger {
				// Inputs not listed were unchanged by truncation.
				if len(uncased.Counts) != len(inputs) || len(uncased.Hashes) != len(inputs) {
					t.Fatal("uncased configuration does not cover every input")
				}
				for i := range inputs {
					wants[i] = want{count: uncased.Counts[i], hash: uncased.Hashes[i]}
				}
				if len(c.Index) != len(c.Counts) {
					t.Fatal("index and counts differ in length")
				}
				for j, i := range c.Index {
					wants[i] = want{count: c.Counts[j], hash: c.Hashes[j]}
					if j < len(c.Full) {
						wants[i].full = c.Full[j]
					}
				}
			} else {
				if len(c.Counts) != len(inputs) || len(c.Hashes) != len(inputs) {
					t.Fatalf("fixture has %d counts and %d hashes for %d inputs", len(c.Counts), len(c.Hashes), len(inputs))
				}
				for i := range inputs {
					wants[i] = want{count: c.Counts[i], hash: c.Hashes[i]}
					if i < len(c.Full) {
						wants[i].full = c.Full[i]
					}
				}
			}
			cfg := TokenizerConfig{
				DoLowerCase:          c.DoLowerCase,
				StripAccents:         c.StripAccents,
				TokenizeChineseChars: c.TokenizeChineseChars,
				MaxLen:               c.MaxLength,
			}
			tok, err := NewTokenizer(vocab, cfg)
			if err != nil {
				t.Fatal(err)
			}
			bad := 0
			for i, text := range inputs {
				var got []int
				if c.MaxLength > 0 {
					got = tok.Tokenize(text)
				} else {
					got = append(append([]int{tok.ClsID()}, tok.WordPieces(text)...), tok.SepID())
					if n := tok.CountTokens(text); n != len(got)-2 {
						t.Errorf("input %d: CountTokens = %d, WordPieces gave %d", i, n, len(got)-2)
					}
				}
				w := wants[i]
				if len(got) == w.count && idHash(got) == w.hash {
					continue
				}
				bad++
				if bad <= 5 {
					t.Errorf("input %d %q: %d ids (hash %s), want %d (hash %s)\n%s",
						i, trunc(text), len(got), idHash(got), w.count, w.hash, firstDiff(vocab, got, w.full, i))
				}
			}
			t.Logf("%s: %d inputs checked, %d mismatches", name, len(inputs), bad)
			if bad > 0 {
				t.Errorf("%d of %d inputs differ from Hugging Face", bad, len(inputs))
			}
		})
	}
}

// TestTokenizerEdgeParity checks hand-made hard cases (special tokens in
// text, cased forms, combining marks, CJK range edges, control characters)
// against Hugging Face in the uncased and cased configurations. Where the
// slow (pure-Python) and fast (Rust) tokenizers disagree — Python applies
// the final-sigma rule when lower-casing and drops unassigned code points —
// Folio follows the fast one, which sentence-transformers runs.
func TestTokenizerEdgeParity(t *testing.T) {
	ref := loadParityRef(t)
	vocab, err := LoadVocab(filepath.Join(testenv.Model(t), "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Edge.Texts) < 100 {
		t.Fatalf("only %d edge texts in the fixture", len(ref.Edge.Texts))
	}
	for _, tc := range []struct {
		name  string
		lower bool
		wants []edgeWant
	}{
		{"uncased", true, ref.Edge.Uncased},
		{"cased", false, ref.Edge.Cased},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.wants) != len(ref.Edge.Texts) {
				t.Fatalf("%d references for %d texts", len(tc.wants), len(ref.Edge.Texts))
			}
			cfg := DefaultTokenizerConfig()
			cfg.DoLowerCase = tc.lower
			cfg.MaxLen = 1 << 20
			tok, err := NewTokenizer(vocab, cfg)
			if err != nil {
				t.Fatal(err)
			}
			split := 0
			for i, text := range ref.Edge.Texts {
				want := tc.wants[i].Slow
				if tc.wants[i].Fast != nil {
					want = tc.wants[i].Fast
					split++
				}
				if got := tok.Tokenize(text); !slices.Equal(got, want) {
					t.Errorf("%q:\n got  %v\n want %v", trunc(text), pieces(vocab, got), pieces(vocab, want))
				}
			}
			t.Logf("%d texts, %d where slow and fast Hugging Face disagree (fast followed)", len(ref.Edge.Texts), split)
		})
	}
}

// TestOpenTokenizerConfig checks that Open configures the tokenizer from
// the model folder's tokenizer_config.json (do_lower_case, strip_accents,
// tokenize_chinese_chars), so a cased model tokenizes cased.
func TestOpenTokenizerConfig(t *testing.T) {
	const text = "Hello café CAFÉ cafe 中文"
	// modeltest.Vocab: [UNK] 1, hello 16, cafe 25, 中 26, 文 27.
	tests := []struct {
		name string
		cfg  map[string]any
		want []int
	}{
		{"absent fields mean uncased", map[string]any{}, []int{2, 16, 25, 25, 25, 26, 27, 3}},
		{"uncased", map[string]any{"do_lower_case": true}, []int{2, 16, 25, 25, 25, 26, 27, 3}},
		{"cased", map[string]any{"do_lower_case": false}, []int{2, 1, 1, 1, 25, 26, 27, 3}},
		{"cased, strip accents", map[string]any{"do_lower_case": false, "strip_accents": true}, []int{2, 1, 25, 1, 25, 26, 27, 3}},
		{"uncased, keep accents", map[string]any{"do_lower_case": true, "strip_accents": false}, []int{2, 16, 1, 1, 25, 26, 27, 3}},
		{"no CJK split", map[string]any{"tokenize_chinese_chars": false}, []int{2, 16, 25, 25, 25, 1, 3}},
	}
	base := t.TempDir()
	if _, err := modeltest.Write(base, modeltest.Tiny{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), strconv.Itoa(i))
			if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, model.TokenizerConfigFile), b, 0o644); err != nil {
				t.Fatal(err)
			}
			enc, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := enc.Tokenizer().Tokenize(text); !slices.Equal(got, tc.want) {
				t.Errorf("tokenizer_config %s: Tokenize(%q) = %v, want %v", b, text, got, tc.want)
			}
		})
	}
}

// firstDiff shows both id windows around the first differing position, or
// Folio's ids and how to get the reference when the fixture has no full ids.
func firstDiff(vocab []string, got, want []int, index int) string {
	if want == nil {
		end := min(len(got), 40)
		return fmt.Sprintf("  got  %v\n  (reference ids: python3 scripts/gen_tokenizer_parity.py MODEL_DIR --show %d)",
			pieces(vocab, got[:end]), index)
	}
	pos := 0
	for pos < len(got) && pos < len(want) && got[pos] == want[pos] {
		pos++
	}
	lo := max(pos-5, 0)
	window := func(ids []int) string {
		hi := min(pos+10, len(ids))
		if lo >= hi {
			return "[]"
		}
		return fmt.Sprintf("%v %v", ids[lo:hi], pieces(vocab, ids[lo:hi]))
	}
	return fmt.Sprintf("  first difference at id %d\n  got  [%d:] %s\n  want [%d:] %s", pos, lo, window(got), lo, window(want))
}

// BenchmarkTokenizeCorpus tokenizes every parity input (SciFact titles and
// abstracts, whole documents and queries, XQuAD contexts and questions:
// about 15.7 MB) on one goroutine.
// scripts/gen_tokenizer_parity.py prints Hugging Face's times for the same
// inputs (fast_backend_loop_s is the comparable single-threaded figure).
func BenchmarkTokenizeCorpus(b *testing.B) {
	ref := loadParityRef(b)
	vocab, err := LoadVocab(filepath.Join(testenv.Model(b), "vocab.txt"))
	if err != nil {
		b.Fatal(err)
	}
	inputs := parityInputs(b, ref)
	tok, err := NewTokenizer(vocab, DefaultTokenizerConfig())
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, s := range inputs {
		size += len(s)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, s := range inputs {
			n += len(tok.WordPieces(s))
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/corpus")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds()/1e6, "Mtok/s")
}
