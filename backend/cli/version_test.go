package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"folio/backend/engine"
)

func TestVersionFlag(t *testing.T) {
	old := Commit
	t.Cleanup(func() { Commit = old })
	Commit = "abc123def456"
	var out, errb bytes.Buffer
	if code := Main([]string{"--version"}, nil, &out, &errb, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got, want := out.String(), "folio "+Version+" (commit abc123def456)\n"; got != want {
		t.Fatalf("--version printed %q, want %q", got, want)
	}
}

func TestCommitFromBuildInfo(t *testing.T) {
	old := Commit
	t.Cleanup(func() { Commit = old })
	Commit = ""
	info := func(s ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) { return &debug.BuildInfo{Settings: s}, true }
	}
	if got := commit(info(debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"},
		debug.BuildSetting{Key: "vcs.modified", Value: "true"})); got != "0123456789ab-dirty" {
		t.Fatalf("commit = %q", got)
	}
	if got := commit(info()); got != "unknown" {
		t.Fatalf("commit with no vcs info = %q", got)
	}
	if got := commit(func() (*debug.BuildInfo, bool) { return nil, false }); got != "unknown" {
		t.Fatalf("commit with no build info = %q", got)
	}
}

// `folio PATH...` (the desktop entry's Exec) opens the window with the
// paths to add; a subcommand's name or a missing path is not taken for one.
func TestOpenPaths(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []string
	win := func(ctx context.Context, _ engine.Config) error { got = OpenPaths(ctx); return nil }
	var out, errb bytes.Buffer
	if code := Main([]string{"--data", filepath.Join(dir, "lib"), dir, f}, nil, &out, &errb, win); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if len(got) != 2 || got[0] != dir || got[1] != f {
		t.Fatalf("window got paths %q", got)
	}
	if code := Main([]string{"--data", filepath.Join(dir, "lib"), filepath.Join(dir, "missing")}, nil, &out, &errb, win); code != 2 ||
		!strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("a missing path: exit %d, %s", code, errb.String())
	}
}
