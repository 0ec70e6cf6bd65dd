//go:build !cgo || noocr

package ocr

import (
	"context"
	"image"
)

// Built is false in a build without Tesseract.
const Built = false

// Available reports whether this build has Tesseract: never in this one.
func Available() bool { return false }

// LibraryVersion returns "" in a build without Tesseract.
func LibraryVersion() string { return "" }

// Languages returns nil in a build without Tesseract.
func Languages() []string { return nil }

// Recognize always fails with ErrNotAvailable in a build without
// Tesseract.
func Recognize(ctx context.Context, img image.Image, opt Options) (Page, error) {
	return Page{}, ErrNotAvailable
}
