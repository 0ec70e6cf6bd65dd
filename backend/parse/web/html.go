package web

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"

	"folio/backend/core"
	"folio/backend/parse/text"
)

// htmlOptions say how one HTML document is read.
type htmlOptions struct {
	xhtml    bool   // XML syntax: honour <?xml encoding?>, expand <x/> of non-void elements
	useTitle bool   // <title> is the first path level when there is no h1
	root     string // path root when there is no h1 (EPUB: the chapter's TOC title); wins over <title>
}

// ctxEvery is how many nodes are walked between checks of ctx.
const ctxEvery = 4096

// extractHTML decodes raw, parses it and writes its text into b.
func extractHTML(ctx context.Context, b *builder, raw []byte, opt htmlOptions) error {
	src := decodeHTML(raw, opt.xhtml)
	if opt.xhtml || strings.HasPrefix(strings.TrimLeft(src, " \t\r\n"), "<?xml") {
		src = expandSelfClosing(src)
	}
	w := &walker{ctx: ctx, b: b}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// Only nesting past 512 elements makes Parse fail on a string;
		// read such a document token by token instead.
		hasH1, title := prescanTokens(src)
		w.setRoot(opt, hasH1, title)
		return w.tokens(src)
	}
	hasH1, title := w.prescanTree(doc)
	w.setRoot(opt, hasH1, title)
	return w.tree(doc)
}

// setRoot seeds the first level of the heading path when there is no h1.
func (w *walker) setRoot(opt htmlOptions, hasH1 bool, title string) {
	if hasH1 {
		return
	}
	root := opt.root
	if root == "" && opt.useTitle {
		root = title
	}
	if root != "" && w.b.heads[1] == "" {
		w.b.setHeading(1, root)
	}
}

var (
	xmlDeclRe     = regexp.MustCompile(`^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)
	metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)`)
)

