package office

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// summaryStream is the OLE2 stream of a legacy file's summary properties,
// "\x05SummaryInformation" (mscfb drops the leading control character).
const summaryStream = "SummaryInformation"

// summaryTitle reads the title and subject of a SummaryInformation
// property set stream (MS-OLEPS), joined by " — " like propertiesTitle;
// "" when the stream says neither or cannot be read. Strings are 8-bit in
// the set's code page (property 1: UTF-8 for 65001, Windows-1252 for any
// other) or UTF-16.
func summaryTitle(b []byte) string {
	le := binary.LittleEndian
	if len(b) < 48 || le.Uint16(b) != 0xFFFE {
		return ""
	}
	set := int(le.Uint32(b[44:]))
	if set < 0 || set+8 > len(b) {
		return ""
	}
	n := int(le.Uint32(b[set+4:]))
	props := map[uint32]int{} // id → offset of its typed value
	for i := 0; i < n && i < 1000 && set+8+8*i+8 <= len(b); i++ {
		id := le.Uint32(b[set+8+8*i:])
		off := set + int(le.Uint32(b[set+8+8*i+4:]))
		if off >= set && off+8 <= len(b) {
			props[id] = off
		}
	}
	codepage := 1252
	if off, ok := props[1]; ok && le.Uint16(b[off:]) == 0x0002 {
		codepage = int(le.Uint16(b[off+4:]))
	}
	str := func(id uint32) string {
		off, ok := props[id]
		if !ok {
			return ""
		}
		typ := le.Uint16(b[off:])
		size := int(le.Uint32(b[off+4:]))
		data := b[off+8:]
		var s string
		switch typ {
		case 0x001E: // VT_LPSTR
			if size < 0 || size > len(data) {
				return ""
			}
			raw := data[:size]
			switch codepage {
			case 65001:
				s = string(raw)
			case 1200:
				s = decodeUTF16(raw)
			default:
				d, err := charmap.Windows1252.NewDecoder().Bytes(raw)
				if err != nil {
					return ""
				}
				s = string(d)
			}
		case 0x001F: // VT_LPWSTR, size in characters
			if size < 0 || 2*size > len(data) {
				return ""
			}
			s = decodeUTF16(data[:2*size])
		default:
			return ""
		}
		s = strings.TrimRight(strings.ToValidUTF8(s, "\uFFFD"), "\x00")
		return strings.Join(strings.Fields(s), " ")
	}
	var parts []string
	for _, t := range []string{str(2), str(3)} {
		if t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " — ")
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
