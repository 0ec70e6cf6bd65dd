// Package pdf parses PDF files into core.Documents with
// github.com/ledongthuc/pdf, the only package in Folio that imports it.
//
// Text is extracted page by page (the library's whole-document
// GetPlainText garbles later pages). Each page's lines are rebuilt from glyph
// positions, inserting a space where the gap between glyphs exceeds about
// 0.2 em, because the library ignores TJ kerning and LaTeX words would run
// together otherwise; when the glyph path fails a page falls back to the
// library's plain-text extraction. Every call into the library is guarded
// with recover, but the library can also hang or exhaust memory on hostile
// files, which no recover catches: run this parser in a child process (see
// package isolate) for files you do not trust.
package pdf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	lpdf "github.com/ledongthuc/pdf"

	"folio/backend/core"
)

// DefaultMaxBytes is the size limit used when Config.MaxBytes is zero.
const DefaultMaxBytes = 512 << 20 // 512 MiB

// PageSeparator joins the text of consecutive pages in Document.Text.
const PageSeparator = "\n\n"

// maxMissingRun is how many consecutive pages may be missing from the page
// tree (a lying /Count) before the parser stops looking for more.
const maxMissingRun = 50

// Extensions are the file extensions this parser handles.
var Extensions = []string{".pdf"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// MaxBytes is the largest file accepted; larger files fail with
	// core.ErrTooLarge. Zero means DefaultMaxBytes.
	MaxBytes int64
}

// Parser extracts the text layer of PDF files. It is safe for concurrent
// use: each call opens its own reader.
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

// Parse extracts the text of every page of the PDF at path. Pages are joined
// with PageSeparator and Document.Pages holds each page's byte range.
// Pages without text produce a warning; a file without any text fails with
// core.ErrEmpty, one that needs a password with core.ErrEncrypted, and one the
// library cannot read with core.ErrCorrupt.
func (p *Parser) Parse(ctx context.Context, path string) (core.Document, error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	max := p.cfg.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if fi.Size() > max {
		return core.Document{}, fmt.Errorf("parse %s: %w (%d bytes, limit %d)", path, core.ErrTooLarge, fi.Size(), max)
	}

	r, err := openReader(f, fi.Size())
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	var n int
	if err := safely(func() { n = r.NumPage() }); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w: reading page count: %v", path, core.ErrCorrupt, err)
	}
	if n <= 0 {
		// /Count is missing or wrong: walk the tree until a page is missing.
		n = probePages(r)
		if n == 0 {
			return core.Document{}, fmt.Errorf("parse %s: %w: no pages in the page tree", path, core.ErrCorrupt)
		}
	}

	doc := core.Document{Path: path, Format: "pdf"}
	var b strings.Builder
	var firstErr error
	withText, missingRun := 0, 0
	for num := 1; num <= n; num++ {
		if err := ctx.Err(); err != nil {
			return core.Document{}, fmt.Errorf("parse %s: page %d: %w", path, num, err)
		}
		txt, warn, err := pageText(r, num)
		if errors.Is(err, errMissingPage) {
			missingRun++
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: missing from the page tree", num))
			if missingRun >= maxMissingRun && num < n {
				doc.Warnings = append(doc.Warnings, fmt.Sprintf("pages %d-%d: not read after %d missing pages in a row", num+1, n, missingRun))
				break
			}
			continue
		}
		missingRun = 0
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("page %d: %v", num, err)
			}
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: text extraction failed: %v", num, err))
		} else if warn != "" {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s", num, warn))
		}
		if err == nil && strings.TrimSpace(txt) == "" {
			txt = ""
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: no text layer (needs OCR)", num))
		}
		if txt != "" {
			withText++
		}
		if len(doc.Pages) > 0 {
			b.WriteString(PageSeparator)
		}
		start := b.Len()
		b.WriteString(txt)
		doc.Pages = append(doc.Pages, core.PageSpan{Page: num, Start: start, End: b.Len()})
	}
	if withText == 0 {
		if firstErr != nil {
			return core.Document{}, fmt.Errorf("parse %s: %w: %v", path, core.ErrCorrupt, firstErr)
		}
		return core.Document{}, fmt.Errorf("parse %s: %w: no text layer on any of %d pages (scanned? needs OCR)", path, core.ErrEmpty, n)
	}
	doc.Text = b.String()
	return doc, nil
}

// openReader opens r with the library, trying the empty user password once,
// and translates its errors into core sentinels.
func openReader(f *os.File, size int64) (*lpdf.Reader, error) {
	var r *lpdf.Reader
	var err error
	crash := safely(func() {
		r, err = lpdf.NewReaderEncrypted(f, size, func() string { return "" })
	})
	if crash != nil {
		return nil, fmt.Errorf("%w: %v", core.ErrCorrupt, crash)
	}
	if err != nil {
		if errors.Is(err, lpdf.ErrInvalidPassword) || strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return nil, fmt.Errorf("%w: %v", core.ErrEncrypted, err)
		}
		return nil, fmt.Errorf("%w: %v", core.ErrCorrupt, err)
	}
	if r == nil {
		return nil, fmt.Errorf("%w: library returned no reader", core.ErrCorrupt)
	}
	return r, nil
}

// maxProbe bounds probePages.
const maxProbe = 100000

// probePages counts pages by fetching them one by one, for files whose page
// tree has no usable /Count.
func probePages(r *lpdf.Reader) int {
	n := 0
	for n < maxProbe {
		var pg lpdf.Page
		if err := safely(func() { pg = r.Page(n + 1) }); err != nil || pg.V.IsNull() {
			break
		}
		n++
	}
	return n
}

var errMissingPage = errors.New("page missing from the page tree")

// pageText returns the text of page num, a non-fatal warning, or an error.
func pageText(r *lpdf.Reader, num int) (text, warn string, err error) {
	var pg lpdf.Page
	if err := safely(func() { pg = r.Page(num) }); err != nil {
		return "", "", err
	}
	if pg.V.IsNull() {
		return "", "", errMissingPage
	}
	var glyphs []lpdf.Text
	gerr := safely(func() { glyphs = pg.Content().Text })
	if gerr == nil {
		return layout(glyphs), "", nil
	}
	var plain string
	var perr error
	if crash := safely(func() { plain, perr = pg.GetPlainText(nil) }); crash != nil {
		perr = crash
	}
	if perr != nil {
		return "", "", fmt.Errorf("%v; plain-text fallback: %v", gerr, perr)
	}
	return cleanText(plain), fmt.Sprintf("glyph layout failed (%v); used plain text", gerr), nil
}

// safely runs f and turns a panic into an error.
func safely(f func()) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("parser crashed: %v", x)
		}
	}()
	f()
	return nil
}