// decodeHTML turns the bytes of an HTML or XHTML document into UTF-8: a
// byte-order mark wins, then an XML declaration's encoding, then a <meta>
// charset (either form) in the first 64 KiB; otherwise the bytes are UTF-8
// when valid and Windows-1252 when not.
func decodeHTML(raw []byte, xhtml bool) string {
	if bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(raw, []byte{0xFE, 0xFF}) {
		return text.Decode(raw)
	}
	head := raw[:min(len(raw), 64<<10)]
	label := ""
	if m := xmlDeclRe.FindSubmatch(bytes.TrimLeft(head, " \t\r\n")); m != nil {
		label = string(m[1])
	} else if m := metaCharsetRe.FindSubmatch(head); m != nil {
		label = string(m[1])
		if strings.HasPrefix(strings.ToLower(label), "utf-16") {
			label = "utf-8" // a meta tag read as ASCII cannot be UTF-16 (WHATWG prescan rule)
		}
	}
	if label != "" {
		if e, name := charset.Lookup(label); e != nil && name != "utf-8" {
			if out, err := e.NewDecoder().Bytes(raw); err == nil {
				return strings.ToValidUTF8(string(out), "\uFFFD")
			}
		}
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	if label != "" && strings.EqualFold(label, "utf-8") || xhtml {
		return strings.ToValidUTF8(string(raw), "\uFFFD") // declared (or XML-default) UTF-8 with bad bytes
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	return string(out)
}

var selfClosingRe = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9:_.-]*)(\s[^<>]*?)?/>`)

// expandSelfClosing rewrites XML empty-element tags of non-void elements,
// such as <title/>, <script src="x"/> or <div/>, as start and end tag pairs.
// An HTML parser reads <title/> as an open title and would swallow the rest
// of the document as its text.
func expandSelfClosing(s string) string {
	if !strings.Contains(s, "/>") {
		return s
	}
	return selfClosingRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := selfClosingRe.FindStringSubmatch(m)
		if voidElements[atom.Lookup([]byte(strings.ToLower(sub[1])))] {
			return m
		}
		return "<" + sub[1] + sub[2] + "></" + sub[1] + ">"
	})
}

var voidElements = set(atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img,
	atom.Input, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr, atom.Keygen)

// droppedElements never contribute text.
var droppedElements = set(atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head,
	atom.Title, atom.Iframe, atom.Svg, atom.Textarea, atom.Select, atom.Datalist, atom.Noembed,
	atom.Noframes, atom.Frameset, atom.Object, atom.Audio, atom.Video, atom.Canvas, atom.Map)

// blockElements end the current block where they start and end.
var blockElements = set(atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body,
	atom.Center, atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset,
	atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.Header, atom.Hgroup, atom.Html,
	atom.Legend, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Section, atom.Summary,
	atom.Ul, atom.Caption, atom.Tbody, atom.Thead, atom.Tfoot, atom.Colgroup, atom.Option,
	atom.Optgroup, atom.Frame, atom.Output, atom.Search)

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

func set(as ...atom.Atom) map[atom.Atom]bool {
	m := make(map[atom.Atom]bool, len(as))
	for _, a := range as {
		m[a] = true
	}
	return m
}

// isHidden reports whether attributes hide an element from readers.
func isHidden(attrs []html.Attribute) bool {
	for _, at := range attrs {
		switch at.Key {
		case "hidden":
			if !strings.EqualFold(strings.TrimSpace(at.Val), "until-found") {
				return true
			}
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(at.Val), "true") {
				return true
			}
		case "style":
			s := strings.ToLower(strings.Join(strings.Fields(at.Val), ""))
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

func attr(attrs []html.Attribute, key string) string {
	for _, at := range attrs {
		if at.Key == key {
			return at.Val
		}
	}
	return ""
}

// frame is one open element of the walk.
type frame struct {
	a       atom.Atom
	name    string
	skip    bool // dropped content: everything inside is ignored
	pre     bool
	cell    bool // a data-table cell
	table   bool // pushed a tableState
	space   bool // a block boundary inside a cell: becomes a space
	block   bool // opened a block of kind; restore outer on close
	kind    blockKind
	level   int           // heading level
	outer   blockKind     // the block context to restore on close
	outTmpl core.Location // and its cell fields
}

// tableState counts the rows and cells of an open table.
type tableState struct {
	num, row, col int
	layout        bool // a layout table: its parts are plain blocks
	inert         bool // nested in a data cell: its parts are spaces
}

// walker turns open/text/close events into builder calls. The tree and
// the token stream both drive it, so neither recursion nor nesting depth
// matters: its stack is a slice.
type walker struct {
	ctx    context.Context
	b      *builder
	frames []frame
	tables []tableState
	layout map[*html.Node]bool // tables the tree prescan judged to be layout
	skip   int
	pre    int
	cell   int
	lists  int           // open ul, ol, dl and menu elements
	ctxKnd blockKind     // current block context
	ctxTpl core.Location // and its cell fields
	nodes  int
}

// checkCtx returns ctx's error every ctxEvery calls.
func (w *walker) checkCtx() error {
	w.nodes++
	if w.nodes%ctxEvery == 0 {
		return w.ctx.Err()
	}
	return nil
}

func (w *walker) topTable() *tableState {
	if len(w.tables) == 0 {
		return nil
	}
	return &w.tables[len(w.tables)-1]
}

// blockish makes f a block of kind, or a space inside a data cell.
func (w *walker) blockish(f *frame, kind blockKind, tmpl core.Location) {
	if w.cell > 0 {
		f.space = true
		w.b.addSpace()
		return
	}
	f.block, f.kind = true, kind
	f.outer, f.outTmpl = w.ctxKnd, w.ctxTpl
	w.ctxKnd, w.ctxTpl = kind, tmpl
	w.b.open(kind, tmpl)
}

// open handles a start tag; it returns false when the element's content is
// dropped. Every open is matched by one close.
func (w *walker) open(a atom.Atom, name string, attrs []html.Attribute, layout bool) bool {
	f := frame{a: a, name: name}
	if w.skip > 0 || droppedElements[a] || isHidden(attrs) {
		f.skip = true
		w.skip++
		w.frames = append(w.frames, f)
		return false
	}
	switch {
	case a == atom.Br:
		switch {
		case w.pre > 0:
			w.b.verbatim("\n")
		case w.cell > 0:
			w.b.addSpace()
		default:
			w.b.lineBreak()
		}
	case a == atom.Img || a == atom.Area || a == atom.Input && strings.EqualFold(attr(attrs, "type"), "image"):
		if alt := attr(attrs, "alt"); strings.TrimSpace(alt) != "" {
			w.b.addSpace()
			w.b.text(alt)
			w.b.addSpace()
		}
	case a == atom.Hr:
		if w.cell == 0 {
			w.b.open(w.ctxKnd, w.ctxTpl)
		}
	case headingLevel[a] > 0:
		f.level = headingLevel[a]
		w.blockish(&f, kindHeading, core.Location{})
	case a == atom.Pre || a == atom.Listing || a == atom.Xmp || a == atom.Plaintext:
		w.blockish(&f, kindPara, core.Location{})
		if w.cell == 0 {
			f.pre = true
			w.pre++
		}
	case a == atom.Li || a == atom.Dt || a == atom.Dd:
		w.blockish(&f, kindItem, core.Location{})
	case a == atom.Table:
		f.table = true
		switch {
		case w.cell > 0:
			w.tables = append(w.tables, tableState{inert: true})
			f.space = true
			w.b.addSpace()
		case layout:
			w.tables = append(w.tables, tableState{layout: true})
			w.blockish(&f, kindPara, core.Location{})
		default:
			w.b.tables++
			w.tables = append(w.tables, tableState{num: w.b.tables})
			w.blockish(&f, kindPara, core.Location{})
		}
	case a == atom.Tr:
		t := w.topTable()
		if t != nil && !t.layout && !t.inert {
			t.row++
			t.col = 0
		}
		w.blockish(&f, kindPara, core.Location{})
	case a == atom.Td || a == atom.Th:
		t := w.topTable()
		if t == nil || t.layout || t.inert || w.cell > 0 {
			w.blockish(&f, kindPara, core.Location{})
			break
		}
		t.row = max(t.row, 1)
		t.col++
		w.blockish(&f, kindCell, core.Location{Table: t.num, Row: t.row, Col: t.col})
		f.cell = true
		w.cell++
	case blockElements[a]:
		w.blockish(&f, kindPara, core.Location{})
		if a == atom.Ul || a == atom.Ol || a == atom.Dl || a == atom.Menu {
			w.lists++
		}
	}
	w.frames = append(w.frames, f)
	return true
}

// close ends the innermost open element.
func (w *walker) close() {
	f := w.frames[len(w.frames)-1]
	w.frames = w.frames[:len(w.frames)-1]
	if f.skip {
		w.skip--
		return
	}
	if f.pre {
		w.pre--
	}
	if f.cell {
		w.cell--
	}
	if f.table {
		w.tables = w.tables[:len(w.tables)-1]
	}
	if f.a == atom.Ul || f.a == atom.Ol || f.a == atom.Dl || f.a == atom.Menu {
		if w.lists--; w.lists == 0 && w.cell == 0 {
			w.b.endRun()
		}
	}
	switch {
	case f.space:
		w.b.addSpace()
	case f.block:
		if f.kind == kindHeading {
			w.b.closeHeading(f.level)
		}
		w.ctxKnd, w.ctxTpl = f.outer, f.outTmpl
		w.b.open(w.ctxKnd, w.ctxTpl)
	}
}

// textNode writes character data.
func (w *walker) textNode(s string) {
	if w.skip > 0 {
		return
	}
	if w.pre > 0 {
		w.b.verbatim(s)
	} else {
		w.b.text(s)
	}
}

// tree walks a parsed document without recursion.
func (w *walker) tree(root *html.Node) error {
	w.walkNodes(root)
	w.b.flush()
	return w.ctx.Err()
}

// walkNodes walks the subtree of root, depth first, with no recursion.
func (w *walker) walkNodes(root *html.Node) {
	n := root
	for n != nil {
		if w.checkCtx() != nil {
			return
		}
		descend := true
		switch n.Type {
		case html.ElementNode:
			descend = w.open(n.DataAtom, n.Data, n.Attr, w.layout[n])
		case html.TextNode:
			w.textNode(n.Data)
		}
		if descend && n.FirstChild != nil && (n.Type == html.ElementNode || n.Type == html.DocumentNode) {
			n = n.FirstChild
			continue
		}
		for n != nil {
			if n.Type == html.ElementNode {
				w.close()
			}
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
}

// prescanTree finds whether the document has an h1, its <title>, and
// which tables are for layout: those holding another table, a heading, or
// a cell with three or more blocks. Layout tables are read as plain blocks,
// so a page laid out in one big cell keeps its paragraphs and headings.
func (w *walker) prescanTree(root *html.Node) (hasH1 bool, title string) {
	w.layout = map[*html.Node]bool{}
	type cellCount struct {
		table  int // index in tables when the cell opened
		blocks int
	}
	var tables []*html.Node
	var cells []cellCount
	markTop := func() {
		if len(tables) > 0 {
			w.layout[tables[len(tables)-1]] = true
		}
	}
	n := root
	for n != nil {
		if n.Type == html.ElementNode {
			switch a := n.DataAtom; {
			case a == atom.H1:
				hasH1 = true
				markTop()
			case a == atom.Title && title == "" && n.Namespace == "":
				var sb strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.TextNode {
						sb.WriteString(c.Data)
					}
				}
				title = strings.Join(strings.Fields(sb.String()), " ")
			case a == atom.Table:
				markTop()
				tables = append(tables, n)
			case a == atom.Td || a == atom.Th:
				cells = append(cells, cellCount{table: len(tables)})
			case headingLevel[a] > 0:
				markTop()
			case blockElements[a] || a == atom.Li || a == atom.Pre:
				if k := len(cells) - 1; k >= 0 && cells[k].table == len(tables) {
					cells[k].blocks++
					if cells[k].blocks >= 3 {
						markTop()
					}
				}
			}
		}
		if n.FirstChild != nil && n.Type != html.TextNode {
			n = n.FirstChild
			continue
		}
		for n != nil {
			if n.Type == html.ElementNode {
				switch n.DataAtom {
				case atom.Table:
					if len(tables) > 0 && tables[len(tables)-1] == n {
						tables = tables[:len(tables)-1]
					}
				case atom.Td, atom.Th:
					if len(cells) > 0 {
						cells = cells[:len(cells)-1]
					}
				}
			}
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
	return hasH1, title
}

// maxTokenDepth is the most elements the token reader keeps open.
const maxTokenDepth = 1024

// tokens reads a document with the tokenizer alone, for HTML nested too
// deeply for a tree. End tags close the matching open element (and those
// inside it); a new li, dt/dd, tr, td/th or p closes an open one of its kind
// within its list, table or row, as the tree builder would.
//
// Past maxTokenDepth open elements a start tag opens nothing: the element
// is transparent, its text joining the block it lies in, and its end tag
// is counted off. A frame per element of a million nested <div>s took
// 870 MB; the depth now bounds the memory, whatever the nesting.
func (w *walker) tokens(src string) error {
	z := html.NewTokenizer(strings.NewReader(src))
	deeper := 0 // elements open past maxTokenDepth
	for {
		if err := w.checkCtx(); err != nil {
			return err
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			for len(w.frames) > 0 {
				w.close()
			}
			w.b.flush()
			return w.ctx.Err()
		case html.TextToken:
			w.textNode(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			a := t.DataAtom
			if a == atom.Head {
				continue // its end is often implied; its title, style and script are dropped one by one
			}
			if len(w.frames) >= maxTokenDepth && tt == html.StartTagToken && !voidElements[a] {
				deeper++
				continue
			}
			w.impliedClose(a)
			w.open(a, t.Data, t.Attr, false)
			if tt == html.SelfClosingTagToken || voidElements[a] {
				w.close()
			}
		case html.EndTagToken:
			if deeper > 0 {
				deeper--
				continue
			}
			name, _ := z.TagName()
			w.closeTo(atom.Lookup(name), string(name))
		}
	}
}

// closeTo closes open elements down to and including the innermost one
// named name; an end tag with no open element is ignored.
func (w *walker) closeTo(a atom.Atom, name string) {
	for i := len(w.frames) - 1; i >= 0 && i >= len(w.frames)-1024; i-- {
		if f := w.frames[i]; f.a == a && (a != 0 || f.name == name) {
			for len(w.frames) > i {
				w.close()
			}
			return
		}
	}
}

// impliedClose closes an element that a start tag of a ends implicitly.
func (w *walker) impliedClose(a atom.Atom) {
	var target []atom.Atom
	var stop []atom.Atom
	switch a {
	case atom.Li:
		target, stop = []atom.Atom{atom.Li}, []atom.Atom{atom.Ul, atom.Ol, atom.Menu, atom.Table}
	case atom.Dt, atom.Dd:
		target, stop = []atom.Atom{atom.Dt, atom.Dd}, []atom.Atom{atom.Dl, atom.Table}
	case atom.Tr:
		target, stop = []atom.Atom{atom.Tr}, []atom.Atom{atom.Table}
	case atom.Td, atom.Th:
		target, stop = []atom.Atom{atom.Td, atom.Th}, []atom.Atom{atom.Tr, atom.Table}
	default:
		if a != atom.P && !blockElements[a] && headingLevel[a] == 0 && a != atom.Pre && a != atom.Table {
			return
		}
		target, stop = []atom.Atom{atom.P}, []atom.Atom{atom.Div, atom.Td, atom.Th, atom.Li, atom.Table, atom.Blockquote, atom.Body}
	}
	for i := len(w.frames) - 1; i >= 0 && i >= len(w.frames)-64; i-- {
		fa := w.frames[i].a
		if contains(target, fa) {
			for len(w.frames) > i {
				w.close()
			}
			return
		}
		if contains(stop, fa) {
			return
		}
	}
}

func contains(as []atom.Atom, a atom.Atom) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// prescanTokens finds whether a token stream has an h1 and its title.
func prescanTokens(src string) (hasH1 bool, title string) {
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return hasH1, title
		case html.StartTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.H1:
				hasH1 = true
			case atom.Title:
				if title == "" && z.Next() == html.TextToken {
					title = strings.Join(strings.Fields(html.UnescapeString(string(z.Raw()))), " ")
				}
			}
		}
	}
}
