// Package office parses word-processing and presentation files into
// core.Documents: Office Open XML (.docx, .docm, .pptx, .pptm) and
// OpenDocument (.odt, .odp), read with encoding/xml over the ZIP container
// (opened through package ziplimit, so zip bombs fail with
// core.ErrTooLarge), plus OLE2 compound files read with
// github.com/richardlehane/mscfb: Word 97-2003 .doc (word97.go), PowerPoint
// 97-2003 .ppt (ppt97.go) and Excel 97-2003 .xls (the BIFF8 records are read
// by package sheet, with .xlsx's locations); Outlook .msg properties are
// read by ReadMessage for package mail. Encrypted compound files (legacy
// files with their encryption flag, password-protected OOXML) fail with
// core.ErrEncrypted, Word 6/95 and Excel 5/95 files with core.ErrUnsupported.
//
// The parser decides by content, not by name: a ZIP is a word-processing
// document when its package relationships point into word/ (or it holds
// word/document.xml), a presentation when they point into ppt/ (or it holds
// ppt/presentation.xml), and an OpenDocument file by its mimetype entry (or
// the first child of office:body). A ZIP that holds none of these fails with
// core.ErrCorrupt; one that holds a spreadsheet or an EPUB with
// core.ErrUnsupported.
//
// Text follows the conventions of Apache POI's extractors: one line per
// paragraph, "\t" between table cells and one line per table row, "\t" for
// tabs and "\n" for line breaks, "|X|" and "|_|" for check boxes, ruby as
// "base (guide)". Elements are matched by local name, so ISO Strict and
// Transitional namespaces both work. Where Folio differs from POI, it is on
// purpose: deleted revisions (w:del) are dropped, the paragraphs of one
// table cell are joined with a space (POI uses "\t", which reads as extra
// columns), note references leave no "[footnoteRef:1]" marker, notes and
// comments come after the body instead of after the paragraph citing them,
// and speaker notes are only the notes body (not the slide-number
// placeholder).
//
// Word documents (.docx, .doc) and ODT put their headers first (first-page
// before default, in the order the sections reference them; a .doc's in
// its header story's order), then the body, then
// footers, footnotes, endnotes and comments, each of those with Locations
// of the matching core.Part*. Presentations give each slide's shapes in
// order, then its speaker notes (core.PartNotes), then a blank line; text
// of slide masters and layouts never appears. Locations carry the heading
// path (DOCX, ODT, and DOC from its built-in heading styles), the paragraph
// number within its part, the slide and shape name (PPTX, ODP; "Title" for
// a PPT title) and table coordinates.
package office

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/ziplimit"
)

// Defaults used for zero fields of Config.
const (
	DefaultMaxTextBytes = 64 << 20 // extracted text of one document
	DefaultMaxDepth     = 256      // XML element nesting that is walked
	// DefaultMaxStreamBytes bounds what is read from the streams of an
	// OLE2 compound file (legacy .doc, .ppt, .xls, Outlook .msg).
	DefaultMaxStreamBytes = 256 << 20
)

// Extensions are the file extensions this parser handles: with the legacy
// binary formats their templates (.dot, .xlt, .pot) and slide shows (.pps).
// ".cfb" is what parse.Sniff returns for any OLE2 compound file.
var Extensions = []string{".docx", ".docm", ".pptx", ".pptm", ".odt", ".odp", ".doc", ".dot", ".xls", ".xlt", ".ppt", ".pot", ".pps", ".cfb"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// Zip bounds what is inflated from the ZIP container; zero fields mean
	// the ziplimit defaults. Exceeding them fails with core.ErrTooLarge.
	Zip ziplimit.Limits
	// MaxTextBytes bounds the extracted text; a document producing more
	// fails with core.ErrTooLarge. Zero means DefaultMaxTextBytes.
	MaxTextBytes int
	// MaxDepth bounds the XML nesting depth that is walked; deeper elements
	// are skipped. Zero means DefaultMaxDepth.
	MaxDepth int
	// MaxStreamBytes bounds the bytes read from the streams of an OLE2
	// compound file; more fails with core.ErrTooLarge. Zero means
	// DefaultMaxStreamBytes.
	MaxStreamBytes int64
	// MaxCells bounds the cells read from a legacy .xls workbook; zero
	// means the sheet package's default.
	MaxCells int
}

