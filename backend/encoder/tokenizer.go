package encoder

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TokenizerConfig holds the BERT tokenizer options. The zero value is not
// usable directly: use DefaultTokenizerConfig or set the fields from a model
// folder's tokenizer_config.json.
type TokenizerConfig struct {
	// DoLowerCase lower-cases text (and strips accents unless StripAccents
	// says otherwise), as uncased BERT vocabularies expect.
	DoLowerCase bool
	// StripAccents overrides accent stripping: nil follows DoLowerCase.
	StripAccents *bool
	// TokenizeChineseChars puts spaces around CJK ideographs.
	TokenizeChineseChars bool
	// MaxLen is the most tokens Tokenize returns, [CLS] and [SEP] included;
	// 0 means 512.
	MaxLen int
	// MaxCharsPerWord: longer words become [UNK]; 0 means 100.
	MaxCharsPerWord int
}

// DefaultTokenizerConfig is the configuration of an uncased BERT tokenizer.
func DefaultTokenizerConfig() TokenizerConfig {
	return TokenizerConfig{DoLowerCase: true, TokenizeChineseChars: true}
}

// Tokenizer is a BERT WordPiece tokenizer that gives the same ids as Hugging
// Face's BertTokenizer (checked on the whole SciFact corpus and XQuAD, cased
// and uncased, by TestTokenizerCorpusParity). Where transformers' pure-Python
// tokenizer and the Rust one that sentence-transformers runs disagree, it
// follows the Rust one: no final-sigma rule when lower-casing, and
// unassigned code points kept (they become [UNK]) rather than dropped.
// It is immutable and safe for concurrent use.
type Tokenizer struct {
	cfg     TokenizerConfig
	strip   bool
	vocab   map[string]int32 // whole-word pieces
	cont    map[string]int32 // "##" pieces, keyed without the "##"
	size    int
	unk     int32
	cls     int32
	sep     int32
	pad     int32
	maxLen  int
	maxWord int
	// specials are the special tokens found whole in raw text, as Hugging
	// Face's added-token split does before normalisation.
	specials []special
}

// special is a special token string and its id.
type special struct {
	text string
	id   int32
}

// specialNames are the BERT special tokens kept whole when they appear in
// the input text (Hugging Face's all_special_tokens for a BERT vocabulary).
var specialNames = [...]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// LoadVocab reads a vocab.txt (one token per line; the id is the line number).
func LoadVocab(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("encoder: open vocab: %w", err)
	}
	defer f.Close()
	var toks []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		toks = append(toks, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("encoder: read vocab: %w", err)
	}
	return toks, nil
}

// NewTokenizer builds a tokenizer over vocab (token strings in id order).
// The vocabulary must hold [UNK], [CLS], [SEP] and [PAD].
func NewTokenizer(vocab []string, cfg TokenizerConfig) (*Tokenizer, error) {
	t := &Tokenizer{
		cfg:     cfg,
		vocab:   make(map[string]int32, len(vocab)),
		cont:    make(map[string]int32, len(vocab)/4),
		size:    len(vocab),
		maxLen:  cfg.MaxLen,
		maxWord: cfg.MaxCharsPerWord,
	}
	if t.maxLen <= 0 {
		t.maxLen = 512
	}
	if t.maxLen < 2 {
		return nil, fmt.Errorf("encoder: tokenizer max length %d is below 2", t.maxLen)
	}
	if t.maxWord <= 0 {
		t.maxWord = 100
	}
	t.strip = cfg.DoLowerCase
	if cfg.StripAccents != nil {
		t.strip = *cfg.StripAccents
	}
	for i, tok := range vocab {
		t.vocab[tok] = int32(i) // HF keeps the last id of a duplicate
		if rest, ok := strings.CutPrefix(tok, "##"); ok {
			t.cont[rest] = int32(i)
		}
	}
	for _, sp := range []struct {
		name string
		dst  *int32
	}{{"[UNK]", &t.unk}, {"[CLS]", &t.cls}, {"[SEP]", &t.sep}, {"[PAD]", &t.pad}} {
		id, ok := t.vocab[sp.name]
		if !ok {
			return nil, fmt.Errorf("encoder: vocabulary has no %s token", sp.name)
		}
		*sp.dst = id
	}
	for _, name := range specialNames {
		if id, ok := t.vocab[name]; ok {
			t.specials = append(t.specials, special{name, id})
		}
	}
	return t, nil
}

// VocabSize is the number of tokens in the vocabulary.
func (t *Tokenizer) VocabSize() int { return t.size }

// MaxLen is the most ids Tokenize returns.
func (t *Tokenizer) MaxLen() int { return t.maxLen }

// PadID, ClsID and SepID are the special token ids.
func (t *Tokenizer) PadID() int { return int(t.pad) }

// ClsID is the id of [CLS], which Tokenize puts first.
func (t *Tokenizer) ClsID() int { return int(t.cls) }

// SepID is the id of [SEP], which Tokenize puts last.
func (t *Tokenizer) SepID() int { return int(t.sep) }

// Tokenize returns [CLS] wordpieces… [SEP], truncated to MaxLen ids.
func (t *Tokenizer) Tokenize(text string) []int {
	ids := make([]int, 0, 64)
	ids = append(ids, int(t.cls))
	t.wordpieces(text, t.maxLen-2, func(id int32) { ids = append(ids, int(id)) })
	return append(ids, int(t.sep))
}

// WordPieces returns the wordpiece ids of text without special tokens and
// without truncation.
func (t *Tokenizer) WordPieces(text string) []int {
	var ids []int
	t.wordpieces(text, -1, func(id int32) { ids = append(ids, int(id)) })
	return ids
}

