package web

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
)

// parseData writes data to a file called name in a temporary folder and
// parses it. Every document returned without error must pass Check.
func parseData(t *testing.T, name string, data []byte, cfg Config) (core.Document, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := New(cfg).Parse(context.Background(), path)
	if err == nil {
		if cerr := doc.Check(); cerr != nil {
			t.Errorf("%s: Document.Check: %v", name, cerr)
		}
	}
	return doc, err
}

// mustParse is parseData that fails the test on an error.
func mustParse(t *testing.T, name string, data []byte) core.Document {
	t.Helper()
	doc, err := parseData(t, name, data, Config{})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return doc
}

// locOf returns the location holding the first occurrence of s.
func locOf(t *testing.T, doc core.Document, s string) core.Location {
	t.Helper()
	i := strings.Index(doc.Text, s)
	if i < 0 {
		t.Fatalf("%q not in text %q", s, doc.Text)
	}
	l, ok := doc.LocationAt(i)
	if !ok {
		t.Fatalf("%q at %d has no location", s, i)
	}
	return l
}

// zipEntry is one file of a test archive.
type zipEntry struct {
	Name, Body string
}

// makeZip builds a ZIP archive with entries in order, stored (not
// compressed) and with a fixed time, so the bytes are reproducible.
func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Store, Modified: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.Body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const containerXML = `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>`

// xhtmlChapter wraps body in an XHTML chapter document.
func xhtmlChapter(title, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>` + title + `</title><link rel="stylesheet" href="style.css"/></head>
<body>
` + body + `
</body>
</html>`
}

// sampleEPUB returns the entries of a small EPUB 3 book: a navigation
// document, a styled first chapter with an h1, a second chapter without
// one (its path starts with its TOC title), a CSS file, and a spine that
// lists the chapters in an order different from the manifest.
func sampleEPUB() []zipEntry {
	opf := `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:12345678-1234-1234-1234-123456789abc</dc:identifier>
    <dc:title>The Sample Book</dc:title>
    <dc:language>en</dc:language>
  </metadata>
  <manifest>
    <item id="ch2" href="text/ch%2002.xhtml" media-type="application/xhtml+xml"/>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="ch1" href="text/ch01.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine>
    <itemref idref="ch1"/>
    <itemref idref="ch2"/>
  </spine>
</package>`
	nav := `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>Contents</title></head>
<body>
<nav epub:type="landmarks"><ol><li><a href="text/ch01.xhtml">Wrong title</a></li></ol></nav>
<nav epub:type="toc"><ol>
  <li><a href="text/ch01.xhtml">Chapter One</a></li>
  <li><a href="text/ch%2002.xhtml#start">Chapter Two: <em>Harbours</em></a></li>
</ol></nav>
</body></html>`
	ch1 := xhtmlChapter("The Sample Book", `<section epub:type="chapter">
<h1>Chapter One</h1>
<p>It was a bright cold day in April, and the clocks were striking thirteen.</p>
<h2>The Lighthouse</h2>
<p>The keeper&#8217;s log read: <em>fog</em> &amp; rain.<br/>Nothing else.</p>
<div/>
<table>
<tr><th>Day</th><th>Ships</th></tr>
<tr><td>Monday</td><td>4</td></tr>
</table>
<aside epub:type="footnote" hidden="hidden"><p>Hidden note.</p></aside>
</section>`)
	ch2 := xhtmlChapter("The Sample Book", `<p class="first">The harbour was quiet.</p>
<ul><li>Boats</li><li>Nets</li></ul>
<h2>Evening</h2>
<pre>  tide   06:10
  tide   18:32</pre>`)
	return []zipEntry{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", containerXML},
		{"OEBPS/content.opf", opf},
		{"OEBPS/nav.xhtml", nav},
		{"OEBPS/style.css", "p { margin: 0 }"},
		{"OEBPS/text/ch01.xhtml", ch1},
		{"OEBPS/text/ch 02.xhtml", ch2},
	}
}

// withEntries returns entries with the named ones replaced or, when body
// is "", removed; new names are appended.
func withEntries(entries []zipEntry, changes ...zipEntry) []zipEntry {
	out := append([]zipEntry(nil), entries...)
	for _, c := range changes {
		found := false
		for i := range out {
			if out[i].Name == c.Name {
				out[i].Body, found = c.Body, true
			}
		}
		if !found && c.Body != "" {
			out = append(out, c)
		}
	}
	kept := out[:0]
	for _, e := range out {
		if e.Body != "" {
			kept = append(kept, e)
		}
	}
	return kept
}
