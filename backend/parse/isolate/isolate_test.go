package isolate

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse"
	"folio/backend/parse/ocr"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestChildRoundTrip runs the real child (this test binary) and checks that
// documents and each kind of error come back intact.
func TestChildRoundTrip(t *testing.T) {
	dir := t.TempDir()
	txt := writeFile(t, "a.txt", "hello\r\nworld")
	empty := writeFile(t, "e.txt", "  \n")
	bad := writeFile(t, "bad.pdf", "not a pdf")
	missing := filepath.Join(dir, "missing.pdf")
	odd := writeFile(t, "x.xyz", "data")
	tests := []struct {
		name     string
		path     string
		wantText string
		wantErr  error
	}{
		{"text", txt, "hello\nworld", nil},
		{"empty", empty, "", core.ErrEmpty},
		{"corrupt pdf", bad, "", core.ErrCorrupt},
		{"missing", missing, "", fs.ErrNotExist},
		{"unsupported", odd, "", core.ErrUnsupported},
	}
	p := New(Config{Timeout: 20 * time.Second})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := p.Parse(context.Background(), tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.path) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.Text != tt.wantText || doc.Path != tt.path {
				t.Errorf("Parse = %+v, want text %q", doc, tt.wantText)
			}
		})
	}
}

func TestChildPDF(t *testing.T) {
	path := testenv.SharedFile(t, "data/pdf/pdfjs/calrgb.pdf")
	doc, err := NewRegistry(Config{}).Parse(context.Background(), path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(doc.Pages) != 17 || doc.Format != "pdf" || doc.Path != path {
		t.Errorf("got %d pages, format %q, path %q; want 17 pages of pdf %s", len(doc.Pages), doc.Format, doc.Path, path)
	}
	last := doc.Pages[len(doc.Pages)-1]
	if last.End != len(doc.Text) {
		t.Errorf("last page ends at %d, text is %d bytes (spans must survive JSON)", last.End, len(doc.Text))
	}
}

// TestFailures uses fake children to check timeouts, crashes and garbage.
func TestFailures(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake children use /bin/sh")
	}
	path := writeFile(t, "f.pdf", "%PDF-1.4")
	tests := []struct {
		name    string
		script  string
		timeout time.Duration
		wantErr error
		wantMsg string
	}{
		// The grandchild sleep must die with the group, or Wait would block.
		{"hang", "sleep 30 & sleep 30", 300 * time.Millisecond, core.ErrTimeout, "killed after"},
		{"signal", "kill -9 $$", 0, core.ErrCorrupt, "parser crashed (killed by signal killed"},
		{"exit", "echo 'fatal error: out of memory' >&2; exit 2", 0, core.ErrCorrupt, "exit status 2"},
		{"garbage", "echo not json", 0, core.ErrCorrupt, "garbled output"},
		{"empty output", "true", 0, core.ErrCorrupt, "garbled output"},
		{"child error", `echo '{"error":{"kind":"encrypted","message":"parse f.pdf: nope"}}'`, 0, core.ErrEncrypted, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Config{Command: []string{"/bin/sh", "-c", tt.script, "sh"}, Timeout: tt.timeout})
			start := time.Now()
			_, err := p.Parse(context.Background(), path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err %q lacks %q", err, tt.wantMsg)
			}
			if tt.name != "child error" && !strings.Contains(err.Error(), path) {
				t.Errorf("err %q does not name the file", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse took %s", d)
			}
		})
	}
	t.Run("stderr reason", func(t *testing.T) {
		p := New(Config{Command: []string{"/bin/sh", "-c", "echo 'fatal error: out of memory' >&2; exit 2", "sh"}})
		_, err := p.Parse(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), "fatal error: out of memory") {
			t.Errorf("err = %v, want the child's fatal error line", err)
		}
	})
}

func TestCancel(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake children use /bin/sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p := New(Config{Command: []string{"/bin/sh", "-c", "sleep 30", "sh"}})
	start := time.Now()
	_, err := p.Parse(ctx, "f.pdf")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, core.ErrTimeout) {
		t.Errorf("Parse err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Parse took %s after cancel", d)
	}
}

func TestNestedChildRefused(t *testing.T) {
	t.Setenv(EnvChild, "1")
	_, err := New(Config{}).Parse(context.Background(), "f.pdf")
	if !errors.Is(err, errNested) {
		t.Errorf("Parse in a child = %v, want errNested", err)
	}
}

// TestMemoryLimit runs a child that asks for 137 GB, as one pdf.js file
// made the PDF library do: the child must die of its memory limit, not the
// test.
func TestMemoryLimit(t *testing.T) {
	t.Setenv(envMisbehave, "alloc")
	_, err := New(Config{MemoryLimit: 256 << 20}).Parse(context.Background(), "f.pdf")
	if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "parser crashed") {
		t.Fatalf("Parse = %v, want ErrCorrupt parser crashed", err)
	}
	// Under -race the runtime reports the failed mapping differently.
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), "out of memory") && !strings.Contains(err.Error(), "address space") {
		t.Errorf("err %q does not say out of memory", err)
	}
}

// TestProgressExtendsTheTimeout: a child that reports progress outlives
// Timeout (OCR of a long scan), and its reports reach Config.Progress; a
// silent one is killed at Timeout.
func TestProgressExtendsTheTimeout(t *testing.T) {
	var got []string
	p := New(Config{Timeout: 700 * time.Millisecond, Progress: func(_, msg string) { got = append(got, msg) }})
	path := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envMisbehave, "talk")
	var viaCtx []string
	ctx := parse.WithProgress(context.Background(), func(msg string) { viaCtx = append(viaCtx, msg) })
	if _, err := p.Parse(ctx, path); err != nil {
		t.Fatalf("talking child: %v", err)
	}
	if len(got) != 5 || got[4] != "page 5" || len(viaCtx) != 5 {
		t.Errorf("progress = %q, through the context %q", got, viaCtx)
	}
	t.Setenv(envMisbehave, "silent")
	if _, err := p.Parse(context.Background(), path); !errors.Is(err, core.ErrTimeout) {
		t.Errorf("silent child: err = %v, want a timeout", err)
	}
}

// The OCR languages chosen in the parent reach the child's parsers: an
// image read with eng+deu says so on its page, one read without a choice
// uses the OCR package's default.
func TestOCRLanguagesReachTheChild(t *testing.T) {
	if !ocr.Available() {
		t.Skip("this build or machine has no Tesseract (needs libtesseract-dev and tesseract-ocr-eng)")
	}
	if !slices.Contains(ocr.Languages(), "deu") {
		t.Skip("the German pack (tesseract-ocr-deu) is not installed")
	}
	img := testenv.SharedFile(t, "data/office/textract/png/raw_text.png")
	for _, tt := range []struct {
		name  string
		langs func() []string
		want  []string
	}{
		{"chosen", func() []string { return []string{"eng", "deu"} }, []string{"eng", "deu"}},
		{"default", nil, ocr.DefaultLanguages()},
		{"empty choice", func() []string { return nil }, ocr.DefaultLanguages()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := New(Config{OCRLanguages: tt.langs}).Parse(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Pages) == 0 || doc.Pages[0].OCR == nil {
				t.Fatalf("%s: no OCR page in %+v", img, doc.Pages)
			}
			if got := doc.Pages[0].OCR.Languages; !slices.Equal(got, tt.want) {
				t.Errorf("read with %q, want %q", got, tt.want)
			}
		})
	}
}
