package web

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/parse/ziplimit"
)

func TestEPUBChapters(t *testing.T) {
	doc := mustParse(t, "book.epub", makeZip(t, sampleEPUB()))
	if doc.Format != "epub" {
		t.Errorf("format = %q, want epub", doc.Format)
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %q", doc.Warnings)
	}
	// Spine order (ch01 before ch 02), not manifest order; nothing from the
	// nav document, the CSS, the <title>s or the hidden aside.
	if i, j := strings.Index(doc.Text, "bright cold day"), strings.Index(doc.Text, "harbour was quiet"); i < 0 || j < 0 || i > j {
		t.Errorf("chapters out of spine order: %q", doc.Text)
	}
	for _, absent := range []string{"Wrong title", "margin", "The Sample Book", "Hidden note", "Contents"} {
		if strings.Contains(doc.Text, absent) {
			t.Errorf("text holds %q: %q", absent, doc.Text)
		}
	}
	const ch1, ch2 = "OEBPS/text/ch01.xhtml", "OEBPS/text/ch 02.xhtml"
	tests := []struct {
		text string
		want core.Location
	}{
		{"Chapter One", core.Location{Part: ch1, Path: []string{"Chapter One"}, Paragraph: 1}},
		{"The keeper’s log read: fog & rain.\nNothing else.", core.Location{Part: ch1, Path: []string{"Chapter One", "The Lighthouse"}, Paragraph: 4}},
		{"Ships", core.Location{Part: ch1, Path: []string{"Chapter One", "The Lighthouse"}, Table: 1, Row: 1, Col: 2}},
		// No h1 in chapter two: its TOC title is the root of the path, and
		// paragraphs are numbered from 1 again.
		{"The harbour was quiet.", core.Location{Part: ch2, Path: []string{"Chapter Two: Harbours"}, Paragraph: 1}},
		{"Nets", core.Location{Part: ch2, Path: []string{"Chapter Two: Harbours"}, Paragraph: 3}},
		{"  tide   06:10\n  tide   18:32", core.Location{Part: ch2, Path: []string{"Chapter Two: Harbours", "Evening"}, Paragraph: 5}},
	}
	for _, tt := range tests {
		got := locOf(t, doc, tt.text)
		if doc.Text[got.Start:got.End] != tt.text {
			t.Errorf("%q: location covers %q", tt.text, doc.Text[got.Start:got.End])
		}
		got.Start, got.End = 0, 0
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: location\n got %+v\nwant %+v", tt.text, got, tt.want)
		}
	}
}

func TestEPUB2NCXTitles(t *testing.T) {
	opf := `<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0">
  <manifest>
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="c1" href="c1.html" media-type="application/xhtml+xml"/>
    <item id="c2" href="c2.html" media-type="application/xhtml+xml"/>
  </manifest>
  <spine toc="ncx"><itemref idref="c1"/><itemref idref="c2" linear="no"/><itemref idref="missing"/></spine>
</package>`
	ncx := `<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
<navMap>
  <navPoint id="p1"><navLabel><text>Prologue</text></navLabel><content src="c1.html"/>
    <navPoint id="p1a"><navLabel><text>Inner</text></navLabel><content src="c1.html#inner"/></navPoint>
  </navPoint>
  <navPoint id="p2"><navLabel><text>  Appendix
     A </text></navLabel><content src="c2.html"/></navPoint>
</navMap></ncx>`
	entries := []zipEntry{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", strings.Replace(containerXML, "OEBPS/content.opf", "book.opf", 1)},
		{"book.opf", opf},
		{"toc.ncx", ncx},
		{"c1.html", "<html><body><p>First words.</p></body></html>"},
		{"c2.html", "<html><body><h3>Notes</h3><p>Last words.</p></body></html>"},
	}
	doc := mustParse(t, "old.epub", makeZip(t, entries))
	if want := "First words.\n\nNotes\n\nLast words."; doc.Text != want {
		t.Errorf("text\n got %q\nwant %q", doc.Text, want)
	}
	if got := locOf(t, doc, "First").Path; !reflect.DeepEqual(got, []string{"Prologue"}) {
		t.Errorf("chapter 1 path = %q, want [Prologue]", got)
	}
	if got := locOf(t, doc, "Last").Path; !reflect.DeepEqual(got, []string{"Appendix A", "Notes"}) {
		t.Errorf("chapter 2 path = %q, want [Appendix A Notes]", got)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], `"missing"`) {
		t.Errorf("warnings = %q, want one about the missing spine item", doc.Warnings)
	}
}

func TestEPUBMissingChapterIsAWarning(t *testing.T) {
	entries := withEntries(sampleEPUB(), zipEntry{Name: "OEBPS/text/ch01.xhtml"})
	doc := mustParse(t, "gap.epub", makeZip(t, entries))
	if !strings.Contains(doc.Text, "harbour was quiet") || strings.Contains(doc.Text, "bright cold") {
		t.Errorf("text = %q", doc.Text)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "OEBPS/text/ch01.xhtml") {
		t.Errorf("warnings = %q, want one naming the missing chapter", doc.Warnings)
	}
}

