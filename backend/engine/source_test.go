package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/formats"
)

// layoutParser returns a fixed two-page "PDF" with word boxes, and for
// other files a document with one location per line, as the real adapters
// do, so Source and Ask can be checked without depending on them.
type layoutParser struct{}

func (layoutParser) Supports(path string) bool { return true }

func (layoutParser) Parse(_ context.Context, path string) (core.Document, error) {
	if strings.HasSuffix(path, ".pdf") {
		p1, p2 := "Tidal energy is steady.", "Wind power varies daily."
		text := p1 + "\n\n" + p2
		box := &core.Rect{X0: 0, Y0: 0, X1: 612, Y1: 792}
		return core.Document{Path: path, Format: "pdf", Text: text,
			Pages: []core.PageSpan{{Page: 1, Start: 0, End: len(p1), Box: box}, {Page: 2, Start: len(p1) + 2, End: len(text), Box: box, Rotate: 90, OCR: &core.PageOCR{Confidence: 91.4, Languages: []string{"eng"}}}},
			Boxes: []core.Box{
				{Start: 0, End: 5, Page: 1, Rect: core.Rect{X0: 72, Y0: 100, X1: 101, Y1: 112}},    // Tidal
				{Start: 6, End: 12, Page: 1, Rect: core.Rect{X0: 104, Y0: 100, X1: 140, Y1: 112}},  // energy
				{Start: 13, End: 23, Page: 1, Rect: core.Rect{X0: 143, Y0: 100, X1: 190, Y1: 112}}, // is steady.
				{Start: 25, End: 29, Page: 2, Rect: core.Rect{X0: 72, Y0: 700, X1: 100, Y1: 712}},  // Wind
				{Start: 30, End: 35, Page: 2, Rect: core.Rect{X0: 103, Y0: 700, X1: 135, Y1: 712}}, // power
				{Start: 36, End: 42, Page: 2, Rect: core.Rect{X0: 72, Y0: 680, X1: 110, Y1: 692}},  // varies (next line)
			}}, nil
	}
	if strings.HasSuffix(path, ".pptx") {
		return slideDeck(path), nil
	}
	text := "Region\tOutput\nNorth: Tidal\tOutput: 40 MW\n"
	return core.Document{Path: path, Format: "csv", Text: text, Locations: []core.Location{
		{Start: 0, End: 6, Sheet: "plants", Cell: "A1", Row: 1, Col: 1},
		{Start: 7, End: 13, Sheet: "plants", Cell: "B1", Row: 1, Col: 2},
		{Start: 14, End: 26, Sheet: "plants", Cell: "A2", Row: 2, Col: 1},
		{Start: 27, End: 40, Sheet: "plants", Cell: "B2", Row: 2, Col: 2},
	}}, nil
}

