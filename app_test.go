package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/parse/isolate"
)

func TestMain(m *testing.M) {
	isolate.RunChildIfRequested()
	os.Exit(m.Run())
}

// recorder collects the events the App emits.
type recorder struct {
	mu     sync.Mutex // guards events
	events []string
	done   chan engine.IndexReport
}

func (r *recorder) emit(name string, payload any) {
	r.mu.Lock()
	r.events = append(r.events, name)
	r.mu.Unlock()
	if rep, ok := payload.(engine.IndexReport); ok && name == EventIndexed {
		r.done <- rep
	}
}

// openEngine opens a keyword-only library in data, closed when t ends.
func openEngine(t *testing.T, data string) *engine.Engine {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// newTestApp returns an App on eng whose events go to a recorder.
func newTestApp(t *testing.T, eng *engine.Engine) (*App, *recorder) {
	app := NewApp(eng)
	rec := &recorder{done: make(chan engine.IndexReport, 1)}
	app.emit = rec.emit
	t.Cleanup(app.CancelIndexing)
	return app, rec
}

func TestDropIndexesAndAnswers(t *testing.T) {
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "minutes.txt"),
		[]byte("The board approved the new library budget of 40,000 euros on 3 March."), 0o644); err != nil {
		t.Fatal(err)
	}
	app, rec := newTestApp(t, openEngine(t, t.TempDir()))
	app.HandleDrop([]string{docs})
	var rep engine.IndexReport
	select {
	case rep = <-rec.done:
	case <-time.After(time.Minute):
		t.Fatal("no library:indexed event within a minute of the drop")
	}
	if rep.New != 1 || rep.Failed != 0 {
		t.Errorf("report %+v, want 1 new file", rep)
	}
	rec.mu.Lock()
	sawProgress := len(rec.events) > 1 && rec.events[0] == EventProgress
	rec.mu.Unlock()
	if !sawProgress {
		t.Errorf("events %v: want progress before the end", rec.events)
	}
	if app.Indexing() {
		t.Error("Indexing() still true after the run ended")
	}
	lib, err := app.Library()
	if err != nil || len(lib.Folders) != 1 || lib.Folders[0].Indexed != 1 {
		t.Errorf("library after drop: %+v, %v", lib, err)
	}
	ans, err := app.Ask("What budget did the board approve?", engine.Filter{})
	if err != nil || len(ans.Citations) == 0 || !strings.Contains(ans.Citations[0].Text, "40,000 euros") {
		t.Fatalf("answer %+v, %v", ans, err)
	}
	src, err := app.Source(ans.Citations[0].Path, core.Span{Start: ans.Citations[0].Start, End: ans.Citations[0].End}, ans.Citations[0].Highlights, ans.Citations[0].Cell)
	if err != nil || len(src.Segments) == 0 {
		t.Errorf("source: %+v, %v", src, err)
	}
	if st, _ := app.Status(); st.Mode != "keyword" || st.Model != "" {
		t.Errorf("status %+v, want keyword mode with no model", st)
	}
	if err := app.AddPaths(nil); err == nil {
		t.Error("AddPaths(nil) gave no error")
	}
}

