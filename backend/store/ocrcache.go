package store

import (
	"errors"
	"log/slog"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// The OCR cache: what OCR read on a page, by the page's content (see
// package ocr, which makes the keys and encodes the entries; the store
// keeps both as opaque bytes under o/<key>).
//
// Entries belong to no document: a file removed from the library leaves
// its entries, so that the file added back, moved outside a watched folder
// or copied costs no OCR. The cache is bounded instead, least recently used
// first: an entry read (a hit) is written again once per Open, which makes
// its Badger version new, and TrimOCRCache drops the entries with the
// oldest versions while the cache is over its size. Entries of files that
// left the library are never read again, so they go first.
//
// Invariants: the cache never fails an index run: an entry that cannot be
// read is a miss, and a write that fails (a read-only or full library) is
// logged and dropped. Only keys under o/ are ever touched here.

// DefaultOCRCacheBytes is the cache's default bound: about 30,000 pages
// of text with word boxes.
const DefaultOCRCacheBytes = 512 << 20

// OCRCache is the OCR cache of a store; it implements ocr.Cache.
type OCRCache struct{ s *Store }

// OCRCache returns the store's OCR cache.
func (s *Store) OCRCache() OCRCache { return OCRCache{s} }

// Get returns the entry stored under key. An entry written before this
// Open is written again, so that TrimOCRCache keeps it.
func (c OCRCache) Get(key []byte) ([]byte, bool) {
	k := withString(prefixOCR, string(key))
	var v []byte
	var ver uint64
	err := c.s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if err != nil {
			return err
		}
		ver = item.Version()
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		if !errors.Is(err, badger.ErrKeyNotFound) {
			slog.Debug("OCR cache entry unreadable: a miss", "err", err)
		}
		return nil, false
	}
	if !c.s.readOnly && ver <= c.s.openVersion {
		c.Put(key, v)
	}
	return v, true
}

// Put stores an entry under key; a failure is logged, not returned.
func (c OCRCache) Put(key, val []byte) {
	if c.s.readOnly || len(key) == 0 {
		return
	}
	err := c.s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixOCR, string(key)), val)
	})
	if err != nil {
		slog.Debug("OCR cache entry not stored", "err", err)
	}
}

// OCRCacheSize returns how many entries the cache holds and their size in
// bytes (keys and values, as Badger estimates them).
func (s *Store) OCRCacheSize() (entries int, bytes int64, err error) {
	err = s.eachOCREntry(func(item *badger.Item) {
		entries++
		bytes += item.EstimatedSize()
	})
	return entries, bytes, err
}

// eachOCREntry calls fn with every cache entry's item, keys only (its
// value is not read).
func (s *Store) eachOCREntry(fn func(*badger.Item)) error {
	return s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefixOCR
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			fn(it.Item())
		}
		return nil
	})
}

// TrimOCRCache drops the least recently used entries while the cache holds
// more than max bytes (zero: DefaultOCRCacheBytes), down to nine tenths of
// it, and returns how many it dropped. It reads keys only.
func (s *Store) TrimOCRCache(max int64) (int, error) {
	if s.readOnly {
		return 0, nil
	}
	if max <= 0 {
		max = DefaultOCRCacheBytes
	}
	type entry struct {
		key  []byte
		ver  uint64
		size int64
	}
	var all []entry
	var total int64
	err := s.eachOCREntry(func(item *badger.Item) {
		e := entry{item.KeyCopy(nil), item.Version(), item.EstimatedSize()}
		all = append(all, e)
		total += e.size
	})
	if err != nil || total <= max {
		return 0, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ver < all[j].ver })
	b := s.db.NewWriteBatch()
	defer b.Cancel()
	n := 0
	for _, e := range all {
		if total <= max/10*9 {
			break
		}
		if err := b.Delete(e.key); err != nil {
			return 0, err
		}
		total -= e.size
		n++
	}
	return n, b.Flush()
}
