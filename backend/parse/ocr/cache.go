package ocr

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"math"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// The OCR cache. Reading a scanned page takes Tesseract seconds; reading
// it again gives the same words. Recognize therefore looks a page up in
// Options.Cache before running Tesseract, and stores what Tesseract read
// there after, so a file indexed again (unchanged, moved, renamed, or after
// a parser upgrade) costs no OCR.
//
// The key of an image is the SHA-256 of everything that determines
// Recognize's output:
//   - the pixels Tesseract is handed (8-bit gray, after grayPixels) and the
//     image's width and height: a PDF page's key is the page as rendered
//     (its CropBox, /Rotate and the render resolution are all in the
//     pixels), an image file's key its decoded picture, so the same scan
//     found in two files, or a file edited elsewhere, shares entries;
//   - the resolution Tesseract is told (Options.DPI);
//   - the language packs, in order, after the not-installed ones are left
//     out, each with the size and time of its .traineddata file (a pack
//     updated by the system gives new keys);
//   - the linked Tesseract's version and CacheVersion, the version of
//     Recognize's own settings (page segmentation, word cleaning) and of
//     the entry encoding.
//
// Invariants: equal keys mean Tesseract would read the same page again;
// a cached Page satisfies every invariant of Recognize's Pages (words
// non-empty, without spaces or control characters, boxes non-empty and
// inside the image, confidences in [0, 100]) and its size is the image's.
// An entry that fails to decode, checksum or any of these checks is a miss,
// never an error: Tesseract reads the page, and the entry is replaced.
// Pages Tesseract could not finish (a deadline, a cancel, a failure) are
// never stored.

// CacheVersion is part of every cache key. Raise it when Recognize's
// Tesseract settings, the word cleaning or the entry encoding change, so
// that entries written before are no longer found.
const CacheVersion = 2

// Cache keeps OCR results between runs (package store keeps them in the
// library). Get returns the entry stored under key, if any; Put stores one,
// and may drop it (a read-only library, a full disk): the cache is an
// optimisation, never a source of truth. Implementations are safe for
// concurrent use.
type Cache interface {
	Get(key []byte) ([]byte, bool)
	Put(key, val []byte)
}

// KeySize is the length of a cache key in bytes.
const KeySize = sha256.Size

// maxEntryWords bounds the words of a decoded entry (a dense page holds a
// few thousand).
const maxEntryWords = 1 << 20

// counts tallies what Recognize did in this process: images Tesseract
// read, and images served from the cache.
var counts struct{ read, cached atomic.Int64 }

// Counts returns how many images Tesseract read in this process, and how
// many Recognize took from the cache instead.
func Counts() (read, cached int64) { return counts.read.Load(), counts.cached.Load() }

// cacheKey returns the key of pix (w x h gray pixels) read at dpi with
// langs; models describes the language packs' files (see modelStamp).
func cacheKey(pix []byte, w, h, dpi int, langs []string, version, models string) []byte {
	hs := sha256.New()
	fmt.Fprintf(hs, "folio-ocr/%d\x00tesseract %s\x00langs %s\x00models %s\x00dpi %d\x00size %dx%d\x00",
		CacheVersion, version, strings.Join(langs, "+"), models, dpi, w, h)
	hs.Write(pix)
	return hs.Sum(nil)
}

// entryMagic starts every encoded entry; the version byte follows.
const entryMagic = "FOCR"

