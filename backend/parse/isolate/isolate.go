// Package isolate runs parsers in a child process with a time and memory
// limit. The PDF library Folio uses can loop forever on a /Kids cycle or ask
// for 137 GB and die with a fatal error that no recover catches; parsing in a
// child turns both into ordinary errors (core.ErrTimeout, core.ErrCorrupt)
// and keeps the app alive.
//
// The child is the same executable started again: the parent runs
// Config.Command followed by ChildSubcommand and the file path, with
// EnvChild=1 in its environment. Every main and every TestMain of a binary
// that uses this package must call RunChildIfRequested first, which in a
// child parses the file with the in-process registry (package formats),
// writes the result as JSON to stdout and exits. Detection is by the
// environment variable, not by argv, so the subcommand cannot collide with a
// command-line interface.
package isolate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/formats"
	"folio/backend/parse/ocr"
	"folio/backend/parse/text"
)

const (
	// EnvChild is set to "1" in the environment of a child parser process.
	EnvChild = "FOLIO_PARSE_CHILD"
	// envMemoryLimit carries Config.MemoryLimit (bytes) to the child.
	envMemoryLimit = "FOLIO_PARSE_MEMORY_LIMIT"
	// EnvOCRLanguages carries Config.OCRLanguages to the child, joined
	// with "+" as Tesseract writes them ("eng+deu").
	EnvOCRLanguages = "FOLIO_OCR_LANGUAGES"
	// envOCRCache is "1" in a child whose parent answers its OCR cache
	// requests (Config.OCRCache; see cache.go).
	envOCRCache = "FOLIO_OCR_CACHE"
	// ChildSubcommand is the argument the parent passes before the file path.
	// It only documents the command line (ps shows it); the child is detected
	// by EnvChild.
	ChildSubcommand = "__folio-parse-child"

	// DefaultTimeout is the per-file time limit when Config.Timeout is zero.
	DefaultTimeout = 60 * time.Second
	// DefaultMemoryLimit is the child's memory limit when Config.MemoryLimit
	// is zero.
	DefaultMemoryLimit = 2 << 30 // 2 GiB
	// softMemoryLimit is the heap size the child's garbage collector
	// works to stay under (debug.SetMemoryLimit) when MemoryLimit is
	// larger; MemoryLimit stays the hard limit (RLIMIT_AS). With Go's
	// default pacing a parser's heap grows to twice what it holds: a 50 MB
	// CSV peaked at 866 MB and a 50 MB HTML file at 805 MB; under this
	// limit, 500 MB and 400 MB, in the same time. Every parser stays under
	// 512 MB for inputs of 50 MB or less (TestPeakMemoryOfHostileInputs).
	softMemoryLimit = 256 << 20
	// maxOutput bounds the JSON the parent accepts from a child.
	maxOutput = 1 << 30
	// stderrKeep is how much of the head and of the tail of the child's
	// stderr is kept for error messages.
	stderrKeep = 4 << 10
)

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// Command is the argv prefix that starts the child: the child runs
	// Command..., ChildSubcommand, FILE. Empty means the current executable
	// (os.Executable), which in tests is the test binary.
	Command []string
	// Timeout is the wall-clock limit per file; the child's process group is
	// killed when it expires. Zero means DefaultTimeout. A child that
	// reports progress (a page read by OCR) gets twice Timeout from each
	// report, up to maxExtensions times Timeout in all: OCR of a long scan
	// takes minutes, a child that hangs reports nothing. Twice, so that a
	// page's own OCR budget in the child (60 s, as Timeout's default) runs
	// out first: a slow page is dropped with a warning, not the file.
	Timeout time.Duration
	// MemoryLimit bounds the child's address space growth (RLIMIT_AS on
	// Linux) and sets its Go memory limit. Zero means DefaultMemoryLimit.
	MemoryLimit int64
	// Progress, when set, is called with what a child reports as it goes
	// ("OCR page 3 of 40"), from the goroutine reading its output.
	Progress func(path, msg string)
	// PeakRSS, when set, is called after each child that ran to its end
	// with the file and the most memory the child held resident (bytes; 0
	// where the system does not say): for measurements and tests.
	PeakRSS func(path string, bytes int64)
	// OCRLanguages, when set, is called as each child starts and gives the
	// Tesseract language packs to read scans with (the library's choice in
	// settings); nil or an empty list means the OCR package's default,
	// English plus the system locale's language.
	OCRLanguages func() []string
	// OCRCache, when set, keeps what OCR read across children and runs:
	// a child asks its parent for an image's entry before Tesseract reads
	// it, and hands back what Tesseract read (cache.go). The cache lives
	// in the parent because the library's database, which holds it, is
	// open in one process only.
	OCRCache ocr.Cache
	// OCRPages, when set, is called after each child that ran to its end
	// with the file, the images (pages) Tesseract read in it and those
	// OCRCache served instead: for measurements and tests.
	OCRPages func(path string, read, cached int)
}

