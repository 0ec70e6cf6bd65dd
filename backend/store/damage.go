package store

// Finding damage. Badger checks each block's checksum as it reads it, but
// a block that fails is not an error to the caller: a Get of a key in it
// finds nothing, and an iteration silently skips the rest of its table.
// So a damaged table looks like missing records, and a reader that trusts
// what it sees takes the documents of those records for orphans. Damaged
// reads every block of every table itself, so that nothing is removed
// while part of the database cannot be read, and the keys that were lost
// can be named.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2/z"
)

// DamagedRange is a part of the database that cannot be read: a block of a
// table whose checksum fails. Every key from Lo up to (not including) Hi
// may have been in it; Hi nil means to the end of the keys. Lo and Hi are
// both nil when the damage could not be placed (an encrypted table).
type DamagedRange struct {
	Table  string
	Block  int
	Lo, Hi []byte
	Reason string
}

// MarshalJSON writes the keys as Go-quoted text (they hold binary ids).
func (r DamagedRange) MarshalJSON() ([]byte, error) {
	quote := func(b []byte) string {
		if b == nil {
			return ""
		}
		q := strconv.Quote(string(b))
		return q[1 : len(q)-1]
	}
	return json.Marshal(struct {
		Table  string `json:"table"`
		Block  int    `json:"block"`
		From   string `json:"from,omitempty"`
		To     string `json:"to,omitempty"`
		Reason string `json:"reason"`
	}{r.Table, r.Block, quote(r.Lo), quote(r.Hi), r.Reason})
}

// Holds reports whether key may have been in the damaged block.
func (r DamagedRange) Holds(key []byte) bool {
	return (r.Lo == nil || bytes.Compare(key, r.Lo) >= 0) && (r.Hi == nil || bytes.Compare(key, r.Hi) < 0)
}

// String describes the range for a person.
func (r DamagedRange) String() string {
	if r.Lo == nil && r.Hi == nil {
		return fmt.Sprintf("table %s: %s", r.Table, r.Reason)
	}
	return fmt.Sprintf("table %s block %d (keys %q to %q): %s", r.Table, r.Block, r.Lo, r.Hi, r.Reason)
}

// DamageError is returned when the store refused to change something
// because part of it cannot be read.
type DamageError struct {
	Ranges []DamagedRange
	// Orphans is how many documents no file record points at: their
	// records may be in the damaged blocks, so they are kept.
	Orphans int
}

func (e *DamageError) Error() string {
	if len(e.Ranges) == 0 {
		return ErrDamaged.Error()
	}
	return fmt.Sprintf("%v: %d blocks cannot be read (first: %s); %d documents whose file record cannot be read were kept",
		ErrDamaged, len(e.Ranges), e.Ranges[0], e.Orphans)
}

func (e *DamageError) Unwrap() error { return ErrDamaged }

// Damaged reads every block of every table of the database and returns
// the blocks whose checksum fails, in key order. For an encrypted store
// the blocks cannot be placed: a damaged table gives one range covering
// every key.
func (s *Store) Damaged() ([]DamagedRange, error) {
	var out []DamagedRange
	if s.encrypted {
		if err := s.db.VerifyChecksum(); err != nil {
			out = append(out, DamagedRange{Table: "?", Reason: err.Error()})
		}
		s.damageMu.Lock()
		s.damage = out
		s.damageMu.Unlock()
		return out, nil
	}
	for _, ti := range s.db.Tables() {
		name := fmt.Sprintf("%06d.sst", ti.ID)
		d, err := damagedBlocks(filepath.Join(s.dir, name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // compacted away meanwhile
			}
			out = append(out, DamagedRange{Table: name, Reason: err.Error()})
			continue
		}
		out = append(out, d...)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Lo, out[j].Lo) < 0 })
	s.damageMu.Lock()
	s.damage = out
	s.damageMu.Unlock()
	return out, nil
}

// KnownDamage returns the damaged blocks the last Damaged found (Open
// runs it).
func (s *Store) KnownDamage() []DamagedRange {
	s.damageMu.Lock()
	defer s.damageMu.Unlock()
	return s.damage
}

// openTable opens the table at path (not encrypted) for reading on its
// own, after checking its footer and index (checkTable: Badger's table
// reader does not check their bounds). close must be called; not
// t.DecrRef, which at zero references deletes the file.
func openTable(path string) (t *table.Table, close func(), err error) {
	if err := checkTable(path); err != nil {
		return nil, nil, err
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, nil, err
	}
	def := badger.DefaultOptions("")
	t, err = table.OpenTable(mf, table.Options{ChkMode: options.OnBlockRead,
		Compression: def.Compression, BlockSize: def.BlockSize, ZSTDCompressionLevel: def.ZSTDCompressionLevel})
	// Not mf.Close, which first syncs the (read-only) mapping.
	release := func() {
		z.Munmap(mf.Data)
		mf.Fd.Close()
	}
	if err != nil {
		release()
		return nil, nil, err
	}
	return t, release, nil
}

