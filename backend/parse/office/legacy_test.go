package office

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/sheet"
)

// legacyFixture returns the path of testdata/legacy/name, gunzipped into a
// temporary folder when it is stored as name.gz.
func legacyFixture(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join("testdata", "legacy", name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	gz, err := os.ReadFile(path + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, b)
}

// located returns the location whose text is want, failing when none is.
func located(t *testing.T, doc core.Document, want string) core.Location {
	t.Helper()
	for _, l := range doc.Locations {
		if doc.Text[l.Start:l.End] == want {
			return l
		}
	}
	t.Fatalf("no location covers %q in:\n%s", want, doc.Text)
	return core.Location{}
}

func TestWord97(t *testing.T) {
	path := legacyFixture(t, "legacy.doc")
	doc, err := New(Config{}).Parse(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "doc" || doc.Path != path || doc.Title != "Harvest report — Orchard yields" {
		t.Errorf("format %q path %q title %q", doc.Format, doc.Path, doc.Title)
	}
	for _, tc := range []struct {
		text string
		want core.Location
	}{
		// A Heading 1 paragraph starts the heading path of what follows.
		{"Harvest figures", core.Location{Paragraph: 1, Path: []string{"Harvest figures"}}},
		{"The orchard yielded apples in October, more than in any year before.", core.Location{Paragraph: 2, Path: []string{"Harvest figures"}}},
		// Compressed (cp1252) and Unicode pieces both decode.
		{"Prices: 3€ per kilo, naïve café façade, Übermaß — “quoted”.", core.Location{Paragraph: 3, Path: []string{"Harvest figures"}}},
		{"Tonnes", core.Location{Table: 1, Row: 1, Col: 2, Path: []string{"Harvest figures"}}},
		{"Pears", core.Location{Table: 1, Row: 3, Col: 1, Path: []string{"Harvest figures"}}},
		{"After the table comes the closing paragraph.", core.Location{Paragraph: 4, Path: []string{"Harvest figures"}}},
		{"Quarterly report header", core.Location{Part: core.PartHeader, Paragraph: 1}},
		{"Confidential footer text", core.Location{Part: core.PartFooter, Paragraph: 1}},
		{"Measured by the cooperative in Ljubljana.", core.Location{Part: core.PartFootnote, Paragraph: 1}},
	} {
		got := located(t, doc, tc.text)
		got.Start, got.End = 0, 0
		if got.Label() != tc.want.Label() {
			t.Errorf("%q at %q, want %q", tc.text, got.Label(), tc.want.Label())
		}
	}
	// Row ends come from the paragraph properties (sprmPFTtp), so an
	// empty last cell stays a cell of its row.
	if !strings.Contains(doc.Text, "Fruit\tTonnes\tGrade\nApples\t42\tA\nPears\t17\tB\nQuinces\t3\t\nAfter the table") {
		t.Errorf("table rows not one line each, cells tab-separated: %q", doc.Text)
	}
	// Text deleted with changes tracked is dropped, as .docx reading does.
	if strings.Contains(doc.Text, "withdrawn") || !strings.Contains(doc.Text, "After the table comes the closing paragraph.") {
		t.Errorf("tracked deletion kept: %q", doc.Text)
	}
	if strings.Contains(doc.Text, "\x07") || strings.Contains(doc.Text, "\x13") {
		t.Errorf("control characters left in the text: %q", doc.Text)
	}
}

func TestPPT97(t *testing.T) {
	doc, err := New(Config{}).Parse(context.Background(), legacyFixture(t, "legacy.ppt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	want := "Migration of the swallows\nThey leave in September\nThey return in April\nRemember to mention Africa.\n\nSecond slide title\nA free text box about Übermut\n\n"
	if doc.Text != want || doc.Format != "ppt" {
		t.Errorf("text (%s) = %q, want %q", doc.Format, doc.Text, want)
	}
	if l := located(t, doc, "Remember to mention Africa."); l.Slide != 1 || l.Part != core.PartNotes {
		t.Errorf("notes at %+v", l)
	}
	// The free text box lives in the slide's own container, not the list.
	if l := located(t, doc, "A free text box about Übermut"); l.Slide != 2 {
		t.Errorf("text box at %+v", l)
	}
	if strings.Contains(doc.Text, "Click to edit") {
		t.Error("master slide text leaked into the slides")
	}
}

func TestXLSThroughOffice(t *testing.T) {
	doc, err := New(Config{}).Parse(context.Background(), legacyFixture(t, "legacy.xls"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	if l := located(t, doc, "Amount: 1250.5"); l.Sheet != "Budget" || l.Cell != "B2" {
		t.Errorf("B2 at %+v", l)
	}
	if l := located(t, doc, "Note: #DIV/0!"); l.Cell != "C4" {
		t.Errorf("C4 at %+v", l)
	}
	if l := located(t, doc, "0.125"); l.Sheet != "Ünïcode sheet" || l.Cell != "B2" {
		t.Errorf("B2 of the second sheet at %+v", l)
	}
}

// TestLegacyCorrupt cuts and damages the fixtures: every result is a
// Document that passes Check or an error naming the file; none panics.
func TestLegacyCorrupt(t *testing.T) {
	for _, name := range []string{"legacy.doc", "legacy.xls", "legacy.ppt"} {
		raw, err := os.ReadFile(legacyFixture(t, name))
		if err != nil {
			t.Fatal(err)
		}
		variants := map[string][]byte{"half": raw[:len(raw)/2], "header only": raw[:512]}
		for _, at := range []int{600, 1100, 2600, 4700, len(raw) - 700} {
			b := append([]byte(nil), raw...)
			for i := at; i < at+64 && i < len(b); i++ {
				b[i] ^= 0xA5
			}
			variants[fmt.Sprintf("scrambled at %d", at)] = b
		}
		for what, b := range variants {
			path := writeFile(t, name, b)
			doc, err := New(Config{}).Parse(context.Background(), path)
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("%s %s: the error does not name the file: %v", name, what, err)
				}
				continue
			}
			if err := doc.Check(); err != nil {
				t.Errorf("%s %s: %v", name, what, err)
			}
		}
	}
}

// TestWordPieceTable checks the piece table reader on a document built by
// hand: a compressed piece, a Unicode piece, a field whose code is dropped
// and whose result is kept, and a table row.
func TestWordPieceTable(t *testing.T) {
	le := binary.LittleEndian
	text1 := []byte("Caf\xe9 \x13 HYPERLINK \"x\" \x14link\x15 end\r") // cp1252
	text2 := utf16le("Ω cell\x07two\x07\x07after\r")
	// WordDocument: a FIB, then the two pieces' bytes.
	wd := make([]byte, 1024)
	le.PutUint16(wd, fibIdent)
	le.PutUint16(wd[2:], 0x00C1)
	le.PutUint16(wd[0x0A:], fibFlagTable1)
	le.PutUint16(wd[0x20:], 0)  // csw
	le.PutUint16(wd[0x22:], 22) // cslw
	lw := 0x24
	ccp := len(text1) + len(text2)/2
	le.PutUint32(wd[lw+4*lwCcpText:], uint32(ccp))
	fcLcb := lw + 22*4
	le.PutUint16(wd[fcLcb:], 93)
	fcLcb += 2
	off1, off2 := 800, 900
	copy(wd[off1:], text1)
	copy(wd[off2:], text2)
	// 1Table: the Clx with one Prc to skip and a Pcdt of two pieces.
	var plc []byte
	plc = le.AppendUint32(plc, 0)
	plc = le.AppendUint32(plc, uint32(len(text1)))
	plc = le.AppendUint32(plc, uint32(ccp))
	pcd := func(fc uint32) []byte {
		b := make([]byte, 8)
		le.PutUint32(b[2:], fc)
		return b
	}
	plc = append(plc, pcd(uint32(off1*2)|0x40000000)...)
	plc = append(plc, pcd(uint32(off2))...)
	clx := []byte{0x01, 2, 0, 0xAA, 0xBB, 0x02}
	clx = le.AppendUint32(clx, uint32(len(plc)))
	clx = append(clx, plc...)
	table := append(make([]byte, 16), clx...)
	le.PutUint32(wd[fcLcb+8*fcClx:], 16)
	le.PutUint32(wd[fcLcb+8*fcClx+4:], uint32(len(clx)))

	doc, err := New(Config{}).parseWord97(context.Background(), compound{data: map[string][]byte{"WordDocument": wd, "1Table": table}})
	if err != nil {
		t.Fatal(err)
	}
	want := "Café link end\nΩ cell\ttwo\nafter\n"
	if doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if l := located(t, doc, "two"); l.Table != 1 || l.Row != 1 || l.Col != 2 {
		t.Errorf("row at %+v", l)
	}
	// The same document with its table stream missing fails clearly.
	_, err = New(Config{}).parseWord97(context.Background(), compound{data: map[string][]byte{"WordDocument": wd}})
	if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "1Table") {
		t.Errorf("err = %v", err)
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// TestTextractLegacy reads the textract .doc files from the shared data.
func TestTextractLegacy(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "office", "textract")
	doc, err := New(Config{}).Parse(context.Background(), filepath.Join(dir, "doc", "raw_text.doc"))
	if err != nil {
		t.Fatal(err)
	}
	if l := located(t, doc, "Sample text is hard. That is where http://hipsum.co comes in handy."); l.Paragraph != 2 {
		t.Errorf("paragraph %d", l.Paragraph)
	}
}

// pptRec builds a PowerPoint record; a container when ver is 0xF.
func pptRec(ver, typ uint16, body ...[]byte) []byte {
	var b []byte
	for _, x := range body {
		b = append(b, x...)
	}
	h := binary.LittleEndian.AppendUint16(nil, ver)
	h = binary.LittleEndian.AppendUint16(h, typ)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(b)))
	return append(h, b...)
}

// TestPPTSlideList reads a stream laid out as PowerPoint writes it: the
// placeholders' text in the document's slide list, a free text box in the
// slide's own container found through the persist directory, and notes
// naming their slide by id. A master slide's text is never read.
func TestPPTSlideList(t *testing.T) {
	le := binary.LittleEndian
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	header := func(typ uint32) []byte { return pptRec(0, pptTextHeader, u32(typ)) }
	persist := append(append(u32(1), u32(0)...), append(u32(4), append(u32(256), u32(0)...)...)...) // persistIdRef 1, slideId 256
	doc := pptRec(0xF, pptDocument,
		pptRec(0xF, pptSlideList|0, // instance 0: slides
			pptRec(0, pptSlidePersist, persist),
			header(0), pptRec(0, pptTextChars, utf16le("Title one")),
			header(1), pptRec(0, pptTextBytes, []byte("Body text\rSecond \xfcber para"))))
	master := pptRec(0xF, pptMainMaster, pptRec(0xF, 0x040C, pptRec(0, pptTextChars, utf16le("Click to edit Master title style"))))
	slideOff := len(doc) + len(master)
	slide := pptRec(0xF, pptSlide, pptRec(0xF, 0x040C, pptRec(0xF, 0xF00D, header(4), pptRec(0, pptTextChars, utf16le("Box text")))))
	notes := pptRec(0xF, pptNotes, pptRec(0, pptNotesAtom, u32(256), u32(0)), pptRec(0xF, 0x040C, pptRec(0, pptTextChars, utf16le("Speaker note"))))
	dir := pptRec(0, pptPersistDir, u32(1|1<<20), u32(uint32(slideOff)))
	stream := append(append(append(append(doc, master...), slide...), notes...), dir...)

	got, err := New(Config{}).parsePPT(context.Background(), compound{data: map[string][]byte{"PowerPoint Document": stream}})
	if err != nil {
		t.Fatal(err)
	}
	want := "Title one\nBody text\nSecond über para\nBox text\nSpeaker note\n\n"
	if got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
	if l := located(t, got, "Title one"); l.Slide != 1 || l.Shape != "Title" {
		t.Errorf("title at %+v", l)
	}
	if l := located(t, got, "Speaker note"); l.Slide != 1 || l.Part != core.PartNotes {
		t.Errorf("notes at %+v", l)
	}
}

// TestDecompressRTF uses the example of MS-OXRTFCP 3.1.1.
func TestDecompressRTF(t *testing.T) {
	in := []byte{0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
		0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
		0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0}
	out, err := decompressRTF(in, 1<<20)
	if want := "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"; err != nil || string(out) != want {
		t.Errorf("decompressRTF = %q, %v; want %q", out, err, want)
	}
	// Truncated and unknown input never panics.
	for n := 0; n < len(in); n++ {
		decompressRTF(in[:n], 1<<20)
	}
	if _, err := decompressRTF(append(in[:8:8], 'X', 'X', 'X', 'X', 0, 0, 0, 0), 10); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("unknown compression: %v", err)
	}
}

func TestTextractMessageRTF(t *testing.T) {
	path := filepath.Join(testenv.Shared(t), "data", "office", "textract", "msg", "standardized_text.msg")
	m, err := ReadMessage(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(m.RTF, []byte(`{\rtf1`)) || !bytes.Contains(m.RTF, []byte("lazy dog")) {
		t.Errorf("RTF body %q…", m.RTF[:min(len(m.RTF), 60)])
	}
}

// FuzzLegacy feeds arbitrary bytes as the streams of a Word, PowerPoint and
// Excel 97-2003 file.
func FuzzLegacy(f *testing.F) {
	for _, name := range []string{"legacy.doc", "legacy.ppt", "legacy.xls"} {
		c, err := readCompound(legacyFixture(f, name), 1<<30)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range []string{"WordDocument", "1Table", "PowerPoint Document", "Workbook"} {
			if b := c.data[s]; len(b) > 0 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := New(Config{MaxTextBytes: 1 << 20})
		for _, c := range []compound{
			{data: map[string][]byte{"WordDocument": data, "0Table": data, "1Table": data}},
			{data: map[string][]byte{"PowerPoint Document": data}},
		} {
			var doc core.Document
			var err error
			if c.data["WordDocument"] != nil {
				doc, err = p.parseWord97(context.Background(), c)
			} else {
				doc, err = p.parsePPT(context.Background(), c)
			}
			if err == nil {
				if err := doc.Check(); err != nil {
					t.Fatalf("Check: %v", err)
				}
			}
		}
		summaryTitle(data)
		decompressRTF(data, 1<<20)
		if doc, err := sheet.ReadBIFF(context.Background(), data, sheet.Config{MaxCells: 10000}); err == nil {
			if err := doc.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
		}
	})
}
