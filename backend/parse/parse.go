// Package parse turns files into core.Documents. Each format has an adapter
// in a subpackage; a Registry picks one by file extension and sniffed
// content.
package parse

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"folio/backend/core"
)

// Parser reads one file into a Document. Implementations must never panic
// on bad input and must return errors wrapping the core sentinels.
type Parser interface {
	Parse(ctx context.Context, path string) (core.Document, error)
}

// Registry maps lower-case extensions (with the dot) to parsers.
type Registry struct {
	byExt map[string]Parser
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byExt: map[string]Parser{}} }

// Register makes p the parser for each extension, e.g. ".txt".
func (r *Registry) Register(p Parser, exts ...string) {
	for _, e := range exts {
		r.byExt[strings.ToLower(e)] = p
	}
}

// Supports reports whether path has a registered extension.
func (r *Registry) Supports(path string) bool {
	_, ok := r.byExt[strings.ToLower(filepath.Ext(path))]
	return ok
}

// Extensions lists the registered extensions in order.
func (r *Registry) Extensions() []string {
	out := make([]string, 0, len(r.byExt))
	for e := range r.byExt {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Parse parses path with the parser for what its content holds when Sniff
// recognises it (a .doc that is really a PDF, an encrypted .docx that is an
// OLE2 container), and otherwise with the parser for its extension.
//
// A path that is not a regular file (a FIFO, a socket, a device) is refused
// before its parser runs, and nothing opens it blocking: see OpenFile.
func (r *Registry) Parse(ctx context.Context, path string) (core.Document, error) {
	p := r.choose(path) // Sniff opens the file as OpenFile does
	if p == nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, core.ErrUnsupported)
	}
	f, err := OpenFile(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, trimOpen(err, path))
	}
	f.Close()
	return p.Parse(ctx, path)
}

func (r *Registry) choose(path string) Parser {
	ext := strings.ToLower(filepath.Ext(path))
	sniffed := Sniff(path)
	if sniffed == ".cfb" && ext == ".msg" && r.byExt[ext] != nil {
		// An Outlook message is an OLE2 compound file too; only its
		// extension tells it from a legacy Office document.
		return r.byExt[ext]
	}
	if p, ok := r.byExt[sniffed]; ok {
		return p
	}
	return r.byExt[ext]
}

// trimOpen drops the "open PATH: " an error from OpenFile starts with, for
// a message that names the file already.
func trimOpen(err error, path string) error {
	if msg, ok := strings.CutPrefix(err.Error(), "open "+path+": "); ok {
		return wrapped{msg, err}
	}
	return err
}

// wrapped is an error with its own message that still matches what err
// matches under errors.Is and errors.As.
type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

type progressKey struct{}

// WithProgress returns ctx carrying report, which a parser calls (through
// ReportProgress) with what it is doing in a long file, such as "OCR page
// 3 of 40". The indexer shows it next to the file.
func WithProgress(ctx context.Context, report func(msg string)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

// ReportProgress passes msg to the function WithProgress put in ctx, if
// any.
func ReportProgress(ctx context.Context, msg string) {
	if f, ok := ctx.Value(progressKey{}).(func(string)); ok && f != nil {
		f(msg)
	}
}
