package office

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"folio/backend/core"
	"folio/backend/parse/ziplimit"
)

// cfbFile builds a minimal OLE2 compound file (version 3, 512-byte
// sectors) holding the given root-level streams. Every stream is padded to
// 4096 bytes so none lives in the mini stream.
func cfbFile(t testing.TB, streams map[string][]byte, order []string) []byte {
	t.Helper()
	if len(order) > 3 {
		t.Fatal("cfbFile: at most 3 streams")
	}
	const (
		sec        = 512
		endChain   = 0xFFFFFFFE
		fatSect    = 0xFFFFFFFD
		free       = 0xFFFFFFFF
		streamSize = 4096
	)
	le := binary.LittleEndian
	hdr := make([]byte, sec)
	copy(hdr, oleMagic)
	le.PutUint16(hdr[0x18:], 0x3E)
	le.PutUint16(hdr[0x1A:], 3)
	le.PutUint16(hdr[0x1C:], 0xFFFE)
	le.PutUint16(hdr[0x1E:], 9)
	le.PutUint16(hdr[0x20:], 6)
	le.PutUint32(hdr[0x2C:], 1) // FAT sectors
	le.PutUint32(hdr[0x30:], 1) // first directory sector
	le.PutUint32(hdr[0x38:], streamSize)
	le.PutUint32(hdr[0x3C:], endChain) // mini FAT
	le.PutUint32(hdr[0x44:], endChain) // DIFAT
	for i := 0x4C; i < sec; i += 4 {
		le.PutUint32(hdr[i:], free)
	}
	le.PutUint32(hdr[0x4C:], 0) // the FAT is sector 0

	fat := make([]byte, sec)
	for i := 0; i < sec; i += 4 {
		le.PutUint32(fat[i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endChain)
	dir := make([]byte, sec)
	entry := func(i int, name string, typ byte, child, right uint32, start uint32, size uint64) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], free)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	rootChild := uint32(free)
	if len(order) > 0 {
		rootChild = 1
	}
	entry(0, "Root Entry", 5, rootChild, free, endChain, 0)
	var data []byte
	next := uint32(2)
	for i, name := range order {
		right := uint32(free)
		if i+1 < len(order) {
			right = uint32(i + 2)
		}
		entry(i+1, name, 2, free, right, next, streamSize)
		for s := range streamSize / sec {
			link := next + uint32(s) + 1
			if s == streamSize/sec-1 {
				link = endChain
			}
			le.PutUint32(fat[4*(next+uint32(s)):], link)
		}
		next += streamSize / sec
		buf := make([]byte, streamSize)
		copy(buf, streams[name])
		data = append(data, buf...)
	}
	for i := len(order) + 1; i < 4; i++ {
		e := dir[i*128 : (i+1)*128]
		le.PutUint32(e[68:], free)
		le.PutUint32(e[72:], free)
		le.PutUint32(e[76:], free)
	}
	out := append(append(append(hdr, fat...), dir...), data...)
	return out
}

