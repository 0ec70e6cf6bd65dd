package parse

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"folio/backend/core"
)

func zipWith(t *testing.T, path string, entries map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range entries {
		w, _ := zw.Create(name)
		w.Write([]byte(data))
	}
	zw.Close()
	f.Close()
}

func TestSniff(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	zipped := func(name string, entries map[string]string) string {
		p := filepath.Join(dir, name)
		zipWith(t, p, entries)
		return p
	}
	tests := []struct {
		path string
		want string
	}{
		{file("a.doc", "%PDF-1.7\n..."), ".pdf"},
		{file("junk-before.pdf", "\x00\x00junk%PDF-1.4"), ".pdf"},
		{file("enc.docx", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), ".cfb"},
		{file("page.txt", "\xEF\xBB\xBF  <!DOCTYPE html><html>"), ".html"},
		{file("notes.txt", "just text"), ""},
		{file("letter.doc", "{\\rtf1\\ansi Dear reader}"), ".rtf"},
		{zipped("w.zip", map[string]string{"[Content_Types].xml": "", "word/document.xml": ""}), ".docx"},
		{zipped("x.bin", map[string]string{"xl/workbook.xml": ""}), ".xlsx"},
		{zipped("p", map[string]string{"ppt/presentation.xml": ""}), ".pptx"},
		{zipped("o.zip", map[string]string{"mimetype": "application/vnd.oasis.opendocument.text"}), ".odt"},
		{zipped("s.zip", map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), ".ods"},
		{zipped("b.zip", map[string]string{"mimetype": "application/epub+zip"}), ".epub"},
		{zipped("plain.zip", map[string]string{"a.txt": "x"}), ""},
		{filepath.Join(dir, "missing.pdf"), ""},
	}
	for _, tt := range tests {
		if got := Sniff(tt.path); got != tt.want {
			t.Errorf("Sniff(%s) = %q, want %q", filepath.Base(tt.path), got, tt.want)
		}
	}
}

type named string

func (n named) Parse(_ context.Context, path string) (core.Document, error) {
	return core.Document{Path: path, Format: string(n)}, nil
}

func TestRegistryPrefersContentOverExtension(t *testing.T) {
	dir := t.TempDir()
	r := NewRegistry()
	r.Register(named("pdf"), ".pdf")
	r.Register(named("txt"), ".txt")
	pdfAsTxt := filepath.Join(dir, "report.txt")
	os.WriteFile(pdfAsTxt, []byte("%PDF-1.5 ..."), 0o644)
	plain := filepath.Join(dir, "plain.txt")
	os.WriteFile(plain, []byte("hello"), 0o644)
	for path, want := range map[string]string{pdfAsTxt: "pdf", plain: "txt"} {
		doc, err := r.Parse(context.Background(), path)
		if err != nil || doc.Format != want {
			t.Errorf("Parse(%s) = %q, %v; want the %s parser", filepath.Base(path), doc.Format, err, want)
		}
	}
	if _, err := r.Parse(context.Background(), filepath.Join(dir, "x.odd")); err == nil {
		t.Error("Parse(.odd) succeeded; want ErrUnsupported")
	}
}

// An Outlook message is an OLE2 file like a legacy Office document: its
// extension picks the message parser; any other name gets the OLE2 one.
func TestRegistryReadsOLE2MessagesByExtension(t *testing.T) {
	dir := t.TempDir()
	r := NewRegistry()
	r.Register(named("office"), ".doc", ".cfb")
	r.Register(named("mail"), ".msg")
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}
	for name, want := range map[string]string{"a.msg": "mail", "a.MSG": "mail", "a.doc": "office", "a.bin": "office"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, ole, 0o644)
		if doc, err := r.Parse(context.Background(), path); err != nil || doc.Format != want {
			t.Errorf("Parse(%s) = %q, %v; want the %s parser", name, doc.Format, err, want)
		}
	}
}
