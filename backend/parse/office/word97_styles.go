package office

import (
	"encoding/binary"
	"sort"
)

// FibRgFcLcb97 entries of the style sheet and the paragraph property runs.
const (
	fcStshf       = 1
	fcPlcfBtePapx = 13
)

// wordProps looks up the paragraph properties of the main story's
// paragraphs: the PAPX run, in the FKP page that covers a paragraph mark's
// file offset (PlcBtePapx), holds the paragraph's style (istd) and its
// sprms. A lookup that leaves the tables' bounds finds nothing.
type wordProps struct {
	wd      []byte
	pieces  []piece
	levelOf map[int]int // istd → heading level, for built-in heading styles
	fcs     []uint32    // PlcBtePapx: n+1 file offsets
	pns     []int       // and n FKP page numbers
}

// newWordProps reads the style sheet and the PlcBtePapx; nil when the
// document has no usable property runs.
func newWordProps(wd, table, fcLcb []byte, pieces []piece) *wordProps {
	le := binary.LittleEndian
	stsh := fcLcbSlice(table, fcLcb, fcStshf)
	plc := fcLcbSlice(table, fcLcb, fcPlcfBtePapx)
	if len(plc) < 8 {
		return nil
	}
	w := &wordProps{wd: wd, pieces: pieces, levelOf: map[int]int{}}
	// Style sheet: cbStshi, the Stshi (cstd first), then each STD with its
	// size; the first 16 bits of an STD hold its sti (1-9: heading 1-9).
	if len(stsh) >= 6 {
		cbStshi := int(le.Uint16(stsh))
		cstd := int(le.Uint16(stsh[2:]))
		off := 2 + cbStshi
		for istd := 0; istd < cstd && off+2 <= len(stsh); istd++ {
			cb := int(le.Uint16(stsh[off:]))
			if cb >= 2 && off+4 <= len(stsh) {
				if sti := int(le.Uint16(stsh[off+2:]) & 0x0FFF); sti >= 1 && sti <= 9 {
					w.levelOf[istd] = sti
				}
			}
			off += 2 + cb
		}
	}
	n := (len(plc) - 4) / 8
	w.fcs = make([]uint32, n+1)
	for i := range w.fcs {
		w.fcs[i] = le.Uint32(plc[4*i:])
	}
	w.pns = make([]int, n)
	for i := range w.pns {
		w.pns[i] = int(le.Uint32(plc[4*(n+1)+4*i:]) & 0x3FFFFF)
	}
	return w
}

// papx returns the istd and sprms of the paragraph whose mark is at cp.
func (w *wordProps) papx(cp int) (int, []byte, bool) {
	le := binary.LittleEndian
	fc, ok := cpToFC(w.pieces, cp)
	if !ok {
		return 0, nil, false
	}
	n := len(w.pns)
	i := sort.Search(n, func(i int) bool { return w.fcs[i+1] > fc }) // first run ending past fc
	if i >= n || w.fcs[i] > fc {
		return 0, nil, false
	}
	start := w.pns[i] * 512
	if start < 0 || start+512 > len(w.wd) {
		return 0, nil, false
	}
	fkp := w.wd[start : start+512]
	crun := int(fkp[511])
	if 4*(crun+1)+13*crun > 511 {
		return 0, nil, false
	}
	for j := 0; j < crun; j++ {
		lo, hi := le.Uint32(fkp[4*j:]), le.Uint32(fkp[4*j+4:])
		if fc < lo || fc >= hi {
			continue
		}
		bx := int(fkp[4*(crun+1)+13*j]) * 2
		if bx == 0 || bx+3 > 511 {
			return 0, nil, true // default properties: style 0
		}
		p, size := bx+1, 2*int(fkp[bx])-1
		if fkp[bx] == 0 {
			p, size = bx+2, 2*int(fkp[bx+1])
		}
		if size < 2 || p+size > 511 {
			return 0, nil, false
		}
		return int(le.Uint16(fkp[p:])), fkp[p+2 : p+size], true
	}
	return 0, nil, false
}

// level is the heading level (1-9, 0 for none) of the paragraph at cp.
func (w *wordProps) level(cp int) int {
	istd, _, ok := w.papx(cp)
	if !ok {
		return 0
	}
	return w.levelOf[istd]
}

