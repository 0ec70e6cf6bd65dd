package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// Graph is an HNSW (hierarchical navigable small world) index over
// L2-normalised vectors, scored by dot product (higher is better).
//
// Layout: nodes have dense uint32 ids; vectors, layer-0 neighbour lists
// (2·M slots per node) and per-node metadata live in fixed-size pages of
// pageSize nodes, so the index grows a page at a time and never copies
// what it holds. Upper layers (about one node in M) have a small list
// each. Neighbours are chosen with the paper's heuristic (algorithm 4,
// hnswlib's getNeighborsByHeuristic2), both when a node is linked and
// when a full neighbour list is pruned.
//
// Concurrency: Search, Exact, Lookup and the rest are safe at any time;
// Add may run from several goroutines at once. Each node's neighbour lists
// are guarded by the node's own mutex, held only while a list is copied or
// rewritten; vectors are written once, before a node is reachable.
//
// Deletes are tombstones: a deleted (or replaced) node stays in the graph
// and is traversed, but is never returned. There is no in-place
// compaction: to drop tombstones, build a new Graph from Keys and Lookup
// and swap it in.
type Graph struct {
	dim, m, m0, efc, efs int
	ml                   float64

	addMu sync.RWMutex // every Add holds it shared; Export holds it exclusively
	topMu sync.Mutex   // held by an Add whose level is above the top level

	mu   sync.RWMutex // guards the fields below; dir is written under it
	dir  atomic.Pointer[[]*page]
	n    uint32            // nodes allocated, live or not
	ids  map[uint64]uint32 // live key → node
	ep   uint32            // entry point, none when empty
	top  int               // level of ep
	dead int               // tombstones
	rng  *rand.Rand

	pool sync.Pool // *searcher
}

// GraphConfig configures a Graph. The zero value of a field selects its
// default; Dim is required.
type GraphConfig struct {
	Dim            int   // vector length
	M              int   // links per node on upper layers, 2·M on layer 0 (default 16)
	EfConstruction int   // candidate list size while linking (default 100)
	EfSearch       int   // candidate list size while searching (default 64)
	Seed           int64 // seeds the level draw (default 1)
}

const (
	pageShift = 10
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1
	none      = ^uint32(0)
	maxLevels = 16

	defaultM   = 16
	defaultEfC = 100
	defaultEfS = 64
)

// page holds pageSize consecutive nodes.
type page struct {
	vecs   []float32 // pageSize*dim
	links  []uint32  // layer 0, per node: count, then m0 slots
	upper  [pageSize][]uint32
	keys   [pageSize]uint64
	levels [pageSize]uint8
	dead   [pageSize / 64]atomic.Uint64
	locks  [pageSize]sync.Mutex
}

func (c GraphConfig) withDefaults() GraphConfig {
	if c.M <= 1 {
		c.M = defaultM
	}
	if c.EfConstruction <= 0 {
		c.EfConstruction = defaultEfC
	}
	if c.EfSearch <= 0 {
		c.EfSearch = defaultEfS
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// NewGraph returns an empty graph.
func NewGraph(cfg GraphConfig) *Graph {
	cfg = cfg.withDefaults()
	g := &Graph{
		dim: cfg.Dim, m: cfg.M, m0: 2 * cfg.M, efc: cfg.EfConstruction, efs: cfg.EfSearch,
		ml:  1 / math.Log(float64(cfg.M)),
		ids: map[uint64]uint32{}, ep: none,
		rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15)),
	}
	dir := []*page{}
	g.dir.Store(&dir)
	g.pool.New = func() any { return &searcher{g: g} }
	return g
}

// Config returns the configuration in effect, defaults filled in.
func (g *Graph) Config() GraphConfig {
	return GraphConfig{Dim: g.dim, M: g.m, EfConstruction: g.efc, EfSearch: g.efs}
}

func (g *Graph) newPage(withVecs bool) *page {
	p := &page{links: make([]uint32, pageSize*(1+g.m0))}
	if withVecs {
		p.vecs = make([]float32, pageSize*g.dim)
	}
	return p
}

