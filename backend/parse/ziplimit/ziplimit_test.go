package ziplimit

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
)

func writeZip(t *testing.T, entries map[string][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadWithinLimits(t *testing.T) {
	path := writeZip(t, map[string][]byte{"word/document.xml": []byte("<w:document/>")})
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.Read("/Word/Document.xml") // leading slash and case vary between producers
	if err != nil || string(got) != "<w:document/>" {
		t.Errorf("Read = %q, %v", got, err)
	}
	if _, err := a.Read("missing.xml"); !errors.Is(err, ErrMissing) {
		t.Errorf("Read(missing) = %v, want ErrMissing", err)
	}
}

func TestRefusesBombsAndAbsurdSizes(t *testing.T) {
	zeros := bytes.Repeat([]byte{0}, 4<<20) // deflates about 1000:1
	tests := []struct {
		name    string
		entries map[string][]byte
		lim     Limits
		read    string
		want    string
	}{
		{"ratio", map[string][]byte{"x.xml": zeros}, Limits{}, "x.xml", "zip bomb"},
		{"entry size", map[string][]byte{"x.xml": zeros}, Limits{MaxEntryBytes: 1 << 20, MaxRatio: 1e9}, "x.xml", "limit"},
		{"total", map[string][]byte{"a.xml": zeros[:3<<20], "b.xml": zeros[:3<<20]}, Limits{MaxTotalBytes: 4 << 20, MaxRatio: 1e9}, "b.xml", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(writeZip(t, tt.entries), tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if tt.name == "total" {
				if _, err := a.Read("a.xml"); err != nil {
					t.Fatalf("first entry: %v", err)
				}
			}
			_, err = a.Read(tt.read)
			if !errors.Is(err, core.ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want ErrTooLarge mentioning %q", err, tt.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	many := map[string][]byte{}
	for i := 0; i < 30; i++ {
		many[string(rune('a'+i%26))+strings.Repeat("x", i)] = nil
	}
	if _, err := Open(writeZip(t, many), Limits{MaxEntries: 10}); !errors.Is(err, core.ErrTooLarge) {
		t.Errorf("Open(30 entries, limit 10) = %v, want ErrTooLarge", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.docx")
	os.WriteFile(junk, []byte("PK\x03\x04 truncated"), 0o644)
	if _, err := Open(junk, Limits{}); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("Open(truncated) = %v, want ErrCorrupt", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "gone.docx"), Limits{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
}
