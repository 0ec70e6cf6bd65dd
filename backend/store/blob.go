package store

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// blobPart is the size of one stored part of a blob: large values are
// written as many modest ones, in bounded transactions.
const blobPart = 1 << 20

// blobHead is what g/<name> holds: the generation whose parts make the
// blob, and its size.
type blobHead struct {
	gen, size uint64
}

func (h blobHead) encode() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, h.gen), h.size)
}

func blobPartKey(name string, gen uint64, part uint32) []byte {
	k := withString(prefixBlobPart, name)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, gen)
	return binary.BigEndian.AppendUint32(k, part)
}

func (s *Store) blobHead(name string) (blobHead, bool, error) {
	v, found, err := s.get(withString(prefixBlobHead, name))
	switch {
	case err != nil || !found:
		return blobHead{}, false, err
	case len(v) != 16:
		return blobHead{}, false, fmt.Errorf("snapshot %s: header has %d bytes, want 16", name, len(v))
	}
	return blobHead{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])}, true, nil
}

// PutBlob stores data under name, replacing what was there. The new parts
// are written first and the header switched to them in one transaction, so
// a crash leaves either the old blob or the new one, never a mix.
func (s *Store) PutBlob(name string, data []byte) error {
	old, found, err := s.blobHead(name)
	if err != nil {
		return err
	}
	head := blobHead{gen: old.gen + 1, size: uint64(len(data))}
	b := s.newBatch()
	for i := 0; i*blobPart < len(data) || i == 0; i++ {
		b.set(blobPartKey(name, head.gen, uint32(i)), data[i*blobPart:min((i+1)*blobPart, len(data))])
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("save snapshot %s: %w", name, err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixBlobHead, name), head.encode())
	}); err != nil {
		return fmt.Errorf("save snapshot %s: %w", name, err)
	}
	if found {
		// Parts of the previous generation, and of any interrupted write
		// before it, are garbage now.
		return s.dropBlobParts(name, head.gen)
	}
	return nil
}

// dropBlobParts deletes name's parts of every generation but keep.
func (s *Store) dropBlobParts(name string, keep uint64) error {
	prefix := append(withString(prefixBlobPart, name), 0)
	var stale [][]byte
	if err := s.scan(prefix, false, func(k, _ []byte) error {
		if len(k) == len(prefix)+12 && binary.BigEndian.Uint64(k[len(prefix):]) != keep {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	b := s.newBatch()
	for _, k := range stale {
		b.del(k)
	}
	return b.flush()
}

// Blob returns what PutBlob stored under name, or nil when nothing was.
func (s *Store) Blob(name string) ([]byte, error) {
	head, found, err := s.blobHead(name)
	if err != nil || !found {
		return nil, err
	}
	out := make([]byte, 0, head.size)
	prefix := append(withString(prefixBlobPart, name), 0)
	prefix = binary.BigEndian.AppendUint64(prefix, head.gen)
	err = s.scan(prefix, true, func(k, v []byte) error {
		if uint32(len(out)/blobPart) != binary.BigEndian.Uint32(k[len(prefix):]) {
			return fmt.Errorf("snapshot %s: a part is missing", name)
		}
		out = append(out, v...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if uint64(len(out)) != head.size {
		return nil, fmt.Errorf("snapshot %s: %d of %d bytes stored", name, len(out), head.size)
	}
	return out, nil
}

// DeleteBlob removes the blob stored under name.
func (s *Store) DeleteBlob(name string) error {
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(withString(prefixBlobHead, name))
	}); err != nil {
		return err
	}
	return s.dropBlobParts(name, 0)
}
