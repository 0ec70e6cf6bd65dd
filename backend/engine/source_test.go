package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
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
			Pages: []core.PageSpan{{Page: 1, Start: 0, End: len(p1), Box: box}, {Page: 2, Start: len(p1) + 2, End: len(text), Box: box, Rotate: 90}},
			Boxes: []core.Box{
				{Start: 25, End: 29, Page: 2, Rect: core.Rect{X0: 72, Y0: 700, X1: 100, Y1: 712}},  // Wind
				{Start: 30, End: 35, Page: 2, Rect: core.Rect{X0: 103, Y0: 700, X1: 135, Y1: 712}}, // power
				{Start: 36, End: 42, Page: 2, Rect: core.Rect{X0: 72, Y0: 680, X1: 110, Y1: 692}},  // varies (next line)
			}}, nil
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

	src, err := e.Source(context.Background(), pdf, core.Span{Start: 25, End: 42}, []core.Span{{Start: 25, End: 35}})
	if err != nil {
		t.Fatal(err)
	}
	if src.Page != 2 || src.Location != "page 2" || src.Rotate != 90 || src.PageBox == nil || src.PageBox.X1 != 612 {
		t.Errorf("pdf source = page %d, location %q, rotate %d, box %+v; want page 2, \"page 2\", 90, 612-wide", src.Page, src.Location, src.Rotate, src.PageBox)
	}
	// "Wind power" merges into one line rectangle; "varies" is the next line.
	wantPassage := []core.Rect{{X0: 72, Y0: 700, X1: 135, Y1: 712}, {X0: 72, Y0: 680, X1: 110, Y1: 692}}
	if len(src.Passage) != 2 || src.Passage[0] != wantPassage[0] || src.Passage[1] != wantPassage[1] {
		t.Errorf("passage rects = %+v, want %+v", src.Passage, wantPassage)
	}
	if len(src.Highlights) != 1 || src.Highlights[0] != wantPassage[0] {
		t.Errorf("highlight rects = %+v, want %+v", src.Highlights, wantPassage[:1])
	}

	src, err = e.Source(context.Background(), csv, core.Span{Start: 27, End: 40}, nil)
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
