package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

// TestSharedMarkdown parses the Markdown files of the shared data folder.
func TestSharedMarkdown(t *testing.T) {
	readme := testenv.SharedFile(t, "data/README.md")
	doc, err := New(Config{}).Parse(context.Background(), readme)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	first := locOf(t, doc, "Real material that nobody")
	if !reflect.DeepEqual(first.Path, []string{"Evaluation data for Folio"}) || first.Paragraph != 2 {
		t.Errorf("first paragraph location = %+v, want path [Evaluation data for Folio], paragraph 2", first)
	}
	cell := locOf(t, doc, "retrieval/scifact/")
	if cell.Table != 1 || cell.Row != 2 || cell.Col != 1 {
		t.Errorf("cell location = %+v, want table 1, row 2, col 1", cell)
	}
	if strings.ContainsAny(doc.Text, "|`") {
		t.Errorf("Markdown syntax left in the text: %q", doc.Text)
	}
}

type xquadArticle struct {
	Title      string
	Paragraphs []string
}

func loadXQuAD(t testing.TB) []xquadArticle {
	path := testenv.SharedFile(t, "data/qa/xquad.en.dev.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var squad struct {
		Data []struct {
			Title      string `json:"title"`
			Paragraphs []struct {
				Context string `json:"context"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &squad); err != nil {
		t.Fatal(err)
	}
	var out []xquadArticle
	for _, d := range squad.Data {
		a := xquadArticle{Title: strings.ReplaceAll(d.Title, "_", " ")}
		for _, p := range d.Paragraphs {
			a.Paragraphs = append(a.Paragraphs, strings.Join(strings.Fields(p.Context), " "))
		}
		out = append(out, a)
	}
	return out
}

// mdEscape backslash-escapes every ASCII punctuation character, which
// CommonMark turns back into the character itself.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// xquadFiles renders the XQuAD articles as an HTML page, a Markdown file
// and an EPUB with one chapter per article.
func xquadFiles(t testing.TB, articles []xquadArticle) map[string][]byte {
	var h, md strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta charset=utf-8><title>XQuAD</title></head><body>\n")
	entries := []zipEntry{{"mimetype", "application/epub+zip"}, {"META-INF/container.xml", containerXML}}
	var manifest, spine strings.Builder
	for i, a := range articles {
		var ch strings.Builder
		fmt.Fprintf(&h, "<h1>%s</h1>\n", html.EscapeString(a.Title))
		fmt.Fprintf(&md, "# %s\n\n", mdEscape(a.Title))
		fmt.Fprintf(&ch, "<h1>%s</h1>\n", html.EscapeString(a.Title))
		for _, p := range a.Paragraphs {
			fmt.Fprintf(&h, "<p>%s</p>\n", html.EscapeString(p))
			fmt.Fprintf(&md, "%s\n\n", mdEscape(p))
			fmt.Fprintf(&ch, "<p>%s</p>\n", html.EscapeString(p))
		}
		name := fmt.Sprintf("a%02d.xhtml", i)
		fmt.Fprintf(&manifest, `<item id="a%d" href="%s" media-type="application/xhtml+xml"/>`, i, name)
		fmt.Fprintf(&spine, `<itemref idref="a%d"/>`, i)
		entries = append(entries, zipEntry{"OEBPS/" + name, xhtmlChapter(a.Title, ch.String())})
	}
	h.WriteString("</body></html>\n")
	entries = append(entries, zipEntry{"OEBPS/content.opf", `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>` +
		manifest.String() + `</manifest><spine>` + spine.String() + `</spine></package>`})
	return map[string][]byte{"xquad.html": []byte(h.String()), "xquad.md": []byte(md.String()), "xquad.epub": makeZip(t, entries)}
}

// TestSharedXQuADRoundTrip renders real text (the XQuAD articles) as HTML,
// Markdown and EPUB and checks that every paragraph comes back verbatim as
// one location under its article's heading.
func TestSharedXQuADRoundTrip(t *testing.T) {
	articles := loadXQuAD(t)
	for name, data := range xquadFiles(t, articles) {
		t.Run(name, func(t *testing.T) {
			doc := mustParse(t, name, data)
			n := 0
			for ai, a := range articles {
				for _, p := range a.Paragraphs {
					l := locOf(t, doc, p)
					if doc.Text[l.Start:l.End] != p {
						t.Fatalf("%s: paragraph %.60q comes back as %.60q", a.Title, p, doc.Text[l.Start:l.End])
					}
					if !reflect.DeepEqual(l.Path, []string{a.Title}) {
						t.Fatalf("%s: path %q", a.Title, l.Path)
					}
					if name == "xquad.epub" && l.Part != fmt.Sprintf("OEBPS/a%02d.xhtml", ai) {
						t.Fatalf("%s: part %q", a.Title, l.Part)
					}
					n++
				}
			}
			if want := n + len(articles); len(doc.Locations) != want {
				t.Errorf("%d locations, want %d (%d paragraphs and %d headings)", len(doc.Locations), want, n, len(articles))
			}
		})
	}
}

// scifactHTML renders the SciFact corpus (5,183 abstracts, about 7 MB of
// text) as one HTML page and one Markdown file, for throughput.
func scifactFiles(b testing.TB) (htmlPage, md []byte) {
	f, err := os.Open(testenv.SharedFile(b, "data/retrieval/scifact/corpus.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var h, m strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta charset=utf-8><title>SciFact</title></head><body>\n")
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var doc struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&h, "<h2>%s</h2>\n<p>%s</p>\n", html.EscapeString(doc.Title), html.EscapeString(doc.Text))
		fmt.Fprintf(&m, "## %s\n\n%s\n\n", mdEscape(doc.Title), mdEscape(doc.Text))
	}
	h.WriteString("</body></html>\n")
	return []byte(h.String()), []byte(m.String())
}

func BenchmarkSciFactHTML(b *testing.B) {
	page, _ := scifactFiles(b)
	path := filepath.Join(b.TempDir(), "scifact.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		b.Fatal(err)
	}
	benchParse(b, path, int64(len(page)))
}

func BenchmarkSciFactMarkdown(b *testing.B) {
	_, md := scifactFiles(b)
	path := filepath.Join(b.TempDir(), "scifact.md")
	if err := os.WriteFile(path, md, 0o644); err != nil {
		b.Fatal(err)
	}
	benchParse(b, path, int64(len(md)))
}

func BenchmarkXQuADEPUB(b *testing.B) {
	data := xquadFiles(b, loadXQuAD(b))["xquad.epub"]
	path := filepath.Join(b.TempDir(), "xquad.epub")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	benchParse(b, path, int64(len(data)))
}

func benchParse(b *testing.B, path string, size int64) {
	p := New(Config{})
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		doc, err := p.Parse(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		if len(doc.Locations) == 0 {
			b.Fatal("no locations")
		}
	}
}
