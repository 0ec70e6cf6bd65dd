package office

import (
	"context"
	"fmt"
	"strings"

	"folio/backend/core"
)

// shape is the text of one slide shape: paragraphs, or the rows of a table.
type shape struct {
	name   string
	blocks []block
}

// Placeholder types whose text is never extracted: slide numbers and dates
// everywhere; in notes also the slide image, header and footer, so only the
// notes body remains.
var (
	skipSlidePh = map[string]bool{"sldNum": true, "dt": true}
	skipNotesPh = map[string]bool{"sldNum": true, "dt": true, "sldImg": true, "hdr": true, "ftr": true}
)

// pptxReader walks one PresentationML slide or notes part.
type pptxReader struct {
	*walker
	notes bool
}

// readShapes walks a slide (or notes slide) and returns its shapes in order.
func (r *pptxReader) readShapes() []shape {
	var out []shape
	var fn func(se startElement)
	fn = func(se startElement) {
		switch se.Name.Local {
		case "sp":
			r.sp(&out)
		case "graphicFrame":
			if r.notes {
				r.skip()
				return
			}
			r.graphicFrame(&out)
		case "AlternateContent":
			r.alternate(fn)
		case "pic", "cxnSp", "contentPart", "extLst", "clrMapOvr", "transition", "timing",
			"nvGrpSpPr", "grpSpPr", "spPr", "bg", "custDataLst", "controls":
			r.skip()
		default: // cSld, spTree, grpSp
			r.each(fn, nil)
		}
	}
	r.root(func(startElement) { r.each(fn, nil) })
	return out
}

// sp reads a p:sp: its name, placeholder type and text body.
func (r *pptxReader) sp(out *[]shape) {
	var (
		name, phType string
		hasPh        bool
		paras        []block
	)
	r.each(func(se startElement) {
		switch se.Name.Local {
		case "nvSpPr":
			r.each(func(c startElement) {
				switch c.Name.Local {
				case "cNvPr":
					name = attr(c, "name")
					r.skip()
				case "nvPr":
					r.each(func(x startElement) {
						if x.Name.Local == "ph" {
							hasPh, phType = true, attr(x, "type")
						}
						r.skip()
					}, nil)
				default:
					r.skip()
				}
			}, nil)
		case "txBody":
			paras = r.txBody()
		default:
			r.skip()
		}
	}, nil)
	skip := skipSlidePh
	if r.notes {
		skip = skipNotesPh
	}
	if hasPh && skip[phType] || len(paras) == 0 {
		return
	}
	*out = append(*out, shape{name: name, blocks: paras})
}

// txBody returns the paragraphs of a DrawingML text body.
func (r *pptxReader) txBody() []block {
	var paras []block
	r.each(func(se startElement) {
		if se.Name.Local != "p" {
			r.skip()
			return
		}
		var sb strings.Builder
		var fn func(se startElement)
		fn = func(se startElement) {
			switch se.Name.Local {
			case "r", "fld":
				upper := false
				r.each(func(c startElement) {
					switch c.Name.Local {
					case "rPr":
						upper = attr(c, "cap") == "all"
						r.skip()
					case "t":
						s := r.text()
						if upper {
							s = strings.ToUpper(s)
						}
						sb.WriteString(s)
					default:
						r.skip()
					}
				}, nil)
			case "br":
				sb.WriteByte('\n')
				r.skip()
			case "tab":
				sb.WriteByte('\t')
				r.skip()
			case "t":
				sb.WriteString(r.text())
			case "pPr", "endParaRPr", "rPr", "Fallback":
				r.skip()
			case "AlternateContent":
				r.alternate(fn)
			default:
				r.each(fn, nil)
			}
		}
		r.each(fn, nil)
		paras = append(paras, block{text: sb.String(), level: -1})
	}, nil)
	return paras
}

// graphicFrame reads a p:graphicFrame; only tables are kept (charts and
// diagrams live in other parts).
func (r *pptxReader) graphicFrame(out *[]shape) {
	var (
		name  string
		table *block
	)
	var fn func(se startElement)
	fn = func(se startElement) {
		switch se.Name.Local {
		case "cNvPr":
			if name == "" {
				name = attr(se, "name")
			}
			r.skip()
		case "tbl":
			t := r.tbl()
			table = &t
		case "xfrm", "spPr", "extLst", "tblPr", "tblGrid":
			r.skip()
		case "AlternateContent":
			r.alternate(fn)
		default:
			r.each(fn, nil)
		}
	}
	r.each(fn, nil)
	if table != nil {
		*out = append(*out, shape{name: name, blocks: []block{*table}})
	}
}

