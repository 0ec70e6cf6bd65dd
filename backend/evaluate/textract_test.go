package evaluate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/isolate"
)

// TestTextractTargets reads office/textract through the sandboxed parsers:
// at least 90% of the expected lines of the non-image files are found,
// every non-image file is read, and the figure counts no image.
func TestTextractTargets(t *testing.T) {
	data := filepath.Join(testenv.Shared(t), "data")
	rep, err := evalTextract(context.Background(), ParsingConfig{Data: data, NoSpeed: true, Parser: isolate.NewRegistry(isolate.Config{}), SpeedRuns: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines == 0 {
		t.Skip("office/textract is missing from the shared data")
	}
	for _, f := range rep.Formats {
		t.Logf("%-4s %d/%d files read, %d/%d lines (%d as written)", f.Format, f.Read, f.Files, f.Found, f.Lines, f.FoundStrict)
		if f.Read != f.Files {
			t.Errorf("%s: %d of %d files read", f.Format, f.Read, f.Files)
		}
		if textractImages[f.Format] {
			t.Errorf("%s counted with the non-image formats", f.Format)
		}
	}
	if share(rep.Found, rep.Lines) < 0.9 {
		t.Errorf("textract: %d of %d lines found, want ≥ 90%%; not found: %v", rep.Found, rep.Lines, rep.Failed)
	}
}

func TestSheetRowsUndoesHeadersAndWritesCellsAsXlrd(t *testing.T) {
	text := "Name\tCount\tOK\nName: pear\tCount: 1\tOK: #VALUE!\nName: fig\tCount: 0\tOK: 2.5\n"
	var locs []core.Location
	cells := []struct {
		s, cell  string
		row, col int
	}{{"Name", "A1", 1, 1}, {"Count", "B1", 1, 2}, {"OK", "C1", 1, 3},
		{"Name: pear", "A2", 2, 1}, {"Count: 1", "B2", 2, 2}, {"OK: #VALUE!", "C2", 2, 3},
		{"Name: fig", "A3", 3, 1}, {"Count: 0", "B3", 3, 2}, {"OK: 2.5", "C3", 3, 3}}
	off := 0
	for _, c := range cells {
		i := off + strings.Index(text[off:], c.s)
		locs = append(locs, core.Location{Start: i, End: i + len(c.s), Sheet: "S", Cell: c.cell, Row: c.row, Col: c.col})
		off = i + len(c.s)
	}
	got := sheetRows(core.Document{Text: text, Locations: locs})
	want := "Name Count OK\npear 1.0 15\nfig 2.5\n"
	if got != want {
		t.Errorf("sheetRows = %q, want %q", got, want)
	}
}