// CountTokens is len(WordPieces(text)) without building the slice.
func (t *Tokenizer) CountTokens(text string) int {
	n := 0
	t.wordpieces(text, -1, func(int32) { n++ })
	return n
}

// wordpieces emits up to limit ids (limit < 0: all) for text. Special
// tokens written in the text ("[SEP]") become their ids; the text between
// them goes through the basic tokenizer and WordPiece.
func (t *Tokenizer) wordpieces(text string, limit int, emit func(int32)) {
	n := 0
	more := func(id int32) bool {
		if limit >= 0 && n >= limit {
			return false
		}
		emit(id)
		n++
		return true
	}
	for text != "" {
		seg, sp, rest := t.cutSpecial(text)
		for _, word := range t.basic(seg) {
			if limit >= 0 && n >= limit {
				return
			}
			t.wordpiece(word, func(id int32, _, _ int) bool { return more(id) })
		}
		if sp >= 0 && !more(sp) {
			return
		}
		text = rest
	}
}

// cutSpecial splits text around its first special token: the text before
// it, its id (-1 when there is none) and the text after it.
func (t *Tokenizer) cutSpecial(text string) (before string, id int32, after string) {
	for off := 0; off < len(text); {
		i := strings.IndexByte(text[off:], '[')
		if i < 0 {
			break
		}
		i += off
		best := -1
		for j, sp := range t.specials {
			if strings.HasPrefix(text[i:], sp.text) && (best < 0 || len(sp.text) > len(t.specials[best].text)) {
				best = j
			}
		}
		if best >= 0 {
			sp := t.specials[best]
			return text[:i], sp.id, text[i+len(sp.text):]
		}
		off = i + 1
	}
	return text, -1, ""
}

// wordpiece splits one basic token greedily, longest match first, and calls
// emit with each piece's id and byte range in word until emit returns false.
// A word with an unknown part (or longer than maxWord) is one [UNK] that
// spans the whole word.
func (t *Tokenizer) wordpiece(word string, emit func(id int32, s, e int) bool) {
	if utf8.RuneCountInString(word) > t.maxWord {
		emit(t.unk, 0, len(word))
		return
	}
	// Find all pieces first: a word with an unknown part is one [UNK].
	type piece struct {
		id  int32
		end int
	}
	var buf [16]piece
	pieces := buf[:0]
	for start := 0; start < len(word); {
		end := len(word)
		found := int32(-1)
		for end > start {
			sub := word[start:end]
			var id int32
			var ok bool
			if start == 0 {
				id, ok = t.vocab[sub]
			} else {
				id, ok = t.cont[sub]
			}
			if ok {
				found = id
				break
			}
			_, size := utf8.DecodeLastRuneInString(sub)
			end -= size
		}
		if found < 0 {
			emit(t.unk, 0, len(word))
			return
		}
		pieces = append(pieces, piece{found, end})
		start = end
	}
	start := 0
	for _, p := range pieces {
		if !emit(p.id, start, p.end) {
			return
		}
		start = p.end
	}
}

// basic runs BERT's BasicTokenizer: clean, split CJK, lower-case and strip
// accents, then split on whitespace and punctuation.
func (t *Tokenizer) basic(text string) []string {
	// Clean: drop NUL, U+FFFD and control characters; whitespace → ' ';
	// optionally space out CJK ideographs.
	var sb strings.Builder
	sb.Grow(len(text) + 8)
	for _, r := range text {
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r):
			continue
		case isWhitespace(r):
			sb.WriteByte(' ')
		case t.cfg.TokenizeChineseChars && isCJK(r):
			sb.WriteByte(' ')
			sb.WriteRune(r)
			sb.WriteByte(' ')
		default:
			sb.WriteRune(r)
		}
	}
	cleaned := sb.String()
	// Hugging Face normalises to NFC before splitting on whitespace.
	if !isASCII(cleaned) {
		cleaned = norm.NFC.String(cleaned)
	}
	var out []string
	for _, tok := range strings.FieldsFunc(cleaned, pySpace) {
		if t.cfg.DoLowerCase {
			tok = lower(tok)
		}
		if t.strip && !isASCII(tok) {
			tok = stripAccents(tok)
		}
		out = splitPunct(tok, out)
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// pySpace is Python's str.isspace, which str.split() uses.
func pySpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '\t' && r <= '\r') || (r >= 0x1c && r <= 0x1f)
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

// lower lower-cases rune by rune, as Hugging Face's (Rust) BertNormalizer
// does: no final-sigma rule; U+0130 becomes "i̇".
func lower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		if r == 'İ' {
			sb.WriteString("i\u0307")
			continue
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	return sb.String()
}

func stripAccents(s string) string {
	d := norm.NFD.String(s)
	var sb strings.Builder
	sb.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// splitPunct appends the pieces of tok split around punctuation characters.
func splitPunct(tok string, out []string) []string {
	start := 0
	for i, r := range tok {
		if isPunct(r) {
			if start < i {
				out = append(out, tok[start:i])
			}
			out = append(out, tok[i:i+utf8.RuneLen(r)])
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(tok) {
		out = append(out, tok[start:])
	}
	return out
}

// isPunct is HF's _is_punctuation: ASCII symbols and Unicode P* categories.
func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsPunct(r)
}

// isWhitespace is HF's _is_whitespace.
func isWhitespace(r rune) bool {
	if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
		return true
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.Zs, r)
}

// isControl is HF's _is_control: categories Cc, Cf, Co and Cs except tab,
// newline and CR. Unassigned code points are kept (they become [UNK]), as in
// the tokenizers library that transformers' BertTokenizer runs on.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	if r < 0x20 || r == 0x7f {
		return true
	}
	if r < 0x80 {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// isCJK reports CJK Unified Ideographs blocks, as HF's _is_chinese_char.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}
