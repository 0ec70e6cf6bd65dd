package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/parse/isolate"
)

func TestMain(m *testing.M) {
	isolate.RunChildIfRequested() // the PDF parser's child process
	if dir := os.Getenv(killChildEnv); dir != "" {
		os.Exit(runKillChild(dir))
	}
	os.Exit(m.Run())
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, data string) *Engine {
	t.Helper()
	e, err := Open(context.Background(), Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return e
}

func TestIndexReindexAndReopen(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "a.txt"), "Otters hold hands while they sleep.\n\nThey live in kelp forests.")
	write(t, filepath.Join(docs, "sub", "b.md"), "# Bees\n\nHoney bees dance to share where flowers are.")
	write(t, filepath.Join(docs, "empty.txt"), "  \n")
	write(t, filepath.Join(docs, "song.mp3"), "ID3\x03")
	write(t, filepath.Join(docs, ".hidden", "secret.txt"), "hidden words")

	e := open(t, data)
	var mu sync.Mutex
	var events []core.Progress
	rep, err := e.Index(ctx, []string{docs}, func(p core.Progress) {
		mu.Lock()
		events = append(events, p)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("Index: %v", err)
	}
	if rep.Files != 4 || rep.New != 2 || rep.Failed != 1 || rep.Skipped != 1 {
		t.Errorf("report %+v: want 4 files, 2 new, 1 failed (empty), 1 skipped (mp3)", rep)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Path, "empty.txt") {
		t.Errorf("errors %+v, want one naming empty.txt", rep.Errors)
	}
	if len(events) == 0 || events[len(events)-1].Phase != "done" || events[len(events)-1].FilesDone != 4 {
		t.Errorf("last progress %+v, want done with 4 files", events[len(events)-1])
	}
	hits, err := e.Search(ctx, "hidden words", SearchOptions{K: 5})
	if err != nil || len(hits) != 0 {
		t.Errorf("hidden file was indexed: %v %v", hits, err)
	}

	ans, err := e.Ask(ctx, "Where do honey bees dance?", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Citations) == 0 || !strings.HasSuffix(ans.Citations[0].Path, "b.md") {
		t.Fatalf("answer %+v does not cite b.md first", ans)
	}
	c := ans.Citations[0]
	src, err := e.Source(ctx, c.Path, core.Span{Start: c.Start, End: c.End}, c.Highlights, nil)
	if err != nil {
		t.Fatal(err)
	}
	var marked string
	for _, s := range src.Segments {
		if s.Kind == "highlight" {
			marked += s.Text
		}
	}
	if marked != "Honey bees dance to share where flowers are." {
		t.Errorf("source highlight %q", marked)
	}

	lib, err := e.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Folders) != 1 || lib.Folders[0].Files != 4 || lib.Folders[0].Indexed != 2 || lib.Folders[0].Failed != 1 {
		t.Errorf("library folders %+v", lib.Folders)
	}

	// Change one file: only it is parsed again, and the old text is gone.
	write(t, filepath.Join(docs, "a.txt"), "Sea otters use rocks as tools.")
	rep, err = e.Index(ctx, []string{docs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed != 1 || rep.Unchanged != 2 || rep.Skipped != 1 {
		t.Errorf("second run %+v: want 1 changed, 2 unchanged, 1 skipped", rep)
	}
	if hits, _ := e.Search(ctx, "kelp forests", SearchOptions{K: 5}); len(hits) != 0 {
		t.Errorf("old text still found after change: %+v", hits)
	}
	// Touching a file without changing it re-reads nothing.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(docs, "sub", "b.md"), later, later); err != nil {
		t.Fatal(err)
	}
	rep, err = e.Index(ctx, []string{docs}, nil)
	if err != nil || rep.Changed != 0 || rep.Unchanged != 3 {
		t.Errorf("after touch: %+v, %v; want nothing changed", rep, err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything survives a restart.
	e = open(t, data)
	defer e.Close()
	hits, err = e.Search(ctx, "rocks tools", SearchOptions{K: 5})
	if err != nil || len(hits) != 1 || !strings.HasSuffix(hits[0].Path, "a.txt") || hits[0].Text != "Sea otters use rocks as tools." {
		t.Errorf("after reopen: %+v, %v", hits, err)
	}
	if st := e.Status(); st.Docs != 2 || st.Mode != "keyword" {
		t.Errorf("status %+v", st)
	}
}

func TestIndexReportsMissingPathsAndCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := open(t, t.TempDir())
	defer e.Close()
	docs := t.TempDir()
	for i := 0; i < 50; i++ {
		write(t, filepath.Join(docs, strings.Repeat("x", i%5+1)+string(rune('a'+i%26))+".txt"), "some words here. ")
	}
	rep, err := e.Index(ctx, []string{filepath.Join(docs, "missing")}, nil)
	if err != nil || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "no longer exists") {
		t.Errorf("missing path: %+v, %v", rep, err)
	}
	cancel()
	rep, err = e.Index(ctx, []string{docs}, nil)
	if err == nil || !rep.Canceled {
		t.Errorf("canceled run: %+v, %v; want canceled", rep, err)
	}
}
