package rtf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

func read(t *testing.T, src string) (core.Document, error) {
	t.Helper()
	return New(Config{}).read(context.Background(), []byte(src))
}

func mustRead(t *testing.T, src string) core.Document {
	t.Helper()
	doc, err := read(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"paragraphs", `{\rtf1\ansi Hello\par World\par}`, "Hello\nWorld\n"},
		{"ansi escapes", `{\rtf1\ansi\ansicpg1252 Caf\'e9 \'80 5\par}`, "Café € 5\n"},
		{"unicode with fallback", `{\rtf1\uc1 Smile \u9786? and \u-3913?\par}`, "Smile ☺ and \uf0b7\n"},
		{"uc2 skips two", `{\rtf1\uc2 x\u8364\'80\'80y\par}`, "x€y\n"},
		{"surrogate pair", `{\rtf1 \u-10179?\u-8704?\par}`, "😀\n"},
		{"cyrillic font", `{\rtf1\ansi{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset204 Times;}}\f1 \'cf\'f0\'e8\'e2\'e5\'f2\f0  \'e9\par}`, "Привет é\n"},
		{"shift-jis font", `{\rtf1{\fonttbl{\f2\fcharset128 MS Mincho;}}\f2 \'93\'fa\'96\'7b\par}`, "日本\n"},
		{"picture skipped", `{\rtf1 before{\pict\pngblip 89504e470d0a1a0a}after\par}`, "beforeafter\n"},
		{"binary skipped", "{\\rtf1 a{\\*\\blob\\bin5 {}}\\}b}c\\par}", "ac\n"},
		{"bin outside a skipped group", "{\\rtf1 a\\bin3 }{xb\\par}", "ab\n"},
		{"unknown destination", `{\rtf1 a{\*\generatorX hidden}b\par}`, "ab\n"},
		{"object keeps its result", `{\rtf1 {\object\objemb{\*\objdata 0105000002}{\result shown}}\par}`, "shown\n"},
		{"field result kept", `{\rtf1 see {\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt the site}}.\par}`, "see the site.\n"},
		{"symbols", `{\rtf1 a\~b\emdash c\lquote d\rquote \{e\}\\\par}`, "a\u00a0b—c‘d’{e}\\\n"},
		{"tabs and lines", `{\rtf1 a\tab b\line c\par}`, "a\tb\nc\n"},
		{"tables", `{\rtf1 before\par\trowd\intbl one\cell two\par more\cell\row\intbl three\cell four\cell\row after\par}`, "before\none\ttwo more\nthree\tfour\nafter\n"},
		{"stylesheet and colours", `{\rtf1{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}text\par}`, "text\n"},
		{"unbalanced", `{\rtf1 open {group\par`, "open group\n"},
		{"encapsulated HTML", `{\rtf1\ansi\fromhtml1 {\*\htmltag19 <html>}{\*\htmltag34 <head>}{\htmlrtf \f0 repeated \htmlrtf0}Visible text{\*\htmltag64 </p>}\par}`, "Visible text\n"},
		{"tracked deletion", `{\rtf1 kept {\deleted gone }text\deleted0  and {\deleted\plain back}\par}`, "kept text and back\n"},
		{"trailing junk", `{\rtf1 ok\par}}}} junk`, "ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if doc := mustRead(t, tc.src); doc.Text != tc.want {
				t.Errorf("text = %q, want %q", doc.Text, tc.want)
			}
		})
	}
}

func TestLocationsAndTitle(t *testing.T) {
	doc := mustRead(t, `{\rtf1{\info{\title Annual {\b report}}{\author Someone}}First\par\par Second\par\trowd\intbl a\cell b\cell\row\trowd\intbl c\cell\row}`)
	if doc.Title != "Annual report" || strings.Contains(doc.Text, "Someone") {
		t.Errorf("title %q, text %q", doc.Title, doc.Text)
	}
	want := []string{"¶ 1", "¶ 2", "table 1, row 1", "table 1, row 2"}
	if len(doc.Locations) != len(want) {
		t.Fatalf("locations %+v", doc.Locations)
	}
	for i, l := range doc.Locations {
		if l.Label() != want[i] {
			t.Errorf("location %d = %q, want %q", i, l.Label(), want[i])
		}
	}
}