// tbl reads an a:tbl into a table block.
func (r *pptxReader) tbl() block {
	var rows [][]string
	r.each(func(se startElement) {
		if se.Name.Local != "tr" {
			r.skip()
			return
		}
		var cells []string
		r.each(func(c startElement) {
			if c.Name.Local != "tc" {
				r.skip()
				return
			}
			var paras []block
			r.each(func(x startElement) {
				if x.Name.Local == "txBody" {
					paras = r.txBody()
					return
				}
				r.skip()
			}, nil)
			cells = append(cells, flattenCell(paras))
		}, nil)
		rows = append(rows, cells)
	}, nil)
	return block{isTable: true, level: -1, rows: rows}
}

// emitShapes appends the shapes of one slide (or its notes) to b.
func emitShapes(b *builder, shapes []shape, slide int, part string) {
	var para, table int
	for _, s := range shapes {
		for _, blk := range s.blocks {
			if blk.isTable {
				table++
				for ri, row := range blk.rows {
					for ci, cell := range row {
						if ci > 0 {
							b.Raw("\t")
						}
						b.Span(cell, core.Location{Slide: slide, Shape: s.name, Part: part, Table: table, Row: ri + 1, Col: ci + 1})
					}
					b.Raw("\n")
				}
				continue
			}
			para++
			b.Line(blk.text, core.Location{Slide: slide, Shape: s.name, Part: part, Paragraph: para})
		}
	}
}

// parsePPTX extracts a PresentationML package: slides in presentation
// order, each followed by its speaker notes and a blank line.
func (p *Parser) parsePPTX(ctx context.Context, a container) (core.Document, error) {
	main := ""
	if pkg, err := readRels(a, ""); err == nil {
		for _, t := range relByType(pkg, "officeDocument") {
			if strings.HasPrefix(t, "ppt/") && a.Has(t) {
				main = t
				break
			}
		}
	}
	if main == "" {
		main = "ppt/presentation.xml"
	}
	if !a.Has(main) {
		return core.Document{}, fmt.Errorf("%w: no main presentation part (ppt/presentation.xml); not a valid .pptx", core.ErrCorrupt)
	}
	var warnings []string
	warn := func(err error) { warnings = append(warnings, err.Error()) }
	rels, err := readRels(a, main)
	if err != nil {
		warn(err)
	}
	data, err := a.Read(main)
	if err != nil {
		return core.Document{}, err
	}
	slides := slideOrder(newWalker(main, data, p.cfg.MaxDepth), rels)
	if len(slides) == 0 {
		slides = relByType(rels, "slide")
	}
	readShapes := func(name string, notes bool) []shape {
		data, err := a.Read(name)
		if err != nil {
			warn(err)
			return nil
		}
		r := &pptxReader{walker: newWalker(name, data, p.cfg.MaxDepth), notes: notes}
		shapes := r.readShapes()
		if r.err != nil {
			warn(r.err)
		}
		return shapes
	}
	b := newBuilder(p.cfg.MaxTextBytes)
	for i, slide := range slides {
		if err := ctx.Err(); err != nil {
			return core.Document{}, err
		}
		if b.Over() {
			break
		}
		emitShapes(b, readShapes(slide, false), i+1, "")
		srels, err := readRels(a, slide)
		if err != nil {
			warn(err)
		}
		for _, n := range relByType(srels, "notesSlide") {
			emitShapes(b, readShapes(n, true), i+1, core.PartNotes)
			break
		}
		b.Raw("\n")
	}
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Format: "pptx", Text: b.Text(), Locations: b.Locations(), Warnings: warnings}, nil
}

// slideOrder reads p:sldIdLst and returns the slide part names in
// presentation order.
func slideOrder(w *walker, rels []rel) []string {
	byID := map[string]string{}
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/slide") {
			byID[r.ID] = r.Target
		}
	}
	var out []string
	seen := map[string]bool{}
	w.root(func(startElement) {
		w.each(func(se startElement) {
			if se.Name.Local != "sldIdLst" {
				w.skip()
				return
			}
			w.each(func(s startElement) {
				if t, ok := byID[relID(s)]; ok && s.Name.Local == "sldId" && !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
				w.skip()
			}, nil)
		}, nil)
	})
	return out
}
