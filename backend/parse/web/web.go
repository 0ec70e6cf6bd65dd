// Package web parses HTML and XHTML (with golang.org/x/net/html), EPUB
// books (a ZIP of XHTML chapters, read through package ziplimit) and
// Markdown (with github.com/yuin/goldmark) into core.Documents of plain,
// readable text.
//
// All three formats share one text builder, so they read alike:
//
//   - Each block (paragraph, heading, list item, table cell, code block) is
//     one core.Location whose Path is the heading path (h1 › h2 › ...) and
//     whose Paragraph counts the non-table blocks of the document (of the
//     chapter, for EPUB). Table cells carry Table, Row and Col instead.
//   - Blocks are separated by a blank line, except consecutive list items and
//     consecutive table rows, which are one per line. The cells of a row share
//     one line, separated by "\t" (one tab per column, so empty cells keep
//     their place).
//   - Whitespace runs collapse to one space (non-breaking spaces included),
//     except in <pre> and Markdown code blocks, which are kept verbatim.
//   - Scripts, styles, <head>, <template>, <noscript>, <iframe>, <svg>,
//     form controls' content and hidden elements (the hidden attribute,
//     aria-hidden="true", style="display:none") are dropped. An image adds
//     its alt text. When a document has no h1, its <title> (for EPUB, the
//     chapter's table-of-contents title) becomes the first level of the path.
//
// HTML's character encoding comes from a byte-order mark, an XML
// declaration, a <meta charset> or http-equiv Content-Type, and otherwise
// from the bytes: UTF-8 when valid, Windows-1252 when not. HTML nested more
// than 512 elements deep, which x/net/html refuses to build a tree for, is
// read with its tokenizer instead. Markdown front matter (--- YAML --- at the
// very top) is kept verbatim as one location with Part "front matter", and
// its title: becomes the first level of the path when there is no h1.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/ziplimit"
)

// DefaultMaxBytes is the size limit for HTML and Markdown files used when
// Config.MaxBytes is zero.
const DefaultMaxBytes = 256 << 20 // 256 MiB

// PartFrontMatter is the Location.Part of a Markdown file's front matter.
const PartFrontMatter = "front matter"

// Extensions are the file extensions this parser handles.
var Extensions = []string{".html", ".htm", ".xhtml", ".epub", ".md", ".markdown"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// MaxBytes is the largest HTML or Markdown file accepted; larger files
	// fail with core.ErrTooLarge. Zero means DefaultMaxBytes.
	MaxBytes int64
	// Zip bounds what is inflated from an EPUB; zero fields mean the
	// ziplimit defaults.
	Zip ziplimit.Limits
}

// Parser reads HTML, XHTML, EPUB and Markdown files. It is safe for
// concurrent use.
type Parser struct {
	cfg Config
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	return &Parser{cfg: cfg}
}

// Parse reads path, choosing the format by its extension (".epub", ".md"
// and ".markdown"; anything else is read as HTML), except that a ZIP file
// is always read as an EPUB, whatever its name. Format is "epub", "md"
// or "html". A file without text fails with core.ErrEmpty, a DRM-protected
// EPUB with core.ErrEncrypted, a damaged one with core.ErrCorrupt and one
// over the limits with core.ErrTooLarge.
func (p *Parser) Parse(ctx context.Context, path string) (doc core.Document, err error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			doc, err = core.Document{}, fmt.Errorf("parse %s: %w: parser crashed: %v", path, core.ErrCorrupt, r)
		}
	}()
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".epub" && isZip(path) {
		ext = ".epub" // the registry sniffed an EPUB behind another extension
	}
	switch ext {
	case ".epub":
		doc, err = p.parseEPUB(ctx, path)
	case ".md", ".markdown":
		doc, err = p.parseMarkdownFile(ctx, path)
	default:
		doc, err = p.parseHTMLFile(ctx, path)
	}
	if err != nil {
		return core.Document{}, err
	}
	if strings.TrimSpace(doc.Text) == "" {
		return core.Document{}, fmt.Errorf("parse %s: %w: no text found", path, core.ErrEmpty)
	}
	return doc, nil
}

func (p *Parser) parseHTMLFile(ctx context.Context, path string) (core.Document, error) {
	raw, err := p.readFile(path)
	if err != nil {
		return core.Document{}, err
	}
	xhtml := strings.EqualFold(filepath.Ext(path), ".xhtml")
	b := newBuilder()
	if err := extractHTML(ctx, b, raw, htmlOptions{xhtml: xhtml, useTitle: true}); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return b.document(path, "html"), nil
}

func (p *Parser) parseMarkdownFile(ctx context.Context, path string) (core.Document, error) {
	raw, err := p.readFile(path)
	if err != nil {
		return core.Document{}, err
	}
	b := newBuilder()
	if err := extractMarkdown(ctx, b, raw); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return b.document(path, "md"), nil
}

// isZip reports whether the file starts with a ZIP local-file header.
func isZip(path string) bool {
	f, err := parse.OpenFile(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4)
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == "PK\x03\x04"
}

// readFile reads a whole file, refusing one over MaxBytes.
func (p *Parser) readFile(path string) ([]byte, error) {
	max := p.cfg.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := parse.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return nil, fmt.Errorf("parse %s: %w: %d bytes (limit %d)", path, core.ErrTooLarge, fi.Size(), max)
	}
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if int64(len(raw)) > max {
		return nil, fmt.Errorf("parse %s: %w: more than %d bytes", path, core.ErrTooLarge, max)
	}
	return raw, nil
}

// isLimit reports whether err is a limit or cancellation that must stop the
// whole parse rather than be recorded as a warning.
func isLimit(err error) bool {
	return errors.Is(err, core.ErrTooLarge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
