package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"folio/backend/core"
)

// Postings is one document's entries in the keyword index. Package index
// encodes the values; the store keeps them next to the document and deletes
// them with it.
type Postings struct {
	Terms map[string][]byte // term → the document's postings for it
	Stats []byte            // the document's keyword totals
}

// putPostings adds docID's postings to b, with the list of their terms so
// they can be found again to delete.
func putPostings(b *batch, docID uint64, post *Postings) error {
	terms := make([]string, 0, len(post.Terms))
	for t := range post.Terms {
		if t == "" || strings.IndexByte(t, 0) >= 0 {
			return fmt.Errorf("keyword term %q is empty or holds a zero byte", t)
		}
		terms = append(terms, t)
	}
	sort.Strings(terms)
	var list []byte
	for _, t := range terms {
		list = binary.AppendUvarint(list, uint64(len(t)))
		list = append(list, t...)
		b.set(postingKey(t, docID), post.Terms[t])
	}
	b.set(withID(prefixTermList, docID), list)
	b.set(withID(prefixKwStats, docID), post.Stats)
	return nil
}

// postingKeys returns every key of docID's postings, its term list and
// totals included.
func (s *Store) postingKeys(docID uint64) ([][]byte, error) {
	list, found, err := s.get(withID(prefixTermList, docID))
	if err != nil || !found {
		return nil, err
	}
	keys := [][]byte{withID(prefixTermList, docID), withID(prefixKwStats, docID)}
	for len(list) > 0 {
		n, w := binary.Uvarint(list)
		if w <= 0 || uint64(len(list)-w) < n {
			return nil, fmt.Errorf("document %d: damaged keyword term list", docID)
		}
		keys = append(keys, postingKey(string(list[w:w+int(n)]), docID))
		list = list[w+int(n):]
	}
	return keys, nil
}

// PutPostings replaces a stored document's postings, e.g. to rebuild the
// keyword index after its encoding changed.
func (s *Store) PutPostings(docID uint64, post *Postings) error {
	old, err := s.postingKeys(docID)
	if err != nil {
		return err
	}
	b := s.newBatch()
	for _, k := range old {
		b.del(k)
	}
	if err := putPostings(b, docID, post); err != nil {
		b.txn.Discard()
		return err
	}
	if err := b.flush(); err != nil {
		return err
	}
	s.wrote()
	return nil
}

// Postings calls fn with each document's postings for term.
func (s *Store) Postings(term string, fn func(docID uint64, v []byte) error) error {
	prefix := postingKey(term, 0)
	prefix = prefix[:len(prefix)-8]
	return s.scan(prefix, true, func(k, v []byte) error {
		return fn(idOf(k, prefix), v)
	})
}

// TermsWithPrefix returns up to limit stored terms that start with prefix,
// in byte order.
func (s *Store) TermsWithPrefix(prefix string, limit int) ([]string, error) {
	var terms []string
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = withString(prefixPosting, prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(terms) < limit; {
			k := it.Item().Key()
			rest := k[len(prefixPosting):]
			end := len(rest) - 9 // the zero byte and the document id
			if end < 0 {
				it.Next()
				continue
			}
			term := string(rest[:end])
			terms = append(terms, term)
			// Skip the term's other documents: seek past term\x00\xff….
			next := withString(prefixPosting, term)
			it.Seek(append(next, 1))
		}
		return nil
	})
	return terms, err
}

// EachPostingStats calls fn with every document's keyword totals.
func (s *Store) EachPostingStats(fn func(docID uint64, stats []byte) error) error {
	return s.scan(prefixKwStats, true, func(k, v []byte) error {
		return fn(idOf(k, prefixKwStats), v)
	})
}

// DocsWithoutPostings returns the documents that have chunks but no
// keyword postings (written before the keyword index was stored).
func (s *Store) DocsWithoutPostings() ([]uint64, error) {
	has := map[uint64]bool{}
	if err := s.scan(prefixTermList, false, func(k, _ []byte) error {
		has[idOf(k, prefixTermList)] = true
		return nil
	}); err != nil {
		return nil, err
	}
	var out []uint64
	err := s.scan(prefixText, false, func(k, _ []byte) error {
		if id := idOf(k, prefixText); !has[id] {
			out = append(out, id)
		}
		return nil
	})
	return out, err
}

// Chunks returns a document's chunks in order.
func (s *Store) Chunks(docID uint64) ([]core.Chunk, error) {
	var out []core.Chunk
	lo, hi := withID(prefixChunk, ChunkID(docID, 0)), withID(prefixChunk, ChunkID(docID+1, 0))
	err := s.scanRange(lo, hi, true, func(_, v []byte) error {
		var c core.Chunk
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode chunk: %w", err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// DropPostings deletes every document's postings, so they can be rebuilt.
func (s *Store) DropPostings() error {
	if err := s.db.DropPrefix(prefixPosting, prefixTermList, prefixKwStats); err != nil {
		return fmt.Errorf("drop keyword index: %w", err)
	}
	s.wrote()
	return nil
}