// addPage appends a page to the directory; g.mu must be held.
func (g *Graph) addPage(p *page) {
	nd := append(slices.Clip(*g.dir.Load()), p)
	g.dir.Store(&nd)
}

func (g *Graph) page(id uint32) *page { return (*g.dir.Load())[id>>pageShift] }

func (g *Graph) vec(id uint32) []float32 {
	o := int(id&pageMask) * g.dim
	return g.page(id).vecs[o : o+g.dim : o+g.dim]
}

// list returns node id's neighbour list on layer l: a count followed by
// its slots. The caller holds the node's lock (or excludes all writers).
func (g *Graph) list(p *page, id uint32, l int) []uint32 {
	i := id & pageMask
	if l == 0 {
		o := int(i) * (1 + g.m0)
		return p.links[o : o+1+g.m0 : o+1+g.m0]
	}
	u := p.upper[i]
	o := (l - 1) * (1 + g.m)
	if o+1+g.m > len(u) {
		return nil
	}
	return u[o : o+1+g.m : o+1+g.m]
}

func (g *Graph) isDead(id uint32) bool {
	return g.page(id).dead[(id&pageMask)>>6].Load()&(1<<(id&63)) != 0
}

// kill marks id deleted; g.mu must be held.
func (g *Graph) kill(id uint32) {
	g.page(id).dead[(id&pageMask)>>6].Or(1 << (id & 63))
	g.dead++
}

func (g *Graph) randomLevel() int {
	u := 1 - g.rng.Float64() // (0, 1]
	return min(int(-math.Log(u)*g.ml), maxLevels-1)
}

// Add inserts vec under key. A key already present is replaced: its old
// node becomes a tombstone. Add may be called from several goroutines.
func (g *Graph) Add(key uint64, vec []float32) error {
	if len(vec) != g.dim {
		return fmt.Errorf("vector for key %d has %d dimensions, want %d", key, len(vec), g.dim)
	}
	g.addMu.RLock()
	defer g.addMu.RUnlock()
	id, level, ep, top, first := g.alloc(key, vec)
	if first {
		return nil
	}
	if level > top {
		g.topMu.Lock()
		defer g.topMu.Unlock()
		g.mu.RLock()
		ep, top = g.ep, g.top
		g.mu.RUnlock()
	}
	g.link(id, level, ep, top)
	if level > top {
		g.mu.Lock()
		if level > g.top {
			g.ep, g.top = id, level
		}
		g.mu.Unlock()
	}
	return nil
}

// alloc gives key a new node holding vec and returns the entry point to
// link it from; first is true when the graph was empty.
func (g *Graph) alloc(key uint64, vec []float32) (id uint32, level int, ep uint32, top int, first bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.ids[key]; ok {
		g.kill(old)
	}
	id = g.n
	g.n++
	if int(id>>pageShift) >= len(*g.dir.Load()) {
		g.addPage(g.newPage(true))
	}
	p := g.page(id)
	i := id & pageMask
	copy(p.vecs[int(i)*g.dim:], vec)
	p.keys[i] = key
	level = g.randomLevel()
	p.levels[i] = uint8(level)
	if level > 0 {
		p.upper[i] = make([]uint32, level*(1+g.m))
	}
	g.ids[key] = id
	ep, top = g.ep, g.top
	if ep == none {
		g.ep, g.top = id, level
		return id, level, ep, top, true
	}
	return id, level, ep, top, false
}

// link connects the freshly allocated node id into every layer up to level.
func (g *Graph) link(id uint32, level int, ep uint32, top int) {
	s := g.getSearcher()
	defer g.pool.Put(s)
	q := g.vec(id)
	cur := item{id: ep, score: dot(q, s.vec(ep))}
	for l := top; l > level; l-- {
		cur = s.greedy(q, cur, l)
	}
	for l := min(level, top); l >= 0; l-- {
		s.reset()
		s.searchLayer(q, cur, g.efc, l, nil)
		cands := s.sortedResults(id)
		if len(cands) == 0 {
			continue
		}
		cur = cands[0]
		capL := g.m
		if l == 0 {
			capL = g.m0
		}
		sel := append(s.links[:0], s.heuristic(cands, g.m)...)
		s.links = sel
		g.merge(s, id, l, sel, capL)
		for _, nb := range sel {
			g.addLink(s, nb.id, id, l, capL)
		}
	}
}

