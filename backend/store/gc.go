package store

import (
	"errors"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// defaultGCInterval is how often the value log is garbage-collected.
const defaultGCInterval = 10 * time.Minute

// gcDiscardRatio is the share of a value-log file that must be stale for
// Badger to rewrite it.
const gcDiscardRatio = 0.5

// gcLoop garbage-collects Badger's value log every interval until Close:
// deleted and replaced documents otherwise keep their disk space forever.
func (s *Store) gcLoop(interval time.Duration) {
	defer close(s.gcDone)
	if interval < 0 {
		return
	}
	if interval == 0 {
		interval = defaultGCInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stopGC:
			return
		case <-t.C:
			if n, err := s.CollectGarbage(); err != nil {
				slog.Warn("value log GC", "err", err)
			} else if n > 0 {
				slog.Debug("value log GC", "files rewritten", n)
			}
		}
	}
}

// CollectGarbage rewrites value-log files that are mostly stale, until
// none is left, and returns how many it rewrote.
func (s *Store) CollectGarbage() (int, error) {
	n := 0
	for {
		select {
		case <-s.stopGC:
			return n, nil
		default:
		}
		err := s.db.RunValueLogGC(gcDiscardRatio)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}