func TestResumePicksUpChangesMadeWhileClosed(t *testing.T) {
	docs, data := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("Alpha text about owls."), 0o644); err != nil {
		t.Fatal(err)
	}
	eng := openEngine(t, data)
	if _, err := eng.Index(context.Background(), []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	eng.Close()
	// While Folio is closed, a file is added.
	if err := os.WriteFile(filepath.Join(docs, "b.txt"), []byte("Beta text about falcons."), 0o644); err != nil {
		t.Fatal(err)
	}
	eng = openEngine(t, data)
	app, rec := newTestApp(t, eng)
	app.Watch()
	defer app.Shutdown()
	select {
	case rep := <-rec.done:
		if rep.New != 1 || rep.Unchanged != 1 {
			t.Errorf("start-up report %+v, want 1 new and 1 unchanged", rep)
		}
	case <-time.After(time.Minute):
		t.Fatal("the start-up rescan did not finish within a minute")
	}
	if hits, err := eng.Search(context.Background(), "falcons", engine.SearchOptions{K: 3}); err != nil || len(hits) != 1 {
		t.Errorf("new file not searchable after the start-up rescan: %v, %v", hits, err)
	}
	// Then the watcher: a file added while the window is open.
	if err := os.WriteFile(filepath.Join(docs, "c.txt"), []byte("Gamma text about kestrels."), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case rep := <-rec.done:
		if rep.New != 1 {
			t.Errorf("watcher report %+v, want 1 new", rep)
		}
	case <-time.After(time.Minute):
		t.Fatal("the watcher did not index a new file within a minute")
	}
	if err := app.RemoveFolder(docs); err != nil {
		t.Fatal(err)
	}
	if rep := <-rec.done; rep.Removed != 3 {
		t.Errorf("RemoveFolder report %+v, want 3 removed", rep)
	}
	if hits, _ := eng.Search(context.Background(), "kestrels", engine.SearchOptions{K: 3}); len(hits) != 0 {
		t.Errorf("a removed folder's file is still found: %v", hits)
	}
}

// chatApp returns an App with one indexed document and one chat about it.
func chatApp(t *testing.T) (*App, core.Chat) {
	t.Helper()
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "minutes.txt"),
		[]byte("The board approved the new library budget of 40,000 euros on 3 March."), 0o644); err != nil {
		t.Fatal(err)
	}
	app, rec := newTestApp(t, openEngine(t, t.TempDir()))
	if err := app.AddPaths([]string{docs}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.done:
	case <-time.After(time.Minute):
		t.Fatal("indexing did not end within a minute")
	}
	c, err := app.AskInChat("", "What budget did the board approve?", engine.Filter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.RenameChat(c.ID, `Budget: "2024/25"?`); err != nil {
		t.Fatal(err)
	}
	return app, c
}