// merge sets id's layer-l list to sel plus any links other inserts made
// to id meanwhile, pruned to capL.
func (g *Graph) merge(s *searcher, id uint32, l int, sel []item, capL int) {
	p := g.page(id)
	mu := &p.locks[id&pageMask]
	mu.Lock()
	defer mu.Unlock()
	lst := g.list(p, id, l)
	if lst == nil {
		return
	}
	cnt := int(lst[0])
	if cnt == 0 {
		lst[0] = uint32(len(sel))
		for i, it := range sel {
			lst[1+i] = it.id
		}
		return
	}
	all := append(s.tmp[:0], sel...)
	q := g.vec(id)
	for _, nb := range lst[1 : 1+cnt] {
		if !slices.ContainsFunc(all, func(it item) bool { return it.id == nb }) {
			all = append(all, item{id: nb, score: dot(q, g.vec(nb))})
		}
	}
	s.tmp = all
	g.writePruned(s, lst, all, capL)
}

// addLink adds to into from's layer-l list, pruning it with the heuristic
// when full.
func (g *Graph) addLink(s *searcher, from, to uint32, l, capL int) {
	p := g.page(from)
	mu := &p.locks[from&pageMask]
	mu.Lock()
	defer mu.Unlock()
	lst := g.list(p, from, l)
	if lst == nil {
		return
	}
	cnt := int(lst[0])
	for _, x := range lst[1 : 1+cnt] {
		if x == to {
			return
		}
	}
	if cnt < capL {
		lst[1+cnt] = to
		lst[0]++
		return
	}
	q := g.vec(from)
	all := append(s.tmp[:0], item{id: to, score: dot(q, g.vec(to))})
	for _, nb := range lst[1 : 1+cnt] {
		all = append(all, item{id: nb, score: dot(q, g.vec(nb))})
	}
	s.tmp = all
	g.writePruned(s, lst, all, capL)
}

// writePruned writes the best of cands, chosen by the heuristic, into lst.
func (g *Graph) writePruned(s *searcher, lst []uint32, cands []item, capL int) {
	slices.SortFunc(cands, func(a, b item) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	sel := cands
	if len(cands) > capL {
		sel = s.heuristic(cands, capL)
	}
	lst[0] = uint32(len(sel))
	for i, it := range sel {
		lst[1+i] = it.id
	}
}

// Delete tombstones keys and returns how many were live.
func (g *Graph) Delete(keys ...uint64) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, k := range keys {
		if id, ok := g.ids[k]; ok {
			g.kill(id)
			delete(g.ids, k)
			n++
		}
	}
	return n
}

// Search returns up to k live keys nearest to q, best first, using the
// configured EfSearch. keep, when not nil, filters keys: rejected and
// deleted nodes are traversed but never returned.
func (g *Graph) Search(q []float32, k int, keep func(key uint64) bool) []Result {
	return g.SearchEf(q, k, g.efs, keep)
}

// SearchEf is Search with an explicit candidate list size (at least k).
func (g *Graph) SearchEf(q []float32, k, ef int, keep func(key uint64) bool) []Result {
	if len(q) != g.dim || k <= 0 {
		return nil
	}
	g.mu.RLock()
	ep, top := g.ep, g.top
	g.mu.RUnlock()
	if ep == none {
		return nil
	}
	s := g.getSearcher()
	defer g.pool.Put(s)
	cur := item{id: ep, score: dot(q, s.vec(ep))}
	for l := top; l > 0; l-- {
		cur = s.greedy(q, cur, l)
	}
	accept := func(id uint32) bool {
		if g.isDead(id) {
			return false
		}
		return keep == nil || keep(g.page(id).keys[id&pageMask])
	}
	s.reset()
	s.searchLayer(q, cur, max(ef, k), 0, accept)
	res := s.sortedResults(none)
	out := make([]Result, 0, min(k, len(res)))
	for _, it := range res[:min(k, len(res))] {
		out = append(out, Result{ID: g.page(it.id).keys[it.id&pageMask], Score: float64(it.score)})
	}
	return out
}

