package answer

import (
	"strings"
	"testing"

	"folio/backend/core"
)

func TestTableCellPicksTheAskedPeriod(t *testing.T) {
	const base = 1000
	text := "Investing Activities\t\nCapital spending — 2021: (4,625); 2020: (4,240); 2019: (4,232)\t\nBalance, end of year — 2021 Shares: 1,383; 2021 Amount: 23; 2020 Shares: 1,380\t\nWe spent more in 2021; see Note 9.\n"
	line := func(prefix string) core.Span {
		i := strings.Index(text, prefix)
		j := i + strings.IndexByte(text[i:], '\n')
		return core.Span{Start: base + i, End: base + j}
	}
	capex, equity, prose := line("Capital"), line("Balance"), line("We spent")
	for _, tt := range []struct {
		q    string
		row  core.Span
		want string
	}{
		{"What is the FY2021 capital expenditure amount for PepsiCo?", capex, "2021: (4,625)"},
		{"capex in fiscal 2019", capex, "2019: (4,232)"},
		{"capex FY20", capex, "2020: (4,240)"},
		{"capital spending", capex, ""},      // no period, several cells
		{"capital spending 2018", capex, ""}, // a period the row lacks
		{"What was the 2021 amount?", equity, "2021 Amount: 23"},
		{"How many shares in 2021?", equity, "2021 Shares: 1,383"},
		{"What did we spend in 2021?", prose, ""}, // not a table row
		// Bad offsets are clamped, never a panic.
		{"FY2021", core.Span{Start: -50, End: base + 10}, ""},
		{"FY2021", core.Span{Start: capex.Start, End: 1 << 40}, "2021: (4,625)"},
		{"FY2021", core.Span{Start: capex.End, End: capex.Start}, ""},
	} {
		cell := TableCell(tt.q, text, base, tt.row)
		got := ""
		if cell != nil {
			got = cell.Label
			if s := text[cell.Start-base : cell.End-base]; s != cell.Label {
				t.Errorf("%q: offsets %d-%d hold %q, label %q", tt.q, cell.Start, cell.End, s, cell.Label)
			}
		}
		if got != tt.want {
			t.Errorf("%q on %q: cell %q, want %q", tt.q, text[max(0, min(tt.row.Start-base, len(text))):max(0, min(tt.row.End-base, len(text)))], got, tt.want)
		}
	}
	// One cell and no period: that cell.
	one := "Total — Amount: 12.5%"
	if c := TableCell("what is the total", one, 0, core.Span{Start: 0, End: len(one)}); c == nil || c.Label != "Amount: 12.5%" {
		t.Errorf("single cell: %+v", c)
	}
}

func TestMarkCellSplitsHighlightsOnly(t *testing.T) {
	text := "Intro. Capital spending — 2021: (4,625); 2020: (4,240)\t\nNext."
	base := 50
	row := core.Span{Start: base + 7, End: base + strings.IndexByte(text, '\n')}
	segs := Segments(text, base, core.Span{Start: base, End: base + len(text)}, []core.Span{row}, nil)
	i := strings.Index(text, "2021:")
	cell := &core.Cell{Start: base + i, End: base + i + len("2021: (4,625)"), Label: "2021: (4,625)"}
	got := MarkCell(segs, base, cell)
	var b strings.Builder
	var kinds []string
	for _, s := range got {
		b.WriteString(s.Text)
		kinds = append(kinds, s.Kind+":"+s.Text)
	}
	if b.String() != text {
		t.Fatalf("runs join to %q", b.String())
	}
	want := []string{"passage:Intro. ", "highlight:Capital spending — ", "cell:2021: (4,625)", "highlight:; 2020: (4,240)\t", "passage:\nNext."}
	if strings.Join(kinds, "|") != strings.Join(want, "|") {
		t.Errorf("runs %q\nwant %q", kinds, want)
	}
	// An exact answer inside the cell (a computed answer's operand value)
	// becomes part of the cell.
	v := strings.Index(text, "(4,625)")
	withAns := Segments(text, base, core.Span{Start: base, End: base + len(text)}, []core.Span{row}, &core.Span{Start: base + v, End: base + v + 7})
	var runs []string
	for _, s := range MarkCell(withAns, base, cell) {
		runs = append(runs, s.Kind+":"+s.Text)
	}
	if strings.Join(runs, "|") != strings.Join(want, "|") {
		t.Errorf("with the answer inside the cell: runs %q\nwant %q", runs, want)
	}
	if c := cellOf(text, base, core.Span{Start: base + v, End: base + v + 7}); c == nil || *c != *cell {
		t.Errorf("cellOf the value: %+v, want %+v", c, cell)
	}
	w := strings.Index(text, "(4,240)")
	if c := cellOf(text, base, core.Span{Start: base + w, End: base + w + 7}); c == nil || c.Label != "2020: (4,240)" {
		t.Errorf("cellOf the 2020 value: %+v", c)
	}
	for _, bad := range []core.Span{{Start: -9, End: -1}, {Start: 1 << 40, End: 1<<40 + 3}, {Start: base + 9, End: base + 3}} {
		if c := cellOf(text, base, bad); c != nil {
			t.Errorf("cellOf %+v: %+v, want nil", bad, c)
		}
	}
	// Outside the highlights, reversed, or far off: runs unchanged, no panic.
	for _, c := range []*core.Cell{nil, {Start: base, End: base + 5}, {Start: base + 20, End: base + 10}, {Start: -1 << 40, End: 1 << 40}} {
		out := MarkCell(segs, base, c)
		var j strings.Builder
		for _, s := range out {
			j.WriteString(s.Text)
		}
		if j.String() != text {
			t.Errorf("cell %+v: runs join to %q", c, j.String())
		}
		if c != nil && c.Start == base {
			for _, s := range out {
				if s.Kind == "cell" {
					t.Errorf("a cell outside the highlights was marked: %+v", out)
				}
			}
		}
	}
}