func TestSourceCarriesLocationsAndPageRects(t *testing.T) {
	dir := t.TempDir()
	pdf, csv := filepath.Join(dir, "docs", "a.pdf"), filepath.Join(dir, "docs", "plants.csv")
	write(t, pdf, "%PDF-1.4 stand-in")
	write(t, csv, "stand-in")
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), NoModel: true, Parser: layoutParser{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}

	src, err := e.Source(context.Background(), pdf, core.Span{Start: 25, End: 42}, []core.Span{{Start: 25, End: 35}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Page != 2 || src.Location != "page 2" || src.Rotate != 90 || src.PageBox == nil || src.PageBox.X1 != 612 {
		t.Errorf("pdf source = page %d, location %q, rotate %d, box %+v; want page 2, \"page 2\", 90, 612-wide", src.Page, src.Location, src.Rotate, src.PageBox)
	}
	// Page 2 was read by OCR: the source says so, with its confidence and
	// languages, as stored at indexing time (and in JSON for the window).
	if src.OCR == nil || src.OCR.Confidence != 91.4 || len(src.OCR.Languages) != 1 || src.OCR.Languages[0] != "eng" {
		t.Errorf("pdf source OCR = %+v, want confidence 91.4, languages [eng]", src.OCR)
	} else if b, err := json.Marshal(src); err != nil || !strings.Contains(string(b), `"ocr":{"confidence":91.4,"languages":["eng"]}`) {
		t.Errorf("source JSON lacks the OCR mark: %s (%v)", b, err)
	}
	// "Wind power" merges into one line rectangle; "varies" is the next line.
	wantPassage := []core.Rect{{X0: 72, Y0: 700, X1: 135, Y1: 712}, {X0: 72, Y0: 680, X1: 110, Y1: 692}}
	if len(src.Passage) != 2 || src.Passage[0] != wantPassage[0] || src.Passage[1] != wantPassage[1] {
		t.Errorf("passage rects = %+v, want %+v", src.Passage, wantPassage)
	}
	if len(src.Highlights) != 1 || src.Highlights[0] != wantPassage[0] {
		t.Errorf("highlight rects = %+v, want %+v", src.Highlights, wantPassage[:1])
	}

	src, err = e.Source(context.Background(), csv, core.Span{Start: 27, End: 40}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Location != "plants!B2" || len(src.Passage) != 0 {
		t.Errorf("csv source location %q, passage %+v; want \"plants!B2\" and no rects", src.Location, src.Passage)
	}

	ans, err := e.Ask(context.Background(), "tidal output", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, c := range ans.Citations {
		labels = append(labels, c.Location)
	}
	if len(labels) == 0 || !strings.Contains(strings.Join(labels, ","), "plants!") {
		t.Errorf("citation locations = %q, want one in sheet plants", labels)
	}

	if got, err := e.OriginalFile(pdf); err != nil || got != pdf {
		t.Errorf("OriginalFile(library pdf) = %q, %v", got, err)
	}
	if _, err := e.OriginalFile("/etc/passwd"); err == nil {
		t.Error("OriginalFile(/etc/passwd) succeeded; want an error")
	}
}

// A span that runs over a page break is marked on both pages: the first in
// Source's own fields, the next in More, each with that page's box and
// rotation.
func TestSourceSpanOverPageBreak(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "docs", "a.pdf")
	write(t, pdf, "%PDF-1.4 stand-in")
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), NoModel: true, Parser: layoutParser{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		span         core.Span
		hl           []core.Span
		wantPage     int
		wantPassage  int // line rects on the first page
		wantHL       int
		wantMore     []int // pages in More
		wantMoreHL   int   // highlight rects on the first page of More
		wantMoreRot  int
		wantMorePass int
	}{
		{"across the break", core.Span{Start: 0, End: 42}, []core.Span{{Start: 6, End: 12}, {Start: 25, End: 35}}, 1, 1, 1, []int{2}, 1, 90, 2},
		{"highlight only on the next page", core.Span{Start: 13, End: 29}, []core.Span{{Start: 25, End: 29}}, 1, 1, 0, []int{2}, 1, 90, 1},
		{"within one page", core.Span{Start: 25, End: 42}, nil, 2, 2, 0, nil, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := e.Source(context.Background(), pdf, tt.span, tt.hl, nil)
			if err != nil {
				t.Fatal(err)
			}
			if src.Page != tt.wantPage || len(src.Passage) != tt.wantPassage || len(src.Highlights) != tt.wantHL {
				t.Errorf("first page %d with %d passage and %d highlight rects, want %d, %d, %d",
					src.Page, len(src.Passage), len(src.Highlights), tt.wantPage, tt.wantPassage, tt.wantHL)
			}
			var pages []int
			for _, m := range src.More {
				pages = append(pages, m.Page)
			}
			if fmt.Sprint(pages) != fmt.Sprint(tt.wantMore) {
				t.Fatalf("More pages = %v, want %v", pages, tt.wantMore)
			}
			if len(src.More) > 0 {
				m := src.More[0]
				if len(m.Highlights) != tt.wantMoreHL || len(m.Passage) != tt.wantMorePass || m.Rotate != tt.wantMoreRot || m.Box == nil {
					t.Errorf("More[0] = %+v, want %d highlight and %d passage rects, rotate %d and a box", m, tt.wantMoreHL, tt.wantMorePass, tt.wantMoreRot)
				}
				// Page 2 is the OCR page, page 1 is not: each carries its own mark.
				if m.OCR == nil || src.OCR != nil {
					t.Errorf("OCR marks: first page %+v, More[0] %+v; want none on page 1, one on page 2", src.OCR, m.OCR)
				}
			}
		})
	}
}

