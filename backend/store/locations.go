package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/dgraph-io/badger/v4"

	"folio/backend/core"
)

// locationsPerKey is how many locations one l/ value holds, so a workbook
// with a million cells is many modest values, not one huge one.
const locationsPerKey = 512

// boxBytes is the encoded size of one word box: start and end (uint32) and
// four float32 coordinates.
const boxBytes = 24

// putLayout writes a document's locations and word boxes into b.
func putLayout(b *batch, docID uint64, doc *core.Document) error {
	for i := 0; i < len(doc.Locations); i += locationsPerKey {
		part := doc.Locations[i:min(i+locationsPerKey, len(doc.Locations))]
		v, err := json.Marshal(part)
		if err != nil {
			return err
		}
		b.set(locationKey(docID, part[0].Start), v)
	}
	var page int
	var buf []byte
	flush := func() {
		if len(buf) > 0 {
			b.set(boxKey(docID, page), buf)
		}
		buf = nil
	}
	for _, x := range doc.Boxes {
		if x.Page != page {
			flush()
			page = x.Page
		}
		buf = appendBox(buf, x)
	}
	flush()
	return nil
}

func locationKey(docID uint64, start int) []byte {
	return binary.BigEndian.AppendUint64(withID(prefixLocation, docID), uint64(start))
}

func boxKey(docID uint64, page int) []byte {
	return binary.BigEndian.AppendUint32(withID(prefixBox, docID), uint32(page))
}

func appendBox(buf []byte, x core.Box) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(x.Start))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(x.End))
	for _, f := range []float64{x.Rect.X0, x.Rect.Y0, x.Rect.X1, x.Rect.Y1} {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(f)))
	}
	return buf
}

// LocationAt returns the location of a document holding byte offset off;
// ok is false when the document has no location there.
func (s *Store) LocationAt(docID uint64, off int) (loc core.Location, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = withID(prefixLocation, docID)
		it := txn.NewIterator(opts)
		defer it.Close()
		it.Seek(locationKey(docID, off))
		if !it.Valid() {
			return nil
		}
		var part []core.Location
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &part) }); err != nil {
			return fmt.Errorf("document %d: locations: %w", docID, err)
		}
		d := core.Document{Locations: part}
		loc, ok = d.LocationAt(off)
		return nil
	})
	return loc, ok, err
}

// Boxes returns a document's word boxes on one page.
func (s *Store) Boxes(docID uint64, page int) ([]core.Box, error) {
	var out []core.Box
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(boxKey(docID, page))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			for i := 0; i+boxBytes <= len(v); i += boxBytes {
				f := func(at int) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(v[i+at:]))) }
				out = append(out, core.Box{
					Start: int(binary.LittleEndian.Uint32(v[i:])),
					End:   int(binary.LittleEndian.Uint32(v[i+4:])),
					Page:  page,
					Rect:  core.Rect{X0: f(8), Y0: f(12), X1: f(16), Y1: f(20)},
				})
			}
			return nil
		})
	})
	return out, err
}
