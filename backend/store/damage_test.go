package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
)

// damagedLibrary stores n documents of about 300 words each, each with a
// file record, text, one chunk and postings, closes the store and returns
// its folder, which then holds them in one table.
func damagedLibrary(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lib")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var b strings.Builder
		for w := 0; w < 300; w++ {
			fmt.Fprintf(&b, "word%d_%d ", i, w)
		}
		text := b.String()
		rec := FileRecord{Path: fmt.Sprintf("/docs/f%03d.txt", i), Root: "/docs", Format: "txt", Hash: fmt.Sprint(i)}
		post := &Postings{Terms: map[string][]byte{fmt.Sprintf("word%d", i): {1}}, Stats: []byte{1}}
		if _, err := s.PutDocument(rec, &core.Document{Text: text}, []core.Chunk{{Start: 0, End: len(text), Text: text}}, post); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// damage writes 8 bytes of 0xff at the given share of the file's length.
func damage(t *testing.T, path string, at float64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	if _, err := f.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, int64(float64(info.Size())*at)); err != nil {
		t.Fatal(err)
	}
}

// countTexts counts the documents whose text reads back.
func countTexts(t *testing.T, s *Store) int {
	t.Helper()
	got := 0
	for _, f := range mustFiles(t, s) {
		if _, err := s.Text(f.DocID); err == nil {
			got++
		}
	}
	return got
}

func mustFiles(t *testing.T, s *Store) []FileRecord {
	t.Helper()
	f, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A damaged block of a table hides file records; their documents must not
// be taken for orphans and removed. Each damage is made to a copy of the
// library, DeleteOrphans runs on it, then the undamaged table is put back:
// every document must still be there.
func TestDamagedTableRemovesNothing(t *testing.T) {
	const n = 150
	orig := damagedLibrary(t, n)
	tables, _ := filepath.Glob(filepath.Join(orig, "*.sst"))
	if len(tables) != 1 {
		t.Fatalf("%d tables, want the library in one", len(tables))
	}
	table := filepath.Base(tables[0])
	good, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	// The file records: where a record's path is written in the table.
	// The file records: the third block of them (each block starts with
	// a whole key, "f/" and a path).
	rec := -1
	for k, from := 0, 0; k < 3; k++ {
		i := bytes.Index(good[from:], []byte("f//docs/f"))
		if i < 0 {
			t.Fatal("fewer than 3 blocks of file records found in the table's bytes")
		}
		rec, from = from+i, from+i+1
	}
	offsets := []float64{float64(rec) / float64(len(good)), 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	found := 0
	for i, at := range offsets {
		name := fmt.Sprintf("at %.0f%%", at*100)
		if i == 0 {
			name = "in the file records"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lib")
			copyDir(t, orig, dir)
			damage(t, filepath.Join(dir, table), at)
			s, err := Open(dir)
			if err != nil {
				t.Logf("refused to open: %v", err)
				return
			}
			visible := len(mustFiles(t, s))
			damaged, err := s.Damaged()
			if err != nil {
				t.Fatal(err)
			}
			removed, err := s.DeleteOrphans()
			var de *DamageError
			switch {
			case errors.As(err, &de):
				if len(damaged) == 0 {
					t.Errorf("DeleteOrphans reports damage that Damaged does not find: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case removed > 0:
				t.Errorf("%d documents removed from a damaged library", removed)
			}
			if visible < n && len(damaged) == 0 {
				t.Errorf("%d of %d file records are hidden and Damaged finds nothing", n-visible, n)
			}
			if len(damaged) > 0 {
				found++
			}
			if i == 0 && (visible == n || de == nil) {
				t.Errorf("damage in the file records: %d of %d visible, DeleteOrphans gave %v; want records hidden and a *DamageError", visible, n, err)
			}
			t.Logf("%d of %d records visible, %d damaged blocks %v", visible, n, len(damaged), damaged)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, table), good, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := countTexts(t, s); got != n {
				t.Errorf("with the table repaired, %d of %d documents are left", got, n)
			}
		})
	}
	if found == 0 {
		t.Error("no damage was found at any offset")
	}
}
