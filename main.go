// Folio is a private desktop research assistant: it indexes your documents
// on your own machine and answers questions with cited, highlighted
// passages. With no subcommand it opens the window; with one it runs the
// command line (see backend/cli), which needs no display.
package main

import (
	"os"

	"folio/backend/cli"
	"folio/backend/engine"
	"folio/backend/parse/isolate"
)

func main() {
	// A sandboxed parser child process runs the same binary.
	isolate.RunChildIfRequested()
	// Half the machine's memory unless GOMEMLIMIT says otherwise.
	engine.SetMemoryLimit()
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, runWindow))
}
