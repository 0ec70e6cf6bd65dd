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
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

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
	Table  string `json:"table"`
	Block  int    `json:"block"`
	Lo     []byte `json:"lo,omitempty"`
	Hi     []byte `json:"hi,omitempty"`
	Reason string `json:"reason"`
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
	return fmt.Sprintf("%v: %d blocks cannot be read (first: %s); %d documents whose file record cannot be read were kept",
		ErrDamaged, len(e.Ranges), e.Ranges[0], e.Orphans)
}

func (e *DamageError) Unwrap() error { return ErrDamaged }

// Damaged reads every block of every table of the database and returns
// the blocks whose checksum fails, in key order. For an encrypted store
// the blocks cannot be placed: a damaged table gives one range covering
// every key.
func (s *Store) Damaged() ([]DamagedRange, error) {
	if s.encrypted {
		if err := s.db.VerifyChecksum(); err != nil {
			return []DamagedRange{{Table: "?", Reason: err.Error()}}, nil
		}
		return nil, nil
	}
	var out []DamagedRange
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
	return out, nil
}

// damagedBlocks reads each block of the table at path (not encrypted) and
// returns those that fail their checksum, with the keys they held. The
// footer and index are checked first (checkTable), as Badger's table
// reader does not check their bounds.
func damagedBlocks(path string) ([]DamagedRange, error) {
	if err := checkTable(path); err != nil {
		return nil, err
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer mf.Close(-1)
	def := badger.DefaultOptions("")
	t, err := table.OpenTable(mf, table.Options{ChkMode: options.OnBlockRead,
		Compression: def.Compression, BlockSize: def.BlockSize, ZSTDCompressionLevel: def.ZSTDCompressionLevel})
	if err != nil {
		return nil, err
	}
	// Not t.DecrRef: at zero references it deletes the file.
	bases := t.KeySplits(math.MaxInt32, nil) // every block's first key
	name := filepath.Base(path)
	var out []DamagedRange
	it := t.NewIterator(0)
	defer it.Close()
	for i, base := range bases {
		it.Seek([]byte(base))
		if it.Valid() && bytes.Equal(it.Key(), []byte(base)) {
			continue
		}
		r := DamagedRange{Table: name, Block: i, Lo: y.ParseKey([]byte(base)), Reason: "block checksum mismatch"}
		if i+1 < len(bases) {
			r.Hi = y.ParseKey([]byte(bases[i+1]))
			if bytes.Equal(r.Hi, r.Lo) {
				// The next block starts with another version of the
				// same key: the damaged one held at most that key.
				r.Hi = append(append([]byte(nil), r.Lo...), 0)
			}
		} else {
			r.Hi = append(append([]byte(nil), y.ParseKey(t.Biggest())...), 0)
		}
		out = append(out, r)
	}
	return out, nil
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
