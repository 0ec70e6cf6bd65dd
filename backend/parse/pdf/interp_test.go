package pdf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	lpdf "github.com/ledongthuc/pdf"
)

func TestLexer(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // operators with their operands, as formatted by opString
	}{
		{"numbers and names", "1 -2.5 .5 -.5 +3 /F#201 Tf", "Tf[1 -2.5 0.5 -0.5 3 /F 1]"},
		{"odd hex string", "<414> Tj", "Tj[(A@)]"},
		{"hex with junk", "<41 4z2> Tj", "Tj[(AB)]"},
		{"escapes", `(a\(b\)\\\n\101\7\q) Tj`, "Tj[(a(b)\\\nA\aq)]"},
		{"nested parens", "(a(b)c) Tj", "Tj[(a(b)c)]"},
		{"TJ array", "[(a) -120 (b)] TJ", "TJ[[(a) -120 (b)]]"},
		{"dict skipped", "/P <</MCID 3 /X [1 2]>> BDC EMC", "BDC[/P <<>>] EMC[]"},
		{"comment", "% BT\n(x) Tj % Tj\n", "Tj[(x)]"},
		{"inline image skipped", "BI /W 2 /H 2 ID \x00(\xff EI Q", "BI[] ID[/W 2 /H 2] Q[]"},
		{"unterminated string", "(abc", ""},
		{"unterminated hex", "<4142", ""},
		{"quote operators", "(a) ' 1 2 (b) \"", "'[(a)] \"[1 2 (b)]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &lexer{data: []byte(tt.in)}
			var out []string
			for {
				op, args, ok := l.readOp(nil)
				if !ok {
					break
				}
				out = append(out, op+opString(args))
				if op == "ID" {
					l.skipInlineImage()
				}
			}
			if got := strings.Join(out, " "); got != tt.want {
				t.Errorf("ops = %q, want %q", got, tt.want)
			}
		})
	}
}

func opString(args []operand) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, operandString(a))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func operandString(a operand) string {
	switch a.kind {
	case kNum:
		return strconv.FormatFloat(a.num, 'f', -1, 64)
	case kStr:
		return "(" + a.str + ")"
	case kName:
		return "/" + a.str
	case kArray:
		return opString(a.arr)
	case kDict:
		return "<<>>"
	}
	return "null"
}

func TestParseCMap(t *testing.T) {
	data := `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CMapName /Test def /WMode 1 def
2 begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange
3 beginbfchar <01> <0041> <02> <D83DDE00> <8140> /Euro endbfchar
2 beginbfrange <10> <12> <0061> <20> <21> [<0066006C> <00660069>] endbfrange
1 beginbfrange <0000> <FFFF> <4E00> endbfrange
1 begincidrange <8141> <8143> 100 endcidrange
1 begincidchar <05> 7 endcidchar
endcmap CMapName currentdict /CMap defineresource pop end end`
	m := parseCMap([]byte(data))
	uni := []struct {
		n    int
		code uint32
		want string
	}{
		{1, 0x01, "A"},
		{1, 0x02, "\U0001F600"},
		{2, 0x8140, "€"},
		{1, 0x11, "b"},
		{1, 0x12, "c"},
		{1, 0x20, "fl"},
		{1, 0x21, "fi"},
		{2, 0x0002, "\u4E02"}, // a large range, searched not expanded
	}
	for _, u := range uni {
		if got, ok := m.toUnicode(u.n, u.code); !ok || got != u.want {
			t.Errorf("toUnicode(%d, %#x) = %q, %v; want %q", u.n, u.code, got, ok, u.want)
		}
	}
	if _, ok := m.toUnicode(1, 0x13); ok {
		t.Errorf("toUnicode(1, 0x13) mapped, want unmapped")
	}
	if c, ok := m.toCID(2, 0x8142); !ok || c != 101 {
		t.Errorf("toCID(0x8142) = %d, %v; want 101", c, ok)
	}
	if c, ok := m.toCID(1, 0x05); !ok || c != 7 {
		t.Errorf("toCID(0x05) = %d, %v; want 7", c, ok)
	}
	if !m.vertical {
		t.Errorf("WMode 1 not read")
	}
	lens := []struct {
		in   string
		want int
	}{{"\x41\x81\x40", 1}, {"\x81\x40", 2}, {"\x9f", 1}, {"\xff\x00", 1}}
	for _, l := range lens {
		if got := codeLen(m.space, l.in); got != l.want {
			t.Errorf("codeLen(%q) = %d, want %d", l.in, got, l.want)
		}
	}
}

