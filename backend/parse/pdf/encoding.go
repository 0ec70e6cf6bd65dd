package pdf

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// glyphText returns the Unicode text of a glyph name: the Adobe Glyph List,
// then uniXXXX[XXXX...] and uXXXX[XX] names, with ".suffix" variants and
// "a_b" ligature names resolved by their parts. Unknown names give "".
func glyphText(name string) string {
	if s, ok := glyphNames[name]; ok {
		return s
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
		if s, ok := glyphNames[name]; ok {
			return s
		}
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			b.WriteString(glyphText(part))
		}
		return b.String()
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var b strings.Builder
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 32)
			if err != nil || (v >= 0xD800 && v < 0xE000) {
				return ""
			}
			b.WriteRune(rune(v))
		}
		return b.String()
	}
	if len(name) >= 5 && len(name) <= 7 && name[0] == 'u' {
		v, err := strconv.ParseUint(name[1:], 16, 32)
		if err == nil && v <= utf8.MaxRune && !(v >= 0xD800 && v < 0xE000) {
			return string(rune(v))
		}
	}
	return ""
}

// predefined describes a predefined CJK CMap that Folio can decode without
// Adobe's CID tables: its codes are bytes in a legacy charset (or UCS-2 /
// UTF-16 / UTF-8), decoded with golang.org/x/text.
type predefined struct {
	enc      encoding.Encoding // nil: the code bytes are EUC after setting the high bit (JIS "H"/"V")
	space    []codespace
	vertical bool
}

func cs(n int, lo, hi string) codespace {
	c := codespace{n: n}
	copy(c.lo[:], lo)
	copy(c.hi[:], hi)
	return c
}

var (
	spaceSJIS = []codespace{cs(1, "\x00", "\x80"), cs(1, "\xA0", "\xDF"), cs(1, "\xFD", "\xFF"), cs(2, "\x81\x40", "\x9F\xFC"), cs(2, "\xE0\x40", "\xFC\xFC")}
	spaceEUC  = []codespace{cs(1, "\x00", "\x80"), cs(2, "\x8E\xA0", "\x8E\xDF"), cs(2, "\xA1\xA1", "\xFE\xFE"), cs(3, "\x8F\xA1\xA1", "\x8F\xFE\xFE")}
	spaceDBCS = []codespace{cs(1, "\x00", "\x80"), cs(2, "\x81\x40", "\xFE\xFE")}
	spaceUCS2 = []codespace{cs(2, "\x00\x00", "\xFF\xFF")}
	spaceU16  = []codespace{cs(2, "\x00\x00", "\xD7\xFF"), cs(4, "\xD8\x00\xDC\x00", "\xDB\xFF\xDF\xFF"), cs(2, "\xE0\x00", "\xFF\xFF")}
	spaceU32  = []codespace{cs(4, "\x00\x00\x00\x00", "\x00\x10\xFF\xFF")}
	spaceUTF8 = []codespace{cs(1, "\x00", "\x7F"), cs(2, "\xC0\x80", "\xDF\xBF"), cs(3, "\xE0\x80\x80", "\xEF\xBF\xBF"), cs(4, "\xF0\x80\x80\x80", "\xF7\xBF\xBF\xBF")}
	spaceJIS  = []codespace{cs(2, "\x21\x21", "\x7E\x7E")}
)

// predefinedCMap returns how to decode the predefined CMap called name, or
// nil when Folio does not know it.
func predefinedCMap(name string) *predefined {
	base, vertical := strings.TrimSuffix(strings.TrimSuffix(name, "-H"), "-V"), strings.HasSuffix(name, "-V")
	switch {
	case name == "H" || name == "V":
		base, vertical = "", name == "V"
	case base == name:
		return nil
	}
	p := &predefined{vertical: vertical}
	switch {
	case strings.Contains(base, "UCS2"):
		p.enc, p.space = xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), spaceUCS2
	case strings.Contains(base, "UTF16"):
		p.enc, p.space = xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), spaceU16
	case strings.Contains(base, "UTF32"):
		p.enc, p.space = utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), spaceU32
	case strings.Contains(base, "UTF8"):
		p.enc, p.space = xunicode.UTF8, spaceUTF8
	case strings.Contains(base, "RKSJ"):
		p.enc, p.space = japanese.ShiftJIS, spaceSJIS
	case strings.HasPrefix(base, "GB"):
		p.enc, p.space = simplifiedchinese.GB18030, spaceDBCS
	case strings.HasPrefix(base, "KSC"):
		p.enc, p.space = korean.EUCKR, spaceDBCS
	case strings.HasPrefix(base, "B5") || strings.HasPrefix(base, "ETen") || strings.HasPrefix(base, "HKscs") || strings.HasPrefix(base, "ETHK"):
		p.enc, p.space = traditionalchinese.Big5, spaceDBCS
	case strings.Contains(base, "EUC"):
		p.enc, p.space = japanese.EUCJP, spaceEUC
	case base == "" || base == "Ext" || base == "78" || base == "Add":
		// "H", "V", "Ext-H", "78-H", "Add-H": JIS X 0208 row/cell codes.
		p.enc, p.space = nil, spaceJIS
	default:
		return nil
	}
	return p
}

// decode returns the text of one code's bytes.
func (p *predefined) decode(code string) string {
	if p.enc == nil {
		b := []byte(code)
		for i := range b {
			b[i] |= 0x80
		}
		code = string(b)
		s, err := japanese.EUCJP.NewDecoder().String(code)
		if err != nil {
			return ""
		}
		return s
	}
	s, err := p.enc.NewDecoder().String(code)
	if err != nil || strings.ContainsRune(s, utf8.RuneError) {
		return ""
	}
	return s
}
