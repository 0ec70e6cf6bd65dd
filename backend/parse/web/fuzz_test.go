package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"folio/backend/core"
)

// checkFuzzDoc asserts what must hold for any input: valid UTF-8, the
// location contract, and no empty locations.
func checkFuzzDoc(t *testing.T, doc core.Document) {
	t.Helper()
	if !utf8.ValidString(doc.Text) {
		t.Fatalf("text is not valid UTF-8: %q", doc.Text)
	}
	if err := doc.Check(); err != nil {
		t.Fatalf("Check: %v\ntext %q", err, doc.Text)
	}
	for i, l := range doc.Locations {
		if l.End <= l.Start {
			t.Fatalf("location %d is empty: %+v", i, l)
		}
	}
}

// hangLimit is how long one fuzz input may take before it counts as a hang.
const hangLimit = 10 * time.Second

// watchdog panics, with every goroutine's stack, when the returned stop is
// not called within hangLimit; the fuzzer then saves the input as a failure.
func watchdog(data []byte) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(hangLimit):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic(fmt.Sprintf("input of %d bytes ran over %v: %.200q\n%s", len(data), hangLimit, data, buf[:n]))
		}
	}()
	return func() { close(done) }
}

func addSeedFile(f *testing.F, name string) {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, false)
}

// FuzzHTML feeds arbitrary bytes to the HTML extractor; it must never
// panic, hang or break the location contract.
func FuzzHTML(f *testing.F) {
	addSeedFile(f, "sample.html")
	for _, s := range []string{
		"<p>a<br>b</p><ul><li>x<li>y</ul>",
		"<table><tr><td>a<td><p>b</p><tr><th>c</table>",
		"<table><tr><td><table><tr><td>in</table></td><td>out</td></tr></table>",
		"<pre>\n  x\n\ty</pre><h1>T</h1><h3>U</h3>",
		"<?xml version='1.0' encoding='latin1'?><html><head><title/></head><body><p>\xe9</p><div/></body></html>",
		"<meta charset=shift_jis><p>\x82\xa0</p>",
		"<div hidden><p>x</p></div><p aria-hidden=true>y</p><p style='display:none'>z</p>",
		"<h2>a<div>b</div>c</h2><p>&nbsp;</p><img alt='cat'>",
		"<div><div><div><span>deep</span></div>",
		// Nested past the tree's 512 and the token reader's 1024 levels
		// (a million of them peaked at 870 MB before the depth was bounded).
		strings.Repeat("<div>", 5000) + "<p>deep</p>" + strings.Repeat("</div>", 4000) + "<p>after</p>",
		"\xff\xfe<\x00p\x00>\x00x\x00",
		"<select><option>a</select><textarea>t</textarea><noscript>n</noscript>",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, xhtml bool) {
		defer watchdog(data)()
		b := newBuilder()
		if err := extractHTML(context.Background(), b, data, htmlOptions{xhtml: xhtml, useTitle: true}); err != nil {
			t.Fatalf("extractHTML: %v", err)
		}
		checkFuzzDoc(t, b.document("f.html", "html"))
	})
}

// FuzzMarkdown feeds arbitrary bytes to the Markdown extractor; it must
// never panic, hang or break the location contract.
func FuzzMarkdown(f *testing.F) {
	addSeedFile(f, "sample.md")
	for _, s := range []string{
		"---\ntitle: x\n---\n# H\n\ntext *em* [l](u) ![alt](i)\n",
		"| a | b |\n|---|---|\n| 1 | 2 |\n",
		"> q\n>> qq\n- a\n  - b\n1. c\n\n```\ncode\n```\n\n    indented\n",
		"<div>\n<p>html</p>\n</div>\n\nx[^1]\n\n[^1]: note\n",
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> x\n",
		"\\*a\\* &amp; &#0; \x00 \xff",
		"Setext\n===\n\nSub\n---\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, _ bool) {
		defer watchdog(data)()
		b := newBuilder()
		if err := extractMarkdown(context.Background(), b, data); err != nil {
			t.Fatalf("extractMarkdown: %v", err)
		}
		checkFuzzDoc(t, b.document("f.md", "md"))
	})
}
