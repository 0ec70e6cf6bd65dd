package web

import (
	"bufio"
	"bytes"
	"context"
	stdhtml "html"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	ghtml "github.com/yuin/goldmark/renderer/html"
	gtext "github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"folio/backend/core"
	"folio/backend/parse/text"
)

// markdown is the goldmark configuration: CommonMark plus GFM tables,
// strikethrough, autolinks and task lists, and footnotes.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Footnote))

var frontMatterTitleRe = regexp.MustCompile(`(?m)^title:[ \t]*(.*?)[ \t]*$`)

// splitFrontMatter cuts a YAML front matter block (--- at the very top, up
// to a line of --- or ...) off src. It returns the YAML between the fences.
func splitFrontMatter(src string) (yaml, rest string, ok bool) {
	first, after, found := strings.Cut(src, "\n")
	if !found || strings.TrimRight(first, " \t") != "---" {
		return "", src, false
	}
	off := len(first) + 1
	for line := range strings.Lines(after) {
		if t := strings.TrimRight(line, " \t\n"); t == "---" || t == "..." {
			return src[len(first)+1 : off], src[off+len(line):], true
		}
		off += len(line)
	}
	return "", src, false
}

// maxNesting caps the container markers (">", "-", "*", "+", "1.") that
// open blocks at the start of one Markdown line, and maxIndent its leading
// indentation in columns. goldmark's time grows with the product of a
// line's nesting and its prefix length, so hostile input like 200,000 ">"
// or thousands of ever more indented list items would take minutes or
// hours; markers past the cap are dropped and indentation is shortened.
const (
	maxNesting = 64
	maxIndent  = 128
)

// capNesting applies maxNesting and maxIndent to every line of src.
func capNesting(src string) string {
	var out strings.Builder
	done := 0 // src[:done] is already in out
	off := 0
	changed := false
	for line := range strings.Lines(src) {
		ws, cols := 0, 0
		for ws < len(line) && (line[ws] == ' ' || line[ws] == '\t') {
			if line[ws] == '\t' {
				cols += 4 - cols%4
			} else {
				cols++
			}
			ws++
		}
		keep, skip := nestingCut(line)
		if cols > maxIndent || skip > keep {
			if !changed {
				out.Grow(len(src))
				changed = true
			}
			out.WriteString(src[done:off])
			if cols > maxIndent {
				out.WriteString(strings.Repeat(" ", maxIndent))
			} else {
				out.WriteString(line[:ws])
			}
			out.WriteString(line[ws:keep])
			if skip > keep {
				out.WriteByte(' ')
			}
			done = off + skip
		}
		off += len(line)
	}
	if !changed {
		return src
	}
	out.WriteString(src[done:])
	return out.String()
}

// nestingCut returns where the line's maxNesting-th container marker ends
// (keep) and where its markers end (skip); keep == skip when the line is
// within the cap.
func nestingCut(line string) (keep, skip int) {
	i, n := 0, 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		switch {
		case j < len(line) && line[j] == '>':
			j++
		case j+1 < len(line) && (line[j] == '-' || line[j] == '*' || line[j] == '+') && (line[j+1] == ' ' || line[j+1] == '\t'):
			j++
		default:
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j == i || j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
				if n <= maxNesting {
					return i, i
				}
				return keep, i
			}
			j++
		}
		i = j
		if n++; n == maxNesting {
			keep = i
		}
	}
}

// extractMarkdown decodes raw Markdown, parses it and writes its text into b.
func extractMarkdown(ctx context.Context, b *builder, raw []byte) error {
	src := text.Decode(raw)
	title := ""
	if yaml, rest, ok := splitFrontMatter(src); ok {
		if strings.TrimSpace(yaml) != "" {
			b.startPart(PartFrontMatter, "")
			b.open(kindPara, core.Location{})
			b.verbatim(yaml)
			b.flush()
		}
		if m := frontMatterTitleRe.FindStringSubmatch(yaml); m != nil {
			title = strings.Trim(m[1], `"'`)
		}
		src = rest
	}
	source := []byte(capNesting(src))
	doc := markdown.Parser().Parse(gtext.NewReader(source))
	root := ""
	if !hasLevel1(doc) {
		root = title
	}
	b.startPart("", root)
	m := &mdWalker{ctx: ctx, b: b, src: source}
	return m.walk(doc)
}

// hasLevel1 reports whether the document has a level-1 heading.
func hasLevel1(doc ast.Node) bool {
	found := false
	walkAST(doc, func(n ast.Node) bool {
		if h, ok := n.(*ast.Heading); ok && h.Level == 1 {
			found = true
		}
		return !found && n.Type() != ast.TypeInline
	}, func(ast.Node) {})
	return found
}

// walkAST visits n's subtree depth first without recursion: enter returns
// whether to visit the children; leave is called for every entered node.
func walkAST(root ast.Node, enter func(ast.Node) bool, leave func(ast.Node)) {
	n := root
	for n != nil {
		if enter(n) && n.FirstChild() != nil {
			n = n.FirstChild()
			continue
		}
		for n != nil {
			leave(n)
			if n == root {
				return
			}
			if next := n.NextSibling(); next != nil {
				n = next
				break
			}
			n = n.Parent()
		}
	}
}

