//go:build !cgo

package qpdf

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotAvailable(t *testing.T) {
	if Available() {
		t.Fatal("Available() = true in a build without cgo")
	}
	in := filepath.Join(t.TempDir(), "in.pdf")
	_, err := Rewrite(context.Background(), in, filepath.Join(t.TempDir(), "out.pdf"), "")
	if !errors.Is(err, ErrNotAvailable) || !strings.Contains(err.Error(), in) {
		t.Fatalf("Rewrite error = %v, want ErrNotAvailable naming %s", err, in)
	}
}
