package main

import (
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"folio/backend/core"
	"folio/backend/parse"
)

// fileRoute is where the window fetches the original bytes of a library
// file: GET /folio-file?path=<absolute path>. The Source panel's PDF view
// (pdf.js) reads PDFs from it.
const fileRoute = "/folio-file"

// originals resolves a path the window asks for to a file of the library.
// It returns an error wrapping core.ErrNotFound for anything else.
// *engine.Engine satisfies it.
type originals interface {
	OriginalFile(path string) (string, error)
}

// fileServer serves the original files of the library, and nothing else,
// to the window. It never lists directories and never serves a path the
// library does not vouch for.
type fileServer struct{ lib originals }

// middleware routes fileRoute to s and every other request to next. It sits
// in front of the asset server, so it works the same in a release build
// (embedded assets) and under `wails dev`, where the Vite dev server would
// otherwise answer unknown paths with index.html.
func (s fileServer) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == fileRoute {
			s.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != fileRoute {
		http.Error(w, "not found: library files are served at "+fileRoute+"?path=…", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: library files are read-only (use GET)", http.StatusMethodNotAllowed)
		return
	}
	want := r.URL.Query().Get("path")
	if want == "" {
		http.Error(w, "not found: no ?path= given", http.StatusNotFound)
		return
	}
	abs, err := s.lib.OriginalFile(want)
	switch {
	case errors.Is(err, core.ErrNotFound):
		http.Error(w, "not found: "+want+" is not a file of the library", http.StatusNotFound)
		return
	case err != nil:
		slog.Error("serve library file", "path", want, "err", err)
		http.Error(w, "could not look up "+want+": "+err.Error(), http.StatusInternalServerError)
		return
	case !filepath.IsAbs(abs):
		slog.Error("serve library file: library returned a relative path", "path", want, "file", abs)
		http.Error(w, "could not look up "+want, http.StatusInternalServerError)
		return
	}
	// Only the regular file that was indexed: a path since replaced by a
	// symbolic link (to anything the person can read), a FIFO or a device
	// is refused, never followed or opened (Lstat, then O_NOFOLLOW and
	// O_NONBLOCK, then fstat of what was opened).
	f, err := parse.OpenNoFollow(abs)
	switch {
	case errors.Is(err, core.ErrNotRegular):
		http.Error(w, "not found: "+want+" is not a regular file any more ("+err.Error()+"); only the file that was indexed is served", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "not found: "+want+" was moved or deleted since it was indexed", http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "could not read "+want+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(abs))
	h.Set("X-Content-Type-Options", "nosniff")
	// The bytes are the person's document, not part of the app: never let
	// them run as a page in the window's origin.
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-cache")
	if h.Get("Content-Type") == "application/octet-stream" {
		h.Set("Content-Disposition", "attachment")
	}
	// ServeContent answers Range and If-Modified-Since requests, which
	// pdf.js uses to read large files in pieces.
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// contentType is application/pdf for PDFs; every other file is served as
// opaque bytes.
func contentType(path string) string {
	if strings.EqualFold(filepath.Ext(path), ".pdf") {
		return "application/pdf"
	}
	return "application/octet-stream"
}
