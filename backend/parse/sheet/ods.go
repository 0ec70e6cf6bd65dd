package sheet

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"folio/backend/core"
	"folio/backend/parse/ziplimit"
)

// OpenDocument namespaces.
const (
	nsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsTable  = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsText   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
)

// prefixes are the conventional prefixes, accepted when a producer forgets
// to declare its namespaces.
var prefixes = map[string]string{nsOffice: "office", nsTable: "table", nsText: "text"}

// maxIndex bounds row and column counters so hostile repeat counts cannot
// overflow them.
const maxIndex = 1 << 24

// maxSpaces bounds one text:s element.
const maxSpaces = 256

// parseODS reads content.xml of an OpenDocument spreadsheet into b.
func parseODS(ctx context.Context, path string, cfg Config, b *builder) error {
	a, err := ziplimit.Open(path, zipLimits(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Has("META-INF/manifest.xml") {
		m, err := a.Read("META-INF/manifest.xml")
		if err != nil && !errors.Is(err, core.ErrCorrupt) {
			return err
		}
		if bytes.Contains(m, []byte("encryption-data")) {
			return fmt.Errorf("%w: the ODF manifest lists encryption data", core.ErrEncrypted)
		}
	}
	data, err := a.Read("content.xml")
	if err != nil {
		if errors.Is(err, ziplimit.ErrMissing) {
			return fmt.Errorf("%w: %v", core.ErrCorrupt, err)
		}
		return err
	}
	return readODSContent(ctx, data, b)
}

// is reports whether n is the element or attribute local in namespace ns.
func is(n xml.Name, ns, local string) bool {
	return n.Local == local && (n.Space == ns || n.Space == prefixes[ns])
}

// attr returns the value of attribute ns:local.
func attr(se xml.StartElement, ns, local string) string {
	for _, a := range se.Attr {
		if is(a.Name, ns, local) {
			return a.Value
		}
	}
	return ""
}

// repeat reads a repeat-count attribute: at least 1, at most maxIndex.
func repeat(se xml.StartElement, local string) int {
	n, err := strconv.Atoi(strings.TrimSpace(attr(se, nsTable, local)))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxIndex)
}

// readODSContent streams the tables of office:spreadsheet in content.xml.
func readODSContent(ctx context.Context, data []byte, b *builder) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	inSpreadsheet, inTable := false, false
	var name string
	rowNum, nRows := 0, 0
	xmlErr := func(err error) error {
		where := "content.xml"
		if inTable {
			where = fmt.Sprintf("sheet %q row %d", name, rowNum+1)
		}
		if b.cells == 0 {
			return fmt.Errorf("%w: %s: malformed XML: %v", core.ErrCorrupt, where, err)
		}
		b.warn("%s: malformed XML, the rest is not read: %v", where, err)
		if inTable {
			b.endSheet()
		}
		return nil
	}
	var r row
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case is(t.Name, nsOffice, "spreadsheet"):
				inSpreadsheet = true
			case inSpreadsheet && !inTable && is(t.Name, nsTable, "table"):
				if err := ctx.Err(); err != nil {
					return err
				}
				inTable, name, rowNum = true, attr(t, nsTable, "name"), 0
				b.startSheet(name)
			case inTable && is(t.Name, nsTable, "table-row"):
				nRows++
				if nRows%64 == 0 {
					if err := ctx.Err(); err != nil {
						return fmt.Errorf("sheet %q: %w", name, err)
					}
				}
				reps := repeat(t, "number-rows-repeated")
				cells, err := readODSRow(d, b)
				if err != nil {
					return xmlErr(err)
				}
				if len(cells) > 0 && rowNum >= maxIndex {
					b.warn("sheet %q: rows past row %d are not read", name, maxIndex)
				} else if len(cells) > 0 {
					copies := min(reps, b.cfg.MaxRepeat)
					if copies < reps {
						b.warn("sheet %q row %d: repeated %d times, only %d copies indexed", name, rowNum+1, reps, copies)
					}
					for i := 0; i < copies && rowNum+i+1 <= maxIndex; i++ {
						r.num, r.cells = rowNum+i+1, cells
						if err := b.addRow(r); err != nil {
							b.endSheet()
							b.limitReached(fmt.Sprintf("sheet %q", name))
							return nil
						}
					}
				}
				rowNum = min(rowNum+reps, maxIndex)
			case inTable && (is(t.Name, nsTable, "table-cell") || is(t.Name, nsOffice, "annotation")):
				// A cell outside a row, or a comment on the table: skip it.
				if err := d.Skip(); err != nil {
					return xmlErr(err)
				}
			}
		case xml.EndElement:
			switch {
			case inTable && is(t.Name, nsTable, "table"):
				inTable = false
				b.endSheet()
			case is(t.Name, nsOffice, "spreadsheet"):
				inSpreadsheet = false
			}
		}
	}
	if inTable {
		b.endSheet()
	}
	return nil
}

