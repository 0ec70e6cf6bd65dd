package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// stopGrace is how long a command may take to wind down after SIGINT or
// SIGTERM before the process exits without waiting for it. Cancelling the
// context stops indexing, kills parser children and ends searches; the
// grace covers closing the library. What cannot notice the context (a
// read of stdin, a system call) must not hold the process: every command
// ends within 2 s of the signal. Exiting mid-close is safe: Badger
// recovers as after a kill -9, and a graph snapshot not saved is rebuilt
// from the stored vectors.
const stopGrace = 1500 * time.Millisecond

// notifyContext returns a context cancelled by the first SIGINT or SIGTERM
// and a func to call when the command is over. After the first signal a
// second one kills the process at once (the default action), and if the
// command has not returned within stopGrace the process exits with
// 128+signal, saying so on stderr.
func notifyContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
			return
		case s := <-sigs:
			signal.Stop(sigs)
			cancel()
			select {
			case <-done:
			case <-time.After(stopGrace):
				fmt.Fprintf(stderr, "folio: %v: still stopping after %s; exiting now\n", s, stopGrace)
				code := 128 + 2
				if s == syscall.SIGTERM {
					code = 128 + 15
				}
				os.Exit(code)
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