// Parser parses each file in a fresh child process. It is safe for
// concurrent use; bound the concurrency at the caller.
type Parser struct {
	cfg Config
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MemoryLimit <= 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	return &Parser{cfg: cfg}
}

// NewRegistry returns a registry that reads plain text in process and every
// other format (PDF, Office, OpenDocument, EPUB, HTML, Markdown, CSV...) in a
// child process, under the time and memory limits of cfg.
func NewRegistry(cfg Config) *parse.Registry {
	r := parse.NewRegistry()
	child := New(cfg)
	for _, ext := range formats.NewDefault().Extensions() {
		if slices.Contains(text.Extensions, ext) {
			continue
		}
		r.Register(child, ext)
	}
	r.Register(text.New(text.Config{}), text.Extensions...)
	return r
}

// ErrChildDied is wrapped (with core.ErrCorrupt) when the child process died
// or wrote garbage instead of a result: a crash the adapter could not turn
// into an error itself, contained by the process boundary.
var ErrChildDied = errors.New("parser crashed")

// errNested stops a child from starting children of its own, which would
// happen (recursively) if a binary forgot to call RunChildIfRequested.
var errNested = errors.New("isolate: child process asked to start another child; does this binary's main/TestMain call isolate.RunChildIfRequested?")

// Parse runs the child on path and returns its Document or its error,
// translated back to the core sentinels. A child that outlives the timeout
// is killed (core.ErrTimeout); one that dies or writes garbage yields
// core.ErrCorrupt ("parser crashed ...").
func (p *Parser) Parse(ctx context.Context, path string) (core.Document, error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if os.Getenv(EnvChild) == "1" {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, errNested)
	}
	timeout, limit := p.cfg.Timeout, p.cfg.MemoryLimit
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	argv := p.cfg.Command
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return core.Document{}, fmt.Errorf("parse %s: finding own executable: %w", path, err)
		}
		argv = []string{exe}
	}

	cmd := exec.Command(argv[0], append(append([]string{}, argv[1:]...), ChildSubcommand, path)...)
	// The OCR settings come from this Config alone, never from what this
	// process inherited: the library judges which scans to read again by
	// the languages it gives (Config.OCRLanguages).
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, EnvOCRLanguages+"=") || strings.HasPrefix(kv, envOCRCache+"=")
	})
	cmd.Env = append(env, EnvChild+"=1", envMemoryLimit+"="+strconv.FormatInt(limit, 10))
	if p.cfg.OCRLanguages != nil {
		if langs := p.cfg.OCRLanguages(); len(langs) > 0 {
			cmd.Env = append(cmd.Env, EnvOCRLanguages+"="+strings.Join(langs, "+"))
		}
	}
	if os.Getenv("OMP_THREAD_LIMIT") == "" {
		// Tesseract (OCR) is built with OpenMP, which starts a thread a
		// core for each page and lets the idle ones spin: three times the
		// CPU for the same page. Files are read in parallel already. Only
		// the environment sets this, before the library loads.
		cmd.Env = append(cmd.Env, "OMP_THREAD_LIMIT=1")
	}
	stdout := &limitedBuffer{max: maxOutput}
	stderr := &headTail{max: stderrKeep}
	progress := make(chan string, 1)
	pw := &progressWriter{next: stderr, out: progress}
	cmd.Stdout, cmd.Stderr = stdout, pw
	if p.cfg.OCRCache != nil {
		in, err := cmd.StdinPipe()
		if err != nil {
			return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
		}
		pw.cache = &cacheServer{cache: p.cfg.OCRCache, reply: in}
		cmd.Env = append(cmd.Env, envOCRCache+"=1")
	}
	cmd.WaitDelay = 2 * time.Second
	setProcessGroup(cmd)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: starting parser process: %w", path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	var waitErr error
	hardStop := start.Add(timeout * maxExtensions)
