package engine

// Fault tests: kill -9 during a chat and during snapshot writing, a full
// disk, a truncated value log, a corrupt MANIFEST or table, a corrupt graph
// snapshot. Each test adds rows to a table of faults and outcomes, printed
// with t.Logf. The kill -9 during indexing is TestKillLosesNothingReported
// (kill_test.go).

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/backend/index"
	"folio/backend/internal/testenv"
	"folio/backend/model"
	"folio/backend/model/modeltest"
	"folio/backend/store"
)

// faultChildEnv makes the test binary run runFaultChild (mode = the
// variable's value) instead of the tests; faultChildEnv_DIR is its folder
// and faultChildEnv_ARG an argument.
const faultChildEnv = "FOLIO_ENGINE_FAULT_CHILD"

func init() {
	mode := os.Getenv(faultChildEnv)
	if mode == "" {
		return
	}
	dir, arg := os.Getenv(faultChildEnv+"_DIR"), os.Getenv(faultChildEnv+"_ARG")
	// Not for the child's own children (the PDF parser runs this binary).
	os.Unsetenv(faultChildEnv)
	os.Exit(runFaultChild(mode, dir, arg))
}

// runFaultChild is the body of a child process the fault tests kill. It
// prints one line per thing it has saved, and only once it is saved.
func runFaultChild(mode, dir, arg string) int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Printf("error: %v\n", err)
		return 3
	}
	switch mode {
	case "chat":
		// Asks in one chat (arg: its id, "" for a new one), printing
		// "chat ID" once and "turn N" after each saved turn.
		e, err := Open(ctx, Config{DataDir: filepath.Join(dir, "data"), NoModel: true})
		if err != nil {
			return fail(err)
		}
		start, _ := strconv.Atoi(os.Getenv(faultChildEnv + "_START"))
		id := arg
		for i := start; ; i++ {
			c, err := e.AskInChat(ctx, id, chatQuestion(i), Filter{}, nil)
			if err != nil {
				return fail(err)
			}
			if id == "" {
				id = c.ID
				fmt.Printf("chat %s\n", id)
			}
			fmt.Printf("turn %d\n", i)
		}
	case "snapshot":
		// Indexes one small file after another and saves the graph
		// snapshot after each, printing "saved N".
		e, err := Open(ctx, Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
		if err != nil {
			return fail(err)
		}
		start, _ := strconv.Atoi(os.Getenv(faultChildEnv + "_START"))
		for i := start; ; i++ {
			path := filepath.Join(dir, "docs", fmt.Sprintf("s%04d.txt", i))
			if err := os.WriteFile(path, []byte(fmt.Sprintf("the cat sat. marker%04d runs on the mat.", i)), 0o644); err != nil {
				return fail(err)
			}
			if _, err := e.Index(ctx, []string{path}, nil); err != nil {
				return fail(err)
			}
			if err := e.vectors.Save(); err != nil {
				return fail(err)
			}
			// And rewrite it a few times, so that most kills land in a
			// snapshot write.
			snap, err := e.store.Blob(index.VectorSnapshot)
			if err != nil {
				return fail(err)
			}
			for range 5 {
				if err := e.store.PutBlob(index.VectorSnapshot, snap); err != nil {
					return fail(err)
				}
			}
			fmt.Printf("saved %d\n", i)
		}
	case "fill":
		// Indexes the files of dir/docs one at a time into a library on a
		// small disk (arg: the data folder), printing "indexed N", and
		// "error: ..." at the first failure.
		e, err := Open(ctx, Config{DataDir: arg, NoModel: true, Workers: 1})
		if err != nil {
			return fail(err)
		}
		defer e.Close()
		start, _ := strconv.Atoi(os.Getenv(faultChildEnv + "_START"))
		for i := start; ; i++ {
			path := filepath.Join(dir, "docs", fillName(i))
			if _, err := os.Stat(path); err != nil {
				fmt.Println("done")
				return 0
			}
			rep, err := e.Index(ctx, []string{path}, nil)
			if err == nil && len(rep.Errors) > 0 {
				err = errors.New(rep.Errors[0].Reason)
			}
			if err != nil {
				return fail(err)
			}
			fmt.Printf("indexed %d\n", i)
		}
	}
	fmt.Printf("error: unknown child mode %q\n", mode)
	return 2
}

