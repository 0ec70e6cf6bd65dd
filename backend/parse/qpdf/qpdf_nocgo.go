//go:build !cgo

package qpdf

import (
	"context"
	"fmt"
)

// Available reports whether this build has qpdf. It is false without cgo.
func Available() bool { return false }

// Rewrite always fails with ErrNotAvailable in a build without cgo.
func Rewrite(ctx context.Context, in, out, password string) (Result, error) {
	return Result{}, fmt.Errorf("qpdf %s: %w", in, ErrNotAvailable)
}
