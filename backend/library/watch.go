package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults for WatchConfig.
const (
	DefaultDebounce = 500 * time.Millisecond
	DefaultMaxDelay = 5 * time.Second
)

// WatchConfig configures a Watcher. Zero fields take the defaults.
type WatchConfig struct {
	Debounce time.Duration // quiet time before a batch is delivered (default 500ms)
	MaxDelay time.Duration // a batch is delivered at the latest this long after its first event, even if events keep coming (default 5s)
	Logger   *slog.Logger  // default slog.Default()
}

// Change is one debounced batch.
//
// Files and Removed describe the state at the time the batch is delivered.
// A path in Files is never also in Removed. A folder in Removed stands for
// everything under it, except the files listed in Files (a folder that was
// deleted and made again, or replaced by another, lists its current files
// there). A consumer that keeps files by content should therefore take in
// Files first and then drop what Removed names: a file moved from one watched
// folder to another shows up as the new path in Files and the old one in
// Removed in the same batch.
type Change struct {
	Files   []string // regular files created, written or renamed into a watched folder (absolute, sorted, deduplicated, ignored names left out)
	Removed []string // files or folders deleted or renamed away (a folder means everything under it)
	Rescan  []string // roots whose events were lost (queue overflow): the consumer should rescan them fully
}

func (c Change) empty() bool { return len(c.Files) == 0 && len(c.Removed) == 0 && len(c.Rescan) == 0 }

// Watcher watches the library's folders and files for changes and delivers
// them in debounced batches. Folders are watched recursively, one watch per
// folder; folders created later are watched as they appear, and the files
// already in them are reported, since files can land in a new folder before
// its watch is set. Names that Ignored reports are left out, folders and all.
//
// Events that arrive while no Run is receiving wait in the kernel's queue;
// when it overflows, the next batch asks for a full rescan (Change.Rescan).
type Watcher struct {
	cfg WatchConfig
	log *slog.Logger
	fw  *fsnotify.Watcher

	// addWatch and rmWatch are fw.Add and fw.Remove; tests replace addWatch
	// to simulate the system's watch limit.
	addWatch func(dir string) error
	rmWatch  func(dir string) error

	mu     sync.Mutex          // guards roots, dirs and closed
	roots  map[string]bool     // each root → whether it is a folder
	dirs   map[string]struct{} // folders with a watch on them
	closed bool

	running   atomic.Bool // Run is running
	closeOnce sync.Once
	closeErr  error

	b batch // the batch being gathered; owned by Run's goroutine
}

// batch gathers events between two deliveries.
type batch struct {
	first    time.Time           // when the first event of the batch came
	written  map[string]struct{} // paths created, written or moved in
	gone     map[string]struct{} // paths deleted or moved away
	goneDirs map[string]struct{} // of gone, those that were watched folders
	rescan   bool                // events were lost
}

func (b *batch) init() {
	if b.written == nil {
		b.written = make(map[string]struct{})
		b.gone = make(map[string]struct{})
		b.goneDirs = make(map[string]struct{})
	}
}

// NewWatcher returns a Watcher with nothing to watch yet.
func NewWatcher(cfg WatchConfig) (*Watcher, error) {
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxDelay < cfg.Debounce {
		cfg.MaxDelay = cfg.Debounce
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start watching files: %w", explainLimit(err))
	}
	return &Watcher{
		cfg:      cfg,
		log:      cfg.Logger,
		fw:       fw,
		addWatch: fw.Add,
		rmWatch:  fw.Remove,
		roots:    make(map[string]bool),
		dirs:     make(map[string]struct{}),
	}, nil
}

// Add watches root: a folder recursively (every subfolder, skipping ignored
// ones), or a single file (its folder is watched, and only that file is
// reported). Files already there are not reported; the caller scans them.
// Add either watches all of root or nothing: when the system's limit on
// watches is reached, it undoes what it set up and returns an error that
// wraps syscall.ENOSPC and names the setting to raise. Adding a root twice
// does nothing. Add is safe to call while Run runs.
func (w *Watcher) Add(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("watch %s: %w", root, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("watch %s: %w", abs, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("watch %s: %w", abs, fsnotify.ErrClosed)
	}
	if _, ok := w.roots[abs]; ok {
		return nil
	}
	var added []string
	if info.IsDir() {
		err = w.watchTreeLocked(abs, abs, &added, nil)
	} else {
		err = w.watchDirLocked(filepath.Dir(abs), &added)
	}
	if err != nil {
		for _, d := range added {
			w.unwatchLocked(d)
		}
		return fmt.Errorf("watch %s: %w", abs, err)
	}
	w.roots[abs] = info.IsDir()
	return nil
}

// Remove stops watching root and everything under it, except what other
// roots still need. Events of root not yet delivered are dropped.
func (w *Watcher) Remove(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("stop watching %s: %w", root, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.roots[abs]; !ok {
		return fmt.Errorf("stop watching %s: it is not watched", abs)
	}
	delete(w.roots, abs)
	for d := range w.dirs {
		if !w.wantedLocked(d) {
			w.unwatchLocked(d)
		}
	}
	return nil
}

// Run delivers batches of changes to fn until ctx is done (it returns nil
// then, dropping a batch not yet delivered: the next start's scan catches
// it), the Watcher is closed (nil too), or the Watcher fails. fn is called
// from Run's goroutine, never concurrently; events wait while it runs, so it
// should hand long work off. Only one Run may run at a time.
func (w *Watcher) Run(ctx context.Context, fn func(Change)) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("watch: Run is already running")
	}
	defer w.running.Store(false)
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return fmt.Errorf("watch: %w", fsnotify.ErrClosed)
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fw.Events:
			if !ok {
				return nil
			}
			if w.handleEvent(ev) {
				w.arm(timer)
			}
		case err, ok := <-w.fw.Errors:
			if !ok {
				return nil
			}
			if w.handleError(err) {
				w.arm(timer)
			}
		case <-timer.C:
			if c := w.take(); !c.empty() {
				fn(c)
			}
		}
	}
}

