// Package pdf parses PDF files into core.Documents. It reads the file's
// objects with github.com/ledongthuc/pdf, the only package in Folio that
// imports it, and lays out the text itself.
//
// The library's own text extraction is not used: it reports zero widths for
// CID and standard-14 fonts, ignores TJ kerning, word spacing, horizontal
// scaling, Form XObjects, rotation and the CropBox, and is slow. Instead a
// text-state interpreter (interp.go) runs each page's content streams,
// decoded by the library, with fonts read once per font dictionary
// (font.go: /Widths, /W, standard-14 AFM metrics, ToUnicode and encoding
// CMaps, glyph names). It yields glyphs with their user-space positions;
// layout.go builds words from gaps, lines from baselines in the page's
// display orientation, and a reading order that reads text columns one
// after the other. Every word in Document.Text has a core.Box with its
// rectangle on the page.
//
// Pages are extracted one by one, each with a time budget. Every call into
// the library is guarded with recover, but the library can also hang or
// exhaust memory on hostile files, which no recover catches: run this parser
// in a child process (see package isolate) for files you do not trust.
// Files the library cannot open, and encrypted ones, are first rewritten by
// qpdf (package qpdf) when it is available.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/ledongthuc/pdf"
	lpdf "github.com/ledongthuc/pdf"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/ocr"
	"folio/backend/parse/qpdf"
)

// Defaults used for zero Config fields.
const (
	DefaultMaxBytes    = 512 << 20 // 512 MiB
	DefaultPageTimeout = 10 * time.Second
	DefaultMaxGlyphs   = 200000
	DefaultMaxOps      = 5000000
)

// PageSeparator joins the text of consecutive pages in Document.Text.
const PageSeparator = "\n\n"

// maxContentBytes bounds the decoded content (page and forms) read per page.
const maxContentBytes = 64 << 20

// Extensions are the file extensions this parser handles.
var Extensions = []string{".pdf"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// MaxBytes is the largest file accepted; larger files fail with
	// core.ErrTooLarge. Zero means DefaultMaxBytes.
	MaxBytes int64
	// PageTimeout is the time budget of one page; a page over it is
	// abandoned with a warning. Zero means DefaultPageTimeout.
	PageTimeout time.Duration
	// MaxGlyphs is the most glyphs read from one page; the rest of the
	// page is skipped with a warning. Zero means DefaultMaxGlyphs.
	MaxGlyphs int
	// MaxOps is the most content-stream operators run for one page
	// (Form XObjects included). Zero means DefaultMaxOps.
	MaxOps int
	// NoOCR leaves pages without a text layer unread ("needs OCR")
	// even where OCR is available (see ocr.go).
	NoOCR bool
	// OCRDPI is the resolution pages are rendered at for OCR. Zero means
	// DefaultOCRDPI.
	OCRDPI int
	// OCRPageTimeout is one page's OCR budget. Zero means
	// DefaultOCRPageTimeout.
	OCRPageTimeout time.Duration
	// OCRLanguages are the Tesseract language packs to read with; empty
	// means English plus the system locale's language, where installed.
	OCRLanguages []string
	// OCRCache, when set, keeps what OCR read by the rendered page's
	// content, so a page read before is not read again (see ocr.Cache).
	OCRCache ocr.Cache
	// Progress, when set, is called before a page is read by OCR with its
	// number and the document's page count.
	Progress func(page, pages int)
}

// rewriter turns a PDF the library cannot read (damaged, encrypted, PDF
// 2.0) into a classic one. Package qpdf implements it.
type rewriter interface {
	Available() bool
	Rewrite(ctx context.Context, in, out, password string) error
}

type qpdfRewriter struct{}

func (qpdfRewriter) Available() bool { return qpdf.Available() }

func (qpdfRewriter) Rewrite(ctx context.Context, in, out, password string) error {
	_, err := qpdf.Rewrite(ctx, in, out, password)
	return err
}

// Parser extracts the text layer of PDF files. It is safe for concurrent
// use: each call opens its own reader.
type Parser struct {
	cfg Config
	rw  rewriter // nil: no pre-pass
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.PageTimeout <= 0 {
		cfg.PageTimeout = DefaultPageTimeout
	}
	if cfg.MaxGlyphs <= 0 {
		cfg.MaxGlyphs = DefaultMaxGlyphs
	}
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = DefaultMaxOps
	}
	if cfg.OCRDPI <= 0 {
		cfg.OCRDPI = DefaultOCRDPI
	}
	if cfg.OCRPageTimeout <= 0 {
		cfg.OCRPageTimeout = DefaultOCRPageTimeout
	}
	return &Parser{cfg: cfg, rw: qpdfRewriter{}}
}

