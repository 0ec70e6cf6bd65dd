package office

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// zipPart returns one entry of a testdata archive, for fuzz seeds.
func zipPart(t testing.TB, file, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s has no %s", file, name)
	return nil
}

// checkFuzz parses c and fails on a result that breaks the Document
// contract. Panics are not recovered here, so the fuzzer sees them.
func checkFuzz(t *testing.T, c container, ext string) {
	doc, err := New(Config{MaxTextBytes: 1 << 20}).parseContainer(context.Background(), c, ext)
	if err != nil {
		return
	}
	if err := doc.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// FuzzDOCX feeds arbitrary bytes as the main document part, and also as a
// header, footnotes and styles part, of a .docx.
func FuzzDOCX(f *testing.F) {
	f.Add(zipPart(f, "sample.docx", "word/document.xml"))
	f.Add(zipPart(f, "sample.docx", "word/footnotes.xml"))
	f.Add([]byte(`<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`))
	f.Add([]byte(`<a><b><c>`))
	f.Add([]byte(billionLaughs))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := mapContainer{
			"_rels/.rels": []byte(rels("rId1", "officeDocument", "word/document.xml")),
			"word/_rels/document.xml.rels": []byte(rels("rS", "styles", "styles.xml", "rH", "header", "header1.xml",
				"rF", "footnotes", "footnotes.xml")),
			// A copy: the fuzz input must not be modified.
			"word/document.xml":  append(append([]byte(nil), data...), `<w:sectPr xmlns:w="w" xmlns:r="r"><w:headerReference r:id="rH"/></w:sectPr>`...),
			"word/header1.xml":   data,
			"word/footnotes.xml": data,
			"word/styles.xml":    data,
		}
		checkFuzz(t, c, ".docx")
		checkFuzz(t, mapContainer{"word/document.xml": data}, ".docx")
	})
}

// FuzzPPTX feeds arbitrary bytes as a slide, its notes and the
// presentation part of a .pptx.
func FuzzPPTX(f *testing.F) {
	f.Add(zipPart(f, "sample.pptx", "ppt/slides/slide1.xml"))
	f.Add(zipPart(f, "sample.pptx", "ppt/notesSlides/notesSlide1.xml"))
	f.Add(zipPart(f, "sample.pptx", "ppt/presentation.xml"))
	f.Add([]byte(`<p:sld xmlns:p="p"><p:sp><p:txBody><a:p xmlns:a="a"><a:r><a:t>x</a:t></a:r></a:p></p:txBody></p:sp></p:sld>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := mapContainer{
			"ppt/presentation.xml":             []byte(`<p:presentation xmlns:p="p" xmlns:r="r"><p:sldIdLst><p:sldId id="1" r:id="rId1"/></p:sldIdLst></p:presentation>`),
			"ppt/_rels/presentation.xml.rels":  []byte(rels("rId1", "slide", "slides/slide1.xml")),
			"ppt/slides/slide1.xml":            data,
			"ppt/slides/_rels/slide1.xml.rels": []byte(rels("rId1", "notesSlide", "../notesSlides/notesSlide1.xml")),
			"ppt/notesSlides/notesSlide1.xml":  data,
		}
		checkFuzz(t, c, ".pptx")
		checkFuzz(t, mapContainer{"ppt/presentation.xml": data, "ppt/_rels/presentation.xml.rels": data}, ".pptx")
	})
}

// FuzzODF feeds arbitrary bytes as content.xml of an .odt and an .odp.
func FuzzODF(f *testing.F) {
	f.Add(zipPart(f, "sample.odt", "content.xml"))
	f.Add(zipPart(f, "sample.odp", "content.xml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzz(t, mapContainer{"mimetype": []byte(mimeODT), "content.xml": data, "styles.xml": data}, ".odt")
		checkFuzz(t, mapContainer{"mimetype": []byte(mimeODP), "content.xml": data}, ".odp")
	})
}

// FuzzFile feeds arbitrary bytes as a whole file through Parse (ZIP and
// OLE2 detection included).
func FuzzFile(f *testing.F) {
	for _, name := range []string{"sample.docx", "sample.pptx", "sample.odt", "sample.odp"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(cfbFile(f, map[string][]byte{"WordDocument": {0xEC, 0xA5}}, []string{"WordDocument"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.docx")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		doc, err := New(Config{MaxTextBytes: 1 << 20}).Parse(context.Background(), path)
		if err != nil {
			return
		}
		if err := doc.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}
