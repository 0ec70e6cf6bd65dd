package pdf

import (
	"errors"
	"sync"

	lpdf "github.com/ledongthuc/pdf"
)

// pageInfo is one leaf of the page tree with its inherited attributes.
type pageInfo struct {
	v         lpdf.Value
	resources lpdf.Value
	media     [4]float64
	crop      [4]float64 // the CropBox clipped to the MediaBox
	rotate    int        // 0, 90, 180 or 270
}

// Page tree limits: the library's own walk loops forever on a /Kids cycle.
const (
	maxTreeDepth = 64
	maxTreeNodes = 1 << 20
	maxPages     = 100000
)

var letter = [4]float64{0, 0, 612, 792}

// inherited holds the page attributes passed down the page tree.
type inherited struct {
	resources lpdf.Value
	media     lpdf.Value
	crop      lpdf.Value
	rotate    lpdf.Value
}

// walkPages lists the pages of r in order, skipping loops in the tree.
// loops reports how many references were skipped because they led back
// into the tree.
func walkPages(r *lpdf.Reader) (pages []pageInfo, loops int, err error) {
	var root lpdf.Value
	if err := safely(func() { root = r.Trailer().Key("Root").Key("Pages") }); err != nil {
		return nil, 0, err
	}
	if root.Kind() != lpdf.Dict {
		return nil, 0, errors.New("no page tree")
	}
	seen := map[objKey]bool{}
	nodes := 0
	var walk func(v lpdf.Value, parent objKey, inh inherited, depth int)
	walk = func(v lpdf.Value, parent objKey, inh inherited, depth int) {
		if nodes >= maxTreeNodes || len(pages) >= maxPages || v.Kind() != lpdf.Dict {
			return
		}
		nodes++
		if k, ok := keyOf(v); ok && k != parent {
			if seen[k] {
				loops++
				return
			}
			seen[k] = true
		}
		for _, a := range []struct {
			key string
			dst *lpdf.Value
		}{{"Resources", &inh.resources}, {"MediaBox", &inh.media}, {"CropBox", &inh.crop}, {"Rotate", &inh.rotate}} {
			if x := v.Key(a.key); !x.IsNull() {
				*a.dst = x
			}
		}
		kids := v.Key("Kids")
		typ := v.Key("Type").Name()
		if typ == "Pages" || (typ != "Page" && kids.Kind() == lpdf.Array) {
			if depth >= maxTreeDepth {
				loops++
				return
			}
			me, _ := keyOf(v)
			for i := 0; i < kids.Len(); i++ {
				var kid lpdf.Value
				if safely(func() { kid = kids.Index(i) }) != nil {
					continue
				}
				walk(kid, me, inh, depth+1)
			}
			return
		}
		pages = append(pages, makePage(v, inh))
	}
	var crash error
	crash = safely(func() { walk(root, objKey{}, inherited{}, 0) })
	if crash != nil && len(pages) == 0 {
		return nil, loops, crash
	}
	return pages, loops, nil
}

func makePage(v lpdf.Value, inh inherited) pageInfo {
	p := pageInfo{v: v, resources: inh.resources, media: letter}
	if m, ok := rectOf(inh.media); ok && m[2] > m[0] && m[3] > m[1] {
		p.media = m
	}
	p.crop = p.media
	if c, ok := rectOf(inh.crop); ok {
		c = [4]float64{max(c[0], p.media[0]), max(c[1], p.media[1]), min(c[2], p.media[2]), min(c[3], p.media[3])}
		if c[2] > c[0] && c[3] > c[1] {
			p.crop = c
		}
	}
	rot := int(num(inh.rotate)) % 360
	if rot < 0 {
		rot += 360
	}
	p.rotate = (rot + 45) / 90 * 90 % 360
	return p
}

// fontCache holds the fonts of one document, so that pages sharing a font
// dictionary read it once.
type fontCache struct {
	mu sync.Mutex // guards m
	m  map[fontKey]*font
}

type fontKey struct {
	obj  objKey
	name string
}

func newFontCache() *fontCache { return &fontCache{m: map[fontKey]*font{}} }

// get returns the font for dictionary v (named name in its resources).
func (c *fontCache) get(v lpdf.Value, name string) *font {
	k, ok := keyOf(v)
	if !ok {
		return loadFont(v)
	}
	key := fontKey{k, name}
	c.mu.Lock()
	f, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return f
	}
	f = loadFont(v)
	c.mu.Lock()
	c.m[key] = f
	c.mu.Unlock()
	return f
}
