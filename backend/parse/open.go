package parse

import (
	"fmt"
	"io/fs"
	"os"

	"folio/backend/core"
)

// OpenFile opens a person's file for reading. It never blocks: a FIFO with
// no writer, a socket or a device is refused, not waited on. The path is
// checked with Lstat first (nothing that is not a regular file, or a link
// to one, is opened at all), then opened with O_NONBLOCK, which is cleared
// again once open, and the open file is checked with fstat, so a path
// swapped for a FIFO between the two checks is still refused. Every
// refusal wraps core.ErrNotRegular and names the file and what it is:
// "open /a/x.txt: not a regular file (a FIFO)".
func OpenFile(path string) (*os.File, error) { return openRegular(path, false) }

// OpenNoFollow is OpenFile for a file that must itself be the regular file,
// not a symbolic link to one: a link as the last element of path is
// refused (O_NOFOLLOW where the system has it, and Lstat before).
func OpenNoFollow(path string) (*os.File, error) { return openRegular(path, true) }

func openRegular(path string, noFollow bool) (*os.File, error) {
	li, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		if noFollow {
			return nil, notRegular(path, li.Mode())
		}
		if li, err = os.Stat(path); err != nil {
			return nil, err
		}
	}
	if !li.Mode().IsRegular() {
		return nil, notRegular(path, li.Mode())
	}
	f, err := openNonblocking(path, noFollow)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, fi.Mode())
	}
	if noFollow && !os.SameFile(li, fi) {
		f.Close()
		return nil, fmt.Errorf("open %s: %w (it was replaced while being opened)", path, core.ErrNotRegular)
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return f, nil
}

// CheckRegular returns nil when mode is a regular file's, and otherwise the
// error OpenFile gives for it.
func CheckRegular(path string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil
	}
	return notRegular(path, mode)
}

func notRegular(path string, mode fs.FileMode) error {
	return fmt.Errorf("open %s: %w (%s)", path, core.ErrNotRegular, Kind(mode))
}

// Kind names what a file that is not a regular file is, for a person: "a
// FIFO", "a socket", "a device", "a folder", "a symbolic link".
func Kind(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "a regular file"
	case mode&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}
