// Package parse turns files into core.Documents. Each format has an adapter
// in a subpackage; a Registry picks one by file extension.
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

// Parse parses path with the parser registered for its extension.
func (r *Registry) Parse(ctx context.Context, path string) (core.Document, error) {
	p, ok := r.byExt[strings.ToLower(filepath.Ext(path))]
	if !ok {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, core.ErrUnsupported)
	}
	return p.Parse(ctx, path)
}
