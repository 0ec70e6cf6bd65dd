//go:build unix

package cli_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/backend/internal/testenv"
	"folio/backend/model/modeltest"
)

// TestFIFOIsRefusedNotWaitedOn: `index` and `parse` of a FIFO used to wait
// in open() for good. Now both refuse it at once, naming the file and what
// it is, and a FIFO inside an indexed folder is listed by `status` as
// skipped, with the reason.
func TestFIFOIsRefusedNotWaitedOn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs on Windows")
	}
	bin := buildFolio(t)
	data, docs := t.TempDir(), t.TempDir()
	fifo := filepath.Join(docs, "x.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("The heron colony counted 214 nests."), 0o644); err != nil {
		t.Fatal(err)
	}
	const why = "not a regular file (a FIFO)"
	out, errOut, code := runBounded(t, bin, nil, "--data", data, "index", "--json", fifo)
	if !strings.Contains(out, why) || !strings.Contains(errOut, "failed: "+fifo+": "+why) {
		t.Errorf("index --json FIFO: exit %d\n%s%s\nwant the FIFO refused as %q", code, out, errOut, why)
	}
	out, errOut, code = runBounded(t, bin, nil, "parse", "--json", fifo)
	if code != 2 || !strings.Contains(out, `"error":"parse `+fifo+": "+why+`"`) {
		t.Errorf("parse --json FIFO: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code = runBounded(t, bin, nil, "--data", data, "index", docs); code != 0 || !strings.Contains(out, "1 new") || !strings.Contains(out, "1 skipped") {
		t.Errorf("index the folder: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runBounded(t, bin, nil, "--data", data, "status")
	if code != 0 || !strings.Contains(out, "skipped  "+fifo+": "+why) {
		t.Errorf("status does not list the FIFO as skipped: exit %d\n%s%s", code, out, errOut)
	}
}

// stopAfter starts folio, waits until ready(stderr so far) holds (or
// startWait passed), sends sig and returns how long the process took to
// end after it, its exit code and its stderr. It fails the test when the
// process is still running hangBound after the signal.
func stopAfter(t *testing.T, sig os.Signal, stdin io.Reader, startWait time.Duration, bin string, args ...string) (time.Duration, int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("folio %v ended before the signal: %v\n%s", args, err, stderr.String())
	case <-time.After(startWait):
	}
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		return time.Since(sent), cmd.ProcessState.ExitCode(), stderr.String()
	case <-time.After(hangBound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("folio %v still running %s after %v\n%s", args, hangBound, sig, stderr.String())
	}
	return 0, 0, ""
}

// TestSignalsEndEveryCommand: SIGINT and SIGTERM end a long `index` (whose
// parser children are killed), and a command blocked where no context
// reaches (embed reading a stdin that never ends) still exits, on its own,
// about 1.5 s after the signal. Before, SIGTERM was swallowed there and the
// process ran on for good.
func TestSignalsEndEveryCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	bin := buildFolio(t)
	docs := t.TempDir()
	// Enough files that the index is still running when the signal comes,
	// on an idle machine too (400 could all be read within 1.5 s).
	for i := range 2000 {
		page := fmt.Sprintf("<html><body><h1>Note %d</h1><p>The heron colony counted %d nests in May.</p></body></html>", i, i)
		if err := os.WriteFile(filepath.Join(docs, fmt.Sprintf("n%04d.html", i)), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		took, code, errOut := stopAfter(t, sig, nil, 300*time.Millisecond, bin, "--data", t.TempDir(), "index", docs)
		t.Logf("index of 2,000 HTML files: ended %v after %v (exit %d)", took.Round(time.Millisecond), sig, code)
		if code == 0 {
			t.Errorf("index ended by %v exited 0\n%s", sig, errOut)
		}
	}

	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "tiny")
	if _, err := modeltest.Write(dir, modeltest.Tiny{Seed: 3, MaxLen: 40}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "models", "install", dir); code != 0 {
		t.Fatalf("models install: exit %d\n%s%s", code, out, errOut)
	}
	pr, pw, err := os.Pipe() // the write end stays open: embed waits for its next line
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	took, code, errOut := stopAfter(t, syscall.SIGTERM, pr, time.Second, bin, "--data", data, "embed", "--json")
	t.Logf("embed waiting on stdin: ended %v after SIGTERM (exit %d)", took.Round(time.Millisecond), code)
	if code != 128+15 || !strings.Contains(errOut, "exiting now") {
		t.Errorf("embed blocked on stdin after SIGTERM: exit %d, stderr %q; want 143 and a note that it exits without waiting", code, errOut)
	}
}