wait:
	for {
		select {
		case waitErr = <-done:
			pw.flush() // the copying goroutine is done with pw
			if p.cfg.PeakRSS != nil && waitErr == nil {
				p.cfg.PeakRSS(path, stderr.peak())
			}
			if p.cfg.OCRPages != nil && waitErr == nil {
				p.cfg.OCRPages(path, pw.ocrRead, pw.ocrCached)
			}
			break wait
		case msg := <-progress:
			if p.cfg.Progress != nil {
				p.cfg.Progress(path, msg)
			}
			parse.ReportProgress(ctx, msg)
			// Go 1.23 timers: Reset drops a pending expiry.
			timer.Reset(max(min(2*timeout, time.Until(hardStop)), 0))
		case <-timer.C:
			killGroup(cmd)
			<-done
			return core.Document{}, fmt.Errorf("parse %s: %w (killed after %s)", path, core.ErrTimeout, time.Since(start).Round(time.Second))
		case <-ctx.Done():
			killGroup(cmd)
			<-done
			return core.Document{}, fmt.Errorf("parse %s: %w", path, ctx.Err())
		}
	}

	if waitErr != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w: %w (%s after %s)%s",
			path, core.ErrCorrupt, ErrChildDied, exitReason(cmd, waitErr), time.Since(start).Round(time.Millisecond), stderr.summary())
	}
	if stdout.overflow {
		return core.Document{}, fmt.Errorf("parse %s: %w: extracted text exceeds %d bytes", path, core.ErrTooLarge, maxOutput)
	}
	var res result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || (res.Doc == nil && res.Error == nil) {
		return core.Document{}, fmt.Errorf("parse %s: %w: %w (garbled output: %v)%s", path, core.ErrCorrupt, ErrChildDied, err, stderr.summary())
	}
	if res.Error != nil {
		return core.Document{}, res.Error.toError()
	}
	return *res.Doc, nil
}

// RunChildIfRequested turns the process into a child parser when the parent
// started it as one (EnvChild=1): it limits its own memory, parses the file
// named by the last argument, writes the JSON result to stdout and exits. In
// any other process it returns at once. Call it first in main and TestMain.
func RunChildIfRequested() {
	if os.Getenv(EnvChild) != "1" {
		return
	}
	report := func(format string, a ...any) {
		childStderr.printf(progressMarker+format+"\n", a...)
	}
	var cfg formats.Config
	if os.Getenv(envOCRCache) == "1" {
		c := &childCache{in: bufio.NewReader(os.Stdin), out: &childStderr}
		cfg.PDF.OCRCache, cfg.Images.OCR.Cache = c, c
	}
	cfg.PDF.Progress = func(n, pages int) { report("OCR page %d of %d", n, pages) }
	cfg.Images.Progress = func(n, pages int) { report("OCR page %d of %d", n, pages) }
	if v := strings.TrimSpace(os.Getenv(EnvOCRLanguages)); v != "" {
		langs := strings.FieldsFunc(v, func(r rune) bool { return r == '+' || r == ',' || r == ' ' })
		cfg.PDF.OCRLanguages, cfg.Images.OCR.Languages = langs, langs
	}
	runChildWith(formats.New(cfg).Parse)
}

// progressMarker starts a line a child writes to stderr to report
// progress; the parent passes the rest of the line to Config.Progress and
// gives the child more time (see Config.Timeout).
const progressMarker = "isolate child: progress: "

// maxExtensions bounds a child's time, progress reports included, to this
// many times Config.Timeout.
const maxExtensions = 30