// mdWalker writes a goldmark AST into a builder.
type mdWalker struct {
	ctx   context.Context
	b     *builder
	src   []byte
	table int // number of the open table
	row   int
	col   int
	nodes int
	err   error
	saved struct { // the body's part and path while in footnotes
		part string
		path []string
	}
	esc bytes.Buffer
}

func (m *mdWalker) walk(doc ast.Node) error {
	walkAST(doc, m.enter, m.leave)
	m.b.flush()
	if m.err != nil {
		return m.err
	}
	return m.ctx.Err()
}

func (m *mdWalker) enter(n ast.Node) bool {
	if m.err != nil {
		return false
	}
	if m.nodes++; m.nodes%ctxEvery == 0 {
		if m.err = m.ctx.Err(); m.err != nil {
			return false
		}
	}
	b := m.b
	switch n := n.(type) {
	case *ast.Document:
	case *ast.Heading:
		b.open(kindHeading, core.Location{})
	case *ast.Paragraph, *ast.TextBlock:
		kind := kindPara
		if _, ok := n.Parent().(*ast.ListItem); ok {
			kind = kindItem
		}
		b.open(kind, core.Location{})
	case *ast.Blockquote, *ast.List, *ast.ListItem, *ast.ThematicBreak:
		b.open(kindPara, core.Location{})
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		b.open(kindPara, core.Location{})
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.verbatim(string(seg.Value(m.src)))
		}
		b.flush()
		return false
	case *ast.HTMLBlock:
		var raw []byte
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			raw = append(raw, seg.Value(m.src)...)
		}
		if n.HasClosure() {
			raw = append(raw, n.ClosureLine.Value(m.src)...)
		}
		b.open(kindPara, core.Location{})
		m.err = extractHTMLFragment(m.ctx, b, raw)
		b.open(kindPara, core.Location{})
		return false
	case *ast.LinkReferenceDefinition:
		return false
	case *east.Table:
		b.flush()
		b.tables++
		m.table, m.row = b.tables, 0
	case *east.TableHeader, *east.TableRow:
		m.row++
		m.col = 0
	case *east.TableCell:
		m.col++
		b.open(kindCell, core.Location{Table: m.table, Row: m.row, Col: m.col})
	case *east.FootnoteList:
		b.flush()
		m.saved.part, m.saved.path = b.part, b.path
		b.part, b.path = core.PartFootnote, nil
	case *east.Footnote:
		b.open(kindPara, core.Location{})
	case *east.FootnoteLink:
		b.text("[" + strconv.Itoa(n.Index) + "]")
		return false
	case *east.FootnoteBacklink, *east.TaskCheckBox, *ast.RawHTML:
		return false
	case *ast.Text:
		if n.IsRaw() { // code span: spaces kept, line endings become spaces
			b.verbatim(strings.ReplaceAll(string(n.Segment.Value(m.src)), "\n", " "))
		} else {
			b.text(m.unescape(n.Segment.Value(m.src)))
		}
		switch {
		case n.HardLineBreak():
			b.lineBreak()
		case n.SoftLineBreak():
			b.addSpace()
		}
		return false
	case *ast.String:
		b.text(string(n.Value))
		return false
	case *ast.AutoLink:
		b.text(string(n.Label(m.src)))
		return false
	}
	return true
}

func (m *mdWalker) leave(n ast.Node) {
	b := m.b
	switch n := n.(type) {
	case *ast.Heading:
		b.closeHeading(n.Level)
	case *ast.List:
		if _, nested := n.Parent().(*ast.ListItem); !nested {
			b.endRun()
		}
		b.open(kindPara, core.Location{})
	case *ast.Paragraph, *ast.TextBlock, *ast.Blockquote, *ast.ListItem, *east.Footnote:
		b.open(kindPara, core.Location{})
	case *east.TableCell:
		b.flush()
	case *east.Table:
		b.open(kindPara, core.Location{})
	case *east.FootnoteList:
		b.flush()
		b.part, b.path = m.saved.part, m.saved.path
	}
}

// unescape resolves backslash escapes and entity references in Markdown
// text exactly as goldmark's HTML renderer does, then undoes its HTML
// escaping.
func (m *mdWalker) unescape(v []byte) string {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return string(v)
	}
	m.esc.Reset()
	w := bufio.NewWriter(&m.esc)
	ghtml.DefaultWriter.Write(w, v)
	w.Flush()
	return stdhtml.UnescapeString(m.esc.String())
}

// extractHTMLFragment writes the text of an HTML block of a Markdown file.
func extractHTMLFragment(ctx context.Context, b *builder, raw []byte) error {
	w := &walker{ctx: ctx, b: b}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(bytes.NewReader(raw), body)
	if err != nil {
		return w.tokens(string(raw))
	}
	w.layout = map[*html.Node]bool{}
	for _, n := range nodes {
		sub := &walker{ctx: ctx, b: b}
		sub.prescanTree(n)
		for k, v := range sub.layout {
			w.layout[k] = v
		}
		w.walkNodes(n)
	}
	return ctx.Err()
}