// rowEnd reports whether the cell mark at cp ends a table row (its
// paragraph has sprmPFTtp or sprmPFInnerTtp set); known is false when the
// properties cannot be read.
func (w *wordProps) rowEnd(cp int) (end, known bool) {
	_, grpprl, ok := w.papx(cp)
	if !ok {
		return false, false
	}
	le := binary.LittleEndian
	for i := 0; i+2 <= len(grpprl); {
		sprm := le.Uint16(grpprl[i:])
		i += 2
		size := 0
		switch sprm >> 13 {
		case 0, 1:
			size = 1
		case 2, 4, 5:
			size = 2
		case 3:
			size = 4
		case 7:
			size = 3
		case 6:
			switch {
			case sprm == 0xD608 && i+2 <= len(grpprl): // sprmTDefTable: a 16-bit size, plus one
				size = 2 + int(le.Uint16(grpprl[i:])) - 1
			case i < len(grpprl):
				size = 1 + int(grpprl[i])
			default:
				return false, true
			}
		}
		if (sprm == 0x2417 || sprm == 0x244C) && i < len(grpprl) && grpprl[i] != 0 {
			return true, true
		}
		i += size
	}
	return false, true
}

// cpToFC returns the byte offset in WordDocument of the character at cp.
// pieces are in increasing CP order, as pieceText returns them.
func cpToFC(pieces []piece, cp int) (uint32, bool) {
	i := sort.Search(len(pieces), func(i int) bool { return pieces[i].cpEnd > cp })
	if i == len(pieces) || cp < pieces[i].cpStart {
		return 0, false
	}
	p := pieces[i]
	if p.compressed {
		return uint32(p.fc + cp - p.cpStart), true
	}
	return uint32(p.fc + 2*(cp-p.cpStart)), true
}

// fcPlcfBteChpx is the FibRgFcLcb97 entry of the character property runs.
const fcPlcfBteChpx = 12

// deletedUnit replaces the code units of text deleted with revision
// marking on: wordParagraphs drops it.
const deletedUnit = 0xFFFF

// dropDeleted marks with deletedUnit the units whose character runs carry
// sprmCFRMarkDel: text deleted while changes were tracked, which Word
// shows struck through and .docx reading drops (w:del). The runs come
// from the CHPX FKP pages the PlcBteChpx lists; unreadable pages are
// skipped, so at worst deleted text stays.
func dropDeleted(units []uint16, wd, table, fcLcb []byte, pieces []piece) {
	le := binary.LittleEndian
	plc := fcLcbSlice(table, fcLcb, fcPlcfBteChpx)
	if len(plc) < 8 {
		return
	}
	type span struct{ lo, hi uint32 }
	var del []span
	n := (len(plc) - 4) / 8
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		pn := int(le.Uint32(plc[4*(n+1)+4*i:]) & 0x3FFFFF)
		start := pn * 512
		if seen[pn] || start < 0 || start+512 > len(wd) {
			continue
		}
		seen[pn] = true
		fkp := wd[start : start+512]
		crun := int(fkp[511])
		if 4*(crun+1)+crun > 511 {
			continue
		}
		for j := 0; j < crun; j++ {
			off := 2 * int(fkp[4*(crun+1)+j])
			if off == 0 || off >= 511 {
				continue
			}
			cb := int(fkp[off])
			if off+1+cb > 511 {
				continue
			}
			if grpprlHas(fkp[off+1:off+1+cb], 0x0800) {
				del = append(del, span{le.Uint32(fkp[4*j:]), le.Uint32(fkp[4*j+4:])})
			}
		}
	}
	if len(del) == 0 {
		return
	}
	sort.Slice(del, func(a, b int) bool { return del[a].lo < del[b].lo })
	for _, p := range pieces {
		for cp := p.cpStart; cp < p.cpEnd && cp < len(units); cp++ {
			fc := uint32(p.fc + 2*(cp-p.cpStart))
			if p.compressed {
				fc = uint32(p.fc + cp - p.cpStart)
			}
			k := sort.Search(len(del), func(k int) bool { return del[k].lo > fc }) - 1
			if k >= 0 && fc < del[k].hi {
				units[cp] = deletedUnit
			}
		}
	}
}

// grpprlHas reports whether a list of character sprms sets want to a
// non-zero one-byte operand.
func grpprlHas(grpprl []byte, want uint16) bool {
	le := binary.LittleEndian
	for i := 0; i+2 <= len(grpprl); {
		sprm := le.Uint16(grpprl[i:])
		i += 2
		if sprm == want {
			return i < len(grpprl) && grpprl[i] != 0
		}
		switch sprm >> 13 {
		case 0, 1:
			i++
		case 2, 4, 5:
			i += 2
		case 3:
			i += 4
		case 7:
			i += 3
		case 6:
			if i >= len(grpprl) {
				return false
			}
			i += 1 + int(grpprl[i])
		}
	}
	return false
}