// On a real PDF (tracemonkey.pdf, read by the real parser), the sentence
// that runs from the foot of page 4's right column ("… objects’ rep-") to
// the head of page 5's left column ("resentations … the object shape.")
// is marked on both pages, low on page 4 and high on page 5.
func TestSourceSpanOverPageBreakRealPDF(t *testing.T) {
	src := filepath.Join(testenv.Shared(t), "data", "pdf", "pdfjs", "tracemonkey.pdf")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Skipf("tracemonkey.pdf is not in the shared data: %v", err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "docs", "tracemonkey.pdf")
	write(t, pdf, string(data))
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), NoModel: true, Parser: formats.NewDefault()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	rec, err := e.indexedFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	text, err := e.store.Text(rec.DocID)
	if err != nil {
		t.Fatal(err)
	}
	from, to := strings.Index(text, "In TraceMonkey, objects’ rep-"), strings.Index(text, "called the object shape.")
	if from < 0 || to < from {
		t.Fatalf("the sentence over pages 4-5 is not in the text (at %d, %d)", from, to)
	}
	span := core.Span{Start: from, End: to + len("called the object shape.")}
	got, err := e.Source(context.Background(), pdf, span, []core.Span{span}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Page != 4 || len(got.More) != 1 || got.More[0].Page != 5 {
		t.Fatalf("span marked on page %d and %d more pages %+v; want page 4, then page 5", got.Page, len(got.More), got.More)
	}
	next := got.More[0]
	if len(got.Highlights) == 0 || len(next.Highlights) == 0 || len(got.Passage) == 0 || len(next.Passage) == 0 {
		t.Fatalf("rects: page 4 %d passage, %d highlight; page 5 %d passage, %d highlight; want some on both",
			len(got.Passage), len(got.Highlights), len(next.Passage), len(next.Highlights))
	}
	if got.PageBox == nil || next.Box == nil {
		t.Fatalf("page boxes %v, %v; want both", got.PageBox, next.Box)
	}
	mid := func(b *core.Rect) float64 { return (b.Y0 + b.Y1) / 2 }
	for _, r := range got.Highlights {
		if r.Y1 > mid(got.PageBox) || r.X0 < (got.PageBox.X0+got.PageBox.X1)/2 {
			t.Errorf("page 4 highlight %+v is not at the foot of the right column of %+v", r, *got.PageBox)
		}
	}
	for _, r := range next.Highlights {
		if r.Y0 < mid(next.Box) || r.X1 > (next.Box.X0+next.Box.X1)/2 {
			t.Errorf("page 5 highlight %+v is not at the head of the left column of %+v", r, *next.Box)
		}
	}
	t.Logf("page 4: %d highlight rects %v; page 5: %d highlight rects %v", len(got.Highlights), got.Highlights, len(next.Highlights), next.Highlights)
}

func TestOpenOriginal(t *testing.T) {
	dir := t.TempDir()
	pdf, txt := filepath.Join(dir, "docs", "a.pdf"), filepath.Join(dir, "docs", "notes.csv")
	write(t, pdf, "%PDF-1.4 stand-in")
	write(t, txt, "stand-in")
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), NoModel: true, Parser: layoutParser{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	var started [][]string
	oldStart, oldLook, oldPDF := startProcess, lookPath, pdfHandler
	t.Cleanup(func() { startProcess, lookPath, pdfHandler = oldStart, oldLook, oldPDF })
	startProcess = func(argv []string) error { started = append(started, argv); return nil }
	lookPath = func(name string) (string, error) { return "/usr/bin/" + name, nil }
	pdfHandler = func() string { return "" }

	outside := filepath.Join(dir, "outside.pdf")
	write(t, outside, "%PDF-1.4 stand-in")
	for _, p := range []string{outside, "/etc/passwd", ""} {
		if err := e.OpenOriginal(p, 1); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("OpenOriginal(%q) = %v, want ErrNotFound", p, err)
		}
	}
	if len(started) != 0 {
		t.Fatalf("started %v for files outside the library", started)
	}
	if err := e.OpenOriginal(pdf, 2); err != nil {
		t.Fatal(err)
	}
	if len(started) != 1 || started[0][len(started[0])-1] != pdf {
		t.Fatalf("started %v, want one command ending in %s", started, pdf)
	}
	startProcess = func([]string) error { return errors.New("exec: boom") }
	if err := e.OpenOriginal(txt, 0); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("OpenOriginal with a failing start = %v, want the start error", err)
	}
}

