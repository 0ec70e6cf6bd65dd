package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"folio/backend/answer"
	"folio/backend/core"
)

// PageMarks are the rectangles to draw on one PDF page: the page's CropBox
// and /Rotate, and the line rectangles (PDF user space) of the cited span
// and of its highlighted sentences on that page.
type PageMarks struct {
	Page   int        `json:"page"`
	Box    *core.Rect `json:"box,omitempty"`
	Rotate int        `json:"rotate,omitempty"`
	// OCR is set when the page was read by OCR.
	OCR        *core.PageOCR `json:"ocr,omitempty"`
	Passage    []core.Rect   `json:"passage,omitempty"`
	Highlights []core.Rect   `json:"highlights,omitempty"`
	// Cell is the rectangle of the cited table cell's value on the page
	// (the figure asked for, inside a highlighted row), when it is there.
	Cell []core.Rect `json:"cell,omitempty"`
}

// Source returns the page (or, for formats without pages, the stretch of
// text) around a cited span, with the span and its highlights marked, its
// location, and for PDFs the word rectangles to draw on the page. A PDF
// span that runs over a page break also gets the marks of the following
// pages it reaches, in Source.More. cell, when not nil, is the citation's
// table cell (core.Citation.Cell): it is marked "cell" in the segments and,
// on a PDF page, its value's rectangle is given in CellRects; a cell
// outside span is ignored.
func (e *Engine) Source(ctx context.Context, path string, span core.Span, highlights []core.Span, cell *core.Cell) (Source, error) {
	rec, err := e.indexedFile(path)
	if err != nil {
		return Source{}, fmt.Errorf("source %s: %w", path, err)
	}
	text, err := e.store.Text(rec.DocID)
	if err != nil {
		return Source{}, err
	}
	if span.Start < 0 || span.End > len(text) || span.Start > span.End {
		return Source{}, fmt.Errorf("source %s: span %d-%d is outside the document (it may have changed since)", path, span.Start, span.End)
	}
	doc := core.Document{Pages: rec.Pages}
	lo, hi := 0, len(text)
	page := doc.PageAt(span.Start)
	src := Source{Path: path, Format: rec.Format, Page: page, Pages: len(rec.Pages)}
	for _, p := range rec.Pages {
		if p.Page == page {
			lo, hi = p.Start, max(p.End, span.End)
			src.PageBox, src.Rotate, src.OCR = p.Box, p.Rotate, p.OCR
		}
	}
	if page == 0 {
		lo, hi = textWindow(text, span)
		if slo, shi, ok, err := e.slideRange(rec.DocID, text, span); err != nil {
			return Source{}, err
		} else if ok {
			lo, hi = max(lo, slo), min(hi, shi)
		}
	}
	hl := append([]core.Span(nil), highlights...)
	sort.Slice(hl, func(i, j int) bool { return hl[i].Start < hl[j].Start })
	if cell != nil && (cell.Start < span.Start || cell.End > span.End || cell.End <= cell.Start) {
		cell = nil
	}
	src.Cell = cell
	src.Segments = answer.MarkCell(answer.Segments(text[lo:hi], lo, span, hl, nil), lo, cell)
	at := claimStart(span.Start, hl)
	if cell != nil {
		at = cell.Start
	}
	if src.Location, err = e.locationLabel(rec, at); err != nil {
		return Source{}, err
	}
	if page == 0 {
		return src, nil
	}
	for _, p := range rec.Pages {
		if p.Page < page || (p.Page > page && !(p.Start < span.End && p.End > span.Start)) {
			continue
		}
		m, err := e.pageMarks(rec.DocID, p, span, hl, cell)
		if err != nil {
			return Source{}, err
		}
		if p.Page == page {
			src.Passage, src.Highlights, src.CellRects = m.Passage, m.Highlights, m.Cell
		} else if len(m.Passage) > 0 || len(m.Highlights) > 0 {
			src.More = append(src.More, m)
		}
	}
	return src, nil
}

