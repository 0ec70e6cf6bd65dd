package core

import "errors"

// Sentinel errors. Adapters translate library errors into these so callers
// can test with errors.Is and the UI can explain what went wrong.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrEncrypted   = errors.New("file is password-protected")
	ErrCorrupt     = errors.New("file is corrupt or truncated")
	ErrEmpty       = errors.New("file has no text")
	ErrTooLarge    = errors.New("file is too large")
	ErrTimeout     = errors.New("parsing took too long")
	ErrNotFound    = errors.New("not found")
	ErrNoModel     = errors.New("no embedding model installed")
	// ErrNotRegular: a FIFO, socket, device or folder where a file was
	// expected. Folio never opens one (opening a FIFO blocks).
	ErrNotRegular = errors.New("not a regular file")
)