// Parser reads Office and OpenDocument files. It is safe for concurrent use:
// each call opens its own reader.
type Parser struct {
	cfg Config
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxTextBytes <= 0 {
		cfg.MaxTextBytes = DefaultMaxTextBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxStreamBytes <= 0 {
		cfg.MaxStreamBytes = DefaultMaxStreamBytes
	}
	return &Parser{cfg: cfg}
}

// container is the part of a ZIP archive the format readers need;
// *ziplimit.Archive implements it, and tests use an in-memory map.
type container interface {
	Read(name string) ([]byte, error)
	Has(name string) bool
}

// Kinds of ZIP documents.
const (
	kindNone = ""
	kindDOCX = "docx"
	kindPPTX = "pptx"
	kindODT  = "odt"
	kindODP  = "odp"
	kindXLSX = "xlsx"
	kindODS  = "ods"
	kindEPUB = "epub"
)

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = []byte("PK")
)

// Parse reads path and returns its text. Format is "docx", "pptx", "odt" or
// "odp" after what the content holds, whatever the file is named.
func (p *Parser) Parse(ctx context.Context, path string) (doc core.Document, err error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			doc = core.Document{}
			err = fmt.Errorf("parse %s: %w: parser crashed: %v", path, core.ErrCorrupt, r)
		}
	}()
	head, err := readHead(path, 8)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	switch {
	case len(head) == 0:
		return core.Document{}, fmt.Errorf("parse %s: %w: empty file", path, core.ErrEmpty)
	case bytes.HasPrefix(head, oleMagic):
		return p.parseCFB(ctx, path)
	case !bytes.HasPrefix(head, zipMagic):
		return core.Document{}, fmt.Errorf("parse %s: %w: not an Office or OpenDocument file (no ZIP or OLE2 signature)", path, core.ErrCorrupt)
	}
	a, err := ziplimit.Open(path, p.cfg.Zip)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer a.Close()
	doc, err = p.parseContainer(ctx, a, strings.ToLower(filepath.Ext(path)))
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	doc.Path = path
	return doc, nil
}

// parseContainer detects what the archive holds and extracts it. ext is the
// lower-cased file extension, used only to word the error for a ZIP that is
// no document at all.
func (p *Parser) parseContainer(ctx context.Context, a container, ext string) (core.Document, error) {
	var (
		doc core.Document
		err error
	)
	switch kind := detectKind(a); kind {
	case kindDOCX:
		doc, err = p.parseDOCX(ctx, a)
	case kindPPTX:
		doc, err = p.parsePPTX(ctx, a)
	case kindODT, kindODP:
		doc, err = p.parseODF(ctx, a, kind)
	case kindXLSX, kindODS, kindEPUB:
		return core.Document{}, fmt.Errorf("%w: the file holds a %s document, which this parser does not read", core.ErrUnsupported, kind)
	default:
		return core.Document{}, fmt.Errorf("%w: %s", core.ErrCorrupt, missingMainPart(ext))
	}
	if err != nil {
		return core.Document{}, err
	}
	if strings.TrimSpace(doc.Text) == "" {
		return core.Document{}, fmt.Errorf("%w: the document holds no text", core.ErrEmpty)
	}
	doc.Title = propertiesTitle(a)
	return doc, nil
}

// propertiesTitle returns the title and subject of the document's
// properties (Office docProps/core.xml, OpenDocument meta.xml), joined by
// " — "; "" when it states none or the part is unreadable (the
// properties are optional, so they never fail a parse).
func propertiesTitle(a container) string {
	for _, part := range []string{"docProps/core.xml", "meta.xml"} {
		if !a.Has(part) {
			continue
		}
		b, err := a.Read(part)
		if err != nil {
			return ""
		}
		var props struct {
			Title   string `xml:"title"`
			Subject string `xml:"subject"`
			Meta    struct {
				Title   string `xml:"title"`
				Subject string `xml:"subject"`
			} `xml:"meta"`
		}
		if xml.Unmarshal(b, &props) != nil {
			return ""
		}
		var parts []string
		for _, t := range []string{props.Title, props.Subject, props.Meta.Title, props.Meta.Subject} {
			if t = strings.Join(strings.Fields(t), " "); t != "" && len(parts) < 2 {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, " — ")
	}
	return ""
}

func missingMainPart(ext string) string {
	switch ext {
	case ".pptx", ".pptm":
		return "no main presentation part (ppt/presentation.xml); not a valid " + ext
	case ".odt", ".odp":
		return "no OpenDocument content (mimetype, content.xml); not a valid " + ext
	case ".docx", ".docm":
		return "no main document part (word/document.xml); not a valid " + ext
	}
	return "no main document part (word/document.xml, ppt/presentation.xml or OpenDocument content.xml); not a valid Office document"
}

func readHead(path string, n int) ([]byte, error) {
	f, err := parse.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:m], nil
}

