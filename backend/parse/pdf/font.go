package pdf

import (
	"bytes"
	"strings"
	"sync"

	lpdf "github.com/ledongthuc/pdf"
)

// font is what the text interpreter needs from a PDF font: how to split a
// string into codes, each code's advance and its Unicode text. It is built
// once per font dictionary and then only read.
type font struct {
	composite bool // Type0
	vertical  bool // writing mode 1 (Identity-V and other -V CMaps)

	// Simple fonts: per-code advance (text space units per unit font
	// size) and text.
	widths [256]float64
	text   [256]string
	// guess marks the codes whose text is only the code's standard
	// meaning: the font maps them neither by ToUnicode nor by a known
	// glyph name (see textQuality).
	guess [256]bool

	// Composite fonts.
	space     []codespace // from the encoding CMap
	cidMap    *cmap       // embedded encoding CMap; nil for Identity and predefined CMaps
	pre       *predefined // predefined CJK CMap, when known
	toUni     *cmap
	cidWidths map[uint32]float64 // text space units per unit font size
	cidRanges []cidWidthRange
	dw        float64 // default width
	vAdvance  float64 // vertical advance (negative: downwards)

	mu    sync.Mutex        // guards cache; fonts are shared by the pages of a document
	cache map[uint64]string // decoded text of predefined-CMap codes

	// Vertical metrics in text space units per unit font size.
	ascent, descent float64
}

type cidWidthRange struct {
	lo, hi uint32
	w      float64
}

// Limits on font data read from a file.
const (
	maxWidthEntries = 1 << 18
	cmapLimit       = 8 << 20
)

// defaultWidth is the advance assumed, in em, when a font gives none.
const defaultWidth = 0.5

// loadFont reads the font dictionary v. It never fails; what cannot be read
// falls back to estimates.
func loadFont(v lpdf.Value) *font {
	f := &font{ascent: 0.8, descent: -0.2}
	crash := safely(func() {
		switch v.Key("Subtype").Name() {
		case "Type0":
			f.loadType0(v)
		default:
			f.loadSimple(v)
		}
	})
	if crash != nil {
		// Keep whatever was read; fill the gaps with estimates.
		if !f.composite {
			for i := range f.widths {
				if f.widths[i] == 0 {
					f.widths[i] = defaultWidth
				}
			}
		}
	}
	return f
}

// baseName strips a subset tag ("ABCDEF+Times-Roman") from a font name.
func baseName(v lpdf.Value) string {
	n := v.Key("BaseFont").Name()
	if len(n) > 7 && n[6] == '+' && strings.ToUpper(n[:6]) == n[:6] {
		n = n[7:]
	}
	return n
}

// setMetrics reads ascent and descent from a font descriptor (glyph units
// scaled by scale), keeping the defaults when they are missing or absurd.
func (f *font) setMetrics(desc lpdf.Value, scale float64) {
	a, d := num(desc.Key("Ascent"))*scale, num(desc.Key("Descent"))*scale
	if a > 0.3 && a < 1.5 {
		f.ascent = a
	}
	if d < 0 && d > -0.8 {
		f.descent = d
	}
}

