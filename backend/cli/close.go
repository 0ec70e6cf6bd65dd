package cli

import (
	"errors"
	"fmt"
	"io"
)

// closeLibrary closes what a command opened when the command is over
// (defer closeLibrary(eng, &err), with err the command's named result).
// Closing saves the vector graph's snapshot and flushes Badger; when that
// fails the command fails too, saying so, whatever it printed before.
func closeLibrary(c io.Closer, err *error) {
	if cerr := c.Close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("closing the library failed (what this command wrote may not all be saved): %w", cerr))
	}
}