// pageMarks gathers the line rectangles of span, of the highlights and of
// the cell's value (nil: none) on page p of a document.
func (e *Engine) pageMarks(docID uint64, p core.PageSpan, span core.Span, hl []core.Span, cell *core.Cell) (PageMarks, error) {
	boxes, err := e.store.Boxes(docID, p.Page)
	if err != nil {
		return PageMarks{}, err
	}
	m := PageMarks{Page: p.Page, Box: p.Box, Rotate: p.Rotate, OCR: p.OCR}
	m.Passage = lineRects(core.BoxesIn(boxes, p.Page, span.Start, span.End))
	for _, h := range hl {
		m.Highlights = append(m.Highlights, lineRects(core.BoxesIn(boxes, p.Page, h.Start, h.End))...)
	}
	if cell != nil {
		m.Cell = lineRects(valueBoxes(core.BoxesIn(boxes, p.Page, cell.Start, cell.End)))
	}
	return m, nil
}

// valueBoxes keeps, of a table cell's word boxes in text order, those of
// its value: the boxes on the line of its last word. A PDF row statement
// repeats the column header before the value ("2021: (4,625)") with the
// header cell's rectangles, at the top of the table, which are not the
// cell.
func valueBoxes(boxes []core.Box) []core.Box {
	if len(boxes) == 0 {
		return nil
	}
	last := boxes[len(boxes)-1].Rect
	var out []core.Box
	for _, b := range boxes {
		h := min(last.Y1-last.Y0, b.Rect.Y1-b.Rect.Y0)
		if overlap := min(last.Y1, b.Rect.Y1) - max(last.Y0, b.Rect.Y0); h > 0 && overlap > 0.6*h {
			out = append(out, b)
		}
	}
	return out
}

// slideRange returns the bytes of the slides (body and speaker notes) that
// span starts and ends on, for documents whose locations name slides; ok
// is false for other documents. It steps from location to location, as
// every non-space byte of a document with locations lies in one.
func (e *Engine) slideRange(docID uint64, text string, span core.Span) (lo, hi int, ok bool, err error) {
	first, ok, err := e.store.LocationAt(docID, span.Start)
	if err != nil || !ok || first.Slide == 0 {
		return 0, 0, false, err
	}
	last := first
	if end := lastNonSpace(text, span.End); end > span.Start {
		if l, ok, err := e.store.LocationAt(docID, end); err != nil {
			return 0, 0, false, err
		} else if ok && l.Slide > 0 {
			last = l
		}
	}
	lo, hi = first.Start, last.End
	for {
		off := lastNonSpace(text, lo)
		if off < 0 {
			break
		}
		l, ok, err := e.store.LocationAt(docID, off)
		if err != nil {
			return 0, 0, false, err
		}
		if !ok || l.Slide != first.Slide || l.Start >= lo {
			break
		}
		lo = l.Start
	}
	for {
		off := hi + len(text[hi:]) - len(strings.TrimLeft(text[hi:], " \t\r\n"))
		if off >= len(text) {
			break
		}
		l, ok, err := e.store.LocationAt(docID, off)
		if err != nil {
			return 0, 0, false, err
		}
		if !ok || l.Slide != last.Slide || l.End <= hi {
			break
		}
		hi = l.End
	}
	return min(lo, span.Start), max(hi, span.End), true, nil
}

// lastNonSpace returns the offset of the last byte before end that is not
// ASCII white space, or -1.
func lastNonSpace(text string, end int) int {
	return len(strings.TrimRight(text[:end], " \t\r\n")) - 1
}

// textWindow returns a stretch of text around span, cut at line breaks and
// never inside a UTF-8 sequence.
func textWindow(text string, span core.Span) (lo, hi int) {
	const window = 3000
	lo, hi = 0, len(text)
	if span.Start-lo > window {
		lo = span.Start - window
		if i := strings.IndexByte(text[lo:span.Start], '\n'); i >= 0 {
			lo += i + 1
		}
	}
	if hi-span.End > window {
		hi = span.End + window
		if i := strings.LastIndexByte(text[span.End:hi], '\n'); i >= 0 {
			hi = span.End + i
		}
	}
	for lo > 0 && !utf8Start(text[lo]) {
		lo--
	}
	for hi < len(text) && !utf8Start(text[hi]) {
		hi++
	}
	return lo, hi
}

