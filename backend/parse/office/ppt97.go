package office

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"folio/backend/core"
)

// A PowerPoint 97-2003 presentation (MS-PPT) is a sequence of records in
// the "PowerPoint Document" stream. The document container's slide list
// (SlideListWithText, instance 0) holds the text of each slide's
// placeholders after the slide's SlidePersistAtom; text boxes that are no
// placeholder keep their text inside the slide's own container, found
// through the persist directory; a notes container holds its text and
// names its slide by slide id.
//
// Invariants of parsePPT: records are walked only inside their parent's
// bounds, to a nesting depth of maxPPTDepth; a record whose length passes
// its parent's end is cut there; master slides are never read.

// Record types used.
const (
	pptDocument       = 0x03E8
	pptSlide          = 0x03EE
	pptNotes          = 0x03F0
	pptNotesAtom      = 0x03F1
	pptSlidePersist   = 0x03F3
	pptMainMaster     = 0x03F8
	pptTextHeader     = 0x0F9F
	pptTextChars      = 0x0FA0
	pptTextBytes      = 0x0FA8
	pptSlideList      = 0x0FF0
	pptPersistDir     = 0x1772
	maxPPTDepth       = 32
	pptTitle, pptCtrT = 0, 6 // TextHeaderAtom types of titles
)

type pptRecord struct {
	container bool
	inst, typ uint16
	off       int // of the header, within the stream
	body      []byte
	bodyOff   int
}

// pptRecords calls fn for each record in b, whose first byte is at offset
// base of the stream, until fn returns false.
func pptRecords(b []byte, base int, fn func(r pptRecord) bool) {
	for off := 0; off+8 <= len(b); {
		vi := binary.LittleEndian.Uint16(b[off:])
		typ := binary.LittleEndian.Uint16(b[off+2:])
		n := int64(binary.LittleEndian.Uint32(b[off+4:]))
		end := int64(off+8) + n
		if end > int64(len(b)) {
			end = int64(len(b))
		}
		r := pptRecord{container: vi&0x0F == 0x0F, inst: vi >> 4, typ: typ, off: base + off, body: b[off+8 : end], bodyOff: base + off + 8}
		if !fn(r) {
			return
		}
		off = int(end)
	}
}

// pptText is the text of one text atom and its TextHeaderAtom type.
type pptText struct {
	text  string
	title bool
}

// pptAtomText decodes a TextCharsAtom (UTF-16LE) or TextBytesAtom (the low
// bytes of UTF-16 code units, so Latin-1).
func pptAtomText(r pptRecord) string {
	if r.typ == pptTextBytes {
		u := make([]rune, len(r.body))
		for i, c := range r.body {
			u[i] = rune(c)
		}
		return string(u)
	}
	u := make([]uint16, len(r.body)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(r.body[2*i:])
	}
	return string(utf16.Decode(u))
}

// collectText appends the text atoms anywhere under r's body.
func collectText(body []byte, base, depth int, out *[]pptText) {
	if depth > maxPPTDepth {
		return
	}
	title := false
	pptRecords(body, base, func(r pptRecord) bool {
		switch {
		case r.typ == pptTextHeader && len(r.body) >= 4:
			t := binary.LittleEndian.Uint32(r.body)
			title = t == pptTitle || t == pptCtrT
		case r.typ == pptTextChars || r.typ == pptTextBytes:
			*out = append(*out, pptText{text: pptAtomText(r), title: title})
			title = false
		case r.container && r.typ != pptMainMaster:
			collectText(r.body, r.bodyOff, depth+1, out)
		}
		return true
	})
}

