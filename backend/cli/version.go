package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// Version and Commit are set at build time (make build / make package):
//
//	-ldflags "-X folio/backend/cli.Version=0.1.0 -X folio/backend/cli.Commit=abc1234"
//
// A build without them reports "dev" and the commit Go recorded in the
// binary (debug.ReadBuildInfo's vcs.revision, with "-dirty" when the tree
// had uncommitted changes), or "unknown" when there is none (go run, a
// build outside a git checkout).
var (
	Version = "dev"
	Commit  = ""
)

// VersionString is what `folio --version` prints: "folio VERSION (commit C)".
func VersionString() string {
	return fmt.Sprintf("folio %s (commit %s)", Version, commit(debug.ReadBuildInfo))
}

// commit is Commit, else the VCS revision in the build info, else "unknown".
func commit(read func() (*debug.BuildInfo, bool)) string {
	if c := strings.TrimSpace(Commit); c != "" {
		return c
	}
	bi, ok := read()
	if !ok || bi == nil {
		return "unknown"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + dirty
}

func printVersion(w io.Writer) {
	fmt.Fprintln(w, VersionString())
}

type openPathsKey struct{}

// OpenPaths is the files and folders the window was asked to add when it
// opens ("Open with Folio" runs `folio PATH...`); nil when none.
func OpenPaths(ctx context.Context) []string {
	p, _ := ctx.Value(openPathsKey{}).([]string)
	return p
}

// commands are the subcommands Main dispatches (a file of that name in the
// working folder is still the subcommand).
var commands = map[string]bool{"index": true, "ask": true, "search": true, "status": true, "check": true,
	"repair": true, "watch": true, "remove": true, "parse": true, "models": true, "eval": true, "embed": true,
	"passphrase": true, "help": true}

// pathArgs reports whether args are files or folders to open in the window
// rather than a subcommand: every one names an existing path and the first
// is not a subcommand's name.
func pathArgs(args []string) ([]string, bool) {
	if len(args) == 0 || commands[args[0]] {
		return nil, false
	}
	out := make([]string, 0, len(args))
	for _, a := range args {
		if _, err := os.Stat(a); err != nil {
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}