// detectKind tells what document a ZIP container holds, by its content.
func detectKind(a container) string {
	// The package relationships name the main part of an OOXML package.
	if rels, err := readRels(a, ""); err == nil {
		for _, r := range rels {
			if !strings.HasSuffix(r.Type, "/officeDocument") || r.Target == "" || !a.Has(r.Target) {
				continue
			}
			switch {
			case strings.HasPrefix(r.Target, "word/"):
				return kindDOCX
			case strings.HasPrefix(r.Target, "ppt/"):
				return kindPPTX
			case strings.HasPrefix(r.Target, "xl/"):
				return kindXLSX
			}
		}
	}
	switch {
	case a.Has("word/document.xml"):
		return kindDOCX
	case a.Has("ppt/presentation.xml"):
		return kindPPTX
	case a.Has("xl/workbook.xml"):
		return kindXLSX
	}
	if a.Has("mimetype") {
		if b, err := a.Read("mimetype"); err == nil {
			switch strings.TrimSpace(string(b)) {
			case "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text-template":
				return kindODT
			case "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.presentation-template":
				return kindODP
			case "application/vnd.oasis.opendocument.spreadsheet":
				return kindODS
			case "application/epub+zip":
				return kindEPUB
			}
		}
	}
	if a.Has("content.xml") {
		// An OpenDocument file without (or with an odd) mimetype: the
		// first child of office:body says what it is.
		if b, err := a.Read("content.xml"); err == nil {
			switch odfBodyKind(b) {
			case "text":
				return kindODT
			case "presentation":
				return kindODP
			case "spreadsheet":
				return kindODS
			}
		}
	}
	return kindNone
}

// rel is one relationship of an OOXML part, with Target resolved to a part
// name inside the package. External targets are never kept.
type rel struct {
	ID, Type, Target string
}

// relsName returns the relationships part of part ("" for the package).
func relsName(part string) string {
	dir, file := path.Split(part)
	return dir + "_rels/" + file + ".rels"
}

// readRels reads the relationships of part ("" for the package itself). A
// missing relationships part is not an error: it yields no relationships.
func readRels(a container, part string) ([]rel, error) {
	name := relsName(part)
	if !a.Has(name) {
		return nil, nil
	}
	data, err := a.Read(name)
	if err != nil {
		return nil, err
	}
	d := newDecoder(data)
	var out []rel
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("%w: %s: %v", core.ErrCorrupt, name, err)
		}
		se, ok := tok.(startElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		if strings.EqualFold(attr(se, "TargetMode"), "External") {
			continue
		}
		target := resolveTarget(part, attr(se, "Target"))
		if target == "" {
			continue
		}
		out = append(out, rel{ID: attr(se, "Id"), Type: attr(se, "Type"), Target: target})
	}
}

// resolveTarget turns a relationship target into a part name, or "" when it
// points outside the package.
func resolveTarget(source, target string) string {
	if target == "" {
		return ""
	}
	if strings.Contains(target, "%") {
		if t, err := urlPathUnescape(target); err == nil {
			target = t
		}
	}
	if i := strings.IndexAny(target, "#?"); i >= 0 {
		target = target[:i]
	}
	if strings.Contains(target, "://") {
		return ""
	}
	var full string
	if strings.HasPrefix(target, "/") {
		full = path.Clean(target)
	} else {
		full = path.Join(path.Dir("/"+source), target)
	}
	full = strings.TrimPrefix(full, "/")
	if full == "" || full == "." || strings.HasPrefix(full, "../") {
		return ""
	}
	return full
}

// relByType returns the targets of the relationships whose type ends in
// "/"+suffix, in document order.
func relByType(rels []rel, suffix string) []string {
	var out []string
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/"+suffix) {
			out = append(out, r.Target)
		}
	}
	return out
}

// builder accumulates Document.Text and its Locations (parse.TextBuilder).
type builder = parse.TextBuilder

func newBuilder(max int) *builder { return parse.NewTextBuilder(max) }

// cloneOrNil copies a heading path so later changes do not alias it.
func cloneOrNil(p []string) []string {
	if len(p) == 0 {
		return nil
	}
	return append([]string(nil), p...)
}

// headingPath tracks the current heading path while blocks are emitted.
type headingPath struct {
	levels []int
	names  []string
	cur    []string // copy of names handed out to locations; nil after a change
}

// push makes name the heading at level, closing deeper or equal headings.
func (h *headingPath) push(level int, name string) {
	for len(h.levels) > 0 && h.levels[len(h.levels)-1] >= level {
		h.levels = h.levels[:len(h.levels)-1]
		h.names = h.names[:len(h.names)-1]
	}
	h.levels = append(h.levels, level)
	h.names = append(h.names, name)
	h.cur = nil
}

// path returns the current heading path. Locations share the returned
// slice until the path changes; nobody may modify it.
func (h *headingPath) path() []string {
	if h.cur == nil {
		h.cur = cloneOrNil(h.names)
	}
	return h.cur
}

// headingName is the text of a heading as it appears in a path: whitespace
// collapsed and at most 200 bytes, cut at a rune boundary.
func headingName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
