package cli_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWatchAndRemoveCommands runs `folio watch` as a process, adds a file
// under it, stops it with Ctrl+C, then removes the folder.
func TestWatchAndRemoveCommands(t *testing.T) {
	bin := buildFolio(t)
	data, docs := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("The heron colony counted 214 nests."), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, bin, "--data", data, "index", docs); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	cmd := exec.Command(bin, "--data", data, "watch", "--json")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	type report struct {
		Files, New, Unchanged int
	}
	next := func(what string) report {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s: watch exited\n%s", what, errOut.String())
			}
			var r report
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%s: watch printed %q", what, l)
			}
			return r
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: nothing from watch within 60 s\n%s", what, errOut.String())
		}
		return report{}
	}
	if r := next("start-up rescan"); r.Unchanged != 1 {
		t.Errorf("start-up rescan: %+v, want a.txt unchanged", r)
	}
	if err := os.WriteFile(filepath.Join(docs, "b.txt"), []byte("Our boat, the Osprey, leaks."), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := next("a new file"); r.New != 1 {
		t.Errorf("after adding b.txt: %+v", r)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("watch after Ctrl+C: %v\n%s", err, errOut.String())
	}

	if got, _, code := run(t, bin, "--data", data, "search", "--json", "Osprey"); code != 0 || !strings.Contains(got, "b.txt") {
		t.Errorf("search after watching: exit %d, %s", code, got)
	}
	got, errText, code := run(t, bin, "--data", data, "remove", docs)
	if code != 0 || !strings.Contains(got, "(2 files)") {
		t.Errorf("remove: exit %d, %q %s", code, got, errText)
	}
	status, _, _ := run(t, bin, "--data", data, "status", "--json")
	var st struct {
		Files []struct{ Path string } `json:"files"`
	}
	if err := json.Unmarshal([]byte(status), &st); err != nil || len(st.Files) != 0 {
		t.Errorf("status after remove: %s (%v)", status, err)
	}
}
