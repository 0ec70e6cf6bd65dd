package office

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"folio/backend/core"
)

// entry is one file of a test ZIP, in order.
type entry struct{ name, data string }

// zipBytes builds a ZIP archive from entries.
func zipBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatalf("zip create %s: %v", e.name, err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatalf("zip write %s: %v", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

// writeFile writes data to a file called name in a temporary folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseEntries writes a ZIP of entries as name and parses it.
func parseEntries(t testing.TB, name string, entries []entry) (core.Document, error) {
	t.Helper()
	return New(Config{}).Parse(context.Background(), writeFile(t, name, zipBytes(t, entries)))
}

// mustParse parses and fails the test on an error or a broken Document.
func mustParse(t testing.TB, name string, entries []entry) core.Document {
	t.Helper()
	doc, err := parseEntries(t, name, entries)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := doc.Check(); err != nil {
		t.Fatalf("Check: %v\ntext: %q", err, doc.Text)
	}
	return doc
}

// mapContainer is an in-memory container for tests and fuzzing.
type mapContainer map[string][]byte

func (m mapContainer) Read(name string) ([]byte, error) {
	if b, ok := m[m.key(name)]; ok {
		return b, nil
	}
	return nil, os.ErrNotExist
}

func (m mapContainer) Has(name string) bool { _, ok := m[m.key(name)]; return ok }

func (m mapContainer) key(name string) string {
	name = strings.TrimPrefix(name, "/")
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

const (
	nsW   = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"`
	nsRel = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	relT  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	nsP   = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`
	nsO   = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"`
)

// rels builds a relationships part from id, type, target triples.
func rels(triples ...string) string {
	var sb strings.Builder
	sb.WriteString(`<Relationships ` + nsRel + `>`)
	for i := 0; i+2 < len(triples); i += 3 {
		typ := triples[i+1]
		if !strings.Contains(typ, "://") {
			typ = relT + typ
		}
		sb.WriteString(`<Relationship Id="` + triples[i] + `" Type="` + typ + `" Target="` + triples[i+2] + `"/>`)
	}
	sb.WriteString(`</Relationships>`)
	return sb.String()
}

// docxEntries returns a minimal .docx whose body is body, plus extra parts
// and extra relationships of the main document.
func docxEntries(body string, docRels string, extra ...entry) []entry {
	if docRels == "" {
		docRels = rels()
	}
	es := []entry{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", rels("rId1", "officeDocument", "word/document.xml")},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document ` + nsW + `><w:body>` + body + `</w:body></w:document>`},
		{"word/_rels/document.xml.rels", docRels},
	}
	return append(es, extra...)
}

// wp is a paragraph with one run of text.
func wp(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

// slideXML wraps shapes in a slide (root is "sld" or "notes").
func slideXML(root, shapes string) string {
	return `<p:` + root + ` ` + nsP + `><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>` +
		shapes + `</p:spTree></p:cSld></p:` + root + `>`
}

// psp is a PresentationML shape with one paragraph per text; ph is the
// placeholder type ("" for none).
func psp(name, ph string, paras ...string) string {
	nv := `<p:nvPr/>`
	if ph != "" {
		nv = `<p:nvPr><p:ph type="` + ph + `"/></p:nvPr>`
	}
	var body strings.Builder
	for _, t := range paras {
		body.WriteString(`<a:p><a:r><a:rPr lang="en-US"/><a:t>` + t + `</a:t></a:r></a:p>`)
	}
	return `<p:sp><p:nvSpPr><p:cNvPr id="2" name="` + name + `"/><p:cNvSpPr/>` + nv + `</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>` + body.String() + `</p:txBody></p:sp>`
}

// pptxEntries builds a presentation from slide XMLs (in order) with
// optional notes XML per slide ("" for none).
func pptxEntries(slides []string, notes []string, extra ...entry) []entry {
	es := []entry{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", rels("rId1", "officeDocument", "ppt/presentation.xml")},
	}
	var ids, presRels []string
	for i, s := range slides {
		n := strconv.Itoa(i + 1)
		ids = append(ids, `<p:sldId id="`+strconv.Itoa(256+i)+`" r:id="rIdS`+n+`"/>`)
		presRels = append(presRels, "rIdS"+n, "slide", "slides/slide"+n+".xml")
		es = append(es, entry{"ppt/slides/slide" + n + ".xml", s})
		if i < len(notes) && notes[i] != "" {
			es = append(es, entry{"ppt/slides/_rels/slide" + n + ".xml.rels", rels("rId1", "notesSlide", "../notesSlides/notesSlide"+n+".xml")})
			es = append(es, entry{"ppt/notesSlides/notesSlide" + n + ".xml", notes[i]})
		}
	}
	es = append(es,
		entry{"ppt/presentation.xml", `<p:presentation ` + nsP + `><p:sldIdLst>` + strings.Join(ids, "") + `</p:sldIdLst></p:presentation>`},
		entry{"ppt/_rels/presentation.xml.rels", rels(presRels...)})
	return append(es, extra...)
}

// odfEntries builds an OpenDocument package.
func odfEntries(mimetype, content string, extra ...entry) []entry {
	es := []entry{
		{"mimetype", mimetype},
		{"content.xml", `<office:document-content ` + nsO + `><office:body>` + content + `</office:body></office:document-content>`},
	}
	return append(es, extra...)
}

const (
	mimeODT = "application/vnd.oasis.opendocument.text"
	mimeODP = "application/vnd.oasis.opendocument.presentation"
)