// progressWriter reads the child's stderr line by line. It sends each
// progress line (see progressMarker) to out, dropping it when out is full,
// answers the child's OCR cache requests when cache is set (they are not
// passed on), and passes every other line on to next.
type progressWriter struct {
	next  io.Writer
	out   chan<- string
	cache *cacheServer // nil: the child makes no cache requests
	line  []byte       // the line so far
	pass  bool         // the line is long and no request: the rest goes to next as it comes
	drop  bool         // the line is a request too long to answer: dropped
	// ocrRead and ocrCached are what the child's last line of OCR
	// counts said (ocrCountsMarker).
	ocrRead, ocrCached int
}

// maxLine is the longest line kept whole; longer ones are passed on as
// they come (a request may be as long as maxRequestLine).
const maxLine = 512

func (w *progressWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		seg := p
		i := bytes.IndexByte(p, '\n')
		if i >= 0 {
			seg = p[:i+1]
		}
		p = p[len(seg):]
		w.add(seg, i >= 0)
	}
	return n, nil
}

// request reports whether line is (the start of) a cache request.
func (w *progressWriter) request(line []byte) bool {
	return w.cache != nil && bytes.HasPrefix(line, []byte(cacheMarker))
}

// add takes a piece of a line; end is set when it ends the line.
func (w *progressWriter) add(seg []byte, end bool) {
	switch {
	case w.pass:
		w.next.Write(seg)
	case w.drop:
	default:
		w.line = append(w.line, seg...)
		limit := maxLine
		if w.request(w.line) {
			limit = maxRequestLine
		}
		if !end && len(w.line) > limit {
			if w.request(w.line) {
				w.drop = true
			} else {
				w.next.Write(w.line)
				w.pass = true
			}
			w.line = w.line[:0]
		}
	}
	if !end {
		return
	}
	if !w.pass && !w.drop {
		w.finish(w.line)
	}
	w.line, w.pass, w.drop = w.line[:0], false, false
}

// finish handles one whole line, its newline included.
func (w *progressWriter) finish(line []byte) {
	text := strings.TrimSuffix(string(line), "\n")
	if w.request(line) {
		w.cache.serve(strings.TrimPrefix(text, cacheMarker))
		return
	}
	if msg, ok := strings.CutPrefix(text, progressMarker); ok {
		select {
		case w.out <- msg:
		default:
		}
	}
	if counts, ok := strings.CutPrefix(text, ocrCountsMarker); ok {
		fmt.Sscanf(counts, "%d %d", &w.ocrRead, &w.ocrCached)
	}
	w.next.Write(line)
}

// flush passes on a last line without a newline (a crash's last words).
func (w *progressWriter) flush() {
	if len(w.line) > 0 && !w.pass && !w.drop {
		w.next.Write(w.line)
	}
	w.line = w.line[:0]
}

// runChildWith is the child's whole life, with parse standing for the
// in-process registry (tests pass parsers that hang or allocate).
func runChildWith(parse func(context.Context, string) (core.Document, error)) {
	out := os.Stdout
	os.Stdout = os.Stderr // stray prints from libraries must not corrupt the result
	go exitWhenOrphaned(os.Getppid(), time.Second)
	os.Exit(runChild(os.Args, out, parse))
}

// exitWhenOrphaned ends the child once its parent is gone (it is then
// re-parented, so its parent id changes). A parent killed with SIGKILL
// cannot kill its children, and a child stuck in a hang would otherwise
// spin for ever.
func exitWhenOrphaned(parent int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "isolate child: parent is gone; exiting")
			os.Exit(3)
		}
	}
}

