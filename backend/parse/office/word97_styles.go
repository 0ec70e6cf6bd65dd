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

// headingLevels returns, for a Word 97-2003 document, the heading level
// (1-9, 0 for none) of the main-story paragraph whose mark is at a CP: the
// paragraph's style (its istd, from the PAPX run in the FKP page that
// covers the mark's file offset) is a built-in heading style (sti 1-9 in
// the style sheet). It returns nil when the document has no usable style
// sheet or property runs; a lookup that leaves the tables' bounds gives 0.
func headingLevels(wd, table, fcLcb []byte, pieces []piece) func(cp int) int {
	le := binary.LittleEndian
	stsh := fcLcbSlice(table, fcLcb, fcStshf)
	plc := fcLcbSlice(table, fcLcb, fcPlcfBtePapx)
	if len(stsh) < 6 || len(plc) < 8 {
		return nil
	}
	// Style sheet: cbStshi, the Stshi (cstd first), then each STD with its
	// size; the first 16 bits of an STD hold its sti.
	levelOf := map[int]int{}
	cbStshi := int(le.Uint16(stsh))
	cstd := int(le.Uint16(stsh[2:]))
	off := 2 + cbStshi
	for istd := 0; istd < cstd && off+2 <= len(stsh); istd++ {
		cb := int(le.Uint16(stsh[off:]))
		if cb >= 2 && off+4 <= len(stsh) {
			if sti := int(le.Uint16(stsh[off+2:]) & 0x0FFF); sti >= 1 && sti <= 9 {
				levelOf[istd] = sti
			}
		}
		off += 2 + cb
	}
	if len(levelOf) == 0 {
		return nil
	}
	// PlcBtePapx: n+1 file offsets, then n FKP page numbers.
	n := (len(plc) - 4) / 8
	fcs := make([]uint32, n+1)
	for i := range fcs {
		fcs[i] = le.Uint32(plc[4*i:])
	}
	pns := make([]int, n)
	for i := range pns {
		pns[i] = int(le.Uint32(plc[4*(n+1)+4*i:]) & 0x3FFFFF)
	}
	return func(cp int) int {
		fc, ok := cpToFC(pieces, cp)
		if !ok {
			return 0
		}
		i := sort.Search(n, func(i int) bool { return fcs[i+1] > fc }) // first run ending past fc
		if i >= n || fcs[i] > fc {
			return 0
		}
		start := pns[i] * 512
		if start < 0 || start+512 > len(wd) {
			return 0
		}
		fkp := wd[start : start+512]
		crun := int(fkp[511])
		if 4*(crun+1)+13*crun > 511 {
			return 0
		}
		for j := 0; j < crun; j++ {
			lo, hi := le.Uint32(fkp[4*j:]), le.Uint32(fkp[4*j+4:])
			if fc < lo || fc >= hi {
				continue
			}
			bx := int(fkp[4*(crun+1)+13*j]) * 2
			if bx == 0 || bx+3 > 511 {
				return 0
			}
			p := bx + 1 // cb, then the GrpPrlAndIstd
			if fkp[bx] == 0 {
				p++ // cb was 0: the size is in the next byte
			}
			if p+2 > 511 {
				return 0
			}
			return levelOf[int(le.Uint16(fkp[p:]))]
		}
		return 0
	}
}

// cpToFC returns the byte offset in WordDocument of the character at cp.
func cpToFC(pieces []piece, cp int) (uint32, bool) {
	for _, p := range pieces {
		if cp >= p.cpStart && cp < p.cpEnd {
			if p.compressed {
				return uint32(p.fc + cp - p.cpStart), true
			}
			return uint32(p.fc + 2*(cp-p.cpStart)), true
		}
	}
	return 0, false
}
