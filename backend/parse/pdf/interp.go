package pdf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode"

	lpdf "github.com/ledongthuc/pdf"
)

// matrix is a PDF transformation matrix [a b c d e f]: a point (x, y) maps
// to (a x + c y + e, b x + d y + f).
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n: first m, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// translate returns the translation by (x, y) followed by m.
func (m matrix) translate(x, y float64) matrix {
	m[4] += x*m[0] + y*m[2]
	m[5] += x*m[1] + y*m[3]
	return m
}

// glyph is one shown character in user space.
type glyph struct {
	text string
	// Origin on the baseline, and the end of the glyph's own advance
	// (without character or word spacing).
	x, y, ex, ey float64
	// em is the font size in user space: the length of text space's
	// vertical unit.
	em float64
	// dx, dy is the unit vector of the writing direction.
	dx, dy float64
	// vertical is set for glyphs of a vertical writing mode font, whose
	// advance runs down the column.
	vertical bool
	space    bool
	// guess is set when the text is only the code's standard meaning
	// (the font has no Unicode map for it; see textQuality).
	guess bool
	// bbox is the glyph's box in user space: advance by ascent/descent.
	bbox rect
}

type rect struct{ x0, y0, x1, y1 float64 }

// gstate is the part of the graphics state the text interpreter tracks.
type gstate struct {
	ctm                matrix
	font               *font
	size               float64
	tc, tw, th, tl, ts float64
}

// Interpreter limits.
const (
	maxFormDepth  = 12
	maxStateDepth = 256
	checkEvery    = 1024
)

// errGlyphLimit and errOpLimit stop a page that draws too much.
var (
	errGlyphLimit = errors.New("glyph limit reached")
	errOpLimit    = errors.New("operator limit reached")
)

// resScope is a resource dictionary with the fonts and XObjects already
// looked up in it.
type resScope struct {
	v     lpdf.Value
	fonts map[string]*font
	xobjs map[string]lpdf.Value
}

// interp runs the content streams of one page and collects its glyphs.
type interp struct {
	ctx      context.Context
	fonts    *fontCache
	maxOps   int
	maxGlyph int
	deadline time.Time

	gs     gstate
	stack  []gstate
	tm     matrix
	tlm    matrix
	glyphs []glyph
	// The path being built (current and subpath start points, parts) and
	// the ruling lines painted so far (rules.go).
	cx, cy, sx, sy float64
	path           []pathPart
	rules          []rect
	ops            int
	stop           error // why the page stopped early

	// images are where image XObjects and inline images were drawn: the
	// unit square through the CTM, in user space (at most maxImages).
	images []rect

	forms     []objKey             // Form XObjects being run, for cycles
	formData  map[objKey][]byte    // decoded form content, by object
	formScope map[objKey]*resScope // form resources, by object
	warnings  map[string]bool      // non-fatal problems, once each
	bytesRead int64
}

func newInterp(ctx context.Context, fc *fontCache, ctm matrix, maxOps, maxGlyphs int) *interp {
	in := &interp{ctx: ctx, fonts: fc, maxOps: maxOps, maxGlyph: maxGlyphs,
		formData: map[objKey][]byte{}, formScope: map[objKey]*resScope{}, warnings: map[string]bool{}}
	if d, ok := ctx.Deadline(); ok {
		in.deadline = d
	}
	in.gs = gstate{ctm: ctm, th: 1}
	in.tm, in.tlm = identity, identity
	return in
}

func (in *interp) warn(format string, args ...any) {
	if len(in.warnings) < 10 {
		in.warnings[fmt.Sprintf(format, args...)] = true
	}
}

func newScope(v lpdf.Value) *resScope {
	return &resScope{v: v, fonts: map[string]*font{}, xobjs: map[string]lpdf.Value{}}
}

// run interprets content with the resources of scope.
func (in *interp) run(content []byte, scope *resScope, depth int) {
	l := &lexer{data: content}
	var args []operand
	for in.stop == nil {
		op, a, ok := l.readOp(args)
		args = a
		if !ok {
			return
		}
		in.ops++
		if in.ops%checkEvery == 0 {
			if err := in.ctx.Err(); err != nil {
				in.stop = err
				return
			}
			if !in.deadline.IsZero() && time.Now().After(in.deadline) {
				in.stop = context.DeadlineExceeded
				return
			}
			if in.ops > in.maxOps {
				in.stop = errOpLimit
				return
			}
		}
		in.do(op, a, l, scope, depth)
	}
}

