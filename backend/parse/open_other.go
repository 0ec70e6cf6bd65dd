//go:build !unix

package parse

import "os"

// openNonblocking: opening a file does not block on these systems; the
// Lstat before and the Stat after keep out what is not a regular file.
func openNonblocking(path string, _ bool) (*os.File, error) { return os.Open(path) }

func clearNonblock(*os.File) error { return nil }
