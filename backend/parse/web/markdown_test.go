package web

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
)

func TestMarkdownText(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"paragraphs", "one\ntwo\n\nthree", "one two\n\nthree"},
		{"ATX and setext headings", "# Top\n\ntext\n\nSub\n---\n\nmore", "Top\n\ntext\n\nSub\n\nmore"},
		{"emphasis and strikethrough", "*a* **b** _c_ ~~d~~", "a b c d"},
		{"links keep their text", "see [the docs](http://x.org \"title\") and <http://auto.link> and www.example.com", "see the docs and http://auto.link and www.example.com"},
		{"images keep alt text", "![a *small* cat](cat.png) sits", "a small cat sits"},
		{"inline HTML dropped", "a <span class=\"x\">b</span> <br/>c", "a b c"},
		{"escapes and entities", `\*not em\* &amp; &copy; &#35; \\ \[x\]`, `*not em* & © # \ [x]`},
		{"code span keeps spaces", "run `go  test` now", "run go  test now"},
		{"code span line ending is a space", "a `x\ny` b", "a x y b"},
		{"HTML block around Markdown", "<details><summary>Sum</summary>\n\nInside *md*\n\n</details>", "Sum\n\nInside md"},
		{"fenced code verbatim", "```go\nfunc f() {\n\treturn  1\n}\n\n// end\n```\nafter", "func f() {\n\treturn  1\n}\n\n// end\n\nafter"},
		{"indented code verbatim", "text\n\n    x := 1\n      y := 2\n\nafter", "text\n\nx := 1\n  y := 2\n\nafter"},
		{"lists one item per line", "- a\n- b\n  - b1\n\n1. one\n2. two", "a\nb\nb1\n\none\ntwo"},
		{"loose list item paragraphs", "- first\n\n  second\n- third", "first\nsecond\nthird"},
		{"task list", "- [x] done\n- [ ] todo", "done\ntodo"},
		{"block quote", "> quoted\n> text\n\nafter", "quoted text\n\nafter"},
		{"table", "| A | B |\n|---|:-:|\n| 1 | 2 |\n| 3 |   |\n\nafter", "A\tB\n1\t2\n3\n\nafter"},
		{"thematic break", "a\n\n***\n\nb", "a\n\nb"},
		{"HTML block text", "<div align=\"center\">\n<p>Hello <b>there</b></p>\n</div>\n\nafter", "Hello there\n\nafter"},
		{"HTML comment block", "<!--\nhidden\n-->\nvisible", "visible"},
		{"hard line break", "line one  \nline two\\\nline three", "line one\nline two\nline three"},
		{"link reference definitions", "[x][1]\n\n[1]: http://example.com", "x"},
		{"footnotes", "Claim[^n].\n\n[^n]: The note.", "Claim[1].\n\nThe note."},
		{"CRLF line endings", "# T\r\n\r\ntext\r\nmore", "T\n\ntext more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "doc.md", []byte(tt.md))
			if doc.Text != tt.want {
				t.Errorf("text\n got %q\nwant %q", doc.Text, tt.want)
			}
			if doc.Format != "md" {
				t.Errorf("format = %q, want md", doc.Format)
			}
		})
	}
}

