// Package ziplimit opens the ZIP containers of OOXML, ODF and EPUB files
// with limits, so a zip bomb, an absurd entry count or a lying size header
// fails with a clear error instead of exhausting memory.
package ziplimit

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"folio/backend/core"
	"folio/backend/parse"
)

// Defaults used for zero fields of Limits.
const (
	DefaultMaxEntries    = 20000
	DefaultMaxEntryBytes = 256 << 20 // one XML part
	DefaultMaxTotalBytes = 1 << 30   // everything read from one archive
	DefaultMaxRatio      = 200       // uncompressed/compressed, for entries over 1 MiB
)

// Limits bound what an Archive will inflate. Zero fields mean the defaults.
type Limits struct {
	MaxEntries    int
	MaxEntryBytes int64
	MaxTotalBytes int64
	MaxRatio      float64
}

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// Archive is an open ZIP file. It is not safe for concurrent use.
type Archive struct {
	f      *os.File
	zr     *zip.Reader
	lim    Limits
	byName map[string]*zip.File // exact names
	byFold map[string]*zip.File // lower-cased names, for producers that vary case
	read   int64                // bytes inflated so far (guarded by single-goroutine use)
}

// Open opens the archive at path. A file that is not a readable ZIP fails
// with core.ErrCorrupt; one with more than MaxEntries entries with
// core.ErrTooLarge.
func Open(path string, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	f, err := parse.OpenFile(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: not a readable ZIP container: %v", core.ErrCorrupt, err)
	}
	if len(zr.File) > lim.MaxEntries {
		f.Close()
		return nil, fmt.Errorf("%w: %d entries in the ZIP container (limit %d)", core.ErrTooLarge, len(zr.File), lim.MaxEntries)
	}
	a := &Archive{f: f, zr: zr, lim: lim, byName: map[string]*zip.File{}, byFold: map[string]*zip.File{}}
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "/")
		a.byName[name] = f
		a.byFold[strings.ToLower(name)] = f
	}
	return a, nil
}

// Close closes the archive.
func (a *Archive) Close() error { return a.f.Close() }

// Names lists the entries in archive order.
func (a *Archive) Names() []string {
	out := make([]string, 0, len(a.zr.File))
	for _, f := range a.zr.File {
		out = append(out, strings.TrimPrefix(f.Name, "/"))
	}
	return out
}

// Has reports whether the archive holds name (case-insensitively).
func (a *Archive) Has(name string) bool { return a.lookup(name) != nil }

func (a *Archive) lookup(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f := a.byName[name]; f != nil {
		return f
	}
	return a.byFold[strings.ToLower(name)]
}

// ErrMissing is wrapped by Read when the entry does not exist.
var ErrMissing = errors.New("missing from the ZIP container")

// Read inflates one entry, enforcing the limits on its real (not declared)
// size, on the compression ratio and on the total read from the archive.
func (a *Archive) Read(name string) ([]byte, error) {
	f := a.lookup(name)
	if f == nil {
		return nil, fmt.Errorf("%s: %w", name, ErrMissing)
	}
	if f.UncompressedSize64 > uint64(a.lim.MaxEntryBytes) {
		return nil, fmt.Errorf("%w: %s inflates to %d bytes (limit %d)", core.ErrTooLarge, name, f.UncompressedSize64, a.lim.MaxEntryBytes)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", core.ErrCorrupt, name, err)
	}
	defer rc.Close()
	budget := min(a.lim.MaxEntryBytes, a.lim.MaxTotalBytes-a.read)
	data, err := io.ReadAll(io.LimitReader(rc, budget+1))
	a.read += int64(len(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", core.ErrCorrupt, name, err)
	}
	if int64(len(data)) > budget {
		return nil, fmt.Errorf("%w: %s inflates past the limit of %d bytes (zip bomb?)", core.ErrTooLarge, name, budget)
	}
	if n := int64(len(data)); n > 1<<20 && f.CompressedSize64 > 0 && float64(n)/float64(f.CompressedSize64) > a.lim.MaxRatio {
		return nil, fmt.Errorf("%w: %s compresses %.0f:1 (limit %.0f:1; zip bomb?)", core.ErrTooLarge, name, float64(n)/float64(f.CompressedSize64), a.lim.MaxRatio)
	}
	return data, nil
}
