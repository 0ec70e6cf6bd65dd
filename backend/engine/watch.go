package engine

import (
	"context"
	"errors"
	"sync"

	"folio/backend/core"
	"folio/backend/library"
)

// watching is the file watcher of a running Watch, so roots added or
// removed meanwhile are followed.
type watching struct {
	mu sync.Mutex // guards w
	w  *library.Watcher
}

func (x *watching) set(w *library.Watcher) {
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
func (e *Engine) Watch(ctx context.Context, onRun func(IndexReport), progress func(core.Progress)) error {
	w, err := library.NewWatcher(library.WatchConfig{Logger: e.log})
	if err != nil {
		return err
	}
	defer w.Close()
	roots, err := e.store.Roots()
	if err != nil {
		return err
	}
	for _, r := range roots {
		if err := w.Add(r); err != nil {
			e.log.Warn("cannot watch a library folder; it is rescanned at each start", "path", r, "err", err)
		}
	}
	e.watch.set(w)
	defer e.watch.set(nil)
	report := func(rep IndexReport, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			e.log.Error("keeping the library up to date", "err", err)
		}
		if onRun != nil {
			onRun(rep)
		}
	}
	if len(roots) > 0 {
		report(e.Index(ctx, roots, progress))
	}
	return w.Run(ctx, func(c library.Change) {
		if len(c.Rescan) > 0 {
			report(e.Index(ctx, c.Rescan, progress))
		}
		if len(c.Files)+len(c.Removed) > 0 {
			report(e.Update(ctx, c.Files, c.Removed, progress))
		}
	})
}