func TestMarkdownLocations(t *testing.T) {
	md := "Guide\n=====\n\nIntro text.\n\n## Install\n\n- step one\n- step two\n\n### Linux\n\n```\nmake\n```\n\n## Use\n\n| key | value |\n|---|---|\n| alpha | 1 |\n\nNote[^1].\n\n[^1]: Footnote body.\n"
	doc := mustParse(t, "g.md", []byte(md))
	tests := []struct {
		text string
		want core.Location
	}{
		{"Guide", core.Location{Path: []string{"Guide"}, Paragraph: 1}},
		{"Intro text.", core.Location{Path: []string{"Guide"}, Paragraph: 2}},
		{"step two", core.Location{Path: []string{"Guide", "Install"}, Paragraph: 5}},
		{"make", core.Location{Path: []string{"Guide", "Install", "Linux"}, Paragraph: 7}},
		{"Use", core.Location{Path: []string{"Guide", "Use"}, Paragraph: 8}},
		{"value", core.Location{Path: []string{"Guide", "Use"}, Table: 1, Row: 1, Col: 2}},
		{"alpha", core.Location{Path: []string{"Guide", "Use"}, Table: 1, Row: 2, Col: 1}},
		{"Note[1].", core.Location{Path: []string{"Guide", "Use"}, Paragraph: 9}},
		{"Footnote body.", core.Location{Part: core.PartFootnote, Paragraph: 10}},
	}
	for _, tt := range tests {
		got := locOf(t, doc, tt.text)
		got.Start, got.End = 0, 0
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: location\n got %+v\nwant %+v", tt.text, got, tt.want)
		}
	}
}

func TestMarkdownFrontMatter(t *testing.T) {
	tests := []struct {
		name, md, wantText string
		wantFront          string   // text of the front-matter location, "" if none
		wantPath           []string // path of "body"
	}{
		{"kept as a part, title is the root", "---\ntitle: \"My Notes\"\ntags: [a, b]\n---\n## Part\n\nbody\n", "title: \"My Notes\"\ntags: [a, b]\n\nPart\n\nbody", "title: \"My Notes\"\ntags: [a, b]", []string{"My Notes", "Part"}},
		{"h1 wins over title", "---\ntitle: T\n...\n# Real\n\nbody", "title: T\n\nReal\n\nbody", "title: T", []string{"Real"}},
		// CommonMark reads this as a thematic break and a setext heading.
		{"not at the very top", "intro\n\n---\ntitle: x\n---\n\nbody", "intro\n\ntitle: x\n\nbody", "", []string{"title: x"}},
		{"unclosed is not front matter", "---\nbody", "body", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "f.md", []byte(tt.md))
			if doc.Text != tt.wantText {
				t.Errorf("text\n got %q\nwant %q", doc.Text, tt.wantText)
			}
			var front string
			for _, l := range doc.Locations {
				if l.Part == PartFrontMatter {
					front = doc.Text[l.Start:l.End]
				}
			}
			if front != tt.wantFront {
				t.Errorf("front matter location %q, want %q", front, tt.wantFront)
			}
			if got := locOf(t, doc, "body").Path; !reflect.DeepEqual(got, tt.wantPath) {
				t.Errorf("path of body = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

func TestMarkdownPathologicalNesting(t *testing.T) {
	var indented strings.Builder
	for i := range 3000 {
		indented.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	tests := []struct {
		name, md, want string
	}{
		{"200k block quotes", strings.Repeat(">", 200000) + " quote\n" + strings.Repeat("lazy\n", 1000), "quote"},
		{"50k list markers", strings.Repeat("- ", 50000) + "item\n", "item"},
		{"3000 indented list levels", indented.String(), "x"},
		{"100k brackets", strings.Repeat("[", 100000) + strings.Repeat("*", 100000) + "text", "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			doc := mustParse(t, "deep.md", []byte(tt.md))
			if !strings.Contains(doc.Text, tt.want) {
				t.Errorf("text %.100q does not hold %q", doc.Text, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestCapNesting(t *testing.T) {
	deep := strings.Repeat(">", maxNesting+10) + " x\n"
	tests := []struct {
		name, in, want string
	}{
		{"ordinary text unchanged", "# a\n> b\n- c\n  1. d\n", "# a\n> b\n- c\n  1. d\n"},
		{"markers past the cap dropped", deep + "y\n", strings.Repeat(">", maxNesting) + " x\ny\n"},
		{"deep indentation shortened", strings.Repeat(" ", 300) + "- z\n", strings.Repeat(" ", maxIndent) + "- z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := capNesting(tt.in); got != tt.want {
				t.Errorf("capNesting\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
