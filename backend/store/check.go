package store

import (
	"bytes"
	"errors"
	"fmt"

	"folio/backend/core"
)

// Problem is one thing wrong with a file's data in the library.
type Problem struct {
	Path   string `json:"path"`
	What   string `json:"what"` // "record", "text", "chunk N", "vector N" or "postings"
	Reason string `json:"reason"`
}

// CheckFile reads back everything stored for one file and returns what is
// wrong: for an indexed file its text, each of its chunks (present, of its
// document, in order, inside the text), each chunk's vector when dim > 0
// (a missing vector is only a problem where a damaged block may have held
// it: otherwise the chunk waits for the encoder) and its keyword postings
// (the term list, the totals, and every posting the list names). damaged
// are the blocks Damaged found.
func (s *Store) CheckFile(rec FileRecord, dim int, damaged []DamagedRange) []Problem {
	var out []Problem
	add := func(what, format string, a ...any) {
		out = append(out, Problem{Path: rec.Path, What: what, Reason: fmt.Sprintf(format, a...)})
	}
	if rec.State != StateIndexed || rec.DocID == 0 {
		return nil
	}
	text, err := s.Text(rec.DocID)
	if err != nil {
		add("text", "%v", why(err, withID(prefixText, rec.DocID), damaged))
	}
	for i := range rec.Chunks {
		id := ChunkID(rec.DocID, i)
		what := fmt.Sprintf("chunk %d", i)
		c, err := s.Chunk(id)
		switch {
		case err != nil:
			add(what, "%v", why(err, withID(prefixChunk, id), damaged))
		case c.DocID != rec.DocID || c.Ord != i || c.ID != id:
			add(what, "belongs to document %d as chunk %d, want document %d chunk %d", c.DocID, c.Ord, rec.DocID, i)
		case c.Start < 0 || c.End < c.Start || (text != "" && c.End > len(text)):
			add(what, "bytes %d to %d lie outside the text's %d", c.Start, c.End, len(text))
		}
		if dim <= 0 {
			continue
		}
		v, found, err := s.get(withID(prefixVector, id))
		switch {
		case err != nil:
			add(fmt.Sprintf("vector %d", i), "%v", why(err, withID(prefixVector, id), damaged))
		case found && len(v) != 4*dim:
			add(fmt.Sprintf("vector %d", i), "%d bytes, want %d", len(v), 4*dim)
		case !found && inDamaged(withID(prefixVector, id), damaged):
			add(fmt.Sprintf("vector %d", i), "%v", errLostInBlock)
		}
	}
	if p := s.checkPostings(rec.DocID, damaged); p != "" {
		add("postings", "%s", p)
	}
	// Locations and word boxes cannot be listed from the record: they are
	// damaged when a damaged block held some of the document's.
	for _, l := range []struct {
		what   string
		prefix []byte
	}{{"locations", prefixLocation}, {"word boxes", prefixBox}} {
		if overlaps(damaged, withID(l.prefix, rec.DocID), withID(l.prefix, rec.DocID+1)) {
			add(l.what, "some %v", errLostInBlock)
		}
	}
	return out
}

// overlaps reports whether a damaged block may have held a key in [lo, hi).
func overlaps(damaged []DamagedRange, lo, hi []byte) bool {
	for _, r := range damaged {
		if (r.Lo == nil || bytes.Compare(r.Lo, hi) < 0) && (r.Hi == nil || bytes.Compare(r.Hi, lo) > 0) {
			return true
		}
	}
	return false
}

// checkPostings checks a document's keyword postings; "" when they are
// whole.
func (s *Store) checkPostings(docID uint64, damaged []DamagedRange) string {
	if _, found, err := s.get(withID(prefixTermList, docID)); err != nil || !found {
		if err == nil {
			err = core.ErrNotFound
		}
		return "term list: " + why(err, withID(prefixTermList, docID), damaged).Error()
	}
	if _, found, err := s.get(withID(prefixKwStats, docID)); err != nil || !found {
		if err == nil {
			err = core.ErrNotFound
		}
		return "keyword totals: " + why(err, withID(prefixKwStats, docID), damaged).Error()
	}
	keys, err := s.postingKeys(docID)
	if err != nil {
		return err.Error()
	}
	missing := 0
	var first []byte
	for _, k := range keys {
		if _, found, err := s.get(k); err != nil || !found {
			if missing == 0 {
				first = k
			}
			missing++
		}
	}
	if missing > 0 {
		return fmt.Sprintf("%d of %d postings cannot be read (first: %q)", missing, len(keys), first[len(prefixPosting):])
	}
	return ""
}

// errLostInBlock is the reason for a key that a damaged block held.
var errLostInBlock = errors.New("lost in a damaged block of the database")

// why explains a failed read of key: missing, or missing because a damaged
// block held it.
func why(err error, key []byte, damaged []DamagedRange) error {
	if errors.Is(err, core.ErrNotFound) && inDamaged(key, damaged) {
		return errLostInBlock
	}
	if errors.Is(err, core.ErrNotFound) {
		return errors.New("missing")
	}
	return err
}

func inDamaged(key []byte, damaged []DamagedRange) bool {
	for _, r := range damaged {
		if r.Holds(key) {
			return true
		}
	}
	return false
}

// RecordDamaged reports whether path's file record may have been in a
// damaged block (and so be lost).
func RecordDamaged(path string, damaged []DamagedRange) bool {
	return inDamaged(withString(prefixFile, path), damaged)
}

// HasFileRecords reports whether a damaged block may have held file
// records.
func HasFileRecords(r DamagedRange) bool {
	lo, hi := prefixFile, withString(prefixFile, "\xff")
	return (r.Lo == nil || string(r.Lo) < string(hi)) && (r.Hi == nil || string(r.Hi) > string(lo))
}
