package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/answer"
	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// On a real 10-K (PepsiCo 2021, its cash flow statement on page 63): the
// "Capital spending" row cited with its 2021 cell gives the cell's value
// rectangle, on the row's line and under the "2021" column header, and
// marks the cell's characters in the text view.
func TestSourceMarksTableCellOnFiling(t *testing.T) {
	pdf := testenv.SharedFile(t, filepath.Join("data", "e2e", "financebench-dev", "pdfs", "PEPSICO_2021_10K.pdf"))
	ctx := context.Background()
	e := open(t, t.TempDir())
	defer e.Close()
	if _, err := e.Index(ctx, []string{pdf}, nil); err != nil {
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
	const rowText = "Capital spending — 2021: (4,625); 2020: (4,240); 2019: (4,232)"
	at := strings.Index(text, rowText)
	if at < 0 {
		t.Fatalf("the filing's text has no row %q", rowText)
	}
	row := core.Span{Start: at, End: at + len(rowText) + 1} // with the row's tab
	if p := (&core.Document{Pages: rec.Pages}).PageAt(at); p != 63 {
		t.Fatalf("the row is on page %d, want 63 (the cash flow statement)", p)
	}

	for _, tt := range []struct{ question, want string }{
		{"What is the FY2021 capital expenditure amount for PepsiCo?", "2021: (4,625)"},
		{"PepsiCo capital spending in fiscal 2020", "2020: (4,240)"},
		{"capital spending FY19", "2019: (4,232)"},
		{"How much did PepsiCo spend on capital?", ""}, // no period, three cells
		{"capital spending in 2017", ""},               // a period the row lacks
	} {
		cell := answer.TableCell(tt.question, text, 0, row)
		got := ""
		if cell != nil {
			got = cell.Label
			if text[cell.Start:cell.End] != cell.Label {
				t.Errorf("%q: cell %d-%d holds %q, label %q", tt.question, cell.Start, cell.End, text[cell.Start:cell.End], cell.Label)
			}
		}
		if got != tt.want {
			t.Errorf("%q: cell %q, want %q", tt.question, got, tt.want)
		}
	}

	cell := answer.TableCell("What is the FY2021 capital expenditure amount for PepsiCo?", text, 0, row)
	src, err := e.Source(ctx, pdf, row, []core.Span{row}, cell)
	if err != nil {
		t.Fatal(err)
	}
	if src.Page != 63 || src.Cell == nil || *src.Cell != *cell {
		t.Fatalf("source page %d, cell %+v; want page 63 and %+v", src.Page, src.Cell, cell)
	}
	if src.Location != "page 63 · table 1, row 25, column 2" {
		t.Errorf("source location %q, want the cell's: page 63 · table 1, row 25, column 2", src.Location)
	}
	if len(src.CellRects) != 1 {
		t.Fatalf("cell rects %+v, want one (the value on the row's line)", src.CellRects)
	}
	cr := src.CellRects[0]
	// The value's rectangle lies inside one of the row's highlight bands.
	inBand := false
	for _, h := range src.Highlights {
		if cr.X0 >= h.X0-0.01 && cr.X1 <= h.X1+0.01 && cr.Y0 >= h.Y0-0.01 && cr.Y1 <= h.Y1+0.01 {
			inBand = true
		}
	}
	if !inBand {
		t.Errorf("cell rect %+v lies in no highlight band %+v", cr, src.Highlights)
	}
	// It sits under the 2021 header, not under 2020's or 2019's: the
	// header words repeated into the row carry the header cells' boxes.
	boxes, err := e.store.Boxes(rec.DocID, 63)
	if err != nil {
		t.Fatal(err)
	}
	head := func(year string) core.Rect {
		i := strings.Index(text[at:row.End], year+":")
		hb := core.BoxesIn(boxes, 63, at+i, at+i+4)
		if i < 0 || len(hb) != 1 {
			t.Fatalf("no header box for %s in the row: %+v", year, hb)
		}
		return hb[0].Rect
	}
	for _, y := range []string{"2021", "2020", "2019"} {
		h := head(y)
		overlaps := cr.X0 < h.X1 && h.X0 < cr.X1
		if overlaps != (y == "2021") {
			t.Errorf("cell rect x %.1f-%.1f, header %s x %.1f-%.1f: overlap %v", cr.X0, cr.X1, y, h.X0, h.X1, overlaps)
		}
		if h.Y0 <= cr.Y1 {
			t.Errorf("header %s (y %.1f-%.1f) is not above the cell (y %.1f-%.1f)", y, h.Y0, h.Y1, cr.Y0, cr.Y1)
		}
	}
	// The text view marks the cell's characters inside the highlight.
	var cells []string
	for _, s := range src.Segments {
		if s.Kind == "cell" {
			cells = append(cells, s.Text)
		}
	}
	if len(cells) != 1 || cells[0] != "2021: (4,625)" {
		t.Errorf("cell runs %q, want [\"2021: (4,625)\"]", cells)
	}

	// Asked in the window's way, the answer's citation carries the cell
	// of the row it highlights, and its runs mark it.
	ans, err := e.Ask(ctx, "What was PepsiCo's capital spending in FY2021?", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Citations) == 0 || ans.Citations[0].Cell == nil {
		t.Fatalf("first citation has no cell: %+v", ans.Citations)
	}
	c := ans.Citations[0]
	if !strings.HasPrefix(c.Cell.Label, "2021") && !strings.Contains(c.Cell.Label, " 2021:") {
		t.Errorf("cell %q is not a 2021 cell", c.Cell.Label)
	}
	if text[c.Cell.Start:c.Cell.End] != c.Cell.Label {
		t.Errorf("cell %+v does not match the text %q", c.Cell, text[c.Cell.Start:c.Cell.End])
	}
	if !strings.Contains(c.Location, "column") || strings.HasSuffix(c.Location, "column 1") {
		t.Errorf("citation location %q, want the cell's column (not the label's)", c.Location)
	}
	marked := false
	for _, s := range c.Segments {
		if s.Kind == "cell" && s.Text == c.Cell.Label {
			marked = true
		}
	}
	if !marked {
		t.Errorf("citation segments do not mark the cell %q: %+v", c.Cell.Label, c.Segments)
	}
	t.Logf("asked: [1] %s page %d, cell %q", filepath.Base(c.Path), c.Page, c.Cell.Label)
}