func chatQuestion(i int) string { return fmt.Sprintf("Where do sea otters live? (question %d)", i) }

func fillName(i int) string { return fmt.Sprintf("f%05d.txt", i) }

// faultRow is one line of the fault table.
type faultRow struct{ fault, outcome string }

func logFaults(t *testing.T, rows []faultRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString("\n| fault | outcome |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r.fault, r.outcome)
	}
	t.Log(b.String())
}

// child is a running fault child and the lines it prints.
type child struct {
	cmd   *exec.Cmd
	lines chan string
}

func startChild(t *testing.T, mode, dir, arg string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), faultChildEnv+"="+mode, faultChildEnv+"_DIR="+dir, faultChildEnv+"_ARG="+arg)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// next returns the child's next line; ok is false when it ended.
func (c *child) next(t *testing.T) (string, bool) {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		return l, ok
	case <-time.After(3 * time.Minute):
		_ = c.cmd.Process.Kill()
		t.Fatal("no progress from the child in 3 minutes")
	}
	return "", false
}

// kill sends SIGKILL and returns the lines printed before it landed.
func (c *child) kill() []string {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	_ = c.cmd.Wait()
	return rest
}

// TestFaultKillDuringChat kills a process asking in one chat at random
// moments (while it searches, composes, or saves a turn) and checks after
// each kill that every turn it had reported as saved is in the chat, in
// order, with its answer, and that the chat is still usable.
func TestFaultKillDuringChat(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "docs", "otters.txt"), ottersText)
	e := open(t, filepath.Join(dir, "data"))
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []faultRow
	chatID, next := "", 0
	var reported []string // the questions of the turns reported saved
	for round := range 5 {
		c := startChild(t, "chat", dir, chatID, fmt.Sprintf("%s_START=%d", faultChildEnv, next))
		want := 2 + rng.IntN(6)
		for got := 0; got < want; {
			l, ok := c.next(t)
			if !ok {
				t.Fatalf("round %d: the child ended", round)
			}
			switch {
			case strings.HasPrefix(l, "chat "):
				chatID = strings.TrimPrefix(l, "chat ")
			case strings.HasPrefix(l, "turn "):
				n, _ := strconv.Atoi(strings.TrimPrefix(l, "turn "))
				reported = append(reported, chatQuestion(n))
				next = n + 1
				got++
			default:
				t.Fatalf("round %d: child said %q", round, l)
			}
		}
		time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		for _, l := range c.kill() {
			if n, err := strconv.Atoi(strings.TrimPrefix(l, "turn ")); err == nil {
				reported = append(reported, chatQuestion(n))
				next = n + 1
			}
		}

		e := open(t, filepath.Join(dir, "data"))
		ch, err := e.Chat(chatID)
		if err != nil {
			t.Fatalf("round %d: reopening the chat after the kill: %v", round, err)
		}
		// Every reported turn is there, in order; a turn saved just before
		// the kill but not yet reported may follow; nothing else.
		var asked []string
		for _, turn := range ch.Turns {
			asked = append(asked, turn.Question)
			if turn.Answer.Text == "" || len(turn.Answer.Citations) == 0 || turn.Answer.Citations[0].Changed != "" {
				t.Errorf("round %d: turn %q came back without its answer or with a changed citation: %+v", round, turn.Question, turn.Answer)
			}
		}
		wantAsked := reported
		extra := len(asked) - len(wantAsked)
		if extra < 0 || extra > 1 || !slices.Equal(asked[:len(wantAsked)], wantAsked) {
			t.Fatalf("round %d: chat holds %d turns %q, want the %d reported %q (and at most one more)", round, len(asked), asked, len(wantAsked), wantAsked)
		}
		if extra == 1 {
			n := next
			if asked[len(asked)-1] != chatQuestion(n) {
				t.Fatalf("round %d: the unreported last turn is %q, want %q", round, asked[len(asked)-1], chatQuestion(n))
			}
			reported = append(reported, chatQuestion(n)) // saved; the kill landed before the print
			next = n + 1
		}
		if _, err := e.AskInChat(context.Background(), chatID, "What do they eat?", Filter{}, nil); err != nil {
			t.Errorf("round %d: asking in the chat after the kill: %v", round, err)
		}
		reported = append(reported, "What do they eat?") // part of the chat from now on
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, faultRow{fmt.Sprintf("kill -9 during a chat, round %d", round+1),
			fmt.Sprintf("reopened; %d turns in the chat, every reported turn there in order (%d saved but unreported)", len(ch.Turns), extra)})
	}
	logFaults(t, rows)
}

