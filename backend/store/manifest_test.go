package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestLibrary writes n rounds of settings, closing the store after
// each, so its MANIFEST holds a record for each round's table. It returns
// the folder.
func manifestLibrary(t *testing.T, dir string, from, n int) {
	t.Helper()
	for r := from; r < from+n; r++ {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			if err := s.SetSetting(fmt.Sprintf("round%d/%d", r, i), []byte(strings.Repeat("x", 100))); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// recordEnds returns the byte offsets where the MANIFEST's records end.
func recordEnds(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int64
	for p := 8; p+8 <= len(b); {
		p += 8 + int(binary.BigEndian.Uint32(b[p:]))
		ends = append(ends, int64(p))
	}
	return ends
}

func countSettings(t *testing.T, s *Store, rounds int) int {
	t.Helper()
	n := 0
	for r := range rounds {
		for i := range 50 {
			if v, err := s.Setting(fmt.Sprintf("round%d/%d", r, i)); err == nil && v != nil {
				n++
			}
		}
	}
	return n
}

// A MANIFEST cut short at a record boundary lists fewer tables; Badger
// would open it as an emptier library and delete the tables it no longer
// names. The copy kept at Close is put back instead, and nothing is lost.
func TestManifestCutAtRecordBoundaryRestored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lib")
	manifestLibrary(t, dir, 0, 4)
	mf := filepath.Join(dir, "MANIFEST")
	ends := recordEnds(t, mf)
	if len(ends) < 3 {
		t.Fatalf("the MANIFEST has %d records, want several", len(ends))
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	for _, cut := range []int64{ends[0], ends[len(ends)/2], ends[len(ends)-2]} {
		t.Run(fmt.Sprintf("cut at %d of %d", cut, ends[len(ends)-1]), func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "lib")
			copyDir(t, dir, d)
			if err := os.Truncate(filepath.Join(d, "MANIFEST"), cut); err != nil {
				t.Fatal(err)
			}
			s, err := Open(d)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			if got := countSettings(t, s, 4); got != 200 {
				t.Errorf("%d of 200 values read back after the MANIFEST was cut short", got)
			}
			if left, _ := filepath.Glob(filepath.Join(d, "*.sst")); len(left) < len(tables) {
				t.Errorf("%d of %d tables left", len(left), len(tables))
			}
			if _, err := os.Stat(filepath.Join(d, "MANIFEST.damaged")); err != nil {
				t.Errorf("the damaged MANIFEST was not kept aside: %v", err)
			}
		})
	}
}

// When the copy no longer matches the tables on disk (tables were written
// after it was kept), the library is not opened, with an error naming its
// folder, and no table is deleted.
func TestManifestCutWithStaleCopyRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lib")
	manifestLibrary(t, dir, 0, 3)
	old, err := os.ReadFile(filepath.Join(dir, manifestCopy))
	if err != nil {
		t.Fatal(err)
	}
	manifestLibrary(t, dir, 3, 2)
	if err := os.WriteFile(filepath.Join(dir, manifestCopy), old, 0o600); err != nil {
		t.Fatal(err)
	}
	ends := recordEnds(t, filepath.Join(dir, "MANIFEST"))
	if err := os.Truncate(filepath.Join(dir, "MANIFEST"), ends[0]); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("a MANIFEST cut short, with a copy that does not match the tables, opened")
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not say the library %s is damaged", err, dir)
	}
	if after, _ := filepath.Glob(filepath.Join(dir, "*.sst")); len(after) != len(before) {
		t.Errorf("%d tables before, %d after the refused open", len(before), len(after))
	}
}