// Close stops watching. It may be called more than once, and while Run runs.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		if err := w.fw.Close(); err != nil {
			w.closeErr = fmt.Errorf("stop watching files: %w", err)
		}
	})
	return w.closeErr
}

// arm sets timer for the delivery of the current batch: after Debounce of
// quiet, but no later than MaxDelay after its first event.
func (w *Watcher) arm(timer *time.Timer) {
	now := time.Now()
	if w.b.first.IsZero() {
		w.b.first = now
	}
	d := min(w.cfg.Debounce, w.b.first.Add(w.cfg.MaxDelay).Sub(now))
	timer.Reset(max(d, 0))
}

// handleEvent adds one fsnotify event to the batch and reports whether it
// was about the library.
func (w *Watcher) handleEvent(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Remove) && !ev.Has(fsnotify.Rename) {
		return false // Chmod only: contents did not change
	}
	p := filepath.Clean(ev.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	wasDir := false
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A folder deleted or moved away: drop its watches, which would
		// otherwise keep reporting under its old name.
		wasDir = w.forgetTreeLocked(p)
	}
	if !w.watchedLocked(p) {
		return false
	}
	b := &w.b
	b.init()
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		b.gone[p] = struct{}{}
		if wasDir {
			b.goneDirs[p] = struct{}{}
		}
	}
	if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) {
		b.written[p] = struct{}{}
		if ev.Has(fsnotify.Create) {
			if root, ok := w.dirRootLocked(p); ok {
				if info, err := os.Lstat(p); err == nil && info.IsDir() {
					var added []string
					err := w.watchTreeLocked(root, p, &added, func(f string) { b.written[f] = struct{}{} })
					if err != nil {
						w.log.Warn("cannot watch a new folder; changes in it will be missed until the next scan", "path", p, "err", err)
					}
				}
			}
		}
	}
	return true
}

// handleError takes an error from fsnotify and reports whether it changed
// the batch.
func (w *Watcher) handleError(err error) bool {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		w.log.Warn("watching files", "err", err)
		return false
	}
	w.log.Warn("file events were lost; the library needs a full rescan", "err", err)
	w.b.init()
	w.b.rescan = true
	// Folders deleted while events were lost still have a watch, and
	// folders made meanwhile have none yet.
	w.mu.Lock()
	defer w.mu.Unlock()
	for d := range w.dirs {
		if info, err := os.Lstat(d); err != nil || !info.IsDir() {
			w.unwatchLocked(d)
		}
	}
	for root, isDir := range w.roots {
		if !isDir {
			continue
		}
		var added []string
		if err := w.watchTreeLocked(root, root, &added, nil); err != nil {
			w.log.Warn("cannot watch folder again", "path", root, "err", err)
		}
	}
	return true
}

// take returns the batch gathered so far, checked against the file system as
// it is now, and starts a new one.
func (w *Watcher) take() Change {
	b := w.b
	w.b = batch{}
	w.mu.Lock()
	defer w.mu.Unlock()
	var c Change
	seen := make(map[string]struct{}, len(b.written)+len(b.gone))
	check := func(p string) {
		if _, ok := seen[p]; ok {
			return
		}
		seen[p] = struct{}{}
		if !w.watchedLocked(p) { // its root was removed meanwhile
			return
		}
		info, err := os.Lstat(p)
		isFile := err == nil && info.Mode().IsRegular()
		_, gone := b.gone[p]
		_, wasDir := b.goneDirs[p]
		if isFile {
			c.Files = append(c.Files, p)
		}
		if gone && (!isFile || wasDir) {
			c.Removed = append(c.Removed, p)
		}
	}
	for p := range b.written {
		check(p)
	}
	for p := range b.gone {
		check(p)
	}
	sort.Strings(c.Files)
	c.Removed = outermost(c.Removed)
	if b.rescan {
		for r := range w.roots {
			c.Rescan = append(c.Rescan, r)
		}
		sort.Strings(c.Rescan)
	}
	return c
}