// readODSRow reads the cells of the table:table-row whose start element was
// just read, up to and including its end element. Repeated non-empty cells
// are copied up to Config.MaxRepeat times.
func readODSRow(d *xml.Decoder, b *builder) ([]cell, error) {
	var cells []cell
	col := 0
	room := b.cfg.MaxCells - b.cells + 1 // one past the room left makes addRow stop
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, noEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !is(t.Name, nsTable, "table-cell") && !is(t.Name, nsTable, "covered-table-cell") {
				if err := d.Skip(); err != nil {
					return nil, noEOF(err)
				}
				continue
			}
			reps := repeat(t, "number-columns-repeated")
			text, err := readODSCell(d, t)
			if err != nil {
				return nil, err
			}
			if text != "" {
				copies := min(reps, b.cfg.MaxRepeat)
				if copies < reps {
					b.warn("sheet %q: a cell repeated %d times, only %d copies indexed", b.sheet, reps, copies)
				}
				for i := 0; i < copies && col+i+1 <= maxIndex && len(cells) < room; i++ {
					cells = append(cells, cell{col: col + i + 1, text: text})
				}
			}
			col = min(col+reps, maxIndex)
		case xml.EndElement:
			return cells, nil // the row's end: children are consumed whole
		}
	}
}

// readODSCell returns the displayed text of the cell whose start element se
// was just read, consuming it up to its end element: its text:p and text:h
// paragraphs joined by spaces (comments left out), or its typed value when
// it has no paragraph.
func readODSCell(d *xml.Decoder, se xml.StartElement) (string, error) {
	var sb strings.Builder
	depth, pDepth, skipDepth := 1, 0, 0
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return "", noEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case skipDepth > 0:
			case is(t.Name, nsOffice, "annotation"):
				skipDepth = depth
			case is(t.Name, nsText, "p") || is(t.Name, nsText, "h"):
				if pDepth == 0 {
					pDepth = depth
					if sb.Len() > 0 {
						sb.WriteByte(' ')
					}
				}
			case pDepth > 0 && is(t.Name, nsText, "s"):
				n, err := strconv.Atoi(attr(t, nsText, "c"))
				if err != nil || n < 1 {
					n = 1
				}
				sb.WriteString(strings.Repeat(" ", min(n, maxSpaces)))
			case pDepth > 0 && (is(t.Name, nsText, "tab") || is(t.Name, nsText, "line-break")):
				sb.WriteByte(' ')
			}
		case xml.EndElement:
			if depth == skipDepth {
				skipDepth = 0
			}
			if depth == pDepth {
				pDepth = 0
			}
			depth--
		case xml.CharData:
			if pDepth > 0 && skipDepth == 0 {
				sb.Write(t)
			}
		}
	}
	if s := cleanCell(sb.String()); s != "" {
		return s, nil
	}
	switch attr(se, nsOffice, "value-type") {
	case "float", "percentage", "currency":
		return cleanCell(attr(se, nsOffice, "value")), nil
	case "date":
		return cleanCell(attr(se, nsOffice, "date-value")), nil
	case "time":
		return cleanCell(attr(se, nsOffice, "time-value")), nil
	case "boolean":
		return cleanCell(attr(se, nsOffice, "boolean-value")), nil
	}
	return "", nil
}

// noEOF turns an end of input inside an element into a truncation error.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