// Exact returns the k live keys with the highest dot product with q by
// scanning every vector: the reference for Search, and the whole search
// for small libraries.
func (g *Graph) Exact(q []float32, k int, keep func(key uint64) bool) []Result {
	if len(q) != g.dim || k <= 0 {
		return nil
	}
	g.mu.RLock()
	n := g.n
	dir := *g.dir.Load()
	g.mu.RUnlock()
	t := topK{k: k}
	for pi, p := range dir {
		base := uint32(pi) << pageShift
		for i := uint32(0); i < pageSize && base+i < n; i++ {
			if p.dead[i>>6].Load()&(1<<(i&63)) != 0 {
				continue
			}
			if keep != nil && !keep(p.keys[i]) {
				continue
			}
			o := int(i) * g.dim
			s := float64(dot(q, p.vecs[o:o+g.dim:o+g.dim]))
			if len(t.res) == k && s <= t.res[k-1].Score {
				continue
			}
			t.push(Result{ID: p.keys[i], Score: s})
		}
	}
	return t.res
}

// Lookup returns a copy of key's vector.
func (g *Graph) Lookup(key uint64) ([]float32, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	id, ok := g.ids[key]
	if !ok {
		return nil, false
	}
	return slices.Clone(g.vec(id)), true
}

// Has reports whether key is live.
func (g *Graph) Has(key uint64) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	_, ok := g.ids[key]
	return ok
}

// Len returns the number of live keys.
func (g *Graph) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.ids)
}

// Deleted returns the number of tombstones (deleted or replaced nodes).
func (g *Graph) Deleted() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.dead
}

// Keys returns the live keys in no particular order.
func (g *Graph) Keys() []uint64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]uint64, 0, len(g.ids))
	for k := range g.ids {
		out = append(out, k)
	}
	return out
}

// item is a node and its score against the current query.
type item struct {
	score float32
	id    uint32
}

// searcher is per-search scratch space, pooled: the visited marks (an
// epoch per node, so clearing is one increment), the two heaps and
// buffers.
type searcher struct {
	g     *Graph
	dir   []*page
	marks []uint32
	epoch uint32
	cand  []item // max-heap on score: best candidate first
	res   []item // min-heap on score: worst kept result first
	buf   []uint32
	sel   []item
	tmp   []item
	out   []item
	links []item
}

func (g *Graph) getSearcher() *searcher {
	s := g.pool.Get().(*searcher)
	s.dir = *g.dir.Load()
	return s
}

func (s *searcher) vec(id uint32) []float32 {
	pi := int(id >> pageShift)
	if pi >= len(s.dir) {
		s.dir = *s.g.dir.Load()
	}
	d := s.g.dim
	o := int(id&pageMask) * d
	return s.dir[pi].vecs[o : o+d : o+d]
}

// neighbours copies id's layer-l list into s.buf under the node's lock.
func (s *searcher) neighbours(id uint32, l int) []uint32 {
	pi := int(id >> pageShift)
	if pi >= len(s.dir) {
		s.dir = *s.g.dir.Load()
	}
	p := s.dir[pi]
	mu := &p.locks[id&pageMask]
	mu.Lock()
	lst := s.g.list(p, id, l)
	if lst == nil {
		mu.Unlock()
		return nil
	}
	s.buf = append(s.buf[:0], lst[1:1+lst[0]]...)
	mu.Unlock()
	return s.buf
}

func (s *searcher) reset() {
	s.epoch++
	if s.epoch == 0 {
		clear(s.marks)
		s.epoch = 1
	}
}