// nums reads the n operands ending the list as numbers.
func nums(a []operand, n int) ([]float64, bool) {
	if len(a) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i, o := range a[len(a)-n:] {
		if o.kind != kNum {
			return nil, false
		}
		out[i] = o.num
	}
	return out, true
}

func num1(a []operand) (float64, bool) {
	if len(a) < 1 || a[len(a)-1].kind != kNum {
		return 0, false
	}
	return a[len(a)-1].num, true
}

func (in *interp) do(op string, a []operand, l *lexer, scope *resScope, depth int) {
	gs := &in.gs
	switch op {
	case "q":
		if len(in.stack) < maxStateDepth {
			in.stack = append(in.stack, *gs)
		}
	case "Q":
		if n := len(in.stack); n > 0 {
			*gs = in.stack[n-1]
			in.stack = in.stack[:n-1]
		}
	case "cm":
		if v, ok := nums(a, 6); ok {
			gs.ctm = matrix(v).mul(gs.ctm)
		}
	case "BT":
		in.tm, in.tlm = identity, identity
	case "Tf":
		if len(a) >= 2 && a[len(a)-2].kind == kName && a[len(a)-1].kind == kNum {
			gs.font = in.font(scope, a[len(a)-2].str)
			gs.size = a[len(a)-1].num
		}
	case "Tc":
		if v, ok := num1(a); ok {
			gs.tc = v
		}
	case "Tw":
		if v, ok := num1(a); ok {
			gs.tw = v
		}
	case "Tz":
		if v, ok := num1(a); ok {
			gs.th = v / 100
		}
	case "TL":
		if v, ok := num1(a); ok {
			gs.tl = v
		}
	case "Ts":
		if v, ok := num1(a); ok {
			gs.ts = v
		}
	case "Td":
		if v, ok := nums(a, 2); ok {
			in.tlm = in.tlm.translate(v[0], v[1])
			in.tm = in.tlm
		}
	case "TD":
		if v, ok := nums(a, 2); ok {
			gs.tl = -v[1]
			in.tlm = in.tlm.translate(v[0], v[1])
			in.tm = in.tlm
		}
	case "Tm":
		if v, ok := nums(a, 6); ok {
			in.tlm = matrix(v)
			in.tm = in.tlm
		}
	case "T*":
		in.nextLine()
	case "Tj":
		if len(a) >= 1 && a[len(a)-1].kind == kStr {
			in.show(a[len(a)-1].str)
		}
	case "'":
		in.nextLine()
		if len(a) >= 1 && a[len(a)-1].kind == kStr {
			in.show(a[len(a)-1].str)
		}
	case "\"":
		if len(a) >= 3 && a[len(a)-3].kind == kNum && a[len(a)-2].kind == kNum && a[len(a)-1].kind == kStr {
			gs.tw, gs.tc = a[len(a)-3].num, a[len(a)-2].num
			in.nextLine()
			in.show(a[len(a)-1].str)
		}
	case "TJ":
		if len(a) >= 1 && a[len(a)-1].kind == kArray {
			for _, e := range a[len(a)-1].arr {
				switch e.kind {
				case kStr:
					in.show(e.str)
				case kNum:
					in.kern(e.num)
				}
				if in.stop != nil {
					return
				}
			}
		}
	case "Do":
		if len(a) >= 1 && a[len(a)-1].kind == kName {
			in.xobject(scope, a[len(a)-1].str, depth)
		}
	case "ID":
		in.image()
		l.skipInlineImage()
	default:
		in.pathOp(op, a)
	}
}

func (in *interp) nextLine() {
	in.tlm = in.tlm.translate(0, -in.gs.tl)
	in.tm = in.tlm
}

// kern applies a TJ adjustment (thousandths of text space, subtracted).
func (in *interp) kern(n float64) {
	gs := &in.gs
	if gs.font != nil && gs.font.vertical {
		in.tm = in.tm.translate(0, -n/1000*gs.size)
		return
	}
	in.tm = in.tm.translate(-n/1000*gs.size*gs.th, 0)
}