// parsePPT reads the slides and speaker notes of a PowerPoint 97-2003 file.
func (p *Parser) parsePPT(ctx context.Context, c compound) (core.Document, error) {
	stream := c.data["PowerPoint Document"]
	if len(stream) < 8 {
		return core.Document{}, fmt.Errorf("%w: the PowerPoint Document stream is empty or truncated", core.ErrCorrupt)
	}
	var (
		docRec   *pptRecord
		persist  = map[uint32]int{}    // persist id → stream offset
		slides   = map[int]pptRecord{} // offset → slide container
		notesFor = map[uint32][]pptText{}
		order    []pptRecord // slide containers in stream order, for the fallback
	)
	pptRecords(stream, 0, func(r pptRecord) bool {
		switch r.typ {
		case pptDocument:
			rr := r
			docRec = &rr
		case pptSlide:
			slides[r.off] = r
			order = append(order, r)
		case pptNotes:
			var id uint32
			var texts []pptText
			pptRecords(r.body, r.bodyOff, func(x pptRecord) bool {
				if x.typ == pptNotesAtom && len(x.body) >= 4 {
					id = binary.LittleEndian.Uint32(x.body)
				}
				return true
			})
			collectText(r.body, r.bodyOff, 1, &texts)
			notesFor[id] = texts
		case pptPersistDir:
			readPersistDir(r.body, persist)
		}
		return true
	})
	if err := ctx.Err(); err != nil {
		return core.Document{}, err
	}
	type slideText struct {
		id    uint32
		texts []pptText // placeholders, from the slide list
		boxes []pptText // other text boxes, from the slide's container
	}
	var list []slideText
	read := map[int]bool{}
	if docRec != nil {
		pptRecords(docRec.body, docRec.bodyOff, func(r pptRecord) bool {
			if r.typ != pptSlideList || r.inst != 0 {
				return true
			}
			title := false
			pptRecords(r.body, r.bodyOff, func(x pptRecord) bool {
				switch x.typ {
				case pptSlidePersist:
					list = append(list, slideText{})
					if s := &list[len(list)-1]; len(x.body) >= 16 {
						s.id = binary.LittleEndian.Uint32(x.body[12:])
						if off, ok := persist[binary.LittleEndian.Uint32(x.body)]; ok {
							if sr, ok := slides[off]; ok && !read[off] {
								read[off] = true // a container is read once, however often it is named
								collectText(sr.body, sr.bodyOff, 1, &s.boxes)
							}
						}
					}
				case pptTextHeader:
					if len(x.body) >= 4 {
						t := binary.LittleEndian.Uint32(x.body)
						title = t == pptTitle || t == pptCtrT
					}
				case pptTextChars, pptTextBytes:
					if len(list) > 0 {
						list[len(list)-1].texts = append(list[len(list)-1].texts, pptText{text: pptAtomText(x), title: title})
					}
					title = false
				}
				return true
			})
			return true
		})
	}
	if len(list) == 0 {
		// No slide list: the slide containers in stream order.
		for _, sr := range order {
			var s slideText
			collectText(sr.body, sr.bodyOff, 1, &s.texts)
			list = append(list, s)
		}
	}
	b := newBuilder(p.cfg.MaxTextBytes)
	for i, s := range list {
		n := i + 1
		wrote := false
		write := func(t pptText, part string) {
			for _, para := range strings.Split(strings.ReplaceAll(t.text, "\r\n", "\r"), "\r") {
				para = strings.TrimSpace(strings.Map(pptChar, para))
				if para == "" || para == "*" {
					continue
				}
				shape := ""
				if t.title && part == "" {
					shape = "Title"
				}
				b.Line(para, core.Location{Slide: n, Shape: shape, Part: part})
				wrote = true
			}
		}
		for _, t := range append(s.texts, s.boxes...) {
			write(t, "")
		}
		if s.id != 0 {
			for _, t := range notesFor[s.id] {
				write(t, core.PartNotes)
			}
		}
		if wrote {
			b.Raw("\n")
		}
	}
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Format: "ppt", Text: b.Text(), Locations: b.Locations()}, nil
}

// pptChar maps PowerPoint's control characters: a vertical tab is a line
// break; other controls but tab are dropped.
func pptChar(r rune) rune {
	switch {
	case r == '\v':
		return '\n'
	case r == '\t':
		return r
	case r < 0x20:
		return -1
	}
	return r
}

// readPersistDir adds the entries of a PersistDirectoryAtom to m: each
// entry is a 20-bit first persist id and a 12-bit count, then that many
// stream offsets.
func readPersistDir(b []byte, m map[uint32]int) {
	for off := 0; off+4 <= len(b); {
		h := binary.LittleEndian.Uint32(b[off:])
		id, n := h&0xFFFFF, int(h>>20)
		off += 4
		for j := 0; j < n && off+4 <= len(b); j++ {
			m[id+uint32(j)] = int(binary.LittleEndian.Uint32(b[off:]))
			off += 4
		}
	}
}
