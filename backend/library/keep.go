package library

import (
	"context"
	"errors"
	"sync"

	"folio/backend/core"
)

// watching is the file watcher of a running Watch, so roots added or
// removed meanwhile are followed.
type watching struct {
	mu sync.Mutex // guards w
	w  *Watcher
}

func (x *watching) set(w *Watcher) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.w = w
}

// add starts watching a new root, when a watch runs.
func (x *watching) add(root string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w == nil {
		return nil
	}
	return x.w.Add(root)
}

// remove stops watching a root, when a watch runs.
func (x *watching) remove(root string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w != nil {
		_ = x.w.Remove(root)
	}
}

// Watch keeps the library up to date until ctx ends. It first rescans
// every root, catching what changed while Folio was closed (the watches
// are set before, so nothing falls in between), then indexes what the file
// watcher reports, in debounced batches: changed files are read again,
// removed ones leave, moved ones keep their vectors. Roots added or
// removed meanwhile are followed. onRun, when not nil, gets each run's
// report; progress each run's progress. It returns nil when ctx ends.
func (l *Library) Watch(ctx context.Context, onRun func(IndexReport), progress func(core.Progress)) error {
	w, err := NewWatcher(WatchConfig{Logger: l.log})
	if err != nil {
		return err
	}
	defer w.Close()
	roots, err := l.store.Roots()
	if err != nil {
		return err
	}
	for _, r := range roots {
		if err := w.Add(r); err != nil {
			l.log.Warn("cannot watch a library folder; it is rescanned at each start", "path", r, "err", err)
		}
	}
	l.watch.set(w)
	defer l.watch.set(nil)
	report := func(rep IndexReport, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			l.log.Error("keeping the library up to date", "err", err)
		}
		if onRun != nil {
			onRun(rep)
		}
	}
	if len(roots) > 0 {
		report(l.Index(ctx, roots, progress))
	}
	return w.Run(ctx, func(c Change) {
		if len(c.Rescan) > 0 {
			report(l.Index(ctx, c.Rescan, progress))
		}
		if len(c.Files)+len(c.Removed) > 0 {
			report(l.Update(ctx, c.Files, c.Removed, progress))
		}
	})
}