func TestCFB(t *testing.T) {
	fib := func(flags uint16) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint16(b, 0xA5EC)
		binary.LittleEndian.PutUint16(b[0x0A:], flags)
		return b
	}
	currentUser := func(token uint32) []byte {
		b := make([]byte, 20)
		binary.LittleEndian.PutUint16(b[2:], 0x0FF6)
		binary.LittleEndian.PutUint32(b[4:], 12)
		binary.LittleEndian.PutUint32(b[8:], 0x14)
		binary.LittleEndian.PutUint32(b[12:], token)
		return b
	}
	biff := func(recs ...uint16) []byte {
		var b []byte
		for _, r := range recs {
			b = binary.LittleEndian.AppendUint16(b, r)
			b = binary.LittleEndian.AppendUint16(b, 4)
			b = append(b, 0, 0, 0, 0)
		}
		return b
	}
	tests := []struct {
		name    string
		file    string
		streams map[string][]byte
		order   []string
		want    error
		msg     string
	}{
		{"encrypted docx", "a.docx", map[string][]byte{"EncryptionInfo": {4, 0, 4, 0}, "EncryptedPackage": {1}}, []string{"EncryptionInfo", "EncryptedPackage"}, core.ErrEncrypted, "encrypted"},
		{"doc without its table stream", "a.doc", map[string][]byte{"WordDocument": fib(0)}, []string{"WordDocument"}, core.ErrCorrupt, "the 0Table stream the document names is missing"},
		{"encrypted doc", "a.doc", map[string][]byte{"WordDocument": fib(0x0100 | 0x0004)}, []string{"WordDocument"}, core.ErrEncrypted, "password-protected"},
		{"ppt without slides", "a.ppt", map[string][]byte{"PowerPoint Document": {0}, "Current User": currentUser(0xE391C05F)}, []string{"Current User", "PowerPoint Document"}, core.ErrEmpty, "no text"},
		{"ppt with EncryptedSummary", "a.ppt", map[string][]byte{"PowerPoint Document": {0}, "EncryptedSummary": {0}}, []string{"PowerPoint Document", "EncryptedSummary"}, core.ErrEncrypted, "password-protected"},
		{"ppt encrypted current user", "a.ppt", map[string][]byte{"PowerPoint Document": {0}, "Current User": currentUser(0xF3D1C4DF)}, []string{"Current User", "PowerPoint Document"}, core.ErrEncrypted, "password-protected"},
		{"Excel 5 xls", "a.xls", map[string][]byte{"Workbook": biff(0x0809, 0x00E1, 0x0085)}, []string{"Workbook"}, core.ErrUnsupported, "Excel 5/95 workbooks"},
		{"encrypted xls", "a.xls", map[string][]byte{"Workbook": biff(0x0809, 0x002F, 0x00E1)}, []string{"Workbook"}, core.ErrEncrypted, "password-protected"},
		{"message under an Office name", "a.doc", map[string][]byte{"__substg1.0_0037001F": {1}}, []string{"__substg1.0_0037001F"}, core.ErrUnsupported, "Outlook message"},
		{"other compound file", "a.doc", map[string][]byte{"Contents": {1}}, []string{"Contents"}, core.ErrUnsupported, "no Office document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, cfbFile(t, tt.streams, tt.order))
			_, err := New(Config{}).Parse(context.Background(), path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %q, want it to name the file and say %q", err, tt.msg)
			}
		})
	}
}

// billionLaughs is a document part whose one &lol9; would expand to 10^9
// "lol"s were its entities expanded.
var billionLaughs = func() string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n")
	prev := "lol"
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "<!ENTITY lol%d \"%s\">\n", i, strings.Repeat("&"+prev+";", 10))
		prev = fmt.Sprintf("lol%d", i)
	}
	b.WriteString("]>\n<w:document " + nsW + "><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
	return b.String()
}()

func TestBadInput(t *testing.T) {
	valid := zipBytes(t, docxEntries(wp("Some text that makes the archive a little longer than tiny."), ""))
	odfEncrypted := odfEntries(mimeODT, `<office:text><text:p>x</text:p></office:text>`, entry{"META-INF/manifest.xml",
		`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry></manifest:manifest>`})
	xlsx := []entry{{"_rels/.rels", rels("rId1", "officeDocument", "xl/workbook.xml")}, {"xl/workbook.xml", "<workbook/>"}}
	tests := []struct {
		name string
		file string
		data []byte
		want error
		msg  string
	}{
		{"empty file", "e.docx", nil, core.ErrEmpty, "empty"},
		{"not a zip", "n.docx", []byte("hello, this is plain text"), core.ErrCorrupt, "no ZIP or OLE2 signature"},
		{"truncated zip", "t.docx", valid[:len(valid)/2], core.ErrCorrupt, "ZIP"},
		{"empty zip", "z.docx", zipBytes(t, nil), core.ErrCorrupt, "no main document part (word/document.xml); not a valid .docx"},
		{"zip of something else", "o.docx", zipBytes(t, []entry{{"readme.txt", "hi"}}), core.ErrCorrupt, "not a valid .docx"},
		{"zip named pptx", "o.pptx", zipBytes(t, []entry{{"readme.txt", "hi"}}), core.ErrCorrupt, "ppt/presentation.xml"},
		{"spreadsheet named docx", "s.docx", zipBytes(t, xlsx), core.ErrUnsupported, "xlsx"},
		{"encrypted odt", "e.odt", zipBytes(t, odfEncrypted), core.ErrEncrypted, "encrypted"},
		{"no text", "n.docx", zipBytes(t, docxEntries(wp("")+wp("  "), "")), core.ErrEmpty, "no text"},
		{"no document element", "b.docx", zipBytes(t, []entry{{"word/document.xml", "   "}}), core.ErrCorrupt, "word/document.xml"},
		{"zip bomb", "b.docx", zipBytes(t, docxEntries(wp("x")+strings.Repeat(" ", 4<<20), "")), core.ErrTooLarge, "zip bomb"},
		{"billion laughs", "l.docx", zipBytes(t, []entry{{"_rels/.rels", rels("rId1", "officeDocument", "word/document.xml")}, {"word/document.xml", billionLaughs}}), core.ErrCorrupt, "word/document.xml: it declares XML entities (<!ENTITY> in its DOCTYPE): entity expansion refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.data)
			_, err := New(Config{}).Parse(context.Background(), path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %q, want it to name the file and say %q", err, tt.msg)
			}
		})
	}
}