func TestParts(t *testing.T) {
	doc := mustRead(t, `{\rtf1{\footer Bottom line\par}{\header Top line\par}Body{\footnote\pard {\chftn} Note text\par} continues\par Second{\*\atnid x}{\annotation A remark}\par}`)
	want := "Top line\nBody continues\nSecond\nBottom line\nNote text\nA remark\n"
	if doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	labels := []string{"header · ¶ 1", "¶ 1", "¶ 2", "footer · ¶ 1", "footnote · ¶ 1", "comment · ¶ 1"}
	for i, l := range doc.Locations {
		if i >= len(labels) || l.Label() != labels[i] {
			t.Errorf("location %d %q = %q", i, doc.Text[l.Start:l.End], l.Label())
		}
	}
}

func TestBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		want error
	}{
		"empty":       {"", core.ErrEmpty},
		"no text":     {`{\rtf1{\fonttbl{\f0 Arial;}}}`, core.ErrEmpty},
		"not rtf":     {"Hello, plain text", core.ErrCorrupt},
		"only pict":   {`{\rtf1{\pict 0000}}`, core.ErrEmpty},
		"deep groups": {`{\rtf1 ` + strings.Repeat("{", 100000) + "x" + strings.Repeat("}", 100000) + "y}", nil},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := read(t, tc.src)
			if tc.want == nil {
				if err != nil || !strings.Contains(doc.Text, "y") {
					t.Errorf("doc %q err %v", doc.Text, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Through Parse the error names the file.
	path := filepath.Join(t.TempDir(), "x.rtf")
	if err := os.WriteFile(path, []byte("not rtf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}).Parse(context.Background(), path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v", err)
	}
	// The text limit holds.
	if _, err := New(Config{MaxTextBytes: 10}).read(context.Background(), []byte(`{\rtf1 `+strings.Repeat("word ", 100)+`}`)); !errors.Is(err, core.ErrTooLarge) {
		t.Errorf("err = %v, want too large", err)
	}
}

// TestLibreOfficeFile reads testdata/legacy.rtf, which LibreOffice wrote
// from the same document as the office package's legacy.doc.
func TestLibreOfficeFile(t *testing.T) {
	doc, err := New(Config{}).Parse(context.Background(), filepath.Join("testdata", "legacy.rtf"))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Harvest report" {
		t.Errorf("title %q", doc.Title)
	}
	for _, want := range []string{
		"Harvest figures\n",
		"Prices: 3€ per kilo, naïve café façade, Übermaß — “quoted”.\n",
		"Fruit\tTonnes\tGrade\nApples\t42\tA\nPears\t17\tB\nQuinces\t3\n",
		"After the table comes the closing paragraph.\n", // the tracked deletion is dropped
	} {
		if !strings.Contains(doc.Text, want) {
			t.Errorf("missing %q in %q", want, doc.Text)
		}
	}
	for text, part := range map[string]string{"Quarterly report header": core.PartHeader, "Confidential footer text": core.PartFooter,
		"Measured by the cooperative in Ljubljana.": core.PartFootnote, "Harvest figures": ""} {
		found := false
		for _, l := range doc.Locations {
			if doc.Text[l.Start:l.End] == text {
				found = l.Part == part
			}
		}
		if !found {
			t.Errorf("%q not found as part %q in %q", text, part, doc.Text)
		}
	}
}

func TestTextract(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "office", "textract", "rtf")
	doc, err := New(Config{}).Parse(context.Background(), filepath.Join(dir, "raw_text.rtf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Locations) != 8 || !strings.HasPrefix(doc.Text, "I love word documents.") {
		t.Errorf("%d paragraphs, text %q…", len(doc.Locations), doc.Text[:min(80, len(doc.Text))])
	}
}

// FuzzRTF feeds arbitrary bytes as an RTF document.
func FuzzRTF(f *testing.F) {
	f.Add([]byte(`{\rtf1\ansi{\fonttbl{\f1\fcharset128 x;}}\f1 \'93\'fa{\pict 00}\u9786?\bin2 ab\trowd\intbl a\cell\row}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "legacy.rtf")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := New(Config{MaxTextBytes: 1 << 20}).read(context.Background(), data)
		if err == nil {
			if err := doc.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
		}
	})
}
