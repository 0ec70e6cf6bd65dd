// Package store keeps Folio's library on disk in Badger: files, extracted
// text, chunks, vectors and settings. It is the only package that imports
// Badger; the key schema lives in keys.go.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"folio/backend/core"
)

// File states.
const (
	StateIndexed = "indexed"
	StateFailed  = "failed"
	StateSkipped = "skipped"
	StatePending = "pending" // found by a scan, not read yet
)

// FileRecord is what Folio knows about one file of the library.
type FileRecord struct {
	Path     string          `json:"path"`
	Root     string          `json:"root"`
	State    string          `json:"state"`
	Reason   string          `json:"reason,omitempty"`
	Format   string          `json:"format,omitempty"`
	Title    string          `json:"title,omitempty"` // the document's stated title (core.Document.Title)
	Hash     string          `json:"hash,omitempty"`
	Size     int64           `json:"size"`
	ModTime  int64           `json:"mtime_ns"`
	DocID    uint64          `json:"doc_id,omitempty"`
	Pages    []core.PageSpan `json:"pages,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	Chunks   int             `json:"chunks"`
	// Parser is the engine's parser version that produced this record.
	Parser int `json:"parser,omitempty"`
}

// Store is an open library database. It is safe for concurrent use.
type Store struct {
	db        *badger.DB
	dir       string
	encrypted bool
	seqMu     sync.Mutex // guards the document id counter (keyDocSeq)
	vecMu     sync.Mutex // guards the vector write sequence (keyVecSeq)
	writes    atomic.Uint64
	stopGC    chan struct{} // closed by Close
	closeOnce sync.Once
	gcDone    chan struct{} // closed when the GC loop has ended
	readOnly  bool          // opened read-only: the folder is not writable
	// openVersion is Badger's newest version at Open: an OCR cache entry
	// no newer is rewritten when read (ocrcache.go).
	openVersion uint64

	damageMu sync.Mutex     // guards damage
	damage   []DamagedRange // the damaged blocks found by the last Damaged
}

// ErrReadOnly is wrapped by what needs to write a library that was opened
// read-only because its folder is not writable.
var ErrReadOnly = errors.New("the library folder is read-only (Folio may not write there): searching and asking work, changing the library does not")

// ReadOnly reports whether the store was opened read-only, its folder not
// being writable. Writes then fail.
func (s *Store) ReadOnly() bool { return s.readOnly }

// writable reports whether Folio may create files in dir. Only a refusal
// (permission, read-only file system) counts as not writable: any other
// failure is left for the open itself to report.
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".folio-writable-*")
	if err != nil {
		return !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EROFS)
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// Options configure Open. The zero value gives the defaults.
type Options struct {
	// GCInterval is how often Badger's value log is garbage-collected
	// (default 10 minutes; negative: never).
	GCInterval time.Duration
	// EncryptionKey, when set, is the 32-byte AES-256 master key the store
	// is encrypted with (see crypt.go). A store is encrypted or not from
	// its creation; a wrong key gives ErrWrongPassphrase.
	EncryptionKey []byte
}

// Writes counts the changes to documents and postings since Open, so
// caches of derived figures (such as keyword totals) know when to refresh.
func (s *Store) Writes() uint64 { return s.writes.Load() }

func (s *Store) wrote() { s.writes.Add(1) }

// CacheBytes is the most memory Badger may hold for its own caches as the
// library is used, whatever the number of reads and writes: its memtables
// (the active ones and one being flushed) and its block cache.
func (s *Store) CacheBytes() uint64 {
	o := s.db.Opts()
	return uint64(o.NumMemtables+1)*uint64(o.MemTableSize) + uint64(o.BlockCacheSize)
}

// Open opens (creating if needed) the database in dir, with the defaults.
func Open(dir string) (*Store, error) { return OpenWith(dir, Options{}) }

// OpenWith opens (creating if needed) the database in dir.
func OpenWith(dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create store dir: %w", err)
	}
	if err := checkManifest(dir); err != nil {
		return nil, err
	}
	if err := checkTables(dir); err != nil {
		return nil, err
	}
	// A library folder Folio may not write (a read-only mount, another
	// user's files) is opened read-only: searching and asking still work.
	readOnly := !writable(dir)
	opts := badger.DefaultOptions(dir).
		WithReadOnly(readOnly).
		WithLogger(slogLogger{}).
		WithNumVersionsToKeep(1).
		WithMemTableSize(32 << 20).
		WithNumMemtables(2).
		WithBlockCacheSize(32 << 20).
		// Every block's checksum is checked as it is read, so damaged data
		// gives an error, never wrong text.
		WithChecksumVerificationMode(options.OnBlockRead).
		// And every value read from the value log: a damaged one gives
		// an error, never a wrong text.
		WithVerifyValueChecksum(true)
	opts, err := withEncryption(opts, o.EncryptionKey)
	if err != nil {
		return nil, err
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, openError(dir, o.EncryptionKey, err)
	}
	s := &Store{db: db, dir: dir, encrypted: len(o.EncryptionKey) > 0, readOnly: readOnly, stopGC: make(chan struct{}), gcDone: make(chan struct{})}
	if err := s.checkVersion(); err != nil {
		db.Close()
		return nil, err
	}
	s.openVersion = db.MaxVersion()
	// Every block is read once: what a damaged table still holds is
	// written again (salvage), so nothing is taken for missing that is
	// only hidden by the damage. When that cannot be written (a full
	// disk), the library still opens: nothing is removed while it is
	// damaged (DeleteOrphans), and Check names it.
	if err := s.salvageAll(); err != nil {
		slog.Warn("a damaged table of the library could not be salvaged", "dir", dir, "err", err)
	}
	gc := o.GCInterval
	if readOnly {
		gc = -1
	}
	go s.gcLoop(gc)
	return s, nil
}

// Close stops the value-log GC, then flushes and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stopGC) })
	<-s.gcDone
	if err := s.db.Close(); err != nil {
		return err
	}
	// Badger is closed and its MANIFEST final: keep a verified copy (see
	// manifest.go). Without one the library still opens as before.
	if err := saveManifestCopy(s.dir); err != nil {
		slog.Warn("no copy of the library's MANIFEST kept", "dir", s.dir, "err", err)
	}
	return nil
}

func (s *Store) checkVersion() error {
	txn := s.db.Update
	if s.readOnly {
		txn = s.db.View
	}
	return txn(func(txn *badger.Txn) error {
		item, err := txn.Get(keyVersion)
		if errors.Is(err, badger.ErrKeyNotFound) && s.readOnly {
			return nil // an empty library
		}
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(keyVersion, binary.BigEndian.AppendUint32(nil, schemaVersion))
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if len(v) != 4 || binary.BigEndian.Uint32(v) != schemaVersion {
			return fmt.Errorf("store schema version %x is not %d: this library was written by another Folio version", v, schemaVersion)
		}
		return nil
	})
}

// Setting returns a setting's value, or nil when unset.
func (s *Store) Setting(name string) ([]byte, error) {
	v, _, err := s.get(withString(prefixSetting, name))
	return v, err
}

// get returns key's value; found is false when the key is absent.
func (s *Store) get(key []byte) (v []byte, found bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		v, err = item.ValueCopy(nil)
		return err
	})
	return v, found, err
}

// SetSetting stores a setting.
func (s *Store) SetSetting(name string, value []byte) error {
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixSetting, name), value)
	})
}

// AddRoot records a folder or file the person added.
func (s *Store) AddRoot(path string) error {
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixRoot, path), nil)
	})
}

// RemoveRoot forgets a folder or file the person added (not its files:
// remove those with RemoveFile).
func (s *Store) RemoveRoot(path string) error {
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(withString(prefixRoot, path))
	})
}

// Roots lists the folders and files the person added, sorted.
func (s *Store) Roots() ([]string, error) {
	var out []string
	err := s.scan(prefixRoot, false, func(k, _ []byte) error {
		out = append(out, string(k[len(prefixRoot):]))
		return nil
	})
	return out, err
}

// File returns the record for path.
func (s *Store) File(path string) (FileRecord, bool, error) {
	var rec FileRecord
	v, found, err := s.get(withString(prefixFile, path))
	if err == nil && found {
		err = json.Unmarshal(v, &rec)
	}
	return rec, found, err
}

// Files lists every file record, sorted by path.
func (s *Store) Files() ([]FileRecord, error) {
	var out []FileRecord
	err := s.scan(prefixFile, true, func(_, v []byte) error {
		var rec FileRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode file record: %w", err)
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// PutFile stores a record for a file that has no document (failed or
// skipped), removing any document it had before. It returns the ids of the
// chunks that were removed.
func (s *Store) PutFile(rec FileRecord) ([]uint64, error) {
	rec.DocID, rec.Chunks, rec.Pages = 0, 0, nil
	return s.replace(rec, nil, nil, nil)
}

// PutDocument stores an indexed file with its document (text, locations and
// word boxes), chunks and keyword postings (post may be nil), replacing the
// document it had before. Chunk ids are assigned here, the i-th chunk's
// ordinal being i, and written back into chunks. It returns the ids of the
// chunks that were removed.
func (s *Store) PutDocument(rec FileRecord, doc *core.Document, chunks []core.Chunk, post *Postings) ([]uint64, error) {
	if len(chunks) > MaxChunksPerDoc {
		return nil, fmt.Errorf("store %s: %d chunks is more than %d: %w", rec.Path, len(chunks), MaxChunksPerDoc, core.ErrTooLarge)
	}
	rec.State = StateIndexed
	rec.Chunks = len(chunks)
	return s.replace(rec, doc, chunks, post)
}

// replace writes rec and its document. The document's text and chunks are
// written first and the file record last, so a crash in between leaves only
// unreferenced chunks, which DeleteOrphans removes.
func (s *Store) replace(rec FileRecord, doc *core.Document, chunks []core.Chunk, post *Postings) ([]uint64, error) {
	old, found, err := s.File(rec.Path)
	if err != nil {
		return nil, err
	}
	if rec.State == StateIndexed {
		if rec.DocID, err = s.nextDocID(); err != nil {
			return nil, err
		}
		b := s.newBatch()
		b.set(withID(prefixText, rec.DocID), []byte(doc.Text))
		if err := putLayout(b, rec.DocID, doc); err != nil {
			return nil, err
		}
		for i := range chunks {
			chunks[i].DocID = rec.DocID
			chunks[i].Ord = i
			chunks[i].ID = ChunkID(rec.DocID, i)
			v, err := json.Marshal(chunks[i])
			if err != nil {
				return nil, err
			}
			b.set(withID(prefixChunk, chunks[i].ID), v)
		}
		if post != nil {
			if err := putPostings(b, rec.DocID, post); err != nil {
				b.txn.Discard()
				return nil, fmt.Errorf("store %s: %w", rec.Path, err)
			}
		}
		if err := b.flush(); err != nil {
			return nil, fmt.Errorf("store %s: %w", rec.Path, err)
		}
	}
	if err := s.UpdateFile(rec); err != nil {
		return nil, fmt.Errorf("store %s: %w", rec.Path, err)
	}
	s.wrote()
	if found && old.DocID != 0 {
		return s.deleteDoc(old.DocID)
	}
	return nil, nil
}

// UpdateFile rewrites a file's record without touching its document; use
// it for metadata such as the modification time.
func (s *Store) UpdateFile(rec FileRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixFile, rec.Path), v)
	})
}

// MoveFile gives the record at from, with its document, chunks and vectors,
// to rec.Path (a file renamed or moved with the same content): one
// transaction, nothing re-read or re-embedded.
func (s *Store) MoveFile(from string, rec FileRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(withString(prefixFile, from)); err != nil {
			return err
		}
		return txn.Set(withString(prefixFile, rec.Path), v)
	})
	if err != nil {
		return fmt.Errorf("move %s to %s: %w", from, rec.Path, err)
	}
	s.wrote()
	return nil
}

// UpdateFiles rewrites many records at once, like UpdateFile, in bounded
// transactions (e.g. the pending records of a scan).
func (s *Store) UpdateFiles(recs []FileRecord) error {
	b := s.newBatch()
	for _, rec := range recs {
		v, err := json.Marshal(rec)
		if err != nil {
			b.txn.Discard()
			return err
		}
		b.set(withString(prefixFile, rec.Path), v)
	}
	return b.flush()
}

// RemoveFile forgets a file and its document.
func (s *Store) RemoveFile(path string) ([]uint64, error) {
	old, found, err := s.File(path)
	if err != nil || !found {
		return nil, err
	}
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(withString(prefixFile, path))
	}); err != nil {
		return nil, err
	}
	if old.DocID != 0 {
		return s.deleteDoc(old.DocID)
	}
	return nil, nil
}

// deleteDoc removes a document's text, chunks, postings and vectors,
// returning the removed chunk ids.
func (s *Store) deleteDoc(docID uint64) ([]uint64, error) {
	var ids []uint64
	lo, hi := ChunkID(docID, 0), ChunkID(docID+1, 0)
	err := s.scanRange(withID(prefixChunk, lo), withID(prefixChunk, hi), false, func(k, _ []byte) error {
		ids = append(ids, idOf(k, prefixChunk))
		return nil
	})
	if err != nil {
		return nil, err
	}
	var layout [][]byte
	for _, prefix := range [][]byte{prefixLocation, prefixBox} {
		if err := s.scan(withID(prefix, docID), false, func(k, _ []byte) error {
			layout = append(layout, append([]byte(nil), k...))
			return nil
		}); err != nil {
			return nil, err
		}
	}
	postings, err := s.postingKeys(docID)
	if err != nil {
		return nil, err
	}
	s.vecMu.Lock()
	defer s.vecMu.Unlock()
	b := s.newBatch()
	b.del(withID(prefixText, docID))
	for _, k := range append(layout, postings...) {
		b.del(k)
	}
	for _, id := range ids {
		b.del(withID(prefixChunk, id))
		b.del(withID(prefixVector, id))
		b.del(withID(prefixStaged, id))
	}
	if len(ids) > 0 {
		s.advanceVecSeq(b)
	}
	err = b.flush()
	s.wrote()
	return ids, err
}

// DeleteOrphans removes documents that no file record points at (left by a
// crash between writing a document and its record). It returns the number
// of documents removed.
//
// A record that cannot be read looks just like a missing one, so before it
// removes anything it reads every block of the database (Damaged): when
// part of it is damaged, nothing is removed and a *DamageError says what.
func (s *Store) DeleteOrphans() (int, error) {
	orphans, err := s.Orphans()
	if err != nil || len(orphans) == 0 {
		return 0, err
	}
	damaged, err := s.Damaged()
	if err != nil {
		return 0, fmt.Errorf("check the library before removing %d documents: %w", len(orphans), err)
	}
	if len(damaged) > 0 {
		return 0, &DamageError{Ranges: damaged, Orphans: len(orphans)}
	}
	for _, id := range orphans {
		if _, err := s.deleteDoc(id); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}

func (s *Store) nextDocID() (uint64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	var id uint64
	err := s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyDocSeq)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			if err := item.Value(func(v []byte) error {
				id = binary.BigEndian.Uint64(v)
				return nil
			}); err != nil {
				return err
			}
		}
		id++
		return txn.Set(keyDocSeq, binary.BigEndian.AppendUint64(nil, id))
	})
	return id, err
}

// Text returns a document's extracted text.
func (s *Store) Text(docID uint64) (string, error) {
	v, found, err := s.get(withID(prefixText, docID))
	if err == nil && !found {
		err = fmt.Errorf("document %d: %w", docID, core.ErrNotFound)
	}
	if err == nil && len(v) == 0 {
		// Only documents with text are stored: Badger read nothing from a
		// damaged value log.
		err = fmt.Errorf("document %d: %w: its text is missing", docID, ErrDamaged)
	}
	return string(v), err
}

// Chunk returns one chunk.
func (s *Store) Chunk(id uint64) (core.Chunk, error) {
	var c core.Chunk
	v, found, err := s.get(withID(prefixChunk, id))
	switch {
	case err != nil:
	case !found:
		err = fmt.Errorf("chunk %d: %w", id, core.ErrNotFound)
	default:
		err = json.Unmarshal(v, &c)
	}
	return c, err
}

// EachChunk calls fn for every chunk in id order.
func (s *Store) EachChunk(fn func(core.Chunk) error) error {
	return s.scan(prefixChunk, true, func(_, v []byte) error {
		var c core.Chunk
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode chunk: %w", err)
		}
		return fn(c)
	})
}

// PutVectors stores embeddings by chunk id, in bounded batches.
func (s *Store) PutVectors(ids []uint64, vecs [][]float32) error {
	s.vecMu.Lock()
	defer s.vecMu.Unlock()
	b := s.newBatch()
	for i, id := range ids {
		b.set(withID(prefixVector, id), encodeVector(vecs[i]))
	}
	s.advanceVecSeq(b)
	return b.flush()
}

// VectorSeq returns the vector write sequence: it advances with every
// write or delete of vectors, so a snapshot of the vector index can record
// which writes it covers.
func (s *Store) VectorSeq() (uint64, error) {
	s.vecMu.Lock()
	defer s.vecMu.Unlock()
	return s.vecSeq()
}

func (s *Store) vecSeq() (uint64, error) {
	v, found, err := s.get(keyVecSeq)
	switch {
	case err != nil || !found:
		return 0, err
	case len(v) != 8:
		return 0, fmt.Errorf("vector sequence has %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// advanceVecSeq adds the next vector sequence number to b, as its last
// write. The caller holds vecMu.
func (s *Store) advanceVecSeq(b *batch) {
	seq, err := s.vecSeq()
	if err != nil {
		b.err = err
		return
	}
	b.set(keyVecSeq, binary.BigEndian.AppendUint64(nil, seq+1))
}

// Vector returns a chunk's stored embedding, if it has one.
func (s *Store) Vector(id uint64) ([]float32, bool, error) {
	v, found, err := s.get(withID(prefixVector, id))
	if err != nil || !found {
		return nil, false, err
	}
	return decodeVector(v, nil), true, nil
}

// EachVector calls fn for every stored embedding in id order. vec is only
// valid during the call.
func (s *Store) EachVector(fn func(id uint64, vec []float32) error) error {
	var buf []float32
	return s.scan(prefixVector, true, func(k, v []byte) error {
		buf = decodeVector(v, buf[:0])
		return fn(idOf(k, prefixVector), buf)
	})
}

// DeleteAllVectors drops every embedding, e.g. when the model changes.
func (s *Store) DeleteAllVectors() error {
	s.vecMu.Lock()
	defer s.vecMu.Unlock()
	if err := s.db.DropPrefix(prefixVector); err != nil {
		return err
	}
	b := s.newBatch()
	s.advanceVecSeq(b)
	return b.flush()
}

func encodeVector(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out
}

func decodeVector(b []byte, dst []float32) []float32 {
	for i := 0; i+4 <= len(b); i += 4 {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return dst
}

// scan iterates over all keys with prefix; v is nil unless values is set.
func (s *Store) scan(prefix []byte, values bool, fn func(k, v []byte) error) error {
	return s.iterate(prefix, prefix, nil, values, fn)
}

// scanRange iterates over keys in [lo, hi); v is nil unless values is set.
func (s *Store) scanRange(lo, hi []byte, values bool, fn func(k, v []byte) error) error {
	return s.iterate(nil, lo, hi, values, fn)
}

// iterate calls fn for the keys with prefix from seek on, stopping before
// hi (when not nil).
func (s *Store) iterate(prefix, seek, hi []byte, values bool, fn func(k, v []byte) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = values
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(seek); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			if hi != nil && string(k) >= string(hi) {
				return nil
			}
			var err error
			if values {
				err = item.Value(func(v []byte) error { return fn(k, v) })
			} else {
				err = fn(k, nil)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}