// visit marks id and reports whether it was unvisited.
func (s *searcher) visit(id uint32) bool {
	if int(id) >= len(s.marks) {
		s.marks = append(s.marks, make([]uint32, int(id)+1-len(s.marks)+len(s.marks)/2+64)...)
	}
	if s.marks[id] == s.epoch {
		return false
	}
	s.marks[id] = s.epoch
	return true
}

// greedy walks layer l from cur to a local best.
func (s *searcher) greedy(q []float32, cur item, l int) item {
	for changed := true; changed; {
		changed = false
		for _, nb := range s.neighbours(cur.id, l) {
			if sc := dot(q, s.vec(nb)); sc > cur.score {
				cur = item{id: nb, score: sc}
				changed = true
			}
		}
	}
	return cur
}

// searchLayer is the HNSW beam search on layer l from ep, keeping the ef
// best accepted nodes in s.res. accept nil accepts every node; rejected
// nodes are still expanded. The caller calls reset first.
func (s *searcher) searchLayer(q []float32, ep item, ef, l int, accept func(uint32) bool) {
	s.cand, s.res = s.cand[:0], s.res[:0]
	s.visit(ep.id)
	s.cand = heapPush[maxOnTop](s.cand, ep)
	lower := float32(math.Inf(-1))
	if accept == nil || accept(ep.id) {
		s.res = heapPush[minOnTop](s.res, ep)
		lower = ep.score
	}
	for len(s.cand) > 0 {
		var c item
		s.cand, c = heapPop[maxOnTop](s.cand)
		if c.score < lower && len(s.res) >= ef {
			break
		}
		for _, nb := range s.neighbours(c.id, l) {
			if !s.visit(nb) {
				continue
			}
			sc := dot(q, s.vec(nb))
			if len(s.res) < ef || sc > lower {
				it := item{id: nb, score: sc}
				s.cand = heapPush[maxOnTop](s.cand, it)
				if accept == nil || accept(nb) {
					s.res = heapPush[minOnTop](s.res, it)
					if len(s.res) > ef {
						s.res, _ = heapPop[minOnTop](s.res)
					}
					lower = s.res[0].score
				}
			}
		}
	}
}

// sortedResults drains s.res best first, leaving out skip.
func (s *searcher) sortedResults(skip uint32) []item {
	s.out = s.out[:0]
	for len(s.res) > 0 {
		var it item
		s.res, it = heapPop[minOnTop](s.res)
		if it.id != skip {
			s.out = append(s.out, it)
		}
	}
	slices.Reverse(s.out)
	return s.out
}

// heuristic picks up to m of cands (sorted best first, scored against the
// base node): a candidate is kept only if it is closer to the base than to
// every one already kept, which spreads links across directions.
func (s *searcher) heuristic(cands []item, m int) []item {
	if len(cands) <= m {
		return cands
	}
	s.sel = s.sel[:0]
	for _, c := range cands {
		if len(s.sel) >= m {
			break
		}
		vc := s.vec(c.id)
		good := true
		for _, r := range s.sel {
			if dot(vc, s.vec(r.id)) > c.score {
				good = false
				break
			}
		}
		if good {
			s.sel = append(s.sel, c)
		}
	}
	return s.sel
}

// heapOrder says which of two scores a binary heap keeps nearer the top.
// Its implementations are empty types, so each heap is compiled for its
// order.
type heapOrder interface{ above(a, b float32) bool }

type maxOnTop struct{} // candidates: the best first
type minOnTop struct{} // results: the worst first, to be dropped

func (maxOnTop) above(a, b float32) bool { return a > b }
func (minOnTop) above(a, b float32) bool { return a < b }

func heapPush[O heapOrder](h []item, it item) []item {
	var o O
	h = append(h, it)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !o.above(h[i].score, h[p].score) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func heapPop[O heapOrder](h []item) ([]item, item) {
	var o O
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		b := l
		if r := l + 1; r < n && o.above(h[r].score, h[l].score) {
			b = r
		}
		if !o.above(h[b].score, h[i].score) {
			break
		}
		h[i], h[b] = h[b], h[i]
		i = b
	}
	return h, top
}
