package store

import "encoding/binary"

// The key schema. Every key Folio writes is built here.
//
//	v                  schema version (uint32)
//	s/<name>           settings (raw bytes)
//	r/<path>           a root the person added (JSON root)
//	f/<path>           a file's record (JSON FileRecord)
//	t/<docID>          a document's extracted text
//	c/<chunkID>        a chunk (JSON core.Chunk, text included)
//	e/<chunkID>        a chunk's embedding (little-endian float32)
//	E/<chunkID>        its embedding by the model the library is being
//	                   re-embedded with (staged.go)
//	l/<docID><start>   up to locationsPerKey locations (JSON []core.Location)
//	                   starting at byte offset start (uint64)
//	b/<docID><page>    a PDF page's word boxes (uint32 page; boxBytes each)
//	p/<term>0<docID>   one document's postings for a keyword term (0 is a
//	                   zero byte; the value is encoded by package index)
//	k/<docID>          the terms a document has postings for
//	n/<docID>          a document's keyword totals (encoded by package index)
//	s/vecseq           the vector write sequence (uint64), advanced by every
//	                   write or delete of vectors
//	g/<name>           a snapshot's header (generation, size, parts)
//	G/<name>0<gen><n>  a snapshot's n-th part (uint32 n) of generation gen
//	h/<chatID>         a chat with its turns and citations (JSON core.Chat)
//	o/<pagekey>        what OCR read on a page, by the page's content (a
//	                   32-byte key and an entry, both made by package ocr;
//	                   ocrcache.go)
//
// IDs are big-endian uint64 so keys sort by id. A chunk id is its document
// id shifted left by chunkBits plus the chunk's ordinal, so one document's
// chunks and vectors are one contiguous key range.
const schemaVersion = 1

// chunkBits is how many low bits of a chunk id hold the ordinal.
const chunkBits = 20

// MaxChunksPerDoc is the most chunks one document can have.
const MaxChunksPerDoc = 1 << chunkBits

var (
	keyVersion     = []byte("v")
	keyDocSeq      = []byte("s/docseq")
	prefixSetting  = []byte("s/")
	prefixRoot     = []byte("r/")
	prefixFile     = []byte("f/")
	prefixText     = []byte("t/")
	prefixChunk    = []byte("c/")
	prefixVector   = []byte("e/")
	prefixLocation = []byte("l/")
	prefixBox      = []byte("b/")
	prefixPosting  = []byte("p/")
	prefixTermList = []byte("k/")
	prefixKwStats  = []byte("n/")
	keyVecSeq      = []byte("s/vecseq")
	prefixBlobHead = []byte("g/")
	prefixBlobPart = []byte("G/")
	prefixChat     = []byte("h/")
	prefixOCR      = []byte("o/")
)

// postingKey is p/<term>\x00<docID>. Terms never hold a zero byte.
func postingKey(term string, docID uint64) []byte {
	k := make([]byte, 0, len(prefixPosting)+len(term)+9)
	k = append(append(append(k, prefixPosting...), term...), 0)
	return binary.BigEndian.AppendUint64(k, docID)
}

func withID(prefix []byte, id uint64) []byte {
	k := make([]byte, len(prefix)+8)
	copy(k, prefix)
	binary.BigEndian.PutUint64(k[len(prefix):], id)
	return k
}

func withString(prefix []byte, s string) []byte {
	k := make([]byte, 0, len(prefix)+len(s))
	return append(append(k, prefix...), s...)
}

func idOf(key, prefix []byte) uint64 {
	return binary.BigEndian.Uint64(key[len(prefix):])
}

// ChunkID returns the id of a document's ord-th chunk.
func ChunkID(docID uint64, ord int) uint64 { return docID<<chunkBits | uint64(ord) }

// DocOf returns the document id a chunk id belongs to.
func DocOf(chunkID uint64) uint64 { return chunkID >> chunkBits }
