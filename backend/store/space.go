package store

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrDiskFull is wrapped by writes refused or failed because the disk
// holding the library is (nearly) full.
var ErrDiskFull = errors.New("no space left on the device holding the library")

// reserveSlack is free space kept on top of two memtables (see minFree).
const reserveSlack = 16 << 20

// minFree is the free space below which writes are refused. Badger writes
// its write-ahead log through a memory map: a write there that finds the
// disk full kills the process (SIGBUS) instead of returning an error. The
// active memtable's log can still grow by a whole memtable, and flushing it
// writes a table of about that size: refusing to write with less than that
// free turns a full disk into an error, with nothing half written.
func (s *Store) minFree() uint64 { return 2*uint64(s.db.Opts().MemTableSize) + reserveSlack }

// checkSpace refuses a write when the disk holding the library has less
// than minFree bytes free.
func (s *Store) checkSpace() error {
	dir := s.db.Opts().Dir
	free, ok := freeSpace(dir)
	if !ok || free >= s.minFree() {
		return nil
	}
	return fmt.Errorf("%w (%s): %d MB free, Folio needs at least %d MB; free some space and try again",
		ErrDiskFull, dir, free>>20, s.minFree()>>20)
}

// diskFull wraps a write error caused by a full disk in ErrDiskFull.
func (s *Store) diskFull(err error) error {
	if err != nil && errors.Is(err, syscall.ENOSPC) && !errors.Is(err, ErrDiskFull) {
		return fmt.Errorf("%w (%s): %w", ErrDiskFull, s.db.Opts().Dir, err)
	}
	return err
}