func (f *font) loadSimple(v lpdf.Value) {
	subtype := v.Key("Subtype").Name()
	base := baseName(v)
	desc := v.Key("FontDescriptor")
	flags := int(num(desc.Key("Flags")))
	symbolic := flags&4 != 0 && flags&32 == 0

	// Glyph space to text space: 1/1000 except for Type3 fonts.
	scale := 0.001
	if subtype == "Type3" {
		if m, ok := matrixOf(v.Key("FontMatrix")); ok && m[0] != 0 {
			scale = m[0]
			if bb, ok := rectOf(v.Key("FontBBox")); ok && m[3] != 0 {
				a, d := bb[3]*m[3], bb[1]*m[3]
				if a < d {
					a, d = -d, -a
				}
				if a > 0.3 && a < 1.5 {
					f.ascent = a
				}
				if d < 0 && d > -0.8 {
					f.descent = d
				}
			}
		}
	} else {
		f.setMetrics(desc, 0.001)
	}

	// Encoding: code -> glyph name.
	var names [256]string
	std := standardFont(base)
	var baseEnc *[256]string
	enc := v.Key("Encoding")
	switch enc.Kind() {
	case lpdf.Name:
		baseEnc = namedEncoding(enc.Name())
	case lpdf.Dict:
		baseEnc = namedEncoding(enc.Key("BaseEncoding").Name())
	}
	hasEncoding := baseEnc != nil
	if baseEnc == nil && subtype != "Type3" {
		// An embedded Type1 program carries its own encoding.
		if ff := desc.Key("FontFile"); ff.Kind() == lpdf.Stream {
			if enc, ok := type1Encoding(ff); ok {
				baseEnc, hasEncoding = enc, true
			}
		}
	}
	if baseEnc == nil {
		switch {
		case std == "Symbol" || std == "ZapfDingbats":
			// Built-in encodings; the AFM widths are looked up by code below.
		case subtype == "TrueType" && symbolic:
			// The font's own cmap decides; codes are usually ASCII.
		case subtype == "TrueType":
			baseEnc = &winAnsiEncoding
		default:
			baseEnc = &standardEncoding
		}
	}
	if baseEnc != nil {
		names = *baseEnc
	}
	if enc.Kind() == lpdf.Dict {
		diffs := enc.Key("Differences")
		code := 0
		for i := 0; i < diffs.Len() && i < 4096; i++ {
			e := diffs.Index(i)
			switch e.Kind() {
			case lpdf.Integer, lpdf.Real:
				code = int(num(e))
			case lpdf.Name:
				if code >= 0 && code < 256 {
					names[code] = e.Name()
					hasEncoding = true
				}
				code++
			}
		}
	}

	// Text: ToUnicode, then glyph names, then the code itself.
	var toUni *cmap
	if tu := v.Key("ToUnicode"); tu.Kind() == lpdf.Stream {
		if data, _ := streamBytes(tu, cmapLimit); len(data) > 0 {
			toUni = parseCMap(data)
		}
	}
	for c := 0; c < 256; c++ {
		if toUni != nil {
			if s, ok := toUni.toUnicode(1, uint32(c)); ok {
				f.text[c] = s
				continue
			}
		}
		if names[c] != "" {
			if s := glyphText(names[c]); s != "" {
				f.text[c] = s
				continue
			}
		}
		// Unknown or unnamed: fall back to the standard meaning of the code
		// (the Windows one for names that are just the code, "a224").
		if names[c] != "" && numericName(names[c]) == c {
			if s := glyphText(winAnsiEncoding[c]); s != "" {
				f.text[c] = s
				continue
			}
		}
		if s := glyphText(standardEncoding[c]); s != "" && (!hasEncoding || names[c] != "") {
			f.text[c], f.guess[c] = s, true
		} else if !hasEncoding && c >= 0xA0 {
			f.text[c], f.guess[c] = string(rune(c)), true
		}
	}

	// Widths: /Widths, then /MissingWidth, then AFM metrics of the standard
	// fonts, then an estimate.
	missing := num(desc.Key("MissingWidth")) * scale
	var afm *afmFont
	if std != "" {
		afm = afmFonts[std]
		if desc.IsNull() {
			f.ascent, f.descent = afm.ascent/1000, afm.descent/1000
			if f.ascent < 0.3 {
				f.ascent = 0.8
			}
		}
	}
	first := int(num(v.Key("FirstChar")))
	ws := v.Key("Widths")
	nw := ws.Len()
	var have [256]bool
	for i := 0; i < nw && first+i < 256; i++ {
		if first+i < 0 {
			continue
		}
		if e := ws.Index(i); isNum(e) {
			f.widths[first+i] = num(e) * scale
			have[first+i] = true
		}
	}
	for c := 0; c < 256; c++ {
		if have[c] {
			continue
		}
		switch {
		case nw > 0 && missing > 0:
			f.widths[c] = missing
		case afm != nil:
			f.widths[c] = afmWidth(afm, std, c, f.text[c])
		case missing > 0:
			f.widths[c] = missing
		default:
			f.widths[c] = defaultWidth
		}
	}
}

// afmWidth returns the advance of code c with text s in a standard font.
func afmWidth(afm *afmFont, std string, c int, s string) float64 {
	key := rune(c)
	if std != "Symbol" && std != "ZapfDingbats" {
		r, n := utf8DecodeFirst(s)
		if n == 0 {
			return 0.5
		}
		key = r
	} else if std == "ZapfDingbats" {
		key = rune(c - 32)
	}
	if w, ok := afm.widths[key]; ok {
		return float64(w) / 1000
	}
	if w, ok := afm.widths[' ']; ok && std == "Courier" {
		return float64(w) / 1000
	}
	return 0.5
}

