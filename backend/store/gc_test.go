package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The GC loop runs on its schedule while the store is used, and Close
// stops it and closes the database.
func TestValueLogGCRunsAndStops(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenWith(dir, Options{GCInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := s.SetSetting("k", make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(30 * time.Millisecond) // a few GC rounds run meanwhile
	if _, err := s.CollectGarbage(); err != nil {
		t.Fatalf("CollectGarbage: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed cleanly: the library opens again with its data.
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Setting("k"); err != nil || len(v) != 64<<10 {
		t.Errorf("after reopening: %d bytes, %v", len(v), err)
	}
}

// A table a killed process was still writing is not in the MANIFEST yet:
// it must not stop the library from opening (Badger deletes it).
func TestUnlistedTableDoesNotBlockOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "999999.sst"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatalf("a half-written table that the MANIFEST does not list stopped the open: %v", err)
	}
	defer s.Close()
	if v, err := s.Setting("k"); err != nil || string(v) != "v" {
		t.Errorf("after reopening: %q, %v", v, err)
	}
}
