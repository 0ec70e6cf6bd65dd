package web

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"folio/backend/core"
)

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs", `<p>one</p><p>two</p>`, "one\n\ntwo"},
		{"whitespace collapses", "<p>  a \n\t b\u00a0\u00a0c  </p>", "a b c"},
		{"entities", `<p>&lt;x&gt; &amp; &eacute; &#8364; &#x263A;</p>`, "<x> & é € ☺"},
		{"br is a line break", `<p>a<br>b<br/><br>c</p>`, "a\nb\nc"},
		{"heading on its own line", `<div>before<h2>Title</h2>after</div>`, "before\n\nTitle\n\nafter"},
		{"inline elements join", `<p>a<b>b</b><i>c</i> <span>d</span></p>`, "abc d"},
		{"list items one per line", `<ul><li>a</li><li>b<ol><li>b1</li></ol></li></ul><p>c</p>`, "a\nb\nb1\n\nc"},
		{"separate lists are blocks apart", `<ul><li>a</li></ul><ol><li>b</li></ol>`, "a\n\nb"},
		{"definition list", `<dl><dt>Term</dt><dd>Meaning</dd></dl>`, "Term\nMeaning"},
		{"blockquote", `<blockquote><p>q1</p><p>q2</p></blockquote><p>p</p>`, "q1\n\nq2\n\np"},
		{"section article div", `<article><section><div>a</div>b</section></article>`, "a\n\nb"},
		{"table rows and cells", `<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>`, "A\tB\n1\t2"},
		{"empty cell keeps its column", `<table><tr><td>a</td><td> </td><td>c</td></tr></table>`, "a\t\tc"},
		{"paragraph in a cell stays on the row", `<table><tr><td><p>a</p></td><td>b<br>c</td></tr></table>`, "a\tb c"},
		{"layout table reads as blocks", `<table><tr><td><h1>Site</h1><p>one</p><p>two</p></td></tr></table>`, "Site\n\none\n\ntwo"},
		{"pre keeps whitespace", "<pre>\n  x = 1\n    y  =  2\n\n</pre><p>after</p>", "  x = 1\n    y  =  2\n\nafter"},
		{"pre with markup", "<pre><code>a  <b>b</b>\n  c</code></pre>", "a  b\n  c"},
		{"script style noscript template dropped", `<script>var a = "x";</script><style>p{}</style><noscript>js</noscript><template><p>t</p></template><p>ok</p>`, "ok"},
		{"head dropped", `<html><head><title>T</title><meta name="description" content="d"></head><body><p>body</p></body></html>`, "body"},
		{"hidden dropped", `<p>a</p><div hidden><p>h</p></div><p aria-hidden="true">aria</p><p style="display: none">css</p><p>b</p>`, "a\n\nb"},
		{"hidden until-found kept", `<div hidden="until-found">found</div>`, "found"},
		{"aria-hidden false kept", `<p aria-hidden="false">seen</p>`, "seen"},
		{"image alt text", `<p>a <img src="x.png" alt="a cat"> b <img src="y.png"></p>`, "a a cat b"},
		{"nbsp-only paragraphs vanish", `<p>&nbsp;</p><p>x</p><p> </p>`, "x"},
		{"implicit paragraph ends", `<p>one<p>two<ul><li>i</ul>`, "one\n\ntwo\n\ni"},
		{"form controls", `<p>Pick <select><option>A</option></select><textarea>typed</textarea> done</p>`, "Pick done"},
		{"comments dropped", `<p>a<!-- secret -->b</p>`, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "page.html", []byte(tt.html))
			if doc.Text != tt.want {
				t.Errorf("text\n got %q\nwant %q", doc.Text, tt.want)
			}
			if doc.Format != "html" {
				t.Errorf("format = %q, want html", doc.Format)
			}
		})
	}
}

