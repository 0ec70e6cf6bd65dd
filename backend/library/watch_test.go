package library

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// wait is how long a test waits for a batch before it gives up. It is
// generous: the machine may be loaded and -race is slow. Tests never assert
// how long anything took.
const wait = 10 * time.Second

// testConfig debounces briefly so the tests run quickly.
var testConfig = WatchConfig{Debounce: 100 * time.Millisecond, MaxDelay: 2 * time.Second, Logger: quiet}

// quiet drops the Watcher's log; tests check what it does, not what it says.
var quiet = slog.New(slog.DiscardHandler)

// harness runs a Watcher over folders in a temporary directory and gathers
// what it delivers. Paths in its results are relative to base.
type harness struct {
	t       *testing.T
	w       *Watcher
	base    string
	changes chan Change
	marks   int
}

// startWatch makes the folders named in dirs under a temporary directory,
// runs setup, then watches the roots (relative to the temporary directory).
func startWatch(t *testing.T, cfg WatchConfig, dirs []string, setup func(h *harness), roots ...string) *harness {
	t.Helper()
	h := &harness{t: t, base: t.TempDir(), changes: make(chan Change, 64)}
	for _, d := range dirs {
		if err := os.MkdirAll(h.path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if setup != nil {
		setup(h)
	}
	w, err := NewWatcher(cfg)
	if err != nil {
		t.Fatalf("NewWatcher: %v", err)
	}
	h.w = w
	for _, r := range roots {
		if err := w.Add(h.path(r)); err != nil {
			t.Fatalf("Add(%s): %v", r, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(c Change) {
			select {
			case h.changes <- c:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func (h *harness) path(rel string) string { return filepath.Join(h.base, filepath.FromSlash(rel)) }

func (h *harness) rel(paths []string) []string {
	out := []string{}
	for _, p := range paths {
		r, err := filepath.Rel(h.base, p)
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

func (h *harness) write(rel, text string) {
	h.t.Helper()
	p := h.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) appendTo(rel, text string) {
	h.t.Helper()
	f, err := os.OpenFile(h.path(rel), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		h.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) rename(from, to string) {
	h.t.Helper()
	if err := os.Rename(h.path(from), h.path(to)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) removeAll(rel string) {
	h.t.Helper()
	if err := os.RemoveAll(h.path(rel)); err != nil {
		h.t.Fatal(err)
	}
}

// seen is what a run of batches reported, relative to base.
type seen struct {
	batches []Change // relative paths
	files   map[string]bool
	removed map[string]bool
}

func (s *seen) add(c Change) {
	s.batches = append(s.batches, c)
	for _, f := range c.Files {
		s.files[f] = true
	}
	for _, r := range c.Removed {
		s.removed[r] = true
	}
}

// until gathers batches until done says they are enough, and fails the test
// after wait.
func (h *harness) until(what string, done func(s *seen) bool) *seen {
	h.t.Helper()
	s := &seen{files: map[string]bool{}, removed: map[string]bool{}}
	deadline := time.After(wait)
	for !done(s) {
		select {
		case c := <-h.changes:
			s.add(Change{Files: h.rel(c.Files), Removed: h.rel(c.Removed), Rescan: h.rel(c.Rescan)})
		case <-deadline:
			h.t.Fatalf("no batch with %s within %v; got %+v", what, wait, s.batches)
		}
	}
	return s
}

// settle writes a marker file in folder dir (a watched root) and gathers
// batches until the marker is reported. Events are delivered in order, so
// everything done before settle has been reported by then. The markers are
// left out of the result.
func (h *harness) settle(dir string) *seen {
	h.t.Helper()
	h.marks++
	mark := fmt.Sprintf("%s/zz-mark-%d.txt", dir, h.marks)
	h.write(mark, "mark")
	s := h.until(mark, func(s *seen) bool { return s.files[mark] })
	delete(s.files, mark)
	for f := range s.files {
		if strings.Contains(f, "zz-mark-") {
			delete(s.files, f)
		}
	}
	return s
}

func keys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// step is one action on the file system and the paths it must report:
// nothing more, nothing less (batches are merged, since a slow machine may
// split an action over two).
type step struct {
	act          func(h *harness)
	files, gone  []string
	watchedAfter []string // folders that must be watched after the step
	notWatched   []string // folders that must not be
}

func TestWatcherChanges(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
		roots []string
		steps []step
	}{
		{
			name:  "create",
			steps: []step{{act: func(h *harness) { h.write("a/new.txt", "new") }, files: []string{"a/new.txt"}}},
		},
		{
			name:  "write",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			steps: []step{{act: func(h *harness) { h.appendTo("a/x.txt", " more") }, files: []string{"a/x.txt"}}},
		},
		{
			name:  "delete",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			steps: []step{{act: func(h *harness) { h.removeAll("a/x.txt") }, gone: []string{"a/x.txt"}}},
		},
		{
			name:  "rename within a folder",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			steps: []step{{act: func(h *harness) { h.rename("a/x.txt", "a/y.txt") }, files: []string{"a/y.txt"}, gone: []string{"a/x.txt"}}},
		},
		{
			name:  "move between watched folders",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			roots: []string{"a", "b"},
			steps: []step{{act: func(h *harness) { h.rename("a/x.txt", "b/x.txt") }, files: []string{"b/x.txt"}, gone: []string{"a/x.txt"}}},
		},
		{
			name:  "move out of the watched tree",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			steps: []step{{act: func(h *harness) { h.rename("a/x.txt", "out/x.txt") }, gone: []string{"a/x.txt"}}},
		},
		{
			name:  "move in from outside",
			setup: func(h *harness) { h.write("out/x.txt", "old") },
			steps: []step{{act: func(h *harness) { h.rename("out/x.txt", "a/x.txt") }, files: []string{"a/x.txt"}}},
		},
		{
			name: "new nested folders filled at once",
			steps: []step{
				{
					act: func(h *harness) {
						if err := os.MkdirAll(h.path("a/n/b/c"), 0o755); err != nil {
							h.t.Fatal(err)
						}
						h.write("a/n/b/c/f1.txt", "1")
						h.write("a/n/b/f2.txt", "2")
						h.write("a/n/f3.txt", "3")
					},
					files:        []string{"a/n/b/c/f1.txt", "a/n/b/f2.txt", "a/n/f3.txt"},
					watchedAfter: []string{"a/n", "a/n/b", "a/n/b/c"},
				},
				{act: func(h *harness) { h.write("a/n/b/c/later.txt", "later") }, files: []string{"a/n/b/c/later.txt"}},
			},
		},
		{
			name: "prepared folder moved in",
			setup: func(h *harness) {
				h.write("out/p/g.txt", "g")
				h.write("out/p/q/f.txt", "f")
				h.write("out/p/q/.hidden", "h")
				h.write("out/p/.git/config", "c")
			},
			steps: []step{
				{
					act:          func(h *harness) { h.rename("out/p", "a/p") },
					files:        []string{"a/p/g.txt", "a/p/q/f.txt"},
					watchedAfter: []string{"a/p", "a/p/q"},
					notWatched:   []string{"a/p/.git"},
				},
				{act: func(h *harness) { h.write("a/p/q/h.txt", "h") }, files: []string{"a/p/q/h.txt"}},
			},
		},
		{
			name: "folder deleted",
			setup: func(h *harness) {
				h.write("a/d/g.txt", "g")
				h.write("a/d/e/f.txt", "f")
			},
			steps: []step{{act: func(h *harness) { h.removeAll("a/d") }, gone: []string{"a/d"}, notWatched: []string{"a/d", "a/d/e"}}},
		},
		{
			name:  "folder deleted and made again",
			setup: func(h *harness) { h.write("a/d/old.txt", "old") },
			steps: []step{{
				act: func(h *harness) {
					h.removeAll("a/d")
					h.write("a/d/new.txt", "new")
				},
				files:        []string{"a/d/new.txt"},
				gone:         []string{"a/d"},
				watchedAfter: []string{"a/d"},
			}},
		},
		{
			name:  "folder renamed within the tree",
			setup: func(h *harness) { h.write("a/d/e/f.txt", "f") },
			steps: []step{
				{
					act:          func(h *harness) { h.rename("a/d", "a/d2") },
					files:        []string{"a/d2/e/f.txt"},
					gone:         []string{"a/d"},
					watchedAfter: []string{"a/d2", "a/d2/e"},
					notWatched:   []string{"a/d", "a/d/e"},
				},
				{act: func(h *harness) { h.write("a/d2/e/g.txt", "g") }, files: []string{"a/d2/e/g.txt"}},
			},
		},
		{
			name:  "folder moved out of the tree",
			setup: func(h *harness) { h.write("a/d/e/f.txt", "f") },
			steps: []step{
				{act: func(h *harness) { h.rename("a/d", "out/d") }, gone: []string{"a/d"}, notWatched: []string{"a/d", "a/d/e"}},
				// Its old watches must not report under the old name.
				{act: func(h *harness) { h.write("out/d/e/g.txt", "g") }},
			},
		},
		{
			name:  "atomic save",
			setup: func(h *harness) { h.write("a/x.txt", "old") },
			steps: []step{{
				act: func(h *harness) {
					h.write("a/x.txt.tmp", "new")
					h.rename("a/x.txt.tmp", "a/x.txt")
				},
				files: []string{"a/x.txt"},
			}},
		},
		{
			name:  "ignored names",
			setup: func(h *harness) { h.write("a/.git/HEAD", "ref") },
			steps: []step{{act: func(h *harness) {
				h.write("a/.hidden", "h")
				h.write("a/.DS_Store", "h")
				h.write("a/~$report.docx", "lock")
				h.write("a/.~lock.report.odt#", "lock")
				h.write("a/notes.txt~", "backup")
				h.write("a/.notes.txt.swp", "swap")
				h.write("a/big.pdf.crdownload", "partial")
				h.write("a/.git/HEAD", "ref2")
				h.write("a/.cache/new/x.txt", "x")
				h.removeAll("a/notes.txt~")
			}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roots := tt.roots
			if roots == nil {
				roots = []string{"a"}
			}
			h := startWatch(t, testConfig, []string{"a", "b", "out"}, tt.setup, roots...)
			for i, st := range tt.steps {
				st.act(h)
				s := h.settle(roots[0])
				if got, want := keys(s.files), sorted(st.files); !slices.Equal(got, want) {
					t.Errorf("step %d: Files = %q, want %q (batches %+v)", i, got, want, s.batches)
				}
				if got, want := keys(s.removed), sorted(st.gone); !slices.Equal(got, want) {
					t.Errorf("step %d: Removed = %q, want %q (batches %+v)", i, got, want, s.batches)
				}
				for _, d := range st.watchedAfter {
					if !h.watching(d) {
						t.Errorf("step %d: folder %s is not watched", i, d)
					}
				}
				for _, d := range st.notWatched {
					if h.watching(d) {
						t.Errorf("step %d: folder %s is still watched", i, d)
					}
				}
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// watching reports whether the folder rel has a watch, both in the Watcher's
// books and in fsnotify's.
func (h *harness) watching(rel string) bool {
	p := h.path(rel)
	h.w.mu.Lock()
	_, ours := h.w.dirs[p]
	h.w.mu.Unlock()
	theirs := slices.Contains(h.w.fw.WatchList(), p)
	if ours != theirs {
		h.t.Errorf("folder %s: watched in the Watcher's books %v, in fsnotify's %v", rel, ours, theirs)
	}
	return ours
}

func TestWatcherAtomicSaveIsOneBatch(t *testing.T) {
	h := startWatch(t, testConfig, []string{"a"}, func(h *harness) { h.write("a/x.txt", "old") }, "a")
	h.write("a/x.txt.tmp", "new")
	h.rename("a/x.txt.tmp", "a/x.txt")
	s := h.until("a/x.txt", func(s *seen) bool { return s.files["a/x.txt"] })
	last := s.batches[len(s.batches)-1]
	if len(s.batches) != 1 || !slices.Equal(last.Files, []string{"a/x.txt"}) || len(last.Removed) != 0 {
		t.Errorf("batches = %+v, want one with Files [a/x.txt] and nothing else", s.batches)
	}
}

func TestWatcherDebounce(t *testing.T) {
	// Writes to one file in quick succession make one batch. The debounce is
	// long enough that a loaded machine does not split them.
	cfg := WatchConfig{Debounce: time.Second, MaxDelay: 30 * time.Second, Logger: quiet}
	h := startWatch(t, cfg, []string{"a"}, func(h *harness) { h.write("a/x.txt", "") }, "a")
	for i := range 50 {
		h.appendTo("a/x.txt", fmt.Sprintf("line %d\n", i))
	}
	s := h.settle("a")
	n := 0
	for _, c := range s.batches {
		if slices.Contains(c.Files, "a/x.txt") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d batches name a/x.txt, want 1: %+v", n, s.batches)
	}
}

func TestWatcherMaxDelay(t *testing.T) {
	// A file written to without pause, for longer than MaxDelay, is still
	// delivered while the writes go on.
	cfg := WatchConfig{Debounce: 200 * time.Millisecond, MaxDelay: 400 * time.Millisecond, Logger: quiet}
	h := startWatch(t, cfg, []string{"a"}, func(h *harness) { h.write("a/x.txt", "") }, "a")
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		f, err := os.OpenFile(h.path("a/x.txt"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		tick := time.NewTicker(10 * time.Millisecond) // well under the debounce
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := f.WriteString("more\n"); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	h.until("a/x.txt while it is being written", func(s *seen) bool { return s.files["a/x.txt"] })
	select {
	case <-stopped:
		t.Error("the writer stopped before the batch came; the test proves nothing")
	default:
	}
	close(stop)
	<-stopped
}

func TestWatcherFileRoot(t *testing.T) {
	h := startWatch(t, testConfig, []string{"a"}, func(h *harness) {
		h.write("a/x.txt", "x")
		h.write("a/y.txt", "y")
	}, "a/x.txt")
	mark := func(act func(), files, gone []string) {
		t.Helper()
		act()
		// Only x.txt can be reported, so a write to it marks the end.
		h.appendTo("a/x.txt", "mark")
		s := h.until("a/x.txt", func(s *seen) bool { return s.files["a/x.txt"] })
		if got, want := keys(s.files), sorted(files); !slices.Equal(got, want) {
			t.Errorf("Files = %q, want %q", got, want)
		}
		if got, want := keys(s.removed), sorted(gone); !slices.Equal(got, want) {
			t.Errorf("Removed = %q, want %q", got, want)
		}
	}
	mark(func() {
		h.appendTo("a/y.txt", "more")
		h.write("a/z.txt", "z")
	}, []string{"a/x.txt"}, nil)
	mark(func() {
		h.write("a/x.txt.tmp", "saved")
		h.rename("a/x.txt.tmp", "a/x.txt")
	}, []string{"a/x.txt"}, nil)

	h.removeAll("a/x.txt")
	s := h.until("a/x.txt removed", func(s *seen) bool { return s.removed["a/x.txt"] })
	if got := keys(s.files); len(got) != 0 {
		t.Errorf("Files = %q, want none", got)
	}
}

func TestWatcherRemoveRoot(t *testing.T) {
	h := startWatch(t, testConfig, []string{"a/sub", "b"}, nil, "a", "a/sub", "b")

	// A nested root removed: its folder is still watched for the outer root.
	if err := h.w.Remove(h.path("a/sub")); err != nil {
		t.Fatalf("Remove(a/sub): %v", err)
	}
	h.write("a/sub/x.txt", "x")
	s := h.settle("b")
	if got, want := keys(s.files), []string{"a/sub/x.txt"}; !slices.Equal(got, want) {
		t.Errorf("after removing the nested root: Files = %q, want %q", got, want)
	}

	if err := h.w.Remove(h.path("a")); err != nil {
		t.Fatalf("Remove(a): %v", err)
	}
	h.write("a/y.txt", "y")
	h.write("a/sub/z.txt", "z")
	h.removeAll("a/sub/x.txt")
	s = h.settle("b")
	if len(s.files) != 0 || len(s.removed) != 0 {
		t.Errorf("after Remove(a): got %+v, want nothing", s.batches)
	}
	for _, d := range []string{"a", "a/sub"} {
		if h.watching(d) {
			t.Errorf("folder %s is still watched after Remove(a)", d)
		}
	}
	if !h.watching("b") {
		t.Error("folder b is no longer watched")
	}
	if err := h.w.Remove(h.path("a")); err == nil {
		t.Error("Remove(a) again: no error, want one")
	}
}

func TestWatcherStops(t *testing.T) {
	base := t.TempDir()
	w, err := NewWatcher(WatchConfig{Debounce: testConfig.Debounce, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(base); err != nil {
		t.Fatal(err)
	}

	// ctx canceled: Run returns nil.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(Change) {}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after its context was canceled")
	}

	// Closed while running: Run returns nil, Close twice is fine. A batch
	// delivered first shows that Run is running.
	delivered := make(chan struct{}, 1)
	go func() {
		done <- w.Run(context.Background(), func(Change) {
			select {
			case delivered <- struct{}{}:
			default:
			}
		})
	}()
	if err := os.WriteFile(filepath.Join(base, "x.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-delivered:
	case <-time.After(wait):
		t.Fatal("no batch delivered")
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after Close")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := w.Add(base); !errors.Is(err, fsnotify.ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := w.Run(context.Background(), func(Change) {}); err == nil {
		t.Error("Run after Close: no error, want one")
	}
}

func TestWatcherOverflowAsksForRescan(t *testing.T) {
	// The kernel's queue cannot be made to overflow cheaply, so the error
	// fsnotify sends then is handed in directly.
	base := t.TempDir()
	for _, d := range []string{"b", "a", "c"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "c", "f.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher(WatchConfig{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	roots := []string{filepath.Join(base, "b"), filepath.Join(base, "a"), filepath.Join(base, "c", "f.txt")}
	for _, r := range roots {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	// A folder made while events were lost gets a watch again.
	if err := os.Mkdir(filepath.Join(base, "a", "lost"), 0o755); err != nil {
		t.Fatal(err)
	}

	if w.handleError(errors.New("some read error")) {
		t.Error("another error changed the batch")
	}
	if c := w.take(); !c.empty() {
		t.Errorf("after another error: %+v, want an empty batch", c)
	}
	if !w.handleError(fmt.Errorf("read: %w", fsnotify.ErrEventOverflow)) {
		t.Error("overflow did not change the batch")
	}
	got := w.take()
	want := Change{Rescan: sorted(roots)}
	if !slices.Equal(got.Rescan, want.Rescan) || len(got.Files) != 0 || len(got.Removed) != 0 {
		t.Errorf("after overflow: %+v, want %+v", got, want)
	}
	w.mu.Lock()
	_, ok := w.dirs[filepath.Join(base, "a", "lost")]
	w.mu.Unlock()
	if !ok {
		t.Error("folder made while events were lost is not watched after the overflow")
	}
}

func TestWatcherLimit(t *testing.T) {
	// inotify refuses a watch with ENOSPC once fs.inotify.max_user_watches
	// is reached. Add must then undo what it set up and say what to raise.
	base := t.TempDir()
	for _, d := range []string{"a/1", "a/2", "a/3/4"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(base, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher(WatchConfig{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(filepath.Join(base, "b")); err != nil {
		t.Fatal(err)
	}
	left := 2
	w.addWatch = func(dir string) error {
		if left == 0 {
			return fmt.Errorf("%s: %w", dir, syscall.ENOSPC)
		}
		left--
		return w.fw.Add(dir)
	}
	err = w.Add(filepath.Join(base, "a"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "max_user_watches") {
		t.Errorf("Add past the limit = %v, want an ENOSPC error that names max_user_watches", err)
	}
	wantDirs := []string{filepath.Join(base, "b")}
	w.mu.Lock()
	gotDirs := keys(boolSet(w.dirs))
	_, rooted := w.roots[filepath.Join(base, "a")]
	w.mu.Unlock()
	if !slices.Equal(gotDirs, wantDirs) {
		t.Errorf("watched folders after the failed Add = %q, want %q", gotDirs, wantDirs)
	}
	if theirs := sorted(w.fw.WatchList()); !slices.Equal(theirs, wantDirs) {
		t.Errorf("fsnotify watches after the failed Add = %q, want %q", theirs, wantDirs)
	}
	if rooted {
		t.Error("the failed root is still a root")
	}
}

func boolSet(m map[string]struct{}) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func TestOutermost(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"/a/b/c", "/a/b", "/a/b-x", "/a/bc/d"}, []string{"/a/b", "/a/b-x", "/a/bc/d"}},
		{[]string{"/r/x.txt", "/r"}, []string{"/r"}},
		{[]string{"/r/d/e/f.txt", "/r/d/e", "/r/d/g.txt", "/r/d"}, []string{"/r/d"}},
	}
	for _, tt := range tests {
		in := make([]string, len(tt.in))
		for i, p := range tt.in {
			in[i] = filepath.FromSlash(p)
		}
		got := outermost(in)
		want := make([]string, len(tt.want))
		for i, p := range tt.want {
			want[i] = filepath.FromSlash(p)
		}
		if !slices.Equal(got, want) {
			t.Errorf("outermost(%q) = %q, want %q", tt.in, got, want)
		}
	}
}

func TestWatcherRealOverflow(t *testing.T) {
	// While fn runs, events wait in the kernel's queue. Writes that overflow
	// it must come back as a Rescan of every root.
	limit, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skip("no /proc/sys/fs/inotify/max_queued_events: not inotify")
	}
	var queue int
	if _, err := fmt.Sscan(string(limit), &queue); err != nil || queue > 100000 {
		t.Skipf("max_queued_events is %q: too many writes needed to overflow it", limit)
	}
	base := t.TempDir()
	a := filepath.Join(base, "a")
	if err := os.Mkdir(a, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(a); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := make(chan struct{})
	release := make(chan struct{})
	got := make(chan Change, 16)
	done := make(chan error, 1)
	first := true
	go func() {
		done <- w.Run(ctx, func(c Change) {
			if first { // hold Run so the kernel's queue fills up
				first = false
				close(held)
				<-release
			}
			select {
			case got <- c:
			case <-ctx.Done():
			}
		})
	}()
	if err := os.WriteFile(filepath.Join(a, "first.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(wait):
		t.Fatal("no first batch")
	}
	// The kernel merges an event with an identical one just before it, so
	// writes alternate between two files. fsnotify also holds up to 4096
	// events it has read.
	var files [2]*os.File
	for i := range files {
		f, err := os.Create(filepath.Join(a, fmt.Sprintf("w%d.txt", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	for i := range 2 * (queue + 4096 + 100) {
		if _, err := files[i%2].Write([]byte{'x'}); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	deadline := time.After(wait)
	for {
		select {
		case c := <-got:
			if slices.Equal(c.Rescan, []string{a}) {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}
				return
			}
		case <-deadline:
			t.Fatalf("no batch asked for a rescan of %s within %v", a, wait)
		}
	}
}