func utf8DecodeFirst(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// namedEncoding returns the table of a named simple-font encoding.
func namedEncoding(name string) *[256]string {
	switch name {
	case "WinAnsiEncoding":
		return &winAnsiEncoding
	case "MacRomanEncoding":
		return &macRomanEncoding
	case "StandardEncoding":
		return &standardEncoding
	case "PDFDocEncoding":
		return &pdfDocEncoding
	}
	return nil
}

// standardFont maps a font name to one of the 14 standard fonts whose
// metrics Folio carries (including the usual Windows aliases such as
// Arial,Bold and TimesNewRoman), or "".
func standardFont(name string) string {
	if _, ok := afmFonts[name]; ok {
		return name
	}
	n := strings.ToLower(strings.NewReplacer(" ", "", "-", "", ",", "", "_", "").Replace(name))
	bold := strings.Contains(n, "bold") || strings.Contains(n, "black") || strings.Contains(n, "heavy")
	italic := strings.Contains(n, "italic") || strings.Contains(n, "oblique")
	pick := func(family, boldS, italicS, both, plain string) string {
		switch {
		case bold && italic:
			return family + both
		case bold:
			return family + boldS
		case italic:
			return family + italicS
		}
		return family + plain
	}
	switch {
	case strings.HasPrefix(n, "courier"):
		return pick("Courier", "-Bold", "-Oblique", "-BoldOblique", "")
	case strings.HasPrefix(n, "helvetica") || strings.HasPrefix(n, "arial"):
		return pick("Helvetica", "-Bold", "-Oblique", "-BoldOblique", "")
	case strings.HasPrefix(n, "times"):
		return pick("Times", "-Bold", "-Italic", "-BoldItalic", "-Roman")
	case strings.HasPrefix(n, "symbol"):
		return "Symbol"
	case strings.HasPrefix(n, "zapfdingbats"):
		return "ZapfDingbats"
	}
	return ""
}

func (f *font) loadType0(v lpdf.Value) {
	f.composite = true
	f.dw = 1
	f.vAdvance = -1
	f.cache = map[uint64]string{}

	enc := v.Key("Encoding")
	switch enc.Kind() {
	case lpdf.Name:
		f.setPredefined(enc.Name())
	case lpdf.Stream:
		if data, _ := streamBytes(enc, cmapLimit); len(data) > 0 {
			m := parseCMap(data)
			f.cidMap = m
			f.space = m.space
			f.vertical = m.vertical || enc.Key("WMode").Int64() == 1
			if m.useCMap != "" && (len(m.cid) == 0 && len(m.cidRanges) == 0) {
				v := f.vertical
				f.cidMap = nil
				f.setPredefined(m.useCMap)
				f.vertical = f.vertical || v
			}
		}
	}
	if len(f.space) == 0 {
		f.space = []codespace{cs(2, "\x00\x00", "\xFF\xFF")}
	}

	if tu := v.Key("ToUnicode"); tu.Kind() == lpdf.Stream {
		if data, _ := streamBytes(tu, cmapLimit); len(data) > 0 {
			f.toUni = parseCMap(data)
		}
	} else if tu.Kind() == lpdf.Name && f.pre == nil {
		// A predefined Unicode CMap as /ToUnicode (e.g. Identity-H is
		// meaningless, but UniJIS-UCS2-H is not).
		f.pre = predefinedCMap(tu.Name())
		if f.pre != nil && f.pre.enc == nil {
			f.pre = nil
		}
	}

	d := v.Key("DescendantFonts").Index(0)
	if d.Kind() != lpdf.Dict {
		return
	}
	f.setMetrics(d.Key("FontDescriptor"), 0.001)
	if dw := d.Key("DW"); isNum(dw) {
		f.dw = num(dw) / 1000
	}
	if dw2 := d.Key("DW2"); dw2.Len() >= 2 && isNum(dw2.Index(1)) {
		if a := num(dw2.Index(1)) / 1000; a < 0 && a > -5 {
			f.vAdvance = a
		}
	}
	f.cidWidths = map[uint32]float64{}
	w := d.Key("W")
	n := w.Len()
	entries := 0
	for i := 0; i < n && entries < maxWidthEntries; {
		first := w.Index(i)
		if !isNum(first) || i+1 >= n {
			break
		}
		c := uint32(max(0, num(first)))
		next := w.Index(i + 1)
		if next.Kind() == lpdf.Array {
			for j := 0; j < next.Len() && entries < maxWidthEntries; j++ {
				f.cidWidths[c+uint32(j)] = num(next.Index(j)) / 1000
				entries++
			}
			i += 2
			continue
		}
		if i+2 >= n {
			break
		}
		last := uint32(max(0, num(next)))
		wv := num(w.Index(i+2)) / 1000
		if last >= c {
			if last-c < 256 {
				for k := c; k <= last; k++ {
					f.cidWidths[k] = wv
				}
			} else {
				f.cidRanges = append(f.cidRanges, cidWidthRange{c, last, wv})
			}
		}
		entries += int(min(last-c, 256)) + 1
		i += 3
	}
}

// setPredefined sets up a composite font for a predefined CMap name.
func (f *font) setPredefined(name string) {
	switch name {
	case "Identity-H":
	case "Identity-V":
		f.vertical = true
	default:
		if p := predefinedCMap(name); p != nil {
			f.pre = p
			f.space = p.space
			f.vertical = p.vertical
		}
	}
}

// glyphCode is one decoded code of a shown string.
type glyphCode struct {
	code  uint32
	n     int     // bytes
	w     float64 // advance in text space units per unit font size
	text  string
	space bool // single-byte code 32, which word spacing applies to
	guess bool // text is the code's standard meaning, not the font's map
}

// each calls fn for every code in s.
func (f *font) each(s string, fn func(g glyphCode)) {
	if !f.composite {
		for i := 0; i < len(s); i++ {
			c := s[i]
			fn(glyphCode{code: uint32(c), n: 1, w: f.widths[c], text: f.text[c], space: c == 32, guess: f.guess[c]})
		}
		return
	}
	for i := 0; i < len(s); {
		n := codeLen(f.space, s[i:])
		if n <= 0 {
			n = 1
		}
		raw := s[i : i+n]
		i += n
		code := codeVal(raw)
		cid := code
		if f.cidMap != nil {
			if c, ok := f.cidMap.toCID(n, code); ok {
				cid = c
			} else {
				cid = 0
			}
		}
		w := f.dw
		if f.pre != nil && f.cidMap == nil && n == 1 {
			w = 0.5 // half-width glyphs of a CJK charset
		} else if cw, ok := f.cidWidths[cid]; ok {
			w = cw
		} else {
			for _, r := range f.cidRanges {
				if cid >= r.lo && cid <= r.hi {
					w = r.w
					break
				}
			}
		}
		fn(glyphCode{code: code, n: n, w: w, text: f.codeText(raw, n, code), space: n == 1 && code == 32})
	}
}

// codeText returns the text of one code of a composite font.
func (f *font) codeText(raw string, n int, code uint32) string {
	if f.toUni != nil {
		if s, ok := f.toUni.toUnicode(n, code); ok {
			return s
		}
	}
	if f.pre == nil {
		return ""
	}
	k := codeKey(n, code)
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.cache[k]; ok {
		return s
	}
	s := f.pre.decode(raw)
	if len(f.cache) < 1<<16 {
		f.cache[k] = s
	}
	return s
}

// type1Encoding reads the built-in encoding of an embedded Type1 font
// program from its clear-text part ("dup 65 /A put" lines).
func type1Encoding(ff lpdf.Value) (*[256]string, bool) {
	data, _ := streamBytes(ff, 256<<10)
	if n := int(num(ff.Key("Length1"))); n > 0 && n < len(data) {
		data = data[:n]
	}
	if i := bytes.Index(data, []byte("eexec")); i >= 0 {
		data = data[:i]
	}
	i := bytes.Index(data, []byte("/Encoding"))
	if i < 0 {
		return nil, false
	}
	data = data[i+len("/Encoding"):]
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("StandardEncoding")) {
		return &standardEncoding, true
	}
	var enc [256]string
	found := false
	l := &lexer{data: data}
	var o operand
	var prev [3]operand // the last operands: code, name
	for n := 0; n < 4096; n++ {
		tok, op := l.next(&o)
		if tok == tEOF || op == "readonly" || op == "def" && found {
			break
		}
		if tok == tOp && op == "put" {
			if prev[1].kind == kNum && prev[2].kind == kName && prev[1].num >= 0 && prev[1].num < 256 {
				enc[int(prev[1].num)] = prev[2].str
				found = true
			}
			continue
		}
		if tok == tOperand {
			prev[0], prev[1], prev[2] = prev[1], prev[2], o
		}
	}
	return &enc, found
}

// numericName returns the number in a glyph name made of one or two letters
// and a decimal code ("a224", "g65", "cid12"), or -1.
func numericName(name string) int {
	i := 0
	for i < len(name) && i < 3 && (name[i] >= 'a' && name[i] <= 'z' || name[i] >= 'A' && name[i] <= 'Z') {
		i++
	}
	if i == 0 || i == len(name) || len(name)-i > 3 {
		return -1
	}
	n := 0
	for _, c := range name[i:] {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
