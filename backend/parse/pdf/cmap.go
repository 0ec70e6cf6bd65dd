package pdf

import (
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// codespace is one codespace range of a CMap: codes of n bytes whose every
// byte lies between the corresponding bytes of lo and hi.
type codespace struct {
	n      int
	lo, hi [4]byte
}

// uniRange maps codes lo..hi (of n bytes) to Unicode: either consecutive
// values from base (dst holds its UTF-16 units; the last is incremented), or
// one string each from list.
type uniRange struct {
	n      int
	lo, hi uint32
	dst    []uint16
	list   []string
}

// cidRange maps codes lo..hi (of n bytes) to consecutive CIDs from cid.
type cidRange struct {
	n      int
	lo, hi uint32
	cid    uint32
}

// cmap is a parsed CMap: a ToUnicode CMap (uni) or a Type0 font's encoding
// (cid). Codes are keyed by their byte length and value.
type cmap struct {
	space     []codespace
	uni       map[uint64]string
	uniRanges []uniRange
	cid       map[uint64]uint32
	cidRanges []cidRange
	vertical  bool
	useCMap   string // a predefined CMap this one builds on
}

func codeKey(n int, code uint32) uint64 { return uint64(n)<<32 | uint64(code) }

// expandLimit is the largest range expanded into the lookup maps; larger
// ranges are searched.
const expandLimit = 256

// maxCMapEntries bounds the entries read from one CMap.
const maxCMapEntries = 1 << 20

// parseCMap parses CMap data. It never fails: what it cannot read is skipped.
func parseCMap(data []byte) *cmap {
	m := &cmap{}
	l := &lexer{data: data, maxArgs: maxCMapEntries}
	var args []operand
	entries := 0
	for entries < maxCMapEntries {
		op, a, ok := l.readOp(args)
		args = a
		if !ok {
			break
		}
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(a); i += 2 {
				lo, hi := a[i].str, a[i+1].str
				if a[i].kind != kStr || a[i+1].kind != kStr || len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				cs := codespace{n: len(lo)}
				copy(cs.lo[:], lo)
				copy(cs.hi[:], hi)
				m.space = append(m.space, cs)
			}
		case "endbfchar":
			for i := 0; i+1 < len(a); i += 2 {
				if a[i].kind != kStr || len(a[i].str) == 0 || len(a[i].str) > 4 {
					continue
				}
				var dst string
				switch a[i+1].kind {
				case kStr:
					dst = utf16Text(a[i+1].str)
				case kName:
					dst = glyphText(a[i+1].str)
				default:
					continue
				}
				m.setUni(len(a[i].str), codeVal(a[i].str), dst)
				entries++
			}
		case "endbfrange":
			for i := 0; i+2 < len(a); i += 3 {
				lo, hi := a[i], a[i+1]
				if lo.kind != kStr || hi.kind != kStr || len(lo.str) == 0 || len(lo.str) > 4 || len(hi.str) != len(lo.str) {
					continue
				}
				n := len(lo.str)
				clo, chi := codeVal(lo.str), codeVal(hi.str)
				if chi < clo {
					continue
				}
				r := uniRange{n: n, lo: clo, hi: chi}
				switch d := a[i+2]; d.kind {
				case kStr:
					r.dst = utf16Units(d.str)
					if len(r.dst) == 0 {
						continue
					}
				case kArray:
					for _, e := range d.arr {
						r.list = append(r.list, utf16Text(e.str))
					}
				default:
					continue
				}
				entries += m.addUniRange(r)
			}
		case "endcidchar":
			for i := 0; i+1 < len(a); i += 2 {
				if a[i].kind != kStr || len(a[i].str) == 0 || len(a[i].str) > 4 || a[i+1].kind != kNum {
					continue
				}
				m.setCID(len(a[i].str), codeVal(a[i].str), uint32(max(0, a[i+1].num)))
				entries++
			}
		case "endcidrange":
			for i := 0; i+2 < len(a); i += 3 {
				lo, hi := a[i], a[i+1]
				if lo.kind != kStr || hi.kind != kStr || len(lo.str) == 0 || len(lo.str) > 4 || len(hi.str) != len(lo.str) || a[i+2].kind != kNum {
					continue
				}
				r := cidRange{n: len(lo.str), lo: codeVal(lo.str), hi: codeVal(hi.str), cid: uint32(max(0, a[i+2].num))}
				if r.hi < r.lo {
					continue
				}
				if r.hi-r.lo < expandLimit {
					for c := r.lo; c <= r.hi; c++ {
						m.setCID(r.n, c, r.cid+(c-r.lo))
					}
				} else {
					m.cidRanges = append(m.cidRanges, r)
				}
				entries++
			}
		case "usecmap":
			if len(a) > 0 && a[len(a)-1].kind == kName {
				m.useCMap = a[len(a)-1].str
			}
		case "def":
			if len(a) >= 2 && a[len(a)-2].kind == kName && a[len(a)-2].str == "WMode" && a[len(a)-1].kind == kNum {
				m.vertical = a[len(a)-1].num == 1
			}
		}
	}
	sort.Slice(m.space, func(i, j int) bool { return m.space[i].n < m.space[j].n })
	return m
}

