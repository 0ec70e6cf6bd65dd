package text

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"folio/backend/core"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"ascii", []byte("hello"), "hello"},
		{"utf8", []byte("naïve café ✓"), "naïve café ✓"},
		{"utf8 bom", []byte("\xEF\xBB\xBFhi"), "hi"},
		{"utf16le bom", []byte{0xFF, 0xFE, 'h', 0, 'i', 0, 0xE9, 0}, "hié"},
		{"utf16be bom", []byte{0xFE, 0xFF, 0, 'h', 0, 'i', 0x20, 0xAC}, "hi€"},
		{"utf16le surrogate pair", []byte{0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE}, "😀"},
		{"utf16le odd byte", []byte{0xFF, 0xFE, 'a', 0, 'b'}, "a\uFFFD"},
		{"latin1 fallback", []byte("caf\xE9 na\xEFve"), "café naïve"},
		{"cp1252 fallback", []byte("\x93quoted\x94 \x80"), "\u201cquoted\u201d €"},
		{"crlf", []byte("a\r\nb\r\n"), "a\nb\n"},
		{"lone cr", []byte("a\rb"), "a\nb"},
		{"utf16 crlf", []byte{0xFF, 0xFE, 'a', 0, '\r', 0, '\n', 0, 'b', 0}, "a\nb"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decode(tt.in)
			if got != tt.want {
				t.Errorf("Decode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Decode(%q) is not valid UTF-8", tt.in)
			}
		})
	}
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name       string
		file       string
		data       []byte
		max        int64
		wantText   string
		wantFormat string
		wantErr    error
	}{
		{"txt", "a.txt", []byte("hello\r\nworld"), 0, "hello\nworld", "txt", nil},
		{"text ext", "b.text", []byte("# Title\n"), 0, "# Title\n", "txt", nil},
		{"upper-case ext", "c.TXT", []byte("x"), 0, "x", "txt", nil},
		{"empty", "e.txt", nil, 0, "", "", core.ErrEmpty},
		{"whitespace", "w.txt", []byte(" \r\n\t \n"), 0, "", "", core.ErrEmpty},
		{"bom only", "bom.txt", []byte("\xEF\xBB\xBF"), 0, "", "", core.ErrEmpty},
		{"too large", "big.txt", []byte("0123456789"), 5, "", "", core.ErrTooLarge},
		{"at limit", "lim.txt", []byte("01234"), 5, "01234", "txt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(tt.file, tt.data)
			doc, err := New(Config{MaxBytes: tt.max}).Parse(context.Background(), path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.Text != tt.wantText || doc.Format != tt.wantFormat || doc.Path != path || doc.Pages != nil {
				t.Errorf("Parse = %+v, want text %q format %q", doc, tt.wantText, tt.wantFormat)
			}
		})
	}
}

func TestParseMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.txt")
	_, err := New(Config{}).Parse(context.Background(), path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Parse missing = %v, want not-exist naming the file", err)
	}
}

func TestParseCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Config{}).Parse(ctx, "x.txt")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Parse canceled = %v, want context.Canceled", err)
	}
}