// blocks returns the first key of every block of t, and which blocks fail
// their checksum.
func blocks(t *table.Table) (bases [][]byte, bad []bool) {
	for _, b := range t.KeySplits(math.MaxInt32, nil) {
		bases = append(bases, []byte(b))
	}
	bad = make([]bool, len(bases))
	it := t.NewIterator(0)
	defer it.Close()
	for i, base := range bases {
		it.Seek(base)
		bad[i] = !it.Valid() || !bytes.Equal(it.Key(), base)
	}
	return bases, bad
}

// damagedBlocks reads each block of the table at path (not encrypted) and
// returns those that fail their checksum, with the keys they held.
func damagedBlocks(path string) ([]DamagedRange, error) {
	t, done, err := openTable(path)
	if err != nil {
		return nil, err
	}
	defer done()
	bases, bad := blocks(t)
	name := filepath.Base(path)
	var out []DamagedRange
	for i, base := range bases {
		if !bad[i] {
			continue
		}
		r := DamagedRange{Table: name, Block: i, Lo: y.ParseKey(base), Reason: "block checksum mismatch"}
		if i+1 < len(bases) {
			// Up to the next block's first key, which may be another
			// version of a key of this block: then that key is included.
			r.Hi = append(append([]byte(nil), y.ParseKey(bases[i+1])...), 0)
		} else {
			r.Hi = append(append([]byte(nil), y.ParseKey(t.Biggest())...), 0)
		}
		out = append(out, r)
	}
	return out, nil
}

// checkBlocksAtOpen is turned off only by BenchmarkOpenChecksBlocks, to
// measure what reading every block at Open costs.
var checkBlocksAtOpen = true

// Badger's entry flags (badger/value.go).
const (
	bitDelete       = 1 << 0
	bitValuePointer = 1 << 1
)

// salvageAll finds the damaged blocks (Damaged) and writes again, as new
// versions, what the rest of each damaged table holds: Badger's iterators
// skip the rest of a table after a damaged block, and its reads miss the
// first key after one, so without this, records that read well would
// look missing. Keys with a newer version elsewhere are left alone.
func (s *Store) salvageAll() error {
	if !checkBlocksAtOpen {
		return nil
	}
	damaged, err := s.Damaged()
	if err != nil || s.readOnly {
		return err // a read-only library is only checked: its damage is named, nothing written
	}
	done := map[string]bool{}
	for _, r := range damaged {
		if r.Lo == nil || done[r.Table] {
			continue
		}
		done[r.Table] = true
		n, lost, err := s.salvage(filepath.Join(s.dir, r.Table))
		if err != nil {
			return fmt.Errorf("%w: table %s: %v", ErrDamaged, r.Table, err)
		}
		if n+lost > 0 {
			slog.Warn("a table of the library is damaged; what still reads well was written again",
				"table", r.Table, "keys", n, "unreadable", lost)
		}
	}
	return nil
}

// salvage writes again the keys of the good blocks after the first
// damaged one of the table at path. It returns how many it wrote and how
// many it could not (values kept in the value log that cannot be read).
func (s *Store) salvage(path string) (written, lost int, err error) {
	t, done, err := openTable(path)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	bases, bad := blocks(t)
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	b := s.newBatch()
	it := t.NewIterator(0)
	defer it.Close()
	var last []byte
	seenBad := false
	for i, base := range bases {
		seenBad = seenBad || bad[i]
		if bad[i] || !seenBad {
			continue
		}
		for it.Seek(base); it.Valid(); it.Next() {
			k := it.Key()
			if i+1 < len(bases) && y.CompareKeys(k, bases[i+1]) >= 0 {
				break
			}
			user, ver := y.ParseKey(k), y.ParseTs(k)
			if bytes.Equal(user, last) || bytes.HasPrefix(user, []byte("!badger!")) {
				continue // an older version, or Badger's own
			}
			last = append(last[:0], user...)
			if bad[i-1] && bytes.Equal(user, y.ParseKey(base)) {
				// The damaged block before may hold newer versions of
				// this key: writing this one again could bring back an
				// old value. It is counted with the damaged block.
				continue
			}
			vs := it.Value()
			if vs.Meta&bitDelete != 0 {
				continue
			}
			key := append([]byte(nil), user...)
			item, gerr := txn.Get(key)
			switch {
			case gerr == nil && item.Version() > ver:
				continue // a newer version is readable
			case gerr == nil && item.Version() == ver:
				v, err := item.ValueCopy(nil)
				if err != nil {
					lost++
					continue
				}
				b.set(key, v)
			case vs.Meta&bitValuePointer != 0:
				lost++ // hidden, and its value is in the value log
				continue
			default:
				b.set(key, append([]byte(nil), vs.Value...))
			}
			written++
		}
	}
	return written, lost, b.flush()
}

// Orphans returns the documents whose text is stored but that no file
// record points at, in id order.
func (s *Store) Orphans() ([]uint64, error) {
	files, err := s.Files()
	if err != nil {
		return nil, err
	}
	live := map[uint64]bool{}
	for _, f := range files {
		if f.DocID != 0 {
			live[f.DocID] = true
		}
	}
	var orphans []uint64
	err = s.scan(prefixText, false, func(k, _ []byte) error {
		if id := idOf(k, prefixText); !live[id] {
			orphans = append(orphans, id)
		}
		return nil
	})
	return orphans, err
}
