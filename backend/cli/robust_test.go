package cli_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hangBound is how long a command that should end at once may take before
// the test calls it hung: generous, for a loaded machine; the figures the
// tests log are what to read.
const hangBound = 30 * time.Second

// runBounded runs folio with stdin, and kills it and fails the test if it
// has not ended within hangBound.
func runBounded(t *testing.T, bin string, stdin io.Reader, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("folio %v: %v", args, err)
		}
		return stdout.String(), stderr.String(), code
	case <-time.After(hangBound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("folio %v hangs: no exit within %s\n%s", args, hangBound, stderr.String())
	}
	return "", "", 0
}

// TestCommandLineSaysWhatIsWrong: -k 0 and -k -1 are usage errors (they
// silently meant 10); `remove` of a path not in the library says so and
// exits 1 (it said "removed (0 files)"); the plain output prints a file
// name holding control characters quoted, never raw (a name could clear
// the screen or rewrite the line).
func TestCommandLineSaysWhatIsWrong(t *testing.T) {
	bin := buildFolio(t)
	data, docs := t.TempDir(), t.TempDir()
	name := "a\x1b[2Jb\u202e.txt"
	if runtime.GOOS == "windows" {
		name = "a\u202eb.txt"
	}
	evil := filepath.Join(docs, name)
	if err := os.WriteFile(evil, []byte("The heron colony counted 214 nests."), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "index", docs); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	for _, k := range []string{"0", "-1"} {
		out, errOut, code := runBounded(t, bin, nil, "--data", data, "search", "-k", k, "heron")
		if code != 2 || !strings.Contains(errOut, "-k "+k) {
			t.Errorf("search -k %s: exit %d\n%s%s\nwant a usage error (exit 2) naming -k", k, code, out, errOut)
		}
	}
	nowhere := filepath.Join(t.TempDir(), "never-added")
	out, errOut, code := runBounded(t, bin, nil, "--data", data, "remove", nowhere)
	if code != 1 || !strings.Contains(errOut, nowhere+" is not in the library") || strings.Contains(out, "removed") {
		t.Errorf("remove of a path not in the library: exit %d\n%s%s", code, out, errOut)
	}
	quoted := strconv.Quote(evil)
	for _, args := range [][]string{{"status"}, {"search", "heron"}, {"ask", "how many nests"}} {
		out, errOut, code := runBounded(t, bin, nil, append([]string{"--data", data}, args...)...)
		if code != 0 || strings.ContainsAny(out+errOut, "\x1b\u202e") || !strings.Contains(out, quoted) {
			t.Errorf("%v: exit %d, printed %q; want the name quoted as %s, with no raw control characters", args, code, out+errOut, quoted)
		}
	}
	if out, _, code := runBounded(t, bin, nil, "--data", data, "status", "--json"); code != 0 || !strings.Contains(out, `\u001b[2J`) {
		t.Errorf("status --json: exit %d, %s; want JSON's own escapes", code, out)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "remove", docs); code != 0 || !strings.Contains(out, "(1 files)") {
		t.Errorf("remove of a folder in the library: exit %d\n%s%s", code, out, errOut)
	}
}
