package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"slices"
)

// Snapshot format (little-endian), version 1. Vectors are not included:
// the store holds them and is the source of truth.
//
//	magic "FOLIOHNS", version u32, seq u64,
//	dim u32, M u32, efConstruction u32, efSearch u32,
//	nodes u32, entry point u32 (0xFFFFFFFF when empty), top level u32,
//	per node: key u64, level u8, flags u8 (1 = tombstone),
//	          then for each layer 0..level: count u16, count × u32 neighbour ids,
//	crc32 (Castagnoli) of every byte before it, u32.
const (
	snapMagic   = "FOLIOHNS"
	snapVersion = 1
	maxSnapDim  = 1 << 13
	maxSnapM    = 1 << 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Export writes the graph's structure (keys, tombstones, levels, links,
// without vectors) and seq, the store's write sequence the graph covers.
// Adds wait while it runs; searches and deletes do not. A delete that
// lands during Export may or may not be in the snapshot (either way the
// key is gone after an import, since the store no longer yields it), so
// seq should be read before Export starts.
func (g *Graph) Export(w io.Writer, seq uint64) error {
	g.addMu.Lock() // no Add runs: links, levels and keys hold still
	defer g.addMu.Unlock()
	g.mu.RLock()
	n, ep, top := g.n, g.ep, g.top
	g.mu.RUnlock()
	bw := bufio.NewWriterSize(w, 1<<16)
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(bw, crc)
	b := make([]byte, 0, 64+4*(1+g.m0))
	b = append(b, snapMagic...)
	b = binary.LittleEndian.AppendUint32(b, snapVersion)
	b = binary.LittleEndian.AppendUint64(b, seq)
	for _, v := range []int{g.dim, g.m, g.efc, g.efs} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = binary.LittleEndian.AppendUint32(b, n)
	b = binary.LittleEndian.AppendUint32(b, ep)
	b = binary.LittleEndian.AppendUint32(b, uint32(top))
	if _, err := out.Write(b); err != nil {
		return fmt.Errorf("export graph: %w", err)
	}
	for id := uint32(0); id < n; id++ {
		p := g.page(id)
		i := id & pageMask
		level := int(p.levels[i])
		var flags byte
		if g.isDead(id) {
			flags = 1
		}
		b = binary.LittleEndian.AppendUint64(b[:0], p.keys[i])
		b = append(b, byte(level), flags)
		for l := 0; l <= level; l++ {
			lst := g.list(p, id, l)
			cnt := int(lst[0])
			b = binary.LittleEndian.AppendUint16(b, uint16(cnt))
			for _, nb := range lst[1 : 1+cnt] {
				b = binary.LittleEndian.AppendUint32(b, nb)
			}
		}
		if _, err := out.Write(b); err != nil {
			return fmt.Errorf("export graph: %w", err)
		}
	}
	if _, err := bw.Write(binary.LittleEndian.AppendUint32(b[:0], crc.Sum32())); err != nil {
		return fmt.Errorf("export graph: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export graph: %w", err)
	}
	return nil
}

// ImportGraph reads a snapshot written by Export and returns the graph and
// the write sequence it covers. cfg.Dim must match the snapshot (0 takes
// the snapshot's), and so must cfg.M when set; EfConstruction and EfSearch
// from cfg override the snapshot's when set.
//
// each must call fn once per vector in the store. A key in the snapshot
// gets its vector placed at its node; a key not in the snapshot (written
// after it) is inserted normally once all vectors are placed; a live
// snapshot key that gets no vector (deleted after it) becomes a tombstone.
// A key whose vector changed after the snapshot keeps its old links: Add
// it again after the import if that matters.
func ImportGraph(r io.Reader, cfg GraphConfig, each func(fn func(key uint64, vec []float32) error) error) (*Graph, uint64, error) {
	g, seq, err := readSnapshot(r, cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("import graph: %w", err)
	}
	filled := make([]uint64, (g.n+63)/64)
	type pending struct {
		key uint64
		vec []float32
	}
	var later []pending
	err = each(func(key uint64, vec []float32) error {
		if len(vec) != g.dim {
			return fmt.Errorf("vector for key %d has %d dimensions, want %d", key, len(vec), g.dim)
		}
		if id, ok := g.ids[key]; ok && filled[id>>6]&(1<<(id&63)) == 0 {
			copy(g.vec(id), vec)
			filled[id>>6] |= 1 << (id & 63)
			return nil
		}
		later = append(later, pending{key, slices.Clone(vec)})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("import graph: reading vectors: %w", err)
	}
	for key, id := range g.ids {
		if filled[id>>6]&(1<<(id&63)) == 0 {
			g.kill(id)
			delete(g.ids, key)
		}
	}
	for _, p := range later {
		if err := g.Add(p.key, p.vec); err != nil {
			return nil, 0, fmt.Errorf("import graph: %w", err)
		}
	}
	return g, seq, nil
}

// snapReader reads little-endian fields and checksums what it reads.
type snapReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	b   [8]byte
	err error
}

func (s *snapReader) read(n int) []byte {
	if s.err != nil {
		return s.b[:n]
	}
	if _, err := io.ReadFull(s.r, s.b[:n]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("snapshot is truncated")
		}
		s.err = err
		clear(s.b[:n])
		return s.b[:n]
	}
	s.crc.Write(s.b[:n])
	return s.b[:n]
}