// font returns the font called name in scope, loading it once per document.
func (in *interp) font(scope *resScope, name string) *font {
	if f, ok := scope.fonts[name]; ok {
		return f
	}
	var f *font
	var v lpdf.Value
	if err := safely(func() { v = scope.v.Key("Font").Key(name) }); err == nil && v.Kind() == lpdf.Dict {
		f = in.fonts.get(v, name)
	}
	if f == nil {
		in.warn("font %s not found", name)
	}
	scope.fonts[name] = f
	return f
}

// show draws a string with the current font.
func (in *interp) show(s string) {
	gs := &in.gs
	f := gs.font
	if f == nil {
		f = fallbackFont
	}
	size := gs.size
	base := matrix{size * gs.th, 0, 0, size, 0, gs.ts}
	f.each(s, func(g glyphCode) {
		if in.stop != nil {
			return
		}
		trm := base.mul(in.tm).mul(gs.ctm)
		spacing := gs.tc
		if g.space {
			spacing += gs.tw
		}
		ox, oy := trm[4], trm[5]
		em := math.Hypot(trm[2], trm[3])
		gl := glyph{text: g.text, x: ox, y: oy, em: em, space: isSpaceText(g.text), guess: g.guess}
		if f.vertical {
			adv := f.vAdvance
			gl.vertical = true
			gl.dx, gl.dy = unit(-trm[2], -trm[3])
			gl.ex, gl.ey = trm.apply(0, adv)
			gl.bbox = boxOf(trm, -0.5, adv, 0.5, 0)
			in.tm = in.tm.translate(0, adv*size+spacing)
		} else {
			gl.dx, gl.dy = unit(trm[0], trm[1])
			gl.ex, gl.ey = trm.apply(g.w, 0)
			gl.bbox = boxOf(trm, 0, f.descent, g.w, f.ascent)
			in.tm = in.tm.translate((g.w*size+spacing)*gs.th, 0)
		}
		if len(in.glyphs) >= in.maxGlyph {
			in.stop = errGlyphLimit
			return
		}
		in.glyphs = append(in.glyphs, gl)
	})
}

// fallbackFont is used when text is shown before any (existing) font is set.
var fallbackFont = func() *font {
	f := &font{ascent: 0.8, descent: -0.2}
	for c := range f.widths {
		f.widths[c] = defaultWidth
		if c >= 32 && c < 127 {
			f.text[c] = string(rune(c))
		}
	}
	return f
}()

// boxOf maps the text-space rectangle (x0,y0)-(x1,y1) through m and returns
// its bounding box.
func boxOf(m matrix, x0, y0, x1, y1 float64) rect {
	ax, ay := m.apply(x0, y0)
	bx, by := m.apply(x1, y0)
	cx, cy := m.apply(x0, y1)
	dx, dy := m.apply(x1, y1)
	return rect{
		math.Min(math.Min(ax, bx), math.Min(cx, dx)),
		math.Min(math.Min(ay, by), math.Min(cy, dy)),
		math.Max(math.Max(ax, bx), math.Max(cx, dx)),
		math.Max(math.Max(ay, by), math.Max(cy, dy)),
	}
}

func unit(x, y float64) (float64, float64) {
	n := math.Hypot(x, y)
	if n == 0 {
		return 1, 0
	}
	return x / n, y / n
}

func isSpaceText(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsSpace(r) && r != '\u200b' {
			return false
		}
	}
	return true
}

// xobject runs a Form XObject and records where an image XObject is
// drawn (other kinds are skipped).
func (in *interp) xobject(scope *resScope, name string, depth int) {
	v, ok := scope.xobjs[name]
	if !ok {
		if err := safely(func() { v = scope.v.Key("XObject").Key(name) }); err != nil {
			v = lpdf.Value{}
		}
		scope.xobjs[name] = v
	}
	if v.Kind() != lpdf.Stream {
		return
	}
	var subtype string
	safely(func() { subtype = v.Key("Subtype").Name() })
	switch subtype {
	case "Form":
		in.runForm(v, scope, name, depth)
	case "Image":
		in.image()
	}
}

// maxImages bounds the image placements recorded per page.
const maxImages = 4096