func TestGlyphText(t *testing.T) {
	tests := map[string]string{
		"A": "A", "fi": "\uFB01", "uni00E9": "é", "uni00660069": "fi", "u1F600": "\U0001F600",
		"a.sc": "a", "f_f_i": "ffi", "g123": "", "": "",
	}
	for name, want := range tests {
		if got := glyphText(name); got != want {
			t.Errorf("glyphText(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestStandardFont(t *testing.T) {
	tests := map[string]string{
		"Helvetica": "Helvetica", "Helvetica-Bold": "Helvetica-Bold", "Arial,Bold": "Helvetica-Bold",
		"Arial-BoldItalicMT": "Helvetica-BoldOblique", "TimesNewRoman": "Times-Roman",
		"TimesNewRoman,Italic": "Times-Italic", "Times-BoldItalic": "Times-BoldItalic", "CourierNew": "Courier",
		"Symbol": "Symbol", "ZapfDingbats": "ZapfDingbats", "Calibri": "",
	}
	for name, want := range tests {
		if got := standardFont(name); got != want {
			t.Errorf("standardFont(%q) = %q, want %q", name, got, want)
		}
	}
	// Every standard font has metrics.
	for _, name := range []string{"Courier", "Helvetica-Oblique", "Times-Roman", "Symbol", "ZapfDingbats"} {
		if f := afmFonts[name]; f == nil || len(f.widths) < 100 {
			t.Errorf("afmFonts[%q] missing or short", name)
		}
	}
}

func TestPredefinedCMap(t *testing.T) {
	tests := []struct {
		cmap, code, want string
	}{
		{"90ms-RKSJ-H", "\x93\xfa", "日"},
		{"UniJIS-UCS2-H", "\x65\xe5", "日"},
		{"GBK-EUC-H", "\xc8\xd5", "日"},
		{"KSCms-UHC-H", "\xc0\xcf", "일"},
		{"ETen-B5-H", "\xa4\xe9", "日"},
		{"EUC-H", "\xc6\xfc", "日"},
		{"H", "\x46\x7c", "日"},
	}
	for _, tt := range tests {
		p := predefinedCMap(tt.cmap)
		if p == nil {
			t.Errorf("predefinedCMap(%q) = nil", tt.cmap)
			continue
		}
		if n := codeLen(p.space, tt.code); n != len(tt.code) {
			t.Errorf("%s: codeLen(%q) = %d, want %d", tt.cmap, tt.code, n, len(tt.code))
		}
		if got := p.decode(tt.code); got != tt.want {
			t.Errorf("%s: decode(%q) = %q, want %q", tt.cmap, tt.code, got, tt.want)
		}
	}
	if p := predefinedCMap("90ms-RKSJ-V"); p == nil || !p.vertical {
		t.Errorf("90ms-RKSJ-V not vertical")
	}
}

func TestPreflight(t *testing.T) {
	ok := minimalPDF("BT ET")
	bad := bytes.Replace(ok, []byte("xref\n0 6\n"), []byte("xref\n4294967296 6\n"), 1)
	bad2 := bytes.Replace(ok, []byte("/Size 6"), []byte("/Size 99999999999"), 1)
	if err := preflight(bytes.NewReader(ok), int64(len(ok))); err != nil {
		t.Errorf("preflight(valid) = %v", err)
	}
	for _, b := range [][]byte{bad, bad2} {
		if err := preflight(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("preflight(%q...) = nil, want an error", b[len(b)-120:])
		}
	}
}

// TestInterpreterLimits checks that a page drawing without end stops on its
// own: by glyph count, operator count and deadline.
func TestInterpreterLimits(t *testing.T) {
	content := []byte("BT " + strings.Repeat("(abcdefgh) Tj ", 5000) + "ET")
	in := newInterp(context.Background(), newFontCache(), identity, 1e9, 1000)
	in.run(content, newScope(lpdf.Value{}), 0)
	if !errors.Is(in.stop, errGlyphLimit) || len(in.glyphs) != 1000 {
		t.Errorf("glyph limit: stop %v, %d glyphs; want errGlyphLimit, 1000", in.stop, len(in.glyphs))
	}
	in = newInterp(context.Background(), newFontCache(), identity, 3000, 1e9)
	in.run(content, newScope(lpdf.Value{}), 0)
	if !errors.Is(in.stop, errOpLimit) {
		t.Errorf("op limit: stop %v, want errOpLimit", in.stop)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	in = newInterp(ctx, newFontCache(), identity, 1e9, 1e9)
	in.run(content, newScope(lpdf.Value{}), 0)
	if !errors.Is(in.stop, context.DeadlineExceeded) {
		t.Errorf("deadline: stop %v, want DeadlineExceeded", in.stop)
	}
}

// TestPageTimeout runs a page over its budget through the parser: it is
// abandoned with a warning and the next page is still read.
func TestPageTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slow.pdf")
	// Page 1 takes far longer than its budget on any machine; the budget
	// is wide enough that page 2 (one word) is read even when a loaded
	// machine pauses the parser for tens of milliseconds.
	slow := "BT /F1 1 Tf " + strings.Repeat("(ab) Tj 0 -0.001 Td ", 2_000_000) + "ET"
	if err := os.WriteFile(path, pagesPDF(slow, "BT /F1 12 Tf 72 700 Td (fine) Tj ET"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := New(Config{PageTimeout: 250 * time.Millisecond, MaxGlyphs: 1e8}).Parse(context.Background(), path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(doc.Warnings) == 0 || !strings.HasPrefix(doc.Warnings[0], "page 1: abandoned after 250ms") {
		t.Errorf("Warnings = %q, want page 1 abandoned after 250ms", doc.Warnings)
	}
	if !strings.HasSuffix(doc.Text, "fine") || len(doc.Pages) != 2 {
		t.Errorf("Text = %.40q... with %d pages, want page 2 read", doc.Text, len(doc.Pages))
	}
}