// TestFailedCloseFailsTheCommand: closing the library saves the vector
// graph's snapshot. When that write fails (here the disk holding the
// library fills up while `watch` runs, after it indexed a new file), the
// command says so and exits 1; before, Close's error was dropped and it
// exited 0.
func TestFailedCloseFailsTheCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs a Linux tmpfs")
	}
	disk := testenv.Tmpfs(t, "160m")
	bin := buildFolio(t)
	data, docs := filepath.Join(disk, "library"), t.TempDir()
	dir := filepath.Join(t.TempDir(), "tiny")
	if _, err := modeltest.Write(dir, modeltest.Tiny{Seed: 3, MaxLen: 40}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "models", "install", dir); code != 0 {
		t.Fatalf("models install: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("The heron colony counted 214 nests."), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "index", docs); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}

	cmd := exec.Command(bin, "--data", data, "watch", "--json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s: watch exited\n%s", what, errOut.String())
			}
			return l
		case <-time.After(hangBound):
			t.Fatalf("%s: nothing from watch within %s\n%s", what, hangBound, errOut.String())
		}
		return ""
	}
	next("start-up rescan")
	if err := os.WriteFile(filepath.Join(docs, "b.txt"), []byte("Our boat, the Osprey, leaks."), 0o644); err != nil {
		t.Fatal(err)
	}
	if l := next("a new file"); !strings.Contains(l, `"new":1`) {
		t.Fatalf("watch after adding b.txt: %s", l)
	}
	// Leave less free space than the store asks for before it writes (two
	// memtables and some slack), so saving the snapshot is refused.
	var st syscall.Statfs_t
	if err := syscall.Statfs(disk, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if err := os.WriteFile(filepath.Join(disk, "filler"), make([]byte, free-40<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(hangBound):
		t.Fatalf("watch still running %s after Ctrl+C", hangBound)
	}
	t.Logf("watch after the disk filled: %v\n%s", err, errOut.String())
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(errOut.String(), "closing the library failed") || !strings.Contains(errOut.String(), "no space left") {
		t.Errorf("watch whose close failed: exit %d, stderr:\n%s\nwant exit 1 and the failure to close, with its reason", cmd.ProcessState.ExitCode(), errOut.String())
	}
}

// TestReadOnlyLibraryCanBeSearched: a library folder Folio may not write
// (a read-only mount, another user's files) is opened read-only: search,
// ask and status work (they were refused: Badger could not write its lock
// file), and index and remove say the folder is read-only and exit 1.
func TestReadOnlyLibraryCanBeSearched(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions and mounts")
	}
	bin := buildFolio(t)
	data, docs := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("The heron colony on Lake Varna counted 214 nests in May."), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "index", docs); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	ro := testenv.ReadOnlyView(t, data)
	if f, err := os.CreateTemp(filepath.Join(ro, "library"), "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("the read-only view is writable here")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"search", "heron"}, "a.txt"},
		{[]string{"ask", "how many nests did the heron colony count"}, "214"},
		{[]string{"status"}, "indexed  " + filepath.Join(docs, "a.txt")},
	} {
		out, errOut, code := runBounded(t, bin, nil, append([]string{"--data", ro}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v on a read-only library: exit %d\n%s%s\nwant %q", tc.args, code, out, errOut, tc.want)
		}
	}
	for _, args := range [][]string{{"index", docs}, {"remove", docs}} {
		out, errOut, code := runBounded(t, bin, nil, append([]string{"--data", ro}, args...)...)
		if code != 1 || !strings.Contains(errOut, "the library folder is read-only") {
			t.Errorf("%v on a read-only library: exit %d\n%s%s\nwant exit 1, saying the folder is read-only", args, code, out, errOut)
		}
	}
	// Nothing changed: the library reads the same from its own folder.
	if out, errOut, code := runBounded(t, bin, nil, "--data", data, "search", "heron"); code != 0 || !strings.Contains(out, "a.txt") {
		t.Errorf("search after the read-only runs: exit %d\n%s%s", code, out, errOut)
	}
}