// outermost sorts paths and drops those under another of them.
func outermost(paths []string) []string {
	set := make(map[string]struct{}, len(paths))
	for _, p := range paths {
		set[p] = struct{}{}
	}
	out := paths[:0]
	for _, p := range paths {
		covered := false
		for d := filepath.Dir(p); ; d = filepath.Dir(d) {
			if _, ok := set[d]; ok {
				covered = true
				break
			}
			if next := filepath.Dir(d); next == d {
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// watchTreeLocked watches dir, which is root or under it, and every folder
// under it that is not ignored. When file is not nil it is called with every
// regular file found. Each watch is set before its folder is listed, so a
// file made meanwhile is either listed or reported by the watch. A folder
// under dir that cannot be watched or read is logged and skipped; only the
// system's watch limit, a closed watcher, or a failure on root itself stop
// the walk.
func (w *Watcher) watchTreeLocked(root, dir string, added *[]string, file func(string)) error {
	if err := w.watchDirLocked(dir, added); err != nil {
		if dir == root || fatal(err) {
			return err
		}
		if errors.Is(err, fs.ErrNotExist) { // gone already: its parent reports that
			return nil
		}
		w.log.Warn("cannot watch folder", "path", dir, "err", err)
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if dir == root && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		w.log.Debug("cannot list folder", "path", dir, "err", err)
	}
	for _, e := range entries {
		if Ignored(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if err := w.watchTreeLocked(root, p, added, file); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if file != nil {
				file(p)
			}
		}
	}
	return nil
}

// fatal reports whether err stops watching a whole tree.
func fatal(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) || errors.Is(err, fsnotify.ErrClosed)
}

// watchDirLocked sets a watch on dir unless it has one, and appends it to
// added when it sets one.
func (w *Watcher) watchDirLocked(dir string, added *[]string) error {
	if _, ok := w.dirs[dir]; ok {
		return nil
	}
	if err := w.addWatch(dir); err != nil {
		return explainLimit(err)
	}
	w.dirs[dir] = struct{}{}
	*added = append(*added, dir)
	return nil
}

// unwatchLocked removes the watch on dir. The kernel drops the watch of a
// deleted folder by itself, so failures are only logged.
func (w *Watcher) unwatchLocked(dir string) {
	delete(w.dirs, dir)
	if err := w.rmWatch(dir); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) && !errors.Is(err, fsnotify.ErrClosed) {
		w.log.Debug("remove watch", "path", dir, "err", err)
	}
}

// forgetTreeLocked removes the watches on p and on every folder under it and
// reports whether there were any.
func (w *Watcher) forgetTreeLocked(p string) bool {
	found := false
	for d := range w.dirs {
		if _, ok := within(p, d); ok {
			w.unwatchLocked(d)
			found = true
		}
	}
	return found
}

// watchedLocked reports whether events about p concern the library: p is a
// file root, or a folder root, or under a folder root with no ignored name
// on the way.
func (w *Watcher) watchedLocked(p string) bool {
	if isDir, ok := w.roots[p]; ok && !isDir {
		return true
	}
	_, ok := w.dirRootLocked(p)
	return ok
}

// dirRootLocked returns a folder root that p is or is under, with no ignored
// name on the way.
func (w *Watcher) dirRootLocked(p string) (string, bool) {
	for root, isDir := range w.roots {
		if !isDir {
			continue
		}
		if rel, ok := within(root, p); ok && !ignoredPath(rel) {
			return root, true
		}
	}
	return "", false
}

// wantedLocked reports whether folder d still needs a watch for some root.
func (w *Watcher) wantedLocked(d string) bool {
	if _, ok := w.dirRootLocked(d); ok {
		return true
	}
	for root, isDir := range w.roots {
		if !isDir && filepath.Dir(root) == d {
			return true
		}
	}
	return false
}

// within reports whether p is root or under it, and returns p relative to
// root ("." for root itself).
func within(root, p string) (string, bool) {
	if p == root {
		return ".", true
	}
	prefix := root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	return p[len(prefix):], true
}

// ignoredPath reports whether any name in the relative path rel is ignored.
func ignoredPath(rel string) bool {
	if rel == "." {
		return false
	}
	for _, name := range strings.Split(rel, string(filepath.Separator)) {
		if Ignored(name) {
			return true
		}
	}
	return false
}

// explainLimit adds to an error from the system's watch or instance limits
// what to do about it.
func explainLimit(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("the system's limit on watched folders is reached (on Linux, raise fs.inotify.max_user_watches%s): %w",
			currentLimit("/proc/sys/fs/inotify/max_user_watches"), err)
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("too many watchers or open files (on Linux, raise fs.inotify.max_user_instances%s): %w",
			currentLimit("/proc/sys/fs/inotify/max_user_instances"), err)
	}
	return err
}

// currentLimit returns ", now N" with the value in the file, or "".
func currentLimit(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return ", now " + strings.TrimSpace(string(b))
}
