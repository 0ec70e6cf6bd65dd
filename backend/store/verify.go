package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/y"
)

// ErrDamaged is wrapped when a file of the library's database is damaged
// and the library cannot be opened.
var ErrDamaged = errors.New("the library's database is damaged")

// checkTables checks the footer and index checksum of every table (*.sst)
// in dir before Badger opens them: Badger reads a table's footer without
// bounds checks, in a goroutine of its own, so a truncated table or one
// with a damaged footer crashes the process instead of failing Open.
//
// Only the tables the MANIFEST lists are checked: a table that a killed
// process was still writing is not listed yet, and Badger deletes it.
func checkTables(dir string) error {
	listed, err := listedTables(dir)
	if err != nil || listed == nil {
		return nil // no MANIFEST, or an unreadable one: Badger decides
	}
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return err
	}
	for _, p := range tables {
		var id uint64
		if _, err := fmt.Sscanf(filepath.Base(p), "%d.sst", &id); err != nil || !listed[id] {
			continue
		}
		if err := checkTable(p); err != nil {
			return fmt.Errorf("%w: table %s: %v; restore the folder %s from a backup, or move it away to start an empty library",
				ErrDamaged, filepath.Base(p), err, dir)
		}
	}
	return nil
}

// listedTables returns the ids of the tables dir's MANIFEST lists, or nil
// when there is no MANIFEST.
func listedTables(dir string) (map[uint64]bool, error) {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		return nil, err
	}
	ids := make(map[uint64]bool, len(m.Tables))
	for id := range m.Tables {
		ids[id] = true
	}
	return ids, nil
}

// checkTable checks one table's footer (as badger/table.initIndex reads
// it: index, index length u32, checksum, checksum length u32) and the
// checksum of its index. It reads only the footer and the index (which
// Badger reads at open anyway), not the data blocks.
func checkTable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	read := func(off, n int64) ([]byte, error) {
		b := make([]byte, n)
		_, err := f.ReadAt(b, off)
		return b, err
	}
	pos := info.Size() - 4
	if pos < 4 {
		return fmt.Errorf("%d bytes, too short", info.Size())
	}
	b, err := read(pos, 4)
	if err != nil {
		return err
	}
	chkLen := int64(binary.BigEndian.Uint32(b))
	if chkLen > pos-4 {
		return errors.New("truncated or damaged footer")
	}
	pos -= chkLen
	if b, err = read(pos, chkLen); err != nil {
		return err
	}
	algo, sum, ok := decodeChecksum(b)
	if !ok {
		return errors.New("damaged index checksum")
	}
	pos -= 4
	if b, err = read(pos, 4); err != nil {
		return err
	}
	idxLen := int64(binary.BigEndian.Uint32(b))
	if idxLen > pos {
		return errors.New("truncated or damaged footer")
	}
	if b, err = read(pos-idxLen, idxLen); err != nil {
		return err
	}
	if y.CalculateChecksum(b, algo) != sum {
		return errors.New("index checksum mismatch")
	}
	return nil
}

// decodeChecksum decodes a pb.Checksum (algo: field 1, sum: field 2, both
// varints); ok is false when it is not one, or names an unknown algorithm.
func decodeChecksum(b []byte) (algo pb.Checksum_Algorithm, sum uint64, ok bool) {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, 0, false
		}
		b = b[n:]
		v, n := binary.Uvarint(b)
		if n <= 0 || tag&7 != 0 {
			return 0, 0, false
		}
		b = b[n:]
		switch tag >> 3 {
		case 1:
			algo = pb.Checksum_Algorithm(v)
		case 2:
			sum = v
		}
	}
	return algo, sum, algo == pb.Checksum_CRC32C || algo == pb.Checksum_XXHash64
}
