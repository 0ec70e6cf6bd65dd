package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"folio/backend/store"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// damageAt writes 8 bytes of 0xff at byte off of the file at path.
func damageAt(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 8), off); err != nil {
		t.Fatal(err)
	}
}

// largest returns the largest file of dir matching pattern.
func largest(t *testing.T, dir, pattern string) string {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(dir, pattern))
	var best string
	var size int64 = -1
	for _, m := range ms {
		if i, err := os.Stat(m); err == nil && i.Size() > size {
			best, size = m, i.Size()
		}
	}
	if best == "" {
		t.Fatalf("no %s in %s", pattern, dir)
	}
	return best
}

// TestDamagedLibraryLosesNothing indexes 150 small text files and one
// over 1 MB (kept in the value log), damages 8 bytes of a copy of the
// library (in the table's file records, at 40% of the table, in the value
// log) and checks that opening it removes nothing, names the damaged files
// (in the log, as pending in the library with the reason, and in Check),
// and that Repair reads them again from their originals.
func TestDamagedLibraryLosesNothing(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	docs := filepath.Join(base, "docs")
	var big strings.Builder
	for i := 0; big.Len() < 1200<<10; i++ {
		fmt.Fprintf(&big, "Paragraph %d tells of the heron colony and marker%06d.\n\n", i, i)
	}
	write(t, filepath.Join(docs, "big.txt"), big.String())
	for i := range 150 {
		var b strings.Builder
		for w := range 300 {
			fmt.Fprintf(&b, "w%dx%d ", i, w)
		}
		write(t, filepath.Join(docs, fmt.Sprintf("n%03d.txt", i)), b.String())
	}
	orig := filepath.Join(base, "orig")
	e := open(t, orig)
	if rep, err := e.Index(ctx, []string{docs}, nil); err != nil || rep.New != 151 {
		t.Fatalf("index: %+v %v", rep, err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(orig, "library"))
	if err != nil {
		t.Fatal(err)
	}
	want, failed, err := readContents(st)
	st.Close()
	if err != nil || failed > 0 || len(want) != 151 {
		t.Fatalf("the undamaged library: %d files, %d unreadable, %v", len(want), failed, err)
	}
	lib := filepath.Join(orig, "library")
	table := largest(t, lib, "*.sst")
	tb, err := os.ReadFile(table)
	if err != nil {
		t.Fatal(err)
	}
	// The third block of file records: each block starts with a whole key.
	records := -1
	for k, from := 0, 0; k < 3; k++ {
		i := bytes.Index(tb[from:], []byte("f/"+docs))
		if i < 0 {
			t.Fatalf("fewer than 3 blocks of file records in %s", table)
		}
		records, from = from+i, from+i+1
	}
	vlog := largest(t, lib, "*.vlog")
	vinfo, _ := os.Stat(vlog)
	if vinfo.Size() < 1<<20 {
		t.Fatalf("%s holds %d bytes: the big text is not in the value log", vlog, vinfo.Size())
	}
	damages := []struct {
		name string
		file string
		off  int64
	}{
		{"table, in the file records", table, int64(records + 40)},
		{"table at 40%", table, int64(len(tb)) * 4 / 10},
		{"value log", vlog, vinfo.Size() / 2},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			copyTree(t, orig, data)
			rel, _ := filepath.Rel(orig, d.file)
			damaged := filepath.Join(data, rel)
			damageAt(t, damaged, d.off)
			var logs syncBuffer
			e, err := Open(ctx, Config{DataDir: data, NoModel: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("open the damaged library: %v", err)
			}
			rep, err := e.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			named := rep.Affected()
			for _, p := range rep.Problems {
				t.Logf("problem %s %s %.80s", filepath.Base(p.Path), p.What, p.Reason)
			}
			t.Logf("%d damaged blocks, %d problems, %d files named, %d orphans", len(rep.Damaged), len(rep.Problems), len(named), rep.Orphans)
			if rep.OK() || len(named) == 0 {
				t.Fatalf("Check found nothing wrong: %+v", rep)
			}
			for _, p := range named {
				if _, ok := want[p]; !ok {
					t.Errorf("Check names %s, not a file of the library", p)
				}
			}
			if d.file == vlog && !slices.Contains(named, filepath.Join(docs, "big.txt")) {
				t.Errorf("value log damaged: Check names %v, not big.txt", named)
			}
			if len(rep.Damaged) > 0 {
				// A table is damaged: opening must have said so and
				// marked each file named, for reading again.
				libv, err := e.Library(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pending := map[string]string{}
				for _, f := range libv.Files {
					if f.State == "pending" && strings.Contains(f.Reason, "damaged") {
						pending[f.Path] = f.Reason
					}
				}
				for _, p := range named {
					if pending[p] == "" {
						t.Errorf("%s is damaged but not listed as pending with the reason", p)
					}
					if !strings.Contains(logs.String(), p) {
						t.Errorf("the log does not name the damaged file %s", p)
					}
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}

			// Nothing was removed: with the damaged file put back as it
			// was, every document's text is still stored.
			undamaged, err := os.ReadFile(d.file)
			if err != nil {
				t.Fatal(err)
			}
			back := filepath.Join(t.TempDir(), "data")
			copyTree(t, data, back)
			if err := os.WriteFile(filepath.Join(back, rel), undamaged, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(filepath.Join(back, "library"))
			if err != nil {
				t.Fatal(err)
			}
			texts := map[string]bool{}
			for id := uint64(1); id < 1000; id++ {
				if text, err := st.Text(id); err == nil {
					texts[text] = true
				}
			}
			st.Close()
			for p, w := range want {
				if !texts[w.text] {
					t.Errorf("with the damage undone, the text of %s is no longer stored", p)
				}
			}

			// Repair reads the damaged files again from their originals.
			e, err = Open(ctx, Config{DataDir: data, NoModel: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			_, ir, err := e.Repair(ctx, nil)
			if err != nil || ir.Failed > 0 {
				t.Fatalf("repair: %+v %v", ir, err)
			}
			after, err := e.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Problems) > 0 {
				t.Errorf("after repair, still %d problems, first %+v", len(after.Problems), after.Problems[0])
			}
			got, failed, err := readContents(e.store)
			if err != nil || failed > 0 {
				t.Fatalf("after repair: %d unreadable, %v", failed, err)
			}
			for p, w := range want {
				if g, ok := got[p]; !ok || g.text != w.text {
					t.Errorf("after repair, %s is missing or reads back a different text", p)
				}
			}
		})
	}
}
