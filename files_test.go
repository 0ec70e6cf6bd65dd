package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
)

// fakeLibrary knows a fixed set of files; every other path is not found.
type fakeLibrary struct {
	files map[string]string // requested path → absolute path
	err   error             // returned for every lookup when set
}

func (f fakeLibrary) OriginalFile(path string) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	if abs, ok := f.files[path]; ok {
		return abs, nil
	}
	return "", fmt.Errorf("original file %s: %w", path, core.ErrNotFound)
}

func fileURL(path string) string { return fileRoute + "?path=" + url.QueryEscape(path) }

func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	pdfBytes := "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
	pdf := filepath.Join(dir, "paper one.pdf")
	txt := filepath.Join(dir, "notes.txt")
	gone := filepath.Join(dir, "gone.pdf")
	secret := filepath.Join(dir, "secret.pdf") // on disk, but not in the library
	for p, body := range map[string]string{pdf: pdfBytes, txt: "hello\n", secret: "%PDF-1.4 secret"} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// An indexed file since replaced by a link to a file outside the
	// library, and one replaced by a FIFO (opening it would block).
	linked := filepath.Join(dir, "linked.pdf")
	if err := os.Symlink(secret, linked); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.pdf")
	if err := mkfifo(fifo); err != nil {
		t.Logf("no FIFO case: %v", err)
		fifo = sub
	}
	lib := fakeLibrary{files: map[string]string{pdf: pdf, txt: txt, gone: gone, sub: sub, "rel.pdf": "rel.pdf", linked: linked, fifo: fifo}}

	tests := []struct {
		name       string
		method     string
		target     string
		header     map[string]string
		wantStatus int
		wantType   string // Content-Type prefix; "" skips the check
		wantBody   string // exact body for 2xx, a substring otherwise
	}{
		{"pdf", "GET", fileURL(pdf), nil, 200, "application/pdf", pdfBytes},
		{"pdf head", "HEAD", fileURL(pdf), nil, 200, "application/pdf", ""},
		{"pdf range", "GET", fileURL(pdf), map[string]string{"Range": "bytes=0-7"}, 206, "application/pdf", "%PDF-1.4"},
		{"other formats are opaque bytes", "GET", fileURL(txt), nil, 200, "application/octet-stream", "hello\n"},
		{"not in the library", "GET", fileURL(secret), nil, 404, "text/plain", "is not a file of the library"},
		{"path traversal", "GET", fileURL(filepath.Join(dir, "sub", "..", "secret.pdf")), nil, 404, "", "is not a file of the library"},
		{"no path", "GET", fileRoute, nil, 404, "", "no ?path= given"},
		{"moved or deleted", "GET", fileURL(gone), nil, 404, "", "moved or deleted"},
		{"directory", "GET", fileURL(sub), nil, 404, "", "not a regular file"},
		{"replaced by a symbolic link", "GET", fileURL(linked), nil, 404, "", "not a regular file any more"},
		{"replaced by a FIFO", "GET", fileURL(fifo), nil, 404, "", "not a regular file"},
		{"relative path from the library", "GET", fileURL("rel.pdf"), nil, 500, "", "could not look up"},
		{"post", "POST", fileURL(pdf), nil, 405, "", "method not allowed"},
		{"delete", "DELETE", fileURL(pdf), nil, 405, "", "method not allowed"},
		{"other route", "GET", "/folio-file/x?path=" + url.QueryEscape(pdf), nil, 404, "", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			fileServer{lib: lib}.ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", res.StatusCode, tc.wantStatus, body)
			}
			if ct := res.Header.Get("Content-Type"); tc.wantType != "" && !strings.HasPrefix(ct, tc.wantType) {
				t.Errorf("Content-Type = %q, want %q", ct, tc.wantType)
			}
			switch {
			case tc.method == "HEAD":
				if len(body) != 0 {
					t.Errorf("HEAD body = %q, want empty", body)
				}
			case res.StatusCode < 300:
				if string(body) != tc.wantBody {
					t.Errorf("body = %q, want %q", body, tc.wantBody)
				}
				if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
				}
				if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, "sandbox") {
					t.Errorf("Content-Security-Policy = %q, want sandbox", got)
				}
			default:
				if !strings.Contains(string(body), tc.wantBody) {
					t.Errorf("body = %q, want it to contain %q", body, tc.wantBody)
				}
			}
			if tc.wantStatus == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want %q", res.Header.Get("Allow"), "GET, HEAD")
			}
		})
	}
}

func TestFileServerLookupError(t *testing.T) {
	lib := fakeLibrary{err: errors.New("store closed")}
	rec := httptest.NewRecorder()
	fileServer{lib: lib}.ServeHTTP(rec, httptest.NewRequest("GET", fileURL("/a.pdf"), nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "store closed") {
		t.Errorf("got %d %q, want 500 naming the error", rec.Code, rec.Body.String())
	}
}

func TestFileMiddlewareRoutes(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "a.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.7"), 0o644); err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "asset "+r.URL.Path) })
	h := fileServer{lib: fakeLibrary{files: map[string]string{pdf: pdf}}}.middleware(next)
	tests := []struct{ target, want string }{
		{"/", "asset /"},
		{"/assets/index.js", "asset /assets/index.js"},
		{"/folio-files", "asset /folio-files"},
		{fileURL(pdf), "%PDF-1.7"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("GET %s = %q, want %q", tc.target, got, tc.want)
		}
	}
}