func (s *snapReader) u8() uint8   { return s.read(1)[0] }
func (s *snapReader) u16() uint16 { return binary.LittleEndian.Uint16(s.read(2)) }
func (s *snapReader) u32() uint32 { return binary.LittleEndian.Uint32(s.read(4)) }
func (s *snapReader) u64() uint64 { return binary.LittleEndian.Uint64(s.read(8)) }

// readSnapshot parses and checks a snapshot into a graph whose vectors are
// all zero.
func readSnapshot(r io.Reader, cfg GraphConfig) (*Graph, uint64, error) {
	s := &snapReader{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(castagnoli)}
	var magic [8]byte
	copy(magic[:], s.read(8))
	if s.err != nil {
		return nil, 0, s.err
	}
	if string(magic[:]) != snapMagic {
		return nil, 0, errors.New("not a graph snapshot (bad magic)")
	}
	if v := s.u32(); s.err == nil && v != snapVersion {
		return nil, 0, fmt.Errorf("unsupported snapshot version %d (want %d)", v, snapVersion)
	}
	seq := s.u64()
	dim, m, efc, efs := int(s.u32()), int(s.u32()), int(s.u32()), int(s.u32())
	n, ep, top := s.u32(), s.u32(), s.u32()
	if s.err != nil {
		return nil, 0, s.err
	}
	switch {
	case dim <= 0 || dim > maxSnapDim:
		return nil, 0, fmt.Errorf("snapshot has bad dimension %d", dim)
	case cfg.Dim != 0 && cfg.Dim != dim:
		return nil, 0, fmt.Errorf("snapshot has dimension %d, want %d", dim, cfg.Dim)
	case m < 2 || m > maxSnapM:
		return nil, 0, fmt.Errorf("snapshot has bad M %d", m)
	case cfg.M != 0 && cfg.M != m:
		return nil, 0, fmt.Errorf("snapshot was built with M=%d, want %d", m, cfg.M)
	case n >= none:
		return nil, 0, fmt.Errorf("snapshot has bad node count %d", n)
	case n == 0 && ep != none, n > 0 && ep >= n:
		return nil, 0, fmt.Errorf("snapshot has bad entry point %d for %d nodes", ep, n)
	case top >= maxLevels:
		return nil, 0, fmt.Errorf("snapshot has bad top level %d", top)
	}
	c := GraphConfig{Dim: dim, M: m, EfConstruction: efc, EfSearch: efs, Seed: cfg.Seed}
	if cfg.EfConstruction > 0 {
		c.EfConstruction = cfg.EfConstruction
	}
	if cfg.EfSearch > 0 {
		c.EfSearch = cfg.EfSearch
	}
	g := NewGraph(c)
	if n > 0 {
		g.ep, g.top = ep, int(top)
	}
	var dir []*page
	for id := uint32(0); id < n; id++ {
		if int(id>>pageShift) >= len(dir) {
			dir = append(dir, g.newPage(false))
			g.dir.Store(&dir)
		}
		p := dir[id>>pageShift]
		i := id & pageMask
		key := s.u64()
		level, flags := int(s.u8()), s.u8()
		if s.err != nil {
			return nil, 0, s.err
		}
		if level >= maxLevels || flags > 1 {
			return nil, 0, fmt.Errorf("snapshot node %d is corrupt (level %d, flags %d)", id, level, flags)
		}
		p.keys[i], p.levels[i] = key, uint8(level)
		if level > 0 {
			p.upper[i] = make([]uint32, level*(1+m))
		}
		for l := 0; l <= level; l++ {
			lst := g.list(p, id, l)
			cnt := int(s.u16())
			if s.err == nil && cnt > len(lst)-1 {
				return nil, 0, fmt.Errorf("snapshot node %d has %d links on layer %d, more than %d", id, cnt, l, len(lst)-1)
			}
			lst[0] = uint32(cnt)
			for j := 1; j <= cnt && s.err == nil; j++ {
				nb := s.u32()
				if s.err == nil && nb >= n {
					return nil, 0, fmt.Errorf("snapshot node %d links to node %d of %d", id, nb, n)
				}
				lst[j] = nb
			}
		}
		if s.err != nil {
			return nil, 0, s.err
		}
		g.n++
		if flags == 1 {
			g.kill(id)
		} else {
			if _, dup := g.ids[key]; dup {
				return nil, 0, fmt.Errorf("snapshot has key %d twice", key)
			}
			g.ids[key] = id
		}
	}
	sum := s.crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(s.r, tail[:]); err != nil {
		return nil, 0, errors.New("snapshot is truncated")
	}
	if binary.LittleEndian.Uint32(tail[:]) != sum {
		return nil, 0, errors.New("snapshot checksum mismatch")
	}
	// Structural checks that need every node: links on layer l point at
	// nodes that have layer l, and the entry point is on the top level.
	for id := uint32(0); id < n; id++ {
		p := g.page(id)
		for l := 0; l <= int(p.levels[id&pageMask]); l++ {
			lst := g.list(p, id, l)
			for _, nb := range lst[1 : 1+lst[0]] {
				if int(g.page(nb).levels[nb&pageMask]) < l {
					return nil, 0, fmt.Errorf("snapshot node %d links on layer %d to node %d, which is not on it", id, l, nb)
				}
			}
		}
	}
	if n > 0 && int(g.page(ep).levels[ep&pageMask]) != int(top) {
		return nil, 0, fmt.Errorf("snapshot entry point %d is not on the top level %d", ep, top)
	}
	for _, p := range dir {
		p.vecs = make([]float32, pageSize*dim)
	}
	return g, seq, nil
}
