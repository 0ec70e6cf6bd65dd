//go:build unix

package parse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/backend/core"
)

// notBlocking runs f and fails the test if it has not returned within a
// generous bound: opening a FIFO with no writer would block for ever.
func notBlocking(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s blocks (a FIFO with no writer)", what)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
}

// TestOpenFileRefusesFIFO: a FIFO with no writer is refused at once, by
// OpenFile and by Registry.Parse (before sniffing its content), with an
// error that names the file and says what it is.
func TestOpenFileRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.txt")
	mkfifo(t, fifo)
	var err error
	notBlocking(t, "OpenFile", func() {
		var f *os.File
		if f, err = OpenFile(fifo); f != nil {
			f.Close()
		}
	})
	if !errors.Is(err, core.ErrNotRegular) || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
		t.Errorf("OpenFile(FIFO) = %v, want ErrNotRegular naming %s and 'a FIFO'", err, fifo)
	}
	r := NewRegistry()
	r.Register(fakeParser{}, ".txt")
	notBlocking(t, "Registry.Parse", func() { _, err = r.Parse(context.Background(), fifo) })
	if !errors.Is(err, core.ErrNotRegular) || err.Error() != "parse "+fifo+": not a regular file (a FIFO)" {
		t.Errorf("Parse(FIFO) = %v", err)
	}
	notBlocking(t, "Sniff", func() { Sniff(fifo) })
}

// TestOpenNoFollowRefusesLink: OpenFile follows a link to a regular file;
// OpenNoFollow refuses it, and a link to a FIFO is refused by both.
func TestOpenNoFollowRefusesLink(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "secret.txt"), filepath.Join(dir, "doc.txt")
	if err := os.WriteFile(target, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(link)
	if err != nil {
		t.Fatalf("OpenFile(link to a regular file): %v", err)
	}
	f.Close()
	if f, err := OpenNoFollow(link); err == nil || !errors.Is(err, core.ErrNotRegular) || !strings.Contains(err.Error(), "a symbolic link") {
		if f != nil {
			f.Close()
		}
		t.Errorf("OpenNoFollow(link) = %v, want refused as a symbolic link", err)
	}
	f, err = OpenNoFollow(target)
	if err != nil {
		t.Fatalf("OpenNoFollow(regular file): %v", err)
	}
	// The descriptor is back in blocking mode.
	rc, _ := f.SyscallConn()
	var fl int
	rc.Control(func(fd uintptr) { fl, _ = fcntlFlags(fd) })
	if fl&syscall.O_NONBLOCK != 0 {
		t.Error("O_NONBLOCK is still set on the open file")
	}
	f.Close()
	fifo := filepath.Join(dir, "pipe")
	mkfifo(t, fifo)
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	notBlocking(t, "OpenFile(link to a FIFO)", func() {
		if f, err = OpenFile(link); f != nil {
			f.Close()
		}
	})
	if !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("OpenFile(link to a FIFO) = %v", err)
	}
}

func fcntlFlags(fd uintptr) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

type fakeParser struct{}

func (fakeParser) Parse(_ context.Context, path string) (core.Document, error) {
	return core.Document{Path: path, Text: "x"}, nil
}