// exactTop is the k best dot products of q with every stored vector: the
// truth a vector search must match.
func exactTop(t *testing.T, e *Engine, q []float32, k int) []float64 {
	t.Helper()
	var scores []float64
	if err := e.store.EachVector(func(_ uint64, v []float32) error {
		var s float64
		for i := range q {
			s += float64(q[i]) * float64(v[i])
		}
		scores = append(scores, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(scores)))
	return scores[:min(k, len(scores))]
}

// checkVectorsExact checks that the engine's vector index holds exactly the
// stored vectors and that its searches score as an exact scan of them.
func checkVectorsExact(t *testing.T, e *Engine, what string) {
	t.Helper()
	stored := 0
	if err := e.store.EachVector(func(id uint64, _ []float32) error {
		stored++
		if !e.vectors.Has(id) {
			t.Errorf("%s: stored vector %d is not in the index", what, id)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := e.vectors.Len(); n != stored {
		t.Errorf("%s: index holds %d vectors, the store %d", what, n, stored)
	}
	for _, q := range []string{"the cat sat on the mat", "marker0003", "the dog runs", "hello world"} {
		qv, err := e.enc.Embed(context.Background(), []string{q})
		if err != nil {
			t.Fatal(err)
		}
		const k = 10
		want := exactTop(t, e, qv[0], k)
		res := e.vectors.Search(qv[0], k, nil)
		if len(res) != len(want) {
			t.Errorf("%s: %q: %d results, want %d", what, q, len(res), len(want))
			continue
		}
		for i, r := range res {
			if math.Abs(float64(r.Score)-want[i]) > 1e-4 {
				t.Errorf("%s: %q: result %d scores %.6f, the exact scan %.6f", what, q, i, r.Score, want[i])
				break
			}
		}
	}
}

// waitRebuilt waits for a background graph rebuild to finish.
func waitRebuilt(t *testing.T, e *Engine) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); e.Status().Rebuilding; {
		if time.Now().After(deadline) {
			t.Fatal("the graph rebuild did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newModelLibrary makes dir/model (the tiny random model), dir/docs with a
// long text file, and a library in dir/data holding it.
func newModelLibrary(t *testing.T, dir string) {
	t.Helper()
	if _, err := modeltest.Write(filepath.Join(dir, "model"), modeltest.Tiny{Seed: 11}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	words := []string{"the", "cat", "sat", "on", "mat", "dog", "runs", "hello", "world", "a"}
	rng := rand.New(rand.NewPCG(5, 6))
	for p := range 300 {
		for range 12 {
			b.WriteString(words[rng.IntN(len(words))] + " ")
		}
		fmt.Fprintf(&b, "marker%04d.\n\n", p)
	}
	write(t, filepath.Join(dir, "docs", "big.txt"), b.String())
	e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs", "big.txt")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFaultKillDuringSnapshotWrite kills a process that saves the graph
// snapshot over and over, at random moments, and checks after each kill
// that the library opens, holds every vector it stored, and that vector
// searches equal an exact scan of the stored vectors.
func TestFaultKillDuringSnapshotWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	dir := t.TempDir()
	newModelLibrary(t, dir)
	rng := rand.New(rand.NewPCG(7, 8))
	var rows []faultRow
	next := 0
	var reported []int
	for round := range 5 {
		c := startChild(t, "snapshot", dir, "", fmt.Sprintf("%s_START=%d", faultChildEnv, next))
		want := 1 + rng.IntN(4)
		for got := 0; got < want; got++ {
			l, ok := c.next(t)
			n, err := strconv.Atoi(strings.TrimPrefix(l, "saved "))
			if !ok || err != nil {
				t.Fatalf("round %d: child said %q (ended: %v)", round, l, !ok)
			}
			reported = append(reported, n)
			next = n + 1
		}
		time.Sleep(time.Duration(rng.IntN(25)) * time.Millisecond)
		for _, l := range c.kill() {
			if n, err := strconv.Atoi(strings.TrimPrefix(l, "saved ")); err == nil {
				reported = append(reported, n)
				next = n + 1
			}
		}
		next++ // the file being indexed at the kill may be half done

		e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
		if err != nil {
			t.Fatalf("round %d: reopening after the kill: %v", round, err)
		}
		how := "snapshot loaded"
		if e.Status().Rebuilding {
			how = "snapshot unusable: exact scan while the graph is rebuilt"
			checkVectorsExact(t, e, fmt.Sprintf("round %d, rebuilding", round))
			waitRebuilt(t, e)
		}
		checkVectorsExact(t, e, fmt.Sprintf("round %d", round))
		for _, n := range reported {
			file := filepath.Join(dir, "docs", fmt.Sprintf("s%04d.txt", n))
			hits, err := e.Search(context.Background(), fmt.Sprintf("marker%04d", n), SearchOptions{K: 1, Mode: "dense", Filter: Filter{Files: []string{file}}})
			if err != nil || len(hits) == 0 {
				t.Errorf("round %d: file %d was indexed and saved but dense search finds nothing (%v)", round, n, err)
			}
		}
		vecs := e.vectors.Len()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, faultRow{fmt.Sprintf("kill -9 during snapshot writing, round %d", round+1),
			fmt.Sprintf("reopened, %s; %d vectors, searches equal the exact scan; %d saved files found", how, vecs, len(reported))})
	}
	logFaults(t, rows)
}

// TestFaultCorruptSnapshotRebuilds flips bytes of the stored graph
// snapshot (through the store) and checks that the engine rebuilds the
// graph and that searches equal an exact scan meanwhile and afterwards.
// backend/index tests the same on the vector index alone
// (TestVectorsServeExactlyWhileRebuilding, TestGraphSnapshotRoundTrip).
func TestFaultCorruptSnapshotRebuilds(t *testing.T) {
	dir := t.TempDir()
	newModelLibrary(t, dir)
	var rows []faultRow
	damages := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"a flipped byte in the middle", func(b []byte) []byte { b[len(b)/2] ^= 0x20; return b }},
		{"a flipped byte in the header", func(b []byte) []byte { b[20] ^= 0x01; return b }},
		{"truncated by half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"zeroed", func(b []byte) []byte { clear(b); return b }},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			st, err := store.Open(filepath.Join(dir, "data", "library"))
			if err != nil {
				t.Fatal(err)
			}
			snap, err := st.Blob(index.VectorSnapshot)
			if err != nil || len(snap) < 64 {
				t.Fatalf("stored snapshot: %d bytes, %v", len(snap), err)
			}
			if err := st.PutBlob(index.VectorSnapshot, d.damage(snap)); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			e, err := Open(context.Background(), Config{DataDir: filepath.Join(dir, "data"), ModelDir: filepath.Join(dir, "model")})
			if err != nil {
				t.Fatalf("opening with a corrupt snapshot: %v", err)
			}
			defer e.Close()
			rebuilt := e.Status().Rebuilding
			checkVectorsExact(t, e, "with the corrupt snapshot")
			waitRebuilt(t, e)
			checkVectorsExact(t, e, "after the rebuild")
			outcome := "not detected: the graph loaded"
			if rebuilt {
				outcome = "detected; exact scan while the graph was rebuilt, then the graph; searches equal the exact scan"
			} else {
				t.Errorf("a snapshot with %s loaded without a rebuild", d.name)
			}
			rows = append(rows, faultRow{"graph snapshot " + d.name, outcome})
		})
	}
	logFaults(t, rows)
}

// TestDataFolderPrivate checks that after installing a model, indexing and
// asking, the data folder and every folder in it are 0700, and that the
// files Folio itself writes there are readable by their owner only.
// Badger creates its files with mode 0666 less the umask: those are
// protected by the 0700 folders above them.
func TestDataFolderPrivate(t *testing.T) {
	dir := t.TempDir()
	newModelLibrary(t, dir)
	data := filepath.Join(dir, "data")
	// A fresh data folder, as a first start creates it, with the model
	// installed into it.
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	if _, err := model.Install(context.Background(), filepath.Join(dir, "model"), data, ""); err != nil {
		t.Fatal(err)
	}
	e, err := Open(context.Background(), Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AskInChat(context.Background(), "", "where does the cat sit?", Filter{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	dirs, files := 0, 0
	badgerModes := map[fs.FileMode]int{}
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(data, p)
		mode := info.Mode().Perm()
		switch {
		case d.IsDir():
			dirs++
			if mode != 0o700 {
				t.Errorf("folder %s has mode %#o, want 0700", rel, mode)
			}
		case strings.HasPrefix(rel, "library"+string(filepath.Separator)):
			badgerModes[mode]++
		default:
			files++
			if mode&0o077 != 0 {
				t.Errorf("file %s has mode %#o: readable by others", rel, mode)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dirs < 3 || files < 3 {
		t.Errorf("walked %d folders and %d files outside Badger: the library or model is missing", dirs, files)
	}
	t.Logf("%d folders (all 0700), %d model files (owner only); Badger's files by mode: %v (umask %#o)", dirs, files, badgerModes, currentUmask())
}

// currentUmask reads the process's umask from /proc (-1 when unknown).
func currentUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 8, 32)
			if err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// fillWord is the w-th word of a made-up vocabulary, so every file has
// many distinct terms (postings) and text.
func fillWord(w int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var b []byte
	for w++; w > 0; w /= 26 {
		b = append(b, letters[w%26])
	}
	return string(b)
}

// TestFaultFullDisk indexes files into a library on a small tmpfs until
// the disk is full, checks the error says so, then makes the disk larger
// and checks that the library opens, every file reported indexed is
// found, and indexing finishes. The store refuses writes when less than
// two memtables (80 MB) are free (see store.ErrDiskFull), so the tmpfs is
// that plus 24 MiB.
func TestFaultFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("full-disk test skipped in -short mode")
	}
	disk := testenv.Tmpfs(t, "104m")
	dir := t.TempDir()
	data := filepath.Join(disk, "data")
	rng := rand.New(rand.NewPCG(9, 10))
	const files = 90
	for i := range files {
		var b strings.Builder
		fmt.Fprintf(&b, "File marker%05d.\n\n", i)
		for b.Len() < 48<<10 {
			for range 10 {
				b.WriteString(fillWord(rng.IntN(200000)) + " ")
			}
			b.WriteString(".\n")
		}
		write(t, filepath.Join(dir, "docs", fillName(i)), b.String())
	}
	var rows []faultRow
	c := startChild(t, "fill", dir, data)
	var reported []int
	var failure string
	for {
		l, ok := c.next(t)
		if !ok {
			break
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(l, "indexed ")); err == nil {
			reported = append(reported, n)
			continue
		}
		failure = l
	}
	werr := c.cmd.Wait()
	t.Logf("child: %d files indexed, then %q (%v)", len(reported), failure, werr)
	switch {
	case failure == "done":
		t.Fatalf("all %d files fit on the small disk: the test needs more data", files)
	case !strings.Contains(failure, "no space left on the device holding the library"):
		t.Errorf("after %d files the child ended with %q (%v); want an error saying the disk holding the library is full", len(reported), failure, werr)
	}
	rows = append(rows, faultRow{"disk full while indexing (104 MiB tmpfs)", fmt.Sprintf("%d files indexed, then: %s", len(reported), failure)})

	// More room: everything reported is there and indexing finishes.
	if out, err := exec.Command("mount", "-o", "remount,size=256m", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount bigger: %v %s", err, out)
	}
	e, err := Open(context.Background(), Config{DataDir: data, NoModel: true})
	if err != nil {
		t.Fatalf("reopening the library after the disk filled: %v", err)
	}
	defer e.Close()
	for _, n := range reported {
		file := filepath.Join(dir, "docs", fillName(n))
		hits, err := e.Search(context.Background(), fmt.Sprintf("marker%05d", n), SearchOptions{K: 1, Filter: Filter{Files: []string{file}}})
		if err != nil || len(hits) == 0 {
			t.Errorf("file %d was reported indexed before the disk filled but is not found (%v)", n, err)
		}
	}
	rep, err := e.Index(context.Background(), []string{filepath.Join(dir, "docs")}, nil)
	if err != nil || rep.Failed != 0 || rep.New+rep.Unchanged+rep.Changed != files {
		t.Fatalf("indexing after the disk grew: %+v, %v; want all %d files", rep, err, files)
	}
	st := e.Status()
	if st.Docs != files {
		t.Errorf("%d documents after indexing, want %d", st.Docs, files)
	}
	rows = append(rows, faultRow{"the same library after the disk grew to 256 MiB",
		fmt.Sprintf("opened; all %d files indexed before the failure found; indexing finished (%d new, %d unchanged)", len(reported), rep.New, rep.Unchanged)})
	logFaults(t, rows)
}

// libraryContents is what a library holds, read through the store: each
// indexed file's text and chunk texts, by path.
type libraryContents map[string]struct {
	text   string
	chunks []string
}

// readContents reads every indexed file's text and chunks. Reads that fail
// are counted in failed (and left out), never guessed.
func readContents(st *store.Store) (c libraryContents, failed int, err error) {
	files, err := st.Files()
	if err != nil {
		return nil, 0, err
	}
	c = libraryContents{}
	for _, f := range files {
		if f.DocID == 0 {
			continue
		}
		text, err := st.Text(f.DocID)
		if err != nil {
			failed++
			continue
		}
		var chunks []string
		for i := range f.Chunks {
			ch, err := st.Chunk(store.ChunkID(f.DocID, i))
			if err != nil {
				failed++
				chunks = append(chunks, "\x00unreadable")
				continue
			}
			chunks = append(chunks, ch.Text)
		}
		c[f.Path] = struct {
			text   string
			chunks []string
		}{text, chunks}
	}
	return c, failed, nil
}

// copyTree copies the folder src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// newest returns the newest file of dir matching pattern.
func newest(t *testing.T, dir, pattern string) string {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(ms) == 0 {
		t.Skipf("no %s in the library", pattern)
	}
	sort.Strings(ms) // Badger numbers its files
	return ms[len(ms)-1]
}

// TestFaultDamagedStore damages the Badger files of a closed library (a
// value log truncated by half, a corrupt or truncated MANIFEST, a table
// with flipped bytes, a table cut short) and checks that Folio either
// refuses to open it with a message naming the library folder, or opens
// it and reads back only correct data: every text and chunk it returns is
// what was stored, and what it cannot read fails with an error.
func TestFaultDamagedStore(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	docs := filepath.Join(base, "docs")
	// A text over 1 MB: Badger keeps values that large in the value log.
	var big strings.Builder
	for i := 0; big.Len() < 1600<<10; i++ {
		fmt.Fprintf(&big, "Paragraph %d tells of the heron colony and marker%06d.\n\n", i, i)
	}
	write(t, filepath.Join(docs, "big.txt"), big.String())
	for i := range 40 {
		write(t, filepath.Join(docs, fmt.Sprintf("n%02d.txt", i)), fmt.Sprintf("Note %d: the otter raft counted %d animals.\n", i, 100+i))
	}
	orig := filepath.Join(base, "orig")
	e := open(t, orig)
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(orig, "library"))
	if err != nil {
		t.Fatal(err)
	}
	want, failed, err := readContents(st)
	st.Close()
	if err != nil || failed > 0 || len(want) != 41 {
		t.Fatalf("the undamaged library: %d files, %d unreadable, %v", len(want), failed, err)
	}

	damages := []struct {
		name   string
		damage func(t *testing.T, lib string)
	}{
		{"value log truncated by half", func(t *testing.T, lib string) {
			// The value log holding the big text: the largest.
			ms, _ := filepath.Glob(filepath.Join(lib, "*.vlog"))
			var p string
			var info fs.FileInfo
			for _, m := range ms {
				if i, err := os.Stat(m); err == nil && (info == nil || i.Size() > info.Size()) {
					p, info = m, i
				}
			}
			if info == nil {
				t.Fatal("no value log")
			}
			if info.Size() < 1<<20 {
				t.Fatalf("%s holds only %d bytes: the big text is not in the value log", p, info.Size())
			}
			if err := os.Truncate(p, info.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"MANIFEST with flipped bytes", func(t *testing.T, lib string) { flipBytes(t, filepath.Join(lib, "MANIFEST"), 0.5) }},
		{"MANIFEST truncated", func(t *testing.T, lib string) {
			p := filepath.Join(lib, "MANIFEST")
			info, _ := os.Stat(p)
			if err := os.Truncate(p, info.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		// Badger reads a MANIFEST up to its last whole record (as after a
		// crash while appending) and deletes the tables it no longer
		// names: Folio puts back the copy kept at the last close.
		{"MANIFEST cut at a record boundary", func(t *testing.T, lib string) {
			p := filepath.Join(lib, "MANIFEST")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var ends []int
			for i := 8; i+8 <= len(b); {
				i += 8 + int(binary.BigEndian.Uint32(b[i:]))
				ends = append(ends, i)
			}
			if len(ends) < 2 {
				t.Fatalf("the MANIFEST has %d records", len(ends))
			}
			if err := os.Truncate(p, int64(ends[len(ends)/2-1])); err != nil {
				t.Fatal(err)
			}
		}},
		{"table (.sst) with flipped bytes in its data", func(t *testing.T, lib string) { flipBytes(t, newest(t, lib, "*.sst"), 0.3) }},
		{"table (.sst) with flipped bytes in its index", func(t *testing.T, lib string) { flipBytes(t, newest(t, lib, "*.sst"), 0.97) }},
		{"table (.sst) truncated", func(t *testing.T, lib string) {
			p := newest(t, lib, "*.sst")
			info, _ := os.Stat(p)
			if err := os.Truncate(p, info.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
	}
	var rows []faultRow
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			copyTree(t, orig, data)
			lib := filepath.Join(data, "library")
			d.damage(t, lib)
			e, err := Open(ctx, Config{DataDir: data, NoModel: true})
			if err != nil {
				if !strings.Contains(err.Error(), lib) {
					t.Errorf("Open refused the damaged library with %q, which does not name the library folder %s", err, lib)
				}
				rows = append(rows, faultRow{d.name, "refused to open: " + strings.ReplaceAll(err.Error(), data, "DATA")})
				return
			}
			defer e.Close()
			got, failed, err := readContents(e.store)
			if err != nil {
				rows = append(rows, faultRow{d.name, "opened; listing the files fails: " + err.Error()})
				return
			}
			wrong := 0
			for path, g := range got {
				w, ok := want[path]
				if !ok {
					t.Errorf("%s: a file that was never indexed came back: %s", d.name, path)
					wrong++
					continue
				}
				if g.text != w.text {
					t.Errorf("%s: %s reads back a different text (%d bytes, want %d)", d.name, path, len(g.text), len(w.text))
					wrong++
				}
				for i, c := range g.chunks {
					if c != "\x00unreadable" && (i >= len(w.chunks) || c != w.chunks[i]) {
						t.Errorf("%s: %s chunk %d reads back different text", d.name, path, i)
						wrong++
					}
				}
			}
			// Searches find the right file or nothing.
			for i := range 40 {
				path := filepath.Join(docs, fmt.Sprintf("n%02d.txt", i))
				hits, err := e.Search(ctx, fmt.Sprintf("otter raft counted %d", 100+i), SearchOptions{K: 1})
				if err == nil && len(hits) > 0 && hits[0].Path != path && strings.Contains(hits[0].Text, fmt.Sprint(100+i)) {
					t.Errorf("%s: search for note %d found %s", d.name, i, hits[0].Path)
				}
			}
			outcome := fmt.Sprintf("opened; %d of %d files read back identical, %d reads failed with an error, %d wrong", len(got)-wrong, len(want), failed, wrong)
			lost := len(want) - len(got) - failed
			if lost > 0 {
				outcome += fmt.Sprintf("; %d files silently gone", lost)
			}
			rows = append(rows, faultRow{d.name, outcome})
			if lost > 0 {
				t.Errorf("%s: %d of %d files are silently gone (neither read back nor reported unreadable)", d.name, lost, len(want))
			}
		})
	}
	logFaults(t, rows)
}

// flipBytes inverts 16 bytes of the file at the given share of its length.
func flipBytes(t *testing.T, path string, at float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := int(float64(len(b)) * at)
	for j := i; j < min(i+16, len(b)); j++ {
		b[j] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