// encodePage encodes pg as a cache entry: magic, version, CRC-32 of the
// rest, then the page (size, confidence, languages, words) in varints.
func encodePage(pg Page) []byte {
	b := make([]byte, 0, 64+len(pg.Words)*24)
	b = binary.AppendUvarint(b, uint64(pg.Width))
	b = binary.AppendUvarint(b, uint64(pg.Height))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(pg.Conf))
	b = binary.AppendUvarint(b, uint64(len(pg.Languages)))
	for _, l := range pg.Languages {
		b = appendString(b, l)
	}
	b = binary.AppendUvarint(b, uint64(len(pg.Words)))
	for _, w := range pg.Words {
		var flags byte
		if w.NewLine {
			flags |= 1
		}
		if w.NewPara {
			flags |= 2
		}
		if w.NewBlock {
			flags |= 4
		}
		b = append(b, flags)
		b = appendString(b, w.Text)
		for _, v := range []int{w.Box.Min.X, w.Box.Min.Y, w.Box.Max.X, w.Box.Max.Y} {
			b = binary.AppendUvarint(b, uint64(v))
		}
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w.Conf))
		for _, v := range []int{w.Baseline[0].X, w.Baseline[0].Y, w.Baseline[1].X, w.Baseline[1].Y} {
			b = binary.AppendVarint(b, int64(v))
		}
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w.LineSize))
	}
	out := make([]byte, 0, len(entryMagic)+5+len(b))
	out = append(append(out, entryMagic...), CacheVersion)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(b))
	return append(out, b...)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errEntry = errors.New("ocr: damaged cache entry")

// decodePage decodes an entry made by encodePage and checks it against
// the image it must describe (w x h pixels, read with langs).
func decodePage(e []byte, w, h int, langs []string) (Page, error) {
	head := len(entryMagic) + 5
	if len(e) < head || string(e[:len(entryMagic)]) != entryMagic || e[len(entryMagic)] != CacheVersion {
		return Page{}, errEntry
	}
	b := e[head:]
	if crc32.ChecksumIEEE(b) != binary.LittleEndian.Uint32(e[len(entryMagic)+1:]) {
		return Page{}, errEntry
	}
	d := decoder{b: b}
	pg := Page{Width: int(d.uint(math.MaxInt32)), Height: int(d.uint(math.MaxInt32)), Conf: d.float()}
	nl := d.uint(64)
	for i := uint64(0); i < nl && d.err == nil; i++ {
		pg.Languages = append(pg.Languages, d.string())
	}
	nw := d.uint(maxEntryWords)
	if d.err == nil && nw > 0 {
		pg.Words = make([]Word, 0, min(nw, uint64(len(b))))
	}
	bounds := image.Rect(0, 0, w, h)
	for i := uint64(0); i < nw && d.err == nil; i++ {
		flags := d.byte()
		word := Word{Text: d.string(), NewLine: flags&1 != 0, NewPara: flags&2 != 0, NewBlock: flags&4 != 0}
		word.Box = image.Rect(int(d.uint(math.MaxInt32)), int(d.uint(math.MaxInt32)), int(d.uint(math.MaxInt32)), int(d.uint(math.MaxInt32)))
		word.Conf = d.float()
		word.Baseline = [2]image.Point{{d.int(), d.int()}, {d.int(), d.int()}}
		word.LineSize = d.float()
		if d.err == nil && (word.Text == "" || cleanWord(word.Text) != word.Text || !utf8.ValidString(word.Text) ||
			word.Box.Empty() || !word.Box.In(bounds) || !(word.Conf >= 0 && word.Conf <= 100) || !(word.LineSize >= 0 && word.LineSize <= math.MaxInt32)) {
			d.err = errEntry
		}
		pg.Words = append(pg.Words, word)
	}
	switch {
	case d.err != nil, len(d.b) != 0:
		return Page{}, errEntry
	case pg.Width != w || pg.Height != h || strings.Join(pg.Languages, "+") != strings.Join(langs, "+"):
		return Page{}, errEntry
	case !(pg.Conf >= 0 && pg.Conf <= 100), len(pg.Words) == 0 && pg.Conf != 0:
		return Page{}, errEntry
	}
	return pg, nil
}

// decoder reads what encodePage appended; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uint(max uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > max {
		d.err = errEntry
		return 0
	}
	d.b = d.b[n:]
	return v
}

// int reads a signed varint that fits an image coordinate.
func (d *decoder) int() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || v > math.MaxInt32 || v < math.MinInt32 {
		d.err = errEntry
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errEntry
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) float() float64 {
	if d.err != nil || len(d.b) < 8 {
		d.err = errEntry
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

func (d *decoder) string() string {
	n := d.uint(uint64(len(d.b)))
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
