package core

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Parts of a document that are not its main body. Location.Part is empty
// for the body.
const (
	PartFootnote = "footnote"
	PartEndnote  = "endnote"
	PartHeader   = "header"
	PartFooter   = "footer"
	PartComment  = "comment"
	PartNotes    = "notes" // speaker notes of a slide
)

// Location says where a byte range [Start, End) of a document's extracted
// text came from. Adapters fill the fields that make sense for their format:
//
//	PDF           Page (word rectangles are in Document.Boxes), and
//	              Table/Row/Col in the tables it finds (Col 0: a header line)
//	DOCX, ODT, DOC Part, Path (heading path), Paragraph, and Table/Row/Col in tables
//	RTF           Part, Paragraph, and Table/Row for table rows
//	PPTX, ODP, PPT Slide, Shape; Part is PartNotes for speaker notes
//	XLSX, XLS, ODS, CSV Sheet, Cell (A1), Row and Col: one location per cell
//	EPUB, HTML, MD Path (section and heading path), Part for the EPUB chapter file
//	EML, MSG      Part "mail headers" for the headers, Paragraph in the body;
//	              an attachment's text has Path [its name, its own label]
type Location struct {
	Start int `json:"start"`
	End   int `json:"end"`

	Page int    `json:"page,omitempty"`
	Part string `json:"part,omitempty"`
	// Path is the heading path, outermost first, e.g. ["Results", "Table 2"].
	Path []string `json:"path,omitempty"`
	// Paragraph is the 1-based paragraph number within its part.
	Paragraph int `json:"paragraph,omitempty"`
	// Table is the 1-based table number within its part, with the 1-based
	// Row and Col of the cell.
	Table int `json:"table,omitempty"`
	Row   int `json:"row,omitempty"`
	Col   int `json:"col,omitempty"`

	Slide int    `json:"slide,omitempty"`
	Shape string `json:"shape,omitempty"`

	Sheet string `json:"sheet,omitempty"`
	Cell  string `json:"cell,omitempty"`
}

// Label is a short human description of the location, such as "page 3",
// "Sheet1!B4", "slide 2 · notes" or "Methods › Sampling ¶ 4".
func (l Location) Label() string {
	var parts []string
	if l.Page > 0 {
		parts = append(parts, "page "+strconv.Itoa(l.Page))
	}
	if l.Slide > 0 {
		parts = append(parts, "slide "+strconv.Itoa(l.Slide))
	}
	if l.Sheet != "" || l.Cell != "" {
		s := l.Sheet
		if l.Cell != "" {
			if s != "" {
				s += "!"
			}
			s += l.Cell
		}
		parts = append(parts, s)
	}
	if l.Part != "" {
		parts = append(parts, l.Part)
	}
	if l.Shape != "" && l.Part == "" {
		parts = append(parts, l.Shape)
	}
	if len(l.Path) > 0 {
		parts = append(parts, strings.Join(l.Path, " › "))
	}
	if l.Table > 0 && l.Col == 0 {
		parts = append(parts, fmt.Sprintf("table %d, row %d", l.Table, l.Row))
	} else if l.Table > 0 {
		parts = append(parts, fmt.Sprintf("table %d, row %d, column %d", l.Table, l.Row, l.Col))
	} else if l.Paragraph > 0 {
		parts = append(parts, "¶ "+strconv.Itoa(l.Paragraph))
	}
	return strings.Join(parts, " · ")
}

// Rect is an axis-aligned rectangle in PDF user space: points, origin at the
// bottom left of the page's MediaBox coordinate system, before the page's
// /Rotate is applied. X0 <= X1 and Y0 <= Y1.
type Rect struct {
	X0 float64 `json:"x0"`
	Y0 float64 `json:"y0"`
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
}

// Union returns the smallest rectangle holding r and o.
func (r Rect) Union(o Rect) Rect {
	return Rect{min(r.X0, o.X0), min(r.Y0, o.Y0), max(r.X1, o.X1), max(r.Y1, o.Y1)}
}

// Box ties the bytes [Start, End) of the extracted text (one word) to the
// rectangle they occupy on a PDF page.
type Box struct {
	Start int  `json:"start"`
	End   int  `json:"end"`
	Page  int  `json:"page"`
	Rect  Rect `json:"rect"`
}

// LocationAt returns the location holding byte offset off. Documents with
// pages but no Locations get a location naming the page. ok is false when
// nothing is known about off.
func (d *Document) LocationAt(off int) (Location, bool) {
	if len(d.Locations) > 0 {
		i := sort.Search(len(d.Locations), func(i int) bool { return d.Locations[i].End > off })
		if i < len(d.Locations) && d.Locations[i].Start <= off {
			return d.Locations[i], true
		}
		return Location{}, false
	}
	if p := d.PageAt(off); p > 0 {
		return Location{Start: off, End: off, Page: p}, true
	}
	return Location{}, false
}

// BoxesIn returns the boxes on page whose bytes overlap [start, end).
func BoxesIn(boxes []Box, page, start, end int) []Box {
	var out []Box
	for _, b := range boxes {
		if b.Page == page && b.Start < end && b.End > start {
			out = append(out, b)
		}
	}
	return out
}

// Check reports the first way d breaks the location contract: Pages and
// Locations sorted, non-overlapping and inside Text; every non-whitespace
// byte of Text inside some location when Locations is set; boxes inside Text
// and on a known page. Tests of every adapter call it.
func (d *Document) Check() error {
	n := len(d.Text)
	prev := 0
	for i, p := range d.Pages {
		if p.Start < prev || p.End < p.Start || p.End > n {
			return fmt.Errorf("page span %d (%d-%d) out of order or outside the text (%d bytes)", i, p.Start, p.End, n)
		}
		prev = p.End
	}
	prev = 0
	for i, l := range d.Locations {
		if l.Start < prev || l.End < l.Start || l.End > n {
			return fmt.Errorf("location %d (%d-%d) out of order or outside the text (%d bytes)", i, l.Start, l.End, n)
		}
		if gap := d.Text[prev:l.Start]; strings.TrimSpace(gap) != "" {
			return fmt.Errorf("text %d-%d (%.40q) has no location", prev, l.Start, gap)
		}
		prev = l.End
	}
	if len(d.Locations) > 0 {
		if gap := d.Text[prev:]; strings.TrimSpace(gap) != "" {
			return fmt.Errorf("text %d-%d (%.40q) has no location", prev, n, gap)
		}
	}
	pages := map[int]bool{}
	for _, p := range d.Pages {
		pages[p.Page] = true
	}
	for i, b := range d.Boxes {
		if b.Start < 0 || b.End <= b.Start || b.End > n {
			return fmt.Errorf("box %d (%d-%d) outside the text (%d bytes)", i, b.Start, b.End, n)
		}
		if !pages[b.Page] {
			return fmt.Errorf("box %d is on page %d, which has no page span", i, b.Page)
		}
		if b.Rect.X1 < b.Rect.X0 || b.Rect.Y1 < b.Rect.Y0 {
			return fmt.Errorf("box %d has an inverted rectangle %+v", i, b.Rect)
		}
	}
	return nil
}