// image records an image drawn now: an image fills the unit square of
// the current user space.
func (in *interp) image() {
	if len(in.images) < maxImages {
		in.images = append(in.images, boxOf(in.gs.ctm, 0, 0, 1, 1))
	}
}

// runForm runs the Form XObject v (named name, for warnings) with the
// resources of scope unless it has its own.
func (in *interp) runForm(v lpdf.Value, scope *resScope, name string, depth int) {
	if depth >= maxFormDepth {
		in.warn("form XObjects nested deeper than %d", maxFormDepth)
		return
	}
	key, keyed := keyOf(v)
	if keyed {
		for _, k := range in.forms {
			if k == key {
				in.warn("form XObject %s draws itself", name)
				return
			}
		}
	}
	data, ok := in.formData[key]
	fscope := in.formScope[key]
	if !ok || !keyed {
		var err error
		data, err = streamBytes(v, maxContentBytes-in.bytesRead)
		in.bytesRead += int64(len(data))
		if err != nil {
			in.warn("form XObject %s: %v", name, err)
		}
		fscope = scope
		var res lpdf.Value
		safely(func() { res = v.Key("Resources") })
		if res.Kind() == lpdf.Dict {
			fscope = newScope(res)
		}
		if keyed {
			in.formData[key], in.formScope[key] = data, fscope
		}
	}
	if len(data) == 0 {
		return
	}
	m := identity
	safely(func() {
		if mm, ok := matrixOf(v.Key("Matrix")); ok {
			m = mm
		}
	})
	saved, savedTm, savedTlm := in.gs, in.tm, in.tlm
	savedStack := len(in.stack)
	in.gs.ctm = m.mul(in.gs.ctm)
	if keyed {
		in.forms = append(in.forms, key)
	}
	in.run(data, fscope, depth+1)
	if keyed {
		in.forms = in.forms[:len(in.forms)-1]
	}
	in.gs, in.tm, in.tlm = saved, savedTm, savedTlm
	if len(in.stack) > savedStack {
		in.stack = in.stack[:savedStack]
	}
}

// maxAnnots bounds the annotations drawn per page.
const maxAnnots = 1000

// annotations draws the normal appearance of the page's visible
// annotations (form fields, free text, stamps), as a viewer shows them.
func (in *interp) annotations(pageV lpdf.Value, scope *resScope) {
	var annots lpdf.Value
	if safely(func() { annots = pageV.Key("Annots") }) != nil || annots.Kind() != lpdf.Array {
		return
	}
	for i := 0; i < annots.Len() && i < maxAnnots && in.stop == nil; i++ {
		safely(func() { in.annotation(annots.Index(i), scope) })
	}
}

func (in *interp) annotation(a lpdf.Value, scope *resScope) {
	if a.Kind() != lpdf.Dict {
		return
	}
	const hidden, noView = 2, 32
	if f := int(num(a.Key("F"))); f&(hidden|noView) != 0 {
		return
	}
	switch a.Key("Subtype").Name() {
	case "Popup", "Link":
		return
	}
	ap := a.Key("AP").Key("N")
	if ap.Kind() == lpdf.Dict {
		ap = ap.Key(a.Key("AS").Name())
	}
	if ap.Kind() != lpdf.Stream {
		return
	}
	r, ok := rectOf(a.Key("Rect"))
	if !ok {
		return
	}
	bb, ok := rectOf(ap.Key("BBox"))
	if !ok {
		return
	}
	m, _ := matrixOf(ap.Key("Matrix"))
	// Map the form's transformed bounding box onto the annotation's
	// rectangle (PDF 32000-1, 12.5.5).
	t := boxOf(m, bb[0], bb[1], bb[2], bb[3])
	if t.x1-t.x0 < 1e-6 || t.y1-t.y0 < 1e-6 {
		return
	}
	sx, sy := (r[2]-r[0])/(t.x1-t.x0), (r[3]-r[1])/(t.y1-t.y0)
	saved, savedTm, savedTlm := in.gs, in.tm, in.tlm
	in.gs = gstate{ctm: matrix{sx, 0, 0, sy, r[0] - t.x0*sx, r[1] - t.y0*sy}, th: 1}
	in.tm, in.tlm = identity, identity
	in.runForm(ap, scope, "annotation", 0)
	in.gs, in.tm, in.tlm = saved, savedTm, savedTlm
}