func TestExportChatFile(t *testing.T) {
	app, c := chatApp(t)
	want, err := app.ExportChat(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(want, "[^1-1]:") {
		t.Fatalf("the export has no footnote [^1-1]:\n%s", want)
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.md")
	if err := os.WriteFile(existing, []byte("an older export"), 0o644); err != nil {
		t.Fatal(err)
	}
	var offered []string
	tests := []struct {
		name    string
		pick    func(string) (string, error)
		id      string
		path    string // want returned
		wantErr string
	}{
		{"new file", func(string) (string, error) { return filepath.Join(dir, "chat.md"), nil }, c.ID, filepath.Join(dir, "chat.md"), ""},
		{"replaces a file", func(string) (string, error) { return existing, nil }, c.ID, existing, ""},
		{"cancelled", func(string) (string, error) { return "", nil }, c.ID, "", ""},
		{"dialog fails", func(string) (string, error) { return "", os.ErrPermission }, c.ID, "", "choose where to save"},
		{"folder gone", func(string) (string, error) { return filepath.Join(dir, "no", "such", "x.md"), nil }, c.ID, "", "save chat"},
		{"unknown chat", func(string) (string, error) { return filepath.Join(dir, "x.md"), nil }, "nope", "", "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app.saveFile = func(name string) (string, error) {
				offered = append(offered, name)
				return tt.pick(name)
			}
			got, err := app.ExportChatFile(tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.path {
				t.Fatalf("path %q, want %q", got, tt.path)
			}
			if got == "" {
				return
			}
			data, err := os.ReadFile(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != want {
				t.Errorf("file holds %q, want the chat's Markdown %q", data, want)
			}
		})
	}
	if len(offered) == 0 || offered[0] != "Budget 2024 25.md" {
		t.Errorf("the dialog offered %q, want \"Budget 2024 25.md\" first", offered)
	}
	// No temporary file is left next to the exports.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "chat.md,old.md" {
		t.Errorf("the folder holds %v, want chat.md and old.md only", names)
	}
}

func TestExportFileName(t *testing.T) {
	tests := []struct{ title, want string }{
		{"When was the lighthouse built?", "When was the lighthouse built.md"},
		{"a/b\\c:d", "a b c d.md"},
		{"   ", "Folio chat.md"},
		{"...", "Folio chat.md"},
		{strings.Repeat("é", 100), strings.Repeat("é", 80) + ".md"},
	}
	for _, tt := range tests {
		if got := exportFileName(tt.title); got != tt.want {
			t.Errorf("exportFileName(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestExportChatFileWithoutDialog(t *testing.T) {
	app, c := chatApp(t)
	app.saveFile = nil
	if _, err := app.ExportChatFile(c.ID); err == nil {
		t.Fatal("ExportChatFile without a save dialog succeeded")
	}
}

func TestUnlockLockedApp(t *testing.T) {
	data := t.TempDir()
	eng, err := engine.Open(context.Background(), engine.Config{DataDir: data, NoModel: true, Passphrase: "harbour lights"})
	if err != nil {
		t.Fatal(err)
	}
	eng.Close()
	app := NewLockedApp(func(p string) (*engine.Engine, error) {
		return engine.Open(context.Background(), engine.Config{DataDir: data, NoModel: true, Passphrase: p})
	})
	t.Cleanup(func() { app.CancelIndexing(); app.closeEngine() })
	if !app.Locked() {
		t.Fatal("a locked app says it is unlocked")
	}
	opened := make(chan struct{})
	app.whenOpen(func() { close(opened) })

	// Locked: every method refuses, none panics.
	locked := []struct {
		name string
		err  error
	}{
		{"Status", func() error { _, err := app.Status(); return err }()},
		{"Library", func() error { _, err := app.Library(); return err }()},
		{"AddPaths", app.AddPaths([]string{t.TempDir()})},
		{"Ask", func() error { _, err := app.Ask("q", engine.Filter{}); return err }()},
		{"Chats", func() error { _, err := app.Chats(); return err }()},
		{"SetGenerator", app.SetGenerator(engine.GeneratorSettings{})},
		{"OriginalFile", func() error { _, err := originalFiles{app}.OriginalFile("/x"); return err }()},
	}
	for _, l := range locked {
		if !errors.Is(l.err, ErrLocked) {
			t.Errorf("%s while locked: %v, want ErrLocked", l.name, l.err)
		}
	}
	app.CancelIndexing()
	app.PauseIndexing()
	app.Watch()
	if app.Indexing() || app.Paused() || app.Generator() != (engine.GeneratorSettings{}) {
		t.Error("a locked app reports state")
	}

	for _, wrong := range []string{"", "harbour light"} {
		if err := app.Unlock(wrong); err == nil || !app.Locked() {
			t.Errorf("Unlock(%q) = %v, locked %v", wrong, err, app.Locked())
		}
	}
	if err := app.Unlock("harbour light"); !errors.Is(err, engine.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	// Callers racing the unlock see either ErrLocked or the engine.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := app.Status(); err != nil && !errors.Is(err, ErrLocked) {
					t.Errorf("Status during unlock: %v", err)
				}
			}
		}()
	}
	if err := app.Unlock("harbour lights"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if app.Locked() {
		t.Error("still locked after the right passphrase")
	}
	select {
	case <-opened:
	case <-time.After(10 * time.Second):
		t.Error("the whenOpen hook did not run after unlocking")
	}
	if st, err := app.Status(); err != nil || st.DataDir != data {
		t.Errorf("Status after unlock: %+v, %v", st, err)
	}
	if err := app.Unlock("anything"); err != nil {
		t.Errorf("Unlock on an open library: %v", err)
	}
}