func TestHTMLLocations(t *testing.T) {
	page := `<html><head><title>Ignored Title</title></head><body>
<h1>Report</h1><p>Intro.</p>
<h2>Methods</h2><p>We sampled.</p>
<h3>Sampling</h3><ul><li>Item A</li></ul>
<h2>Results</h2><table><tr><td>x</td><td>y</td></tr><tr><td>z</td><td>w</td></tr></table>
<p>Closing.</p>
</body></html>`
	doc := mustParse(t, "r.html", []byte(page))
	tests := []struct {
		text string
		want core.Location
	}{
		{"Report", core.Location{Path: []string{"Report"}, Paragraph: 1}},
		{"Intro.", core.Location{Path: []string{"Report"}, Paragraph: 2}},
		{"Methods", core.Location{Path: []string{"Report", "Methods"}, Paragraph: 3}},
		{"We sampled.", core.Location{Path: []string{"Report", "Methods"}, Paragraph: 4}},
		{"Item A", core.Location{Path: []string{"Report", "Methods", "Sampling"}, Paragraph: 6}},
		{"Results", core.Location{Path: []string{"Report", "Results"}, Paragraph: 7}},
		{"y", core.Location{Path: []string{"Report", "Results"}, Table: 1, Row: 1, Col: 2}},
		{"z", core.Location{Path: []string{"Report", "Results"}, Table: 1, Row: 2, Col: 1}},
		{"Closing.", core.Location{Path: []string{"Report", "Results"}, Paragraph: 8}},
	}
	for _, tt := range tests {
		got := locOf(t, doc, tt.text)
		if got.Start != strings.Index(doc.Text, tt.text) || got.End != got.Start+len(tt.text) {
			t.Errorf("%q: location %d-%d does not cover exactly its text", tt.text, got.Start, got.End)
		}
		got.Start, got.End = 0, 0
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: location\n got %+v\nwant %+v", tt.text, got, tt.want)
		}
	}
	if n := len(doc.Locations); n != 12 {
		t.Errorf("%d locations, want 12 (one per block and cell)", n)
	}
}

