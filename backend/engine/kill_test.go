package engine

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/backend/model/modeltest"
)

// killChildEnv makes the test binary run runKillChild instead of the tests.
const killChildEnv = "FOLIO_ENGINE_KILL_CHILD"

// runKillChild indexes one new file after another into the library in dir
// (dir/data, model dir/model, files dir/docs), printing "indexed N" once
// Index has returned for file N, until it is killed.
func runKillChild(dir string) int {
	ctx := context.Background()
	e, err := Open(ctx, Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start, _ := strconv.Atoi(os.Getenv(killChildEnv + "_START"))
	for i := start; ; i++ {
		path := filepath.Join(dir, "docs", fmt.Sprintf("f%04d.txt", i))
		text := fmt.Sprintf("the cat sat on the mat. marker%04d is here.\n\nthe dog runs.", i)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if _, err := e.Index(ctx, []string{path}, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("indexed %d\n", i)
	}
}

// TestKillLosesNothingReported kills an indexing process at random moments
// (in a write, an embedding, a snapshot save) and checks after each kill
// that every file it had reported as indexed is found, by keywords and by
// its vector.
func TestKillLosesNothingReported(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	dir := t.TempDir()
	if _, err := modeltest.Write(filepath.Join(dir, "model"), modeltest.Tiny{Seed: 9}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	next := 0
	var reported []int
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir, fmt.Sprintf("%s_START=%d", killChildEnv, next))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
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
		// Let it index a few files, then kill it at a random moment.
		want := 3 + rng.IntN(5)
		got := 0
		deadline := time.After(2 * time.Minute)
		for got < want {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: the child stopped after %d files", round, got)
				}
				n, err := strconv.Atoi(strings.TrimPrefix(l, "indexed "))
				if err != nil {
					t.Fatalf("round %d: child said %q", round, l)
				}
				reported = append(reported, n)
				next = n + 1
				got++
			case <-deadline:
				t.Fatalf("round %d: no progress from the child", round)
			}
		}
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // lines written before the kill landed
			if n, err := strconv.Atoi(strings.TrimPrefix(l, "indexed ")); err == nil {
				reported = append(reported, n)
				next = n + 1
			}
		}
		_ = cmd.Wait()
		next++ // the file being indexed at the kill may be half done: skip its name

		e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
		if err != nil {
			t.Fatalf("round %d: reopening after the kill: %v", round, err)
		}
		for _, n := range reported {
			file := filepath.Join(dir, "docs", fmt.Sprintf("f%04d.txt", n))
			only := Filter{Files: []string{file}}
			for _, mode := range []string{"bm25", "dense"} {
				hits, err := e.Search(context.Background(), fmt.Sprintf("marker%04d", n), SearchOptions{K: 1, Mode: mode, Filter: only})
				if err != nil || len(hits) == 0 {
					t.Errorf("round %d: file %d was reported indexed but %s search finds nothing (%v)", round, n, mode, err)
				}
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files reported indexed across 6 kills", len(reported))
}