// Parse extracts the text of every page of the PDF at path. Pages are joined
// with PageSeparator; Document.Pages holds each page's byte range, visible
// box and rotation, and Document.Boxes each word's rectangle. Pages without
// text produce a warning; a file without any text fails with core.ErrEmpty,
// one that needs a password with core.ErrEncrypted, and one that cannot be
// read with core.ErrCorrupt.
func (p *Parser) Parse(ctx context.Context, path string) (core.Document, error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	cfg := p.cfg
	if cfg.MaxBytes <= 0 {
		cfg = New(cfg).cfg
	}
	fi, err := os.Stat(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if fi.Size() > cfg.MaxBytes {
		return core.Document{}, fmt.Errorf("parse %s: %w (%d bytes, limit %d)", path, core.ErrTooLarge, fi.Size(), cfg.MaxBytes)
	}

	canRewrite := p.rw != nil && p.rw.Available()
	doc, err := p.parseFile(ctx, path, path, !canRewrite)
	if !canRewrite || !(errors.Is(err, core.ErrCorrupt) || errors.Is(err, core.ErrEncrypted)) {
		return doc, err
	}
	// The library could not read the file, or it is encrypted (the
	// library's decryption is unreliable): let qpdf rewrite it.
	fallback := func() (core.Document, error) {
		if errors.Is(err, errNeedsRewrite) {
			return p.parseFile(ctx, path, path, true)
		}
		return core.Document{}, err
	}
	tmp, terr := os.CreateTemp("", "folio-pdf-*.pdf")
	if terr != nil {
		return fallback()
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)
	if rerr := p.rw.Rewrite(ctx, path, tmpPath, ""); rerr != nil {
		switch {
		case ctx.Err() != nil:
			return core.Document{}, fmt.Errorf("parse %s: %w", path, ctx.Err())
		case errors.Is(rerr, core.ErrEncrypted):
			// The library opened it with the empty password: try that.
			if errors.Is(err, errNeedsRewrite) {
				if d, ferr := fallback(); ferr == nil {
					return d, nil
				}
			}
			return core.Document{}, fmt.Errorf("parse %s: %w", path, core.ErrEncrypted)
		}
		d, ferr := fallback()
		if ferr != nil && !errors.Is(err, errNeedsRewrite) {
			ferr = fmt.Errorf("%w (qpdf: %v)", ferr, rerr)
		}
		return d, ferr
	}
	doc2, err2 := p.parseFile(ctx, tmpPath, path, true)
	if err2 != nil && !errors.Is(err2, core.ErrEmpty) && ctx.Err() == nil {
		if d, ferr := fallback(); ferr == nil {
			return d, nil
		}
	}
	if err2 != nil && !errors.Is(err2, core.ErrEmpty) && errors.Is(err, errPreflight) {
		// What preflight found (a loop, nesting too deep) is why the file
		// cannot be read; the repaired copy's failure says less.
		return core.Document{}, err
	}
	return doc2, err2
}

// errPreflight is matched by the errors of preflight: what in the file
// would make the library loop, recurse or allocate without bound.
var errPreflight = errors.New("refused before reading")

type preflightError struct{ err error }

func (e preflightError) Error() string        { return e.err.Error() }
func (e preflightError) Is(target error) bool { return target == errPreflight }

// errNeedsRewrite marks an encrypted file left for qpdf to decrypt.
var errNeedsRewrite = fmt.Errorf("%w: encrypted; decrypting with qpdf", core.ErrEncrypted)

// parseFile parses the file at file, naming it path in the document and in
// errors. With allowEncrypted false, an encrypted file fails with
// errNeedsRewrite.
func (p *Parser) parseFile(ctx context.Context, file, path string, allowEncrypted bool) (core.Document, error) {
	f, err := parse.OpenFile(file)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	r, err := openReader(f, fi.Size())
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	encrypted := false
	safely(func() { encrypted = !r.Trailer().Key("Encrypt").IsNull() })
	if encrypted && !allowEncrypted {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, errNeedsRewrite)
	}
	return p.extract(ctx, r, file, path)
}

