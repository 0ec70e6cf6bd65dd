package pdf

import (
	"math"
	"sort"
)

// Ruling lines: the thin horizontal and vertical strokes and filled
// rectangles a page draws, such as the rules under a table's column
// headers. The interpreter collects them (in user space) from the path
// operators; table detection uses the rule under a header to see which
// columns the header spans.

const (
	// ruleThick is the thickest stroke or rectangle read as a rule, and
	// ruleMinLen the shortest, in user space units.
	ruleThick  = 3.0
	ruleMinLen = 4.0
	// ruleJoin is the widest gap between two pieces of one rule.
	ruleJoin = 1.5
	// maxPathParts and maxRules bound the work on pages that draw a lot.
	maxPathParts = 10000
	maxRules     = 5000
)

// pathPart is a segment or rectangle of the path being built: its box in
// user space.
type pathPart rect

// pathOp runs a path construction or painting operator. It returns false
// for other operators.
func (in *interp) pathOp(op string, a []operand) bool {
	ctm := in.gs.ctm
	switch op {
	case "m":
		if v, ok := nums(a, 2); ok {
			in.cx, in.cy = ctm.apply(v[0], v[1])
			in.sx, in.sy = in.cx, in.cy
		}
	case "l":
		if v, ok := nums(a, 2); ok {
			x, y := ctm.apply(v[0], v[1])
			in.addPart(in.cx, in.cy, x, y)
			in.cx, in.cy = x, y
		}
	case "h":
		in.addPart(in.cx, in.cy, in.sx, in.sy)
		in.cx, in.cy = in.sx, in.sy
	case "c", "v", "y":
		if v, ok := nums(a, 4); ok {
			in.cx, in.cy = ctm.apply(v[2], v[3])
		}
	case "re":
		if v, ok := nums(a, 4); ok {
			x0, y0 := ctm.apply(v[0], v[1])
			x1, y1 := ctm.apply(v[0]+v[2], v[1]+v[3])
			x2, y2 := ctm.apply(v[0]+v[2], v[1])
			x3, y3 := ctm.apply(v[0], v[1]+v[3])
			if len(in.path) < maxPathParts {
				in.path = append(in.path, pathPart{
					math.Min(math.Min(x0, x1), math.Min(x2, x3)), math.Min(math.Min(y0, y1), math.Min(y2, y3)),
					math.Max(math.Max(x0, x1), math.Max(x2, x3)), math.Max(math.Max(y0, y1), math.Max(y2, y3))})
			}
			in.cx, in.cy, in.sx, in.sy = x0, y0, x0, y0
		}
	case "S", "s", "f", "F", "f*", "B", "B*", "b", "b*":
		for _, p := range in.path {
			w, h := p.x1-p.x0, p.y1-p.y0
			if len(in.rules) < maxRules && ((h <= ruleThick && w >= ruleMinLen) || (w <= ruleThick && h >= ruleMinLen)) {
				in.rules = append(in.rules, rect(p))
			}
		}
		in.path = in.path[:0]
	case "n":
		in.path = in.path[:0]
	default:
		return false
	}
	return true
}

func (in *interp) addPart(x0, y0, x1, y1 float64) {
	if len(in.path) < maxPathParts {
		in.path = append(in.path, pathPart{math.Min(x0, x1), math.Min(y0, y1), math.Max(x0, x1), math.Max(y0, y1)})
	}
}

// frameRules turns rules into the reading frame of quarter turn k, keeping
// the horizontal ones (in that frame), and joins pieces of one rule drawn
// end to end (a table's cells each draw their own border).
func frameRules(rules []rect, k int) []rect {
	var out []rect
	for _, r := range rules {
		x0, y0 := rotCW(k, r.x0, r.y0)
		x1, y1 := rotCW(k, r.x1, r.y1)
		f := rect{math.Min(x0, x1), math.Min(y0, y1), math.Max(x0, x1), math.Max(y0, y1)}
		if f.y1-f.y0 <= ruleThick && f.x1-f.x0 >= ruleMinLen {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := math.Round(out[i].y0), math.Round(out[j].y0); a != b {
			return a < b
		}
		return out[i].x0 < out[j].x0
	})
	joined := out[:0]
	for _, r := range out {
		if n := len(joined); n > 0 {
			p := &joined[n-1]
			if math.Round(p.y0) == math.Round(r.y0) && r.x0 <= p.x1+ruleJoin {
				*p = union(*p, r)
				continue
			}
		}
		joined = append(joined, r)
	}
	return joined
}