func TestEPUBDRM(t *testing.T) {
	encryption := func(algorithm, uri string) string {
		return `<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="` + algorithm + `"/>
    <enc:CipherData><enc:CipherReference URI="` + uri + `"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>`
	}
	tests := []struct {
		name    string
		extra   zipEntry
		wantErr bool
	}{
		{"AES-encrypted chapter", zipEntry{"META-INF/encryption.xml", encryption("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "OEBPS/text/ch01.xhtml")}, true},
		{"AES-encrypted font counts too", zipEntry{"META-INF/encryption.xml", encryption("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "OEBPS/fonts/a.otf")}, true},
		{"obfuscated chapter", zipEntry{"META-INF/encryption.xml", encryption("http://www.idpf.org/2008/embedding", "OEBPS/text/ch01.xhtml")}, true},
		{"unreadable encryption.xml", zipEntry{"META-INF/encryption.xml", "<encryption><CipherReference URI=\"x\"><<<"}, true},
		{"rights.xml", zipEntry{"META-INF/rights.xml", "<rights/>"}, true},
		{"IDPF font obfuscation is not DRM", zipEntry{"META-INF/encryption.xml", encryption("http://www.idpf.org/2008/embedding", "OEBPS/fonts/a.otf")}, false},
		{"Adobe font obfuscation is not DRM", zipEntry{"META-INF/encryption.xml", encryption("http://ns.adobe.com/pdf/enc#RC", "OEBPS/fonts/b.ttf")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseData(t, "drm.epub", makeZip(t, withEntries(sampleEPUB(), tt.extra)), Config{})
			if !tt.wantErr {
				if err != nil || !strings.Contains(doc.Text, "bright cold day") {
					t.Fatalf("err = %v, text %.60q; want the book's text", err, doc.Text)
				}
				return
			}
			if !errors.Is(err, core.ErrEncrypted) {
				t.Fatalf("err = %v, want core.ErrEncrypted", err)
			}
			if !strings.Contains(err.Error(), "encrypted (DRM-protected) EPUB") || !strings.Contains(err.Error(), "drm.epub") {
				t.Errorf("error %q should name the file and say it is DRM-protected", err)
			}
		})
	}
}

func TestEPUBCorrupt(t *testing.T) {
	good := makeZip(t, sampleEPUB())
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"not a ZIP", []byte("this is not an epub at all"), core.ErrCorrupt, "not a readable ZIP"},
		{"truncated", good[:len(good)/2], core.ErrCorrupt, "not a readable ZIP"},
		{"no container.xml", makeZip(t, withEntries(sampleEPUB(), zipEntry{Name: "META-INF/container.xml"})), core.ErrCorrupt, "META-INF/container.xml is missing"},
		{"container names no OPF", makeZip(t, withEntries(sampleEPUB(), zipEntry{"META-INF/container.xml", "<container><rootfiles/></container>"})), core.ErrCorrupt, "names no package (OPF) file"},
		{"OPF missing", makeZip(t, withEntries(sampleEPUB(), zipEntry{Name: "OEBPS/content.opf"})), core.ErrCorrupt, "package file OEBPS/content.opf"},
		{"OPF not XML", makeZip(t, withEntries(sampleEPUB(), zipEntry{"OEBPS/content.opf", "\x00\x01 garbage"})), core.ErrCorrupt, "OEBPS/content.opf"},
		{"chapters without text", makeZip(t, withEntries(sampleEPUB(),
			zipEntry{"OEBPS/text/ch01.xhtml", xhtmlChapter("t", "<img src='a.png'/>")},
			zipEntry{"OEBPS/text/ch 02.xhtml", xhtmlChapter("t", "<p> </p>")})), core.ErrEmpty, "no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseData(t, "bad.epub", tt.data, Config{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "bad.epub") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q should name the file and say %q", err, tt.msg)
			}
		})
	}
}

func TestEPUBBehindAnotherExtension(t *testing.T) {
	// The registry sends files whose content sniffs as EPUB here whatever
	// their name.
	doc := mustParse(t, "book.htm", makeZip(t, sampleEPUB()))
	if doc.Format != "epub" || !strings.Contains(doc.Text, "bright cold day") {
		t.Errorf("format %q, text %.60q; want the EPUB read as one", doc.Format, doc.Text)
	}
}

func TestEPUBZipLimits(t *testing.T) {
	_, err := parseData(t, "big.epub", makeZip(t, sampleEPUB()), Config{Zip: ziplimit.Limits{MaxEntryBytes: 300}})
	if !errors.Is(err, core.ErrTooLarge) {
		t.Fatalf("err = %v, want core.ErrTooLarge", err)
	}
}

func TestResolveHref(t *testing.T) {
	tests := []struct{ dir, href, want string }{
		{"OEBPS", "text/ch1.xhtml", "OEBPS/text/ch1.xhtml"},
		{".", "ch1.xhtml#sec", "ch1.xhtml"},
		{"OEBPS/text", "../ch%201.xhtml", "OEBPS/ch 1.xhtml"},
		{"OEBPS", "/abs.xhtml", "abs.xhtml"},
		{"OEBPS", "#frag", ""},
		{"OEBPS", "http://example.com/x.html", ""},
	}
	for _, tt := range tests {
		if got := resolveHref(tt.dir, tt.href); got != tt.want {
			t.Errorf("resolveHref(%q, %q) = %q, want %q", tt.dir, tt.href, got, tt.want)
		}
	}
}