// openReader opens r with the library, trying the empty user password once,
// and translates its errors into core sentinels.
func openReader(f *os.File, size int64) (*lpdf.Reader, error) {
	if err := preflight(f, size); err != nil {
		return nil, fmt.Errorf("%w: %w", core.ErrCorrupt, preflightError{err})
	}
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

// pageResult is what extracting one page produced.
type pageResult struct {
	text     string
	boxes    []wordBox
	spans    []cellSpan // table cells
	warnings []string
	err      error
	stopped  error // why the interpreter stopped early, if it did
	drawn    int   // glyphs drawn, whether or not they map to text
	quality  textQuality
	images   []rect // where images are drawn, in user space
}

// extract reads every page of r, the PDF at file (named path in the
// document and in errors); pages without a text layer are read by OCR
// where it is available.
func (p *Parser) extract(ctx context.Context, r *lpdf.Reader, file, path string) (core.Document, error) {
	pages, loops, err := walkPages(r)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w: reading the page tree: %v", path, core.ErrCorrupt, err)
	}
	if len(pages) == 0 {
		return core.Document{}, fmt.Errorf("parse %s: %w: no pages in the page tree", path, core.ErrCorrupt)
	}
	doc := core.Document{Path: path, Format: "pdf"}
	safely(func() { doc.Title = infoTitle(r.Trailer().Key("Info")) })
	if loops > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("page tree: skipped %d references that loop back into the tree", loops))
	}
	var count int
	safely(func() { count = int(r.Trailer().Key("Root").Key("Pages").Key("Count").Int64()) })
	if count > len(pages) && count <= maxPages {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("pages %d-%d: missing from the page tree (/Count says %d)", len(pages)+1, count, count))
	}

	fonts := newFontCache()
	var cells []core.Location
	var b strings.Builder
	var firstErr error
	withText, unmapped := 0, 0
	canOCR, noOCR := false, ""
	if !p.cfg.NoOCR && ocr.Built {
		// A build without OCR says "needs OCR" alone, as it always did.
		canOCR, noOCR = ocrReady()
	}
	ocrPages := 0
	for i, pi := range pages {
		num := i + 1
		if err := ctx.Err(); err != nil {
			return core.Document{}, fmt.Errorf("parse %s: page %d: %w", path, num, err)
		}
		res, abandoned := p.runPage(ctx, pi, fonts)
		if err := ctx.Err(); err != nil {
			return core.Document{}, fmt.Errorf("parse %s: page %d: %w", path, num, err)
		}
		for _, w := range res.warnings {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s", num, w))
		}
		switch {
		case abandoned:
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: abandoned after %v", num, p.cfg.PageTimeout))
		case errors.Is(res.stopped, context.DeadlineExceeded):
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: abandoned after %v; kept the text read until then", num, p.cfg.PageTimeout))
		case res.stopped != nil:
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %v; the rest of the page is skipped", num, res.stopped))
		}
		txt := res.text
		var ocrInfo *core.PageOCR
		if res.err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("page %d: %v", num, res.err)
			}
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: text extraction failed: %v", num, res.err))
		} else if garbled := res.quality.unusable(); !abandoned && (strings.TrimSpace(txt) == "" || garbled) {
			why, counted := "no text layer", false
			switch {
			case strings.TrimSpace(txt) != "":
				// Kept unless OCR reads the page.
				q := res.quality
				why = fmt.Sprintf("%d of %d glyphs drawn in fonts without a Unicode map; the text layer is unusable", q.unmapped+q.guessed, q.mapped+q.guessed+q.unmapped)
			case res.drawn > 0:
				unmapped, counted = unmapped+1, true
				why = fmt.Sprintf("%d glyphs drawn in fonts without a Unicode map; no usable text layer", res.drawn)
			}
			switch {
			case canOCR:
				ocrPages++
				if p.cfg.Progress != nil {
					p.cfg.Progress(num, len(pages))
				}
				o, err := p.ocrPage(ctx, file, num, pi)
				if ctx.Err() != nil {
					return core.Document{}, fmt.Errorf("parse %s: page %d: OCR: %w", path, num, ctx.Err())
				}
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s; OCR abandoned after %v", num, why, p.cfg.OCRPageTimeout))
				case err != nil:
					doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s; OCR failed: %v", num, why, err))
				case strings.TrimSpace(o.text) == "":
					doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s; OCR found no words", num, why))
				default:
					txt, res.boxes, res.spans = o.text, o.boxes, nil
					ocrInfo = &o.info
					if counted {
						unmapped--
					}
				}
			case noOCR != "":
				doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s (needs OCR: %s)", num, why, noOCR))
			default:
				doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s (needs OCR)", num, why))
			}
		} else if canOCR && !abandoned {
			// The page keeps its text layer; OCR reads its pictures of words.
			if regions := imageRegions(res.images, res.boxes, pi.crop); len(regions) > 0 {
				if p.cfg.Progress != nil {
					p.cfg.Progress(num, len(pages))
				}
				rt, warns, err := p.ocrRegions(ctx, file, num, pi, regions, res.boxes)
				if err != nil {
					return core.Document{}, fmt.Errorf("parse %s: page %d: OCR: %w", path, num, err)
				}
				for _, w := range warns {
					doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s", num, w))
				}
				if len(rt.regions) > 0 {
					txt, res.boxes, res.spans = insertRegions(txt, res.boxes, res.spans, rt.regions, pi.crop, pi.rotate)
					ocrInfo = &rt.info
				}
			}
		}
		if strings.TrimSpace(txt) == "" {
			txt, res.boxes, res.spans = "", nil, nil
		} else {
			withText++
		}
		if i > 0 {
			b.WriteString(PageSeparator)
		}
		start := b.Len()
		b.WriteString(txt)
		box := core.Rect{X0: pi.crop[0], Y0: pi.crop[1], X1: pi.crop[2], Y1: pi.crop[3]}
		doc.Pages = append(doc.Pages, core.PageSpan{Page: num, Start: start, End: b.Len(), Box: &box, Rotate: pi.rotate, OCR: ocrInfo})
		for _, w := range res.boxes {
			doc.Boxes = append(doc.Boxes, core.Box{Start: start + w.start, End: start + w.end, Page: num,
				Rect: core.Rect{X0: w.r.x0, Y0: w.r.y0, X1: w.r.x1, Y1: w.r.y1}})
		}
		for _, c := range res.spans {
			cells = append(cells, core.Location{Start: start + c.start, End: start + c.end, Page: num, Table: c.table, Row: c.row, Col: c.col})
		}
	}
	if withText == 0 {
		if firstErr != nil {
			return core.Document{}, fmt.Errorf("parse %s: %w: %v", path, core.ErrCorrupt, firstErr)
		}
		if unmapped > 0 && ocrPages == 0 {
			return core.Document{}, fmt.Errorf("parse %s: %w: text is drawn in fonts without a Unicode map on %d of %d pages, and there is no other text layer (needs OCR)", path, core.ErrEmpty, unmapped, len(pages))
		}
		if ocrPages > 0 {
			return core.Document{}, fmt.Errorf("parse %s: %w: no text layer on any of %d pages, and OCR found no words on them", path, core.ErrEmpty, len(pages))
		}
		return core.Document{}, fmt.Errorf("parse %s: %w: no text layer on any of %d pages (scanned? needs OCR)", path, core.ErrEmpty, len(pages))
	}
	doc.Text = b.String()
	if len(cells) > 0 {
		doc.Locations = tableLocations(doc.Text, doc.Pages, cells)
	}
	return doc, nil
}

