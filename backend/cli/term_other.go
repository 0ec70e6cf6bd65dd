//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || windows)

package cli

import (
	"errors"
	"os"
)

// isTerminal is false where Folio cannot turn a terminal's echo off: the
// passphrase must then come from --passphrase-file or FOLIO_PASSPHRASE.
func isTerminal(*os.File) bool { return false }

func noEcho(*os.File) (func(), error) { return nil, errors.New("no terminal support") }