func TestTruncatedXMLKeepsText(t *testing.T) {
	doc, err := parseEntries(t, "b.docx", []entry{{"word/document.xml", `<w:document ` + nsW + `><w:body>` + wp("complete") + `<w:p><w:r><w:t>cut off`}})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	if want := "complete\ncut off\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "word/document.xml") {
		t.Errorf("warnings = %q, want one about word/document.xml", doc.Warnings)
	}
}

func TestLimits(t *testing.T) {
	many := docxEntries(wp("x"), "")
	for i := range 10 {
		many = append(many, entry{"extra/" + string(rune('a'+i)), "x"})
	}
	tests := []struct {
		name    string
		cfg     Config
		entries []entry
	}{
		{"too many entries", Config{Zip: ziplimit.Limits{MaxEntries: 5}}, many},
		{"entry too big", Config{Zip: ziplimit.Limits{MaxEntryBytes: 100}}, docxEntries(wp(strings.Repeat("y", 200)), "")},
		{"text too long", Config{MaxTextBytes: 50}, docxEntries(strings.Repeat(wp("twenty bytes of text"), 5), "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg).Parse(context.Background(), writeFile(t, "l.docx", zipBytes(t, tt.entries)))
			if !errors.Is(err, core.ErrTooLarge) {
				t.Errorf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Config{}).Parse(ctx, writeFile(t, "c.docx", zipBytes(t, docxEntries(wp("x"), ""))))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDeepNesting(t *testing.T) {
	const depth = 200000
	body := strings.Repeat("<w:sdt><w:sdtContent>", depth) + wp("deep") + strings.Repeat("</w:sdtContent></w:sdt>", depth) + wp("shallow")
	start := time.Now()
	p := New(Config{Zip: ziplimit.Limits{MaxRatio: 1e6}})
	doc, err := p.Parse(context.Background(), writeFile(t, "d.docx", zipBytes(t, docxEntries(body, ""))))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !strings.Contains(doc.Text, "shallow") || strings.Contains(doc.Text, "deep") {
		t.Errorf("text = %q, want the shallow paragraph only (nesting past MaxDepth is skipped)", doc.Text)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestContentDecidesFormat(t *testing.T) {
	// A presentation named .docx is read as a presentation, and a document
	// named .pptx as a document.
	pres := zipBytes(t, pptxEntries([]string{slideXML("sld", psp("T", "title", "A slide"))}, nil))
	doc, err := New(Config{}).Parse(context.Background(), writeFile(t, "really-a.docx", pres))
	if err != nil || doc.Format != "pptx" || doc.Text != "A slide\n\n" {
		t.Errorf("pptx named .docx: format %q text %q err %v", doc.Format, doc.Text, err)
	}
	word := zipBytes(t, docxEntries(wp("A paragraph"), ""))
	doc, err = New(Config{}).Parse(context.Background(), writeFile(t, "really-a.pptx", word))
	if err != nil || doc.Format != "docx" || doc.Text != "A paragraph\n" {
		t.Errorf("docx named .pptx: format %q text %q err %v", doc.Format, doc.Text, err)
	}
}

func TestExtensions(t *testing.T) {
	want := []string{".docx", ".docm", ".pptx", ".pptm", ".odt", ".odp", ".doc", ".dot", ".xls", ".xlt", ".ppt", ".pot", ".pps", ".cfb"}
	if strings.Join(Extensions, " ") != strings.Join(want, " ") {
		t.Errorf("Extensions = %q, want %q", Extensions, want)
	}
}

func TestXLSFilePass(t *testing.T) {
	rec := func(typ uint16, size int) []byte {
		b := binary.LittleEndian.AppendUint16(nil, typ)
		b = binary.LittleEndian.AppendUint16(b, uint16(size))
		return append(b, make([]byte, size)...)
	}
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"filepass after bof", bytes.Join([][]byte{rec(0x0809, 16), rec(0x002F, 54)}, nil), true},
		{"no filepass", bytes.Join([][]byte{rec(0x0809, 16), rec(0x00E1, 2), rec(0x0085, 10), rec(0x002F, 4)}, nil), false},
		{"truncated", []byte{0x09, 0x08, 0xFF}, false},
	}
	for _, tt := range tests {
		if got := xlsFilePass(tt.data); got != tt.want {
			t.Errorf("%s: xlsFilePass = %v, want %v", tt.name, got, tt.want)
		}
	}
}