func TestOpenCommand(t *testing.T) {
	oldLook := lookPath
	t.Cleanup(func() { lookPath = oldLook })
	installed := map[string]bool{}
	lookPath = func(name string) (string, error) {
		if installed[name] {
			return "/usr/bin/" + name, nil
		}
		return "", exec.ErrNotFound
	}
	const f = "/home/me/docs/paper.pdf"
	tests := []struct {
		goos, app string
		page      int
		have      []string
		want      []string
		wantErr   error
	}{
		{"linux", "", 3, []string{"xdg-open"}, []string{"xdg-open", f}, nil},
		{"linux", "org.gnome.Evince.desktop", 3, []string{"xdg-open", "evince"}, []string{"evince", "--page-index=3", f}, nil},
		{"linux", "okularApplication_pdf.desktop", 7, []string{"okular"}, []string{"okular", "--page", "7", f}, nil},
		{"linux", "org.pwmt.zathura.desktop", 2, []string{"zathura"}, []string{"zathura", "--page=2", f}, nil},
		{"linux", "org.gnome.Evince.desktop", 3, []string{"xdg-open"}, []string{"xdg-open", f}, nil}, // evince not on PATH (Flatpak)
		{"linux", "org.gnome.Evince.desktop", 0, []string{"xdg-open", "evince"}, []string{"xdg-open", f}, nil},
		{"linux", "firefox.desktop", 3, []string{"xdg-open"}, []string{"xdg-open", f}, nil},
		{"linux", "", 1, nil, nil, ErrNoOpener},
		{"freebsd", "", 1, []string{"xdg-open"}, []string{"xdg-open", f}, nil},
		{"darwin", "", 3, nil, []string{"open", f}, nil},
		{"windows", "", 3, nil, []string{"rundll32", "url.dll,FileProtocolHandler", f}, nil},
	}
	for _, tt := range tests {
		clear(installed)
		for _, h := range tt.have {
			installed[h] = true
		}
		got, err := openCommand(tt.goos, f, tt.page, tt.app)
		if !errors.Is(err, tt.wantErr) || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("openCommand(%s, page %d, %q) = %q, %v; want %q, %v", tt.goos, tt.page, tt.app, got, err, tt.want, tt.wantErr)
		}
	}
}

// slideDeck is a three-slide deck, one location per line, with speaker
// notes on the first slide.
func slideDeck(path string) core.Document {
	lines := []struct {
		text  string
		slide int
		part  string
	}{
		{"Harbour survey", 1, ""}, {"Gannet Rock has a lighthouse.", 1, ""}, {"Mention the keeper's log.", 1, core.PartNotes},
		{"Tides", 2, ""}, {"Spring tides reach four metres.", 2, ""}, {"Neap tides are calmer.", 2, ""},
		{"Questions", 3, ""},
	}
	var text strings.Builder
	var locs []core.Location
	for i, l := range lines {
		if i > 0 {
			text.WriteString("\n\n")
		}
		start := text.Len()
		text.WriteString(l.text)
		locs = append(locs, core.Location{Start: start, End: text.Len(), Slide: l.slide, Part: l.part, Paragraph: 1})
	}
	return core.Document{Path: path, Format: "pptx", Text: text.String(), Locations: locs}
}

// A slide's citation shows that slide's text (and its notes), not its
// neighbours'.
func TestSourceShowsTheSlide(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "docs", "talk.pptx")
	write(t, deck, "stand-in")
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), NoModel: true, Parser: layoutParser{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	text := slideDeck(deck).Text
	at := func(s string) core.Span {
		i := strings.Index(text, s)
		return core.Span{Start: i, End: i + len(s)}
	}
	tests := []struct {
		name     string
		span     core.Span
		want     string
		location string
	}{
		{"middle slide", at("Spring tides reach four metres."), "Tides\n\nSpring tides reach four metres.\n\nNeap tides are calmer.", "slide 2 · ¶ 1"},
		{"slide with notes", at("Gannet Rock"), "Harbour survey\n\nGannet Rock has a lighthouse.\n\nMention the keeper's log.", "slide 1 · ¶ 1"},
		{"notes", at("keeper's log"), "Harbour survey\n\nGannet Rock has a lighthouse.\n\nMention the keeper's log.", "slide 1 · notes · ¶ 1"},
		{"last slide", at("Questions"), "Questions", "slide 3 · ¶ 1"},
		{"span over two slides", core.Span{Start: at("Neap").Start, End: at("Questions").End}, text[at("Tides").Start:], "slide 2 · ¶ 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := e.Source(context.Background(), deck, tt.span, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, s := range src.Segments {
				got.WriteString(s.Text)
			}
			if got.String() != tt.want || src.Location != tt.location {
				t.Errorf("shows %q at %q, want %q at %q", got.String(), src.Location, tt.want, tt.location)
			}
		})
	}
}