func (m *cmap) setUni(n int, code uint32, s string) {
	if m.uni == nil {
		m.uni = map[uint64]string{}
	}
	m.uni[codeKey(n, code)] = s
}

func (m *cmap) setCID(n int, code, cid uint32) {
	if m.cid == nil {
		m.cid = map[uint64]uint32{}
	}
	m.cid[codeKey(n, code)] = cid
}

// addUniRange stores r, expanding small ranges, and returns how many
// entries it counted.
func (m *cmap) addUniRange(r uniRange) int {
	if r.hi-r.lo >= expandLimit {
		m.uniRanges = append(m.uniRanges, r)
		return 1
	}
	for c := r.lo; c <= r.hi; c++ {
		if s, ok := r.at(c); ok {
			m.setUni(r.n, c, s)
		}
	}
	return int(r.hi-r.lo) + 1
}

// at returns the text of code c in range r.
func (r *uniRange) at(c uint32) (string, bool) {
	off := c - r.lo
	if r.list != nil {
		if int(off) < len(r.list) {
			return r.list[off], true
		}
		return "", false
	}
	u := make([]uint16, len(r.dst))
	copy(u, r.dst)
	u[len(u)-1] += uint16(off)
	return string(utf16.Decode(u)), true
}

// toUnicode returns the text of a code of n bytes, if mapped.
func (m *cmap) toUnicode(n int, code uint32) (string, bool) {
	if s, ok := m.uni[codeKey(n, code)]; ok {
		return s, true
	}
	for i := range m.uniRanges {
		r := &m.uniRanges[i]
		if r.n == n && code >= r.lo && code <= r.hi {
			return r.at(code)
		}
	}
	return "", false
}

// toCID returns the CID of a code of n bytes, if mapped.
func (m *cmap) toCID(n int, code uint32) (uint32, bool) {
	if c, ok := m.cid[codeKey(n, code)]; ok {
		return c, true
	}
	for _, r := range m.cidRanges {
		if r.n == n && code >= r.lo && code <= r.hi {
			return r.cid + (code - r.lo), true
		}
	}
	return 0, false
}

// codeLen returns the length of the code starting at s[0] according to the
// codespace ranges, or 0 when there are none. A byte sequence that matches
// no range takes the length of the shortest range that matches its first
// byte, else of the shortest range.
func codeLen(space []codespace, s string) int {
	if len(space) == 0 {
		return 0
	}
	for _, cs := range space {
		if cs.n > len(s) {
			continue
		}
		ok := true
		for i := 0; i < cs.n; i++ {
			if s[i] < cs.lo[i] || s[i] > cs.hi[i] {
				ok = false
				break
			}
		}
		if ok {
			return cs.n
		}
	}
	for _, cs := range space {
		if s[0] >= cs.lo[0] && s[0] <= cs.hi[0] {
			return min(cs.n, len(s))
		}
	}
	return min(space[0].n, len(s))
}

// codeVal is the big-endian value of a code's bytes.
func codeVal(s string) uint32 {
	var v uint32
	for i := 0; i < len(s) && i < 4; i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

// utf16Units splits big-endian bytes into UTF-16 units; a single byte is one
// unit.
func utf16Units(s string) []uint16 {
	if len(s) == 1 {
		return []uint16{uint16(s[0])}
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

// utf16Text decodes a ToUnicode destination (UTF-16BE).
func utf16Text(s string) string {
	u := utf16Units(s)
	var b strings.Builder
	for _, r := range utf16.Decode(u) {
		if r == utf8.RuneError || r == 0 {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