// runChild is the body of the child process; it returns the exit code.
func runChild(args []string, out io.Writer, parse func(context.Context, string) (core.Document, error)) int {
	if len(args) < 3 || args[len(args)-2] != ChildSubcommand {
		fmt.Fprintf(os.Stderr, "isolate child: want arguments ... %s FILE, got %q\n", ChildSubcommand, args)
		return 2
	}
	path := args[len(args)-1]
	limit, _ := strconv.ParseInt(os.Getenv(envMemoryLimit), 10, 64)
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	debug.SetMemoryLimit(min(limit, softMemoryLimit))
	if err := limitAddressSpace(limit); err != nil {
		fmt.Fprintf(os.Stderr, "isolate child: memory limit not applied: %v\n", err)
	}

	var res result
	doc, err := parse(context.Background(), path)
	if err != nil {
		res.Error = newErrorJSON(err)
	} else {
		res.Doc = &doc
	}
	if err := json.NewEncoder(out).Encode(&res); err != nil {
		fmt.Fprintf(os.Stderr, "isolate child: writing result: %v\n", err)
		return 1
	}
	if read, cached := ocr.Counts(); read+cached > 0 {
		childStderr.printf("%s%d %d\n", ocrCountsMarker, read, cached)
	}
	if n := selfPeakRSS(); n > 0 {
		fmt.Fprintf(os.Stderr, "%s%d\n", peakMarker, n)
	}
	return 0
}

// result is what a child writes to stdout: exactly one of Doc and Error.
type result struct {
	Doc   *core.Document `json:"doc,omitempty"`
	Error *errorJSON     `json:"error,omitempty"`
}

// errorJSON carries an error across the process boundary: its message and
// the kind of sentinel it wraps.
type errorJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// kinds maps error kinds to the sentinels they stand for, in the order they
// are tested.
var kinds = []struct {
	name string
	err  error
}{
	{"unsupported", core.ErrUnsupported},
	{"encrypted", core.ErrEncrypted},
	{"corrupt", core.ErrCorrupt},
	{"empty", core.ErrEmpty},
	{"too_large", core.ErrTooLarge},
	{"timeout", core.ErrTimeout},
	{"not_regular", core.ErrNotRegular},
	{"not_found", fs.ErrNotExist},
	{"permission", fs.ErrPermission},
	{"canceled", context.Canceled},
	{"deadline", context.DeadlineExceeded},
}

func newErrorJSON(err error) *errorJSON {
	e := &errorJSON{Message: err.Error()}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			e.Kind = k.name
			break
		}
	}
	return e
}

func (e *errorJSON) toError() error {
	ce := &childError{msg: e.Message}
	for _, k := range kinds {
		if k.name == e.Kind {
			ce.kind = k.err
		}
	}
	return ce
}

// childError is an error reported by a child: the child's message, matching
// the sentinel of its kind under errors.Is.
type childError struct {
	msg  string
	kind error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.kind }

// exitReason describes how the child ended.
func exitReason(cmd *exec.Cmd, err error) string {
	if st := cmd.ProcessState; st != nil {
		if s := signalOf(st); s != "" {
			return "killed by signal " + s
		}
		return "exit status " + strconv.Itoa(st.ExitCode())
	}
	return err.Error()
}

// limitedBuffer keeps at most max bytes and records whether more came.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// headTail keeps the first and the last max bytes written to it: a Go
// crash puts its reason at the head and goroutine traces after it.
type headTail struct {
	head, tail []byte
	max        int
}

func (b *headTail) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - b.max; over > 0 {
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	return n, nil
}

// peakMarker starts the last line a child writes to stderr: its peak
// resident memory in bytes.
const peakMarker = "isolate child: peak resident memory (bytes): "

// peak returns the peak memory a child reported as its last line, or 0.
func (b *headTail) peak() int64 {
	t := strings.TrimSpace(string(b.tail))
	if len(b.tail) == 0 {
		t = strings.TrimSpace(string(b.head))
	}
	i := strings.LastIndex(t, peakMarker)
	if i < 0 {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(t[i+len(peakMarker):]), 10, 64)
	return n
}

// summary returns ": " and the most telling line of the child's stderr (a
// Go runtime, fatal error or panic line if there is one, else the last
// line), or "".
func (b *headTail) summary() string {
	lines := strings.Split(strings.TrimSpace(string(b.head)+"\n"+string(b.tail)), "\n")
	for _, prefix := range []string{"runtime:", "fatal error:", "panic:"} {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return ": " + strings.TrimSpace(l)
			}
		}
	}
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return ": " + last
	}
	return ""
}