func TestHTMLTitleIsRootWithoutH1(t *testing.T) {
	tests := []struct {
		name, html string
		want       []string
	}{
		{"title used", `<title> My   Page </title><h2>Part</h2><p>text</p>`, []string{"My Page", "Part"}},
		{"h1 wins", `<title>My Page</title><h2>Part</h2><p>text</p><h1>Top</h1>`, []string{"Part"}},
		{"no title no heading", `<p>text</p>`, nil},
		{"an SVG title is not the page title", `<svg><title>Icon</title></svg><p>text</p>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "p.html", []byte(tt.html))
			if got := locOf(t, doc, "text").Path; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTMLEncodings(t *testing.T) {
	sjis, err := japanese.ShiftJIS.NewEncoder().String("日本語のテキスト")
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("<p>naïve café</p>")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("<!-- padding padding padding padding -->\n", 60) // pushes the meta past 1 KiB
	tests := []struct {
		name, file, data, want string
	}{
		{"latin-1 meta charset", "a.html", "<meta charset=\"iso-8859-1\"><p>caf\xe9 na\xefve \x80 \xbd</p>", "café naïve € ½"},
		{"windows-1252 http-equiv", "a.html", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><p>\x93quoted\x94 \x96 dash</p>", "\u201cquoted\u201d \u2013 dash"},
		{"meta after the first KiB", "a.html", "<html><head>" + long + "<meta charset=\"windows-1252\"></head><body><p>caf\xe9</p></body></html>", "café"},
		{"undeclared invalid UTF-8 is windows-1252", "a.html", "<p>caf\xe9</p>", "café"},
		{"undeclared UTF-8 after ASCII", "a.html", "<p>" + strings.Repeat("ascii ", 400) + "</p><p>é ü 中文</p>", strings.TrimSpace(strings.Repeat("ascii ", 400)) + "\n\né ü 中文"},
		{"UTF-8 BOM", "a.html", "\xEF\xBB\xBF<p>bom é</p>", "bom é"},
		{"UTF-16 BOM", "a.html", utf16, "naïve café"},
		{"shift_jis meta", "a.html", "<meta charset=\"shift_jis\"><p>" + sjis + "</p>", "日本語のテキスト"},
		{"XML declaration", "a.xhtml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>\xe9t\xe9</p></body></html>", "été"},
		{"declared UTF-8 with a bad byte", "a.html", "<meta charset=\"utf-8\"><p>ok \xff ok</p>", "ok \uFFFD ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.file, []byte(tt.data))
			if doc.Text != tt.want {
				t.Errorf("text\n got %q\nwant %q", doc.Text, tt.want)
			}
		})
	}
}

func TestXHTMLSelfClosingTags(t *testing.T) {
	page := `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title/><script src="a.js"/><link rel="stylesheet" href="s.css"/></head>
<body><p>Text</p><div/><a id="x"/><p>More<br/>lines</p><textarea/><p>End</p></body></html>`
	doc := mustParse(t, "ch.xhtml", []byte(page))
	if want := "Text\n\nMore\nlines\n\nEnd"; doc.Text != want {
		t.Errorf("text\n got %q\nwant %q", doc.Text, want)
	}
}

func TestHTMLDeepNesting(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"past the token reader's depth", strings.Repeat("<div>", 3000) + "<h2>deep</h2>" + strings.Repeat("</div>", 3000) + "<p>end</p>", "deep\n\nend"},
		{"100k divs", "<p>start</p>" + strings.Repeat("<div>", 100000) + "deep text" + strings.Repeat("</div>", 100000) + "<p>end</p>", "start\n\ndeep text\n\nend"},
		{"unclosed spans and lists", "<p>a</p>" + strings.Repeat("<ul><li><span>", 20000) + "x", "a\n\nx"},
		{"nested tables", strings.Repeat("<table><tr><td>", 3000) + "cell", "cell"},
		{"deep with table", strings.Repeat("<div>", 600) + "<table><tr><td>a<td>b<tr><td>c</table><h2>H</h2><p>p</p>", "a\tb\nc\n\nH\n\np"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			doc := mustParse(t, "deep.html", []byte(tt.html))
			if doc.Text != tt.want {
				t.Errorf("text\n got %.200q\nwant %.200q", doc.Text, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	doc := mustParse(t, "deep.html", []byte(strings.Repeat("<div>", 600)+"<h2>Part</h2><p>body</p>"))
	if got := locOf(t, doc, "body").Path; !reflect.DeepEqual(got, []string{"Part"}) {
		t.Errorf("token-mode path = %q, want [Part]", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, data string
		cfg              Config
		want             error
		msg              string
	}{
		{"html without text", "e.html", `<html><head><title>T</title></head><body><script>x()</script><p> </p></body></html>`, Config{}, core.ErrEmpty, "no text"},
		{"empty file", "e.html", "", Config{}, core.ErrEmpty, "no text"},
		{"markdown without text", "e.md", "<!-- comment -->\n\n---\n", Config{}, core.ErrEmpty, "no text"},
		{"html over MaxBytes", "big.html", "<p>" + strings.Repeat("x", 100) + "</p>", Config{MaxBytes: 50}, core.ErrTooLarge, "limit 50"},
		{"markdown over MaxBytes", "big.md", strings.Repeat("x", 100), Config{MaxBytes: 50}, core.ErrTooLarge, "limit 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseData(t, tt.file, []byte(tt.data), tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.file) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q should name the file and say %q", err, tt.msg)
			}
		})
	}
}

func TestParseHonoursContext(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"a.html": []byte("<p>x</p>"),
		"a.md":   []byte("x"),
		"a.epub": makeZip(t, sampleEPUB()),
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Config{}).Parse(ctx, path); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
	// A walk of a large page stops soon after cancellation.
	big := []byte(strings.Repeat("<p>paragraph</p>", 200000))
	b := newBuilder()
	if err := extractHTML(ctx, b, big, htmlOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("extractHTML on a cancelled context: err = %v", err)
	}
	if len(b.locs) > ctxEvery {
		t.Errorf("%d blocks written after cancellation, want at most %d", len(b.locs), ctxEvery)
	}
}

func TestParseMissingFile(t *testing.T) {
	for _, name := range []string{"nope.html", "nope.md", "nope.epub"} {
		_, err := New(Config{}).Parse(context.Background(), filepath.Join(t.TempDir(), name))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: err = %v, want os.ErrNotExist", name, err)
		}
	}
}

func TestExtensions(t *testing.T) {
	want := []string{".html", ".htm", ".xhtml", ".epub", ".md", ".markdown"}
	if !reflect.DeepEqual(Extensions, want) {
		t.Errorf("Extensions = %q, want %q", Extensions, want)
	}
	for name, format := range map[string]string{"a.HTM": "html", "b.xhtml": "html", "c.markdown": "md"} {
		doc := mustParse(t, name, []byte("<p>x</p>"))
		if doc.Format != format {
			t.Errorf("%s: format %q, want %q", name, doc.Format, format)
		}
	}
}