// lineRects merges the word boxes of one line into one rectangle, so a
// highlight reads as a band rather than a row of separate boxes.
func lineRects(boxes []core.Box) []core.Rect {
	var out []core.Rect
	for _, b := range boxes {
		r := b.Rect
		if n := len(out); n > 0 && sameLine(out[n-1], r) {
			out[n-1] = out[n-1].Union(r)
			continue
		}
		out = append(out, r)
	}
	return out
}

// sameLine reports whether r continues the line ending in l: they overlap
// by most of their height and the gap between them is small.
func sameLine(l, r core.Rect) bool {
	h := min(l.Y1-l.Y0, r.Y1-r.Y0)
	overlap := min(l.Y1, r.Y1) - max(l.Y0, r.Y0)
	gap := r.X0 - l.X1
	return h > 0 && overlap > 0.6*h && gap > -h && gap < 2*h
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// ErrNoOpener is returned by OpenOriginal when the system has no program
// to open files with (xdg-open missing on Linux).
var ErrNoOpener = errors.New("no program to open files with was found")

// Stand-ins for tests: how a program is found and started, and which
// application the desktop opens PDFs with (Linux only).
var (
	lookPath     = exec.LookPath
	startProcess = startDetached
	pdfHandler   = xdgPDFHandler
)

// OpenOriginal opens an indexed file of the library in the system's default
// application: xdg-open on Linux, open on macOS, the shell's file handler
// on Windows. Where the default PDF viewer on Linux is Evince, Okular or
// Zathura and page > 0, the viewer is started directly at that page (those
// take a page on their command line; xdg-open, open and Windows do not).
// It returns once the program has started, without waiting for it.
func (e *Engine) OpenOriginal(path string, page int) error {
	rec, err := e.indexedFile(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := os.Stat(rec.Path); err != nil {
		return fmt.Errorf("open %s: %w", rec.Path, err)
	}
	handler := ""
	if runtime.GOOS == "linux" && page > 0 && strings.EqualFold(filepath.Ext(rec.Path), ".pdf") {
		handler = pdfHandler()
	}
	argv, err := openCommand(runtime.GOOS, rec.Path, page, handler)
	if err != nil {
		return fmt.Errorf("open %s: %w", rec.Path, err)
	}
	if err := startProcess(argv); err != nil {
		return fmt.Errorf("open %s with %s: %w", rec.Path, argv[0], err)
	}
	return nil
}

// openCommand builds the command that opens path on goos. pdfApp is the
// desktop file of the default PDF application on Linux ("" when unknown);
// when it names a viewer that takes a page and that viewer is installed,
// the viewer is run at page directly.
func openCommand(goos, path string, page int, pdfApp string) ([]string, error) {
	switch goos {
	case "darwin":
		return []string{"open", path}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", path}, nil
	}
	if page > 0 {
		if argv := viewerAtPage(pdfApp, path, page); argv != nil {
			if _, err := lookPath(argv[0]); err == nil {
				return argv, nil
			}
		}
	}
	if _, err := lookPath("xdg-open"); err != nil {
		return nil, fmt.Errorf("%w (install xdg-utils for xdg-open)", ErrNoOpener)
	}
	return []string{"xdg-open", path}, nil
}

// viewerAtPage returns the command line that opens path at page in the
// PDF viewer named by a desktop file such as "org.gnome.Evince.desktop",
// or nil for viewers it does not know.
func viewerAtPage(desktop, path string, page int) []string {
	n := strconv.Itoa(page)
	d := strings.ToLower(desktop)
	switch {
	case strings.Contains(d, "evince"):
		return []string{"evince", "--page-index=" + n, path}
	case strings.Contains(d, "okular"):
		return []string{"okular", "--page", n, path}
	case strings.Contains(d, "zathura"):
		return []string{"zathura", "--page=" + n, path}
	}
	return nil
}

// xdgPDFHandler asks xdg-mime for the desktop's default PDF application,
// returning "" when that cannot be found out within a second.
func xdgPDFHandler() string {
	bin, err := lookPath("xdg-mime")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "query", "default", "application/pdf").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// startDetached starts argv and reaps it in the background, so neither the
// caller nor a zombie waits on the opened application.
func startDetached(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