// tableLocations returns the locations of a document with tables: the
// table cells, and between them the rest of each page's text (white space
// left out), located by its page alone.
func tableLocations(text string, pages []core.PageSpan, cells []core.Location) []core.Location {
	page := func(page, start, end int) core.Location {
		return core.Location{Start: start, End: end, Page: page}
	}
	var out []core.Location
	ci := 0
	for _, p := range pages {
		at := p.Start
		for ; ci < len(cells) && cells[ci].Start < p.End; ci++ {
			c := cells[ci]
			if strings.TrimSpace(text[at:c.Start]) != "" {
				out = append(out, page(p.Page, at, c.Start))
			}
			out = append(out, c)
			at = c.End
		}
		if strings.TrimSpace(text[at:p.End]) != "" {
			out = append(out, page(p.Page, at, p.End))
		}
	}
	return out
}

// runPage extracts one page within the page time budget. When the budget
// runs out first, the page is abandoned: the extraction goroutine notices
// its context at its next check and ends on its own.
func (p *Parser) runPage(ctx context.Context, pi pageInfo, fonts *fontCache) (res pageResult, abandoned bool) {
	pctx, cancel := context.WithTimeout(ctx, p.cfg.PageTimeout)
	defer cancel()
	done := make(chan pageResult, 1)
	go func() {
		var r pageResult
		if crash := safely(func() { r = p.extractPage(pctx, pi, fonts) }); crash != nil {
			r = pageResult{err: crash}
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r, false
	case <-pctx.Done():
		// Give a goroutine that stopped at the deadline a moment to report.
		select {
		case r := <-done:
			return r, false
		case <-time.After(100 * time.Millisecond):
			return pageResult{}, true
		}
	}
}

// extractPage runs the page's content streams and lays out its glyphs.
func (p *Parser) extractPage(ctx context.Context, pi pageInfo, fonts *fontCache) pageResult {
	var res pageResult
	content, err := pageContent(pi.v)
	if err != nil {
		if len(content) == 0 {
			res.err = err
			return res
		}
		res.warnings = append(res.warnings, fmt.Sprintf("content stream: %v", err))
	}
	in := newInterp(ctx, fonts, identity, p.cfg.MaxOps, p.cfg.MaxGlyphs)
	in.bytesRead = int64(len(content))
	scope := newScope(pi.resources)
	in.run(content, scope, 0)
	if in.stop == nil {
		in.annotations(pi.v, scope)
	}
	for w := range in.warnings {
		res.warnings = append(res.warnings, w)
	}
	res.stopped = in.stop
	if errors.Is(in.stop, errGlyphLimit) {
		res.stopped = fmt.Errorf("more than %d glyphs", p.cfg.MaxGlyphs)
	}
	if errors.Is(in.stop, errOpLimit) {
		res.stopped = fmt.Errorf("more than %d operators", p.cfg.MaxOps)
	}
	if ctx.Err() != nil && !errors.Is(in.stop, context.DeadlineExceeded) {
		return res
	}
	res.drawn = len(in.glyphs)
	res.quality, res.images = measureText(in.glyphs, pi.crop), in.images
	res.text, res.boxes, res.spans = layoutPage(page{glyphs: in.glyphs, rules: in.rules, crop: pi.crop, rotate: pi.rotate})
	return res
}

// pageContent returns the page's decoded content streams, joined.
func pageContent(v lpdf.Value) ([]byte, error) {
	var c lpdf.Value
	if err := safely(func() { c = v.Key("Contents") }); err != nil {
		return nil, err
	}
	switch c.Kind() {
	case lpdf.Stream:
		return streamBytes(c, maxContentBytes)
	case lpdf.Array:
		var out bytes.Buffer
		var firstErr error
		for i := 0; i < c.Len(); i++ {
			var s lpdf.Value
			if err := safely(func() { s = c.Index(i) }); err != nil {
				firstErr = err
				continue
			}
			data, err := streamBytes(s, maxContentBytes-int64(out.Len()))
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out.Write(data)
			out.WriteByte('\n')
			if out.Len() >= maxContentBytes {
				break
			}
		}
		if out.Len() == 0 {
			return nil, firstErr
		}
		return out.Bytes(), firstErr
	}
	return nil, nil
}

// safely runs f and turns a panic into an error.
// infoTitle returns the Title and Subject of a PDF's Info dictionary,
// joined by " — " as Office properties are: valid UTF-8, control
// characters and runs of spaces dropped, at most maxTitle bytes; "" when
// it states none (the dictionary is optional and never fails a parse).
func infoTitle(info pdf.Value) string {
	var parts []string
	for _, k := range []string{"Title", "Subject"} {
		t := strings.ToValidUTF8(info.Key(k).Text(), "")
		t = strings.Join(strings.FieldsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if t != "" {
			parts = append(parts, t)
		}
	}
	title := strings.Join(parts, " — ")
	if len(title) > maxTitle {
		title = strings.ToValidUTF8(title[:maxTitle], "")
	}
	return title
}

// maxTitle bounds a title taken from a file's properties.
const maxTitle = 300

func safely(f func()) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("parser crashed: %v", x)
		}
	}()
	f()
	return nil
}
