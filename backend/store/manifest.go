package store

// The MANIFEST is Badger's list of its tables: a log of records, each
// creating or deleting a table. Badger reads it up to its last whole record
// and deletes every table it does not list, so a MANIFEST cut short at a
// record boundary opens as an emptier library, with the tables it lost
// deleted. Close therefore keeps a verified copy of the MANIFEST, and
// Open compares the two before Badger sees the MANIFEST: when tables the
// copy lists are on disk but the MANIFEST never mentions them, the
// MANIFEST lost records. If the copy matches the tables on disk exactly it
// is put back; otherwise the library is not opened, so nothing is
// deleted.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// manifestCopy is the copy of the MANIFEST kept at each successful Close.
const manifestCopy = "MANIFEST.folio-copy"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// manifest is what a MANIFEST says: the tables it lists at its end, and
// every table any of its records mentions (created or deleted).
type manifest struct {
	listed, mentioned map[uint64]bool
}

// readManifest parses the MANIFEST at path as Badger does (an 8-byte magic,
// then records of length u32, CRC-32C u32 and a ManifestChangeSet), up to
// its last whole record. A record whose checksum fails is an error.
func readManifest(path string) (manifest, error) {
	m := manifest{listed: map[uint64]bool{}, mentioned: map[uint64]bool{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if len(b) < 8 || string(b[:4]) != "Bdgr" {
		return m, errors.New("not a MANIFEST")
	}
	for p := 8; p+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[p:]))
		sum := binary.BigEndian.Uint32(b[p+4:])
		if n > len(b)-p-8 {
			break // cut short inside a record: Badger stops here too
		}
		rec := b[p+8 : p+8+n]
		if crc32.Checksum(rec, castagnoli) != sum {
			return m, fmt.Errorf("record at byte %d: checksum mismatch", p)
		}
		if err := m.apply(rec); err != nil {
			return m, fmt.Errorf("record at byte %d: %v", p, err)
		}
		p += 8 + n
	}
	return m, nil
}

// apply applies one ManifestChangeSet (field 1: repeated ManifestChange,
// whose field 1 is the table id and field 2 the operation: 0 create,
// 1 delete).
func (m manifest) apply(set []byte) error {
	return protoFields(set, func(field int, v uint64, sub []byte) error {
		if field != 1 || sub == nil {
			return nil
		}
		var id, op uint64
		if err := protoFields(sub, func(f int, v uint64, _ []byte) error {
			switch f {
			case 1:
				id = v
			case 2:
				op = v
			}
			return nil
		}); err != nil {
			return err
		}
		m.mentioned[id] = true
		if op == 0 {
			m.listed[id] = true
		} else {
			delete(m.listed, id)
		}
		return nil
	})
}

// protoFields calls fn for each field of a protobuf message: v for a
// varint, sub for a length-delimited field.
func protoFields(b []byte, fn func(field int, v uint64, sub []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field tag")
		}
		b = b[n:]
		var v uint64
		var sub []byte
		switch tag & 7 {
		case 0:
			if v, n = binary.Uvarint(b); n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errors.New("bad length")
			}
			sub, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return fmt.Errorf("unexpected wire type %d", tag&7)
		}
		if err := fn(int(tag>>3), v, sub); err != nil {
			return err
		}
	}
	return nil
}

// tablesOnDisk returns the ids of the tables (*.sst) in dir.
func tablesOnDisk(dir string) (map[uint64]bool, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, p := range ms {
		var id uint64
		if _, err := fmt.Sscanf(filepath.Base(p), "%d.sst", &id); err == nil {
			out[id] = true
		}
	}
	return out, nil
}

// checkManifest compares dir's MANIFEST with the copy kept at the last
// Close, before Badger opens it (see the top of this file).
func checkManifest(dir string) error {
	cp, err := readManifest(filepath.Join(dir, manifestCopy))
	if err != nil {
		return nil // no copy (a library closed before copies were kept), or a damaged one
	}
	path := filepath.Join(dir, badger.ManifestFilename)
	cur, curErr := readManifest(path)
	if curErr != nil && !errors.Is(curErr, os.ErrNotExist) {
		cur = manifest{listed: map[uint64]bool{}, mentioned: map[uint64]bool{}}
	}
	disk, err := tablesOnDisk(dir)
	if err != nil {
		return err
	}
	var lost, newer, gone []uint64
	for id := range cp.listed {
		switch {
		case !disk[id]:
			gone = append(gone, id)
		case !cur.mentioned[id]:
			lost = append(lost, id)
		}
	}
	if len(lost) == 0 && curErr == nil {
		return nil
	}
	// The MANIFEST lost records: a table on disk that the copy does not
	// name may be one of those, written since the copy was kept.
	for id := range disk {
		if !cp.listed[id] {
			newer = append(newer, id)
		}
	}
	if len(lost) == 0 && len(gone) > 0 {
		return nil // an unreadable MANIFEST that the copy cannot replace: Badger decides
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
	why := fmt.Sprintf("its MANIFEST (the list of its tables) does not name %d tables that are on disk and that it named when the library was last closed", len(lost))
	if curErr != nil {
		why = fmt.Sprintf("its MANIFEST (the list of its tables) cannot be read (%v)", curErr)
	}
	if len(newer) > 0 || len(gone) > 0 {
		return fmt.Errorf("%w: %s, and the copy kept then no longer matches the tables on disk (%d newer, %d gone); Folio did not open it, so nothing was deleted: restore the folder %s from a backup",
			ErrDamaged, why, len(newer), len(gone), dir)
	}
	// The copy names exactly the tables on disk: put it back, keeping the
	// damaged MANIFEST beside it.
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, path+".damaged"); err != nil {
			return fmt.Errorf("%w: %s; keep it aside: %v", ErrDamaged, why, err)
		}
	}
	if err := copyFile(filepath.Join(dir, manifestCopy), path); err != nil {
		return fmt.Errorf("%w: %s; restore its copy: %v", ErrDamaged, why, err)
	}
	slog.Warn("the library's MANIFEST was damaged; restored from the copy kept when it was last closed",
		"dir", dir, "tables", len(cp.listed), "reason", why)
	return nil
}

// saveManifestCopy keeps a copy of dir's MANIFEST, once it is verified: it
// reads whole and every table it lists is on disk. Called after Badger
// has closed.
func saveManifestCopy(dir string) error {
	path := filepath.Join(dir, badger.ManifestFilename)
	m, err := readManifest(path)
	if err != nil {
		return fmt.Errorf("verify the MANIFEST before copying it: %w", err)
	}
	disk, err := tablesOnDisk(dir)
	if err != nil {
		return err
	}
	for id := range m.listed {
		if !disk[id] {
			return fmt.Errorf("verify the MANIFEST before copying it: table %06d.sst is missing", id)
		}
	}
	return copyFile(path, filepath.Join(dir, manifestCopy))
}

// copyFile copies src to dst atomically: a synced temporary file renamed.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
