package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"folio/backend/engine"
)

// child is how one folio process went.
type child struct {
	Wall      float64 // seconds from start to exit
	CPU       float64 // user+system seconds, its waited-for children included
	User, Sys float64
	MaxRSSKiB int64 // the largest resident set of it or one of its children
	Exit      int   // exit code, -1 when killed by a signal
	Stdout    []byte
	Stderr    []byte
}

// folio runs the folio binary to completion.
func folio(ctx context.Context, bin string, args ...string) (child, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return child{}, fmt.Errorf("start folio: %w", err)
	}
	err := cmd.Wait()
	c := finished(cmd, time.Since(start), &out, &errb)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return c, fmt.Errorf("folio %s: %w", strings.Join(args, " "), err)
	}
	return c, nil
}

// finished collects a waited-for process's figures.
func finished(cmd *exec.Cmd, wall time.Duration, out, errb *bytes.Buffer) child {
	c := child{Wall: wall.Seconds(), Exit: cmd.ProcessState.ExitCode(), Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		c.User = tv(ru.Utime)
		c.Sys = tv(ru.Stime)
		c.CPU = c.User + c.Sys
		c.MaxRSSKiB = ru.Maxrss
	}
	return c
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)*1e-6 }

// failed describes a folio run that did not exit 0.
func (c child) failed(what string) error {
	return fmt.Errorf("%s: exit %d: %s", what, c.Exit, lastLines(string(c.Stderr), 5))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// buildFolio builds the command line into dir, with cgo as the app is.
func buildFolio(ctx context.Context, dir string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "folio")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build folio: %w: %s", err, out)
	}
	return bin, nil
}

// repoRoot finds the folio module from the working folder up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module folio\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run indexbench inside the folio repository (or give -folio)")
		}
		dir = parent
	}
}

// newLibrary makes an empty library folder, with the model installed
// unless modelDir is empty.
func newLibrary(ctx context.Context, bin, data, modelDir string) error {
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	if modelDir == "" {
		return os.MkdirAll(data, 0o700)
	}
	c, err := folio(ctx, bin, "--data", data, "models", "install", "--name", filepath.Base(modelDir), modelDir)
	if err != nil {
		return err
	}
	if c.Exit != 0 {
		return c.failed("install the model")
	}
	return nil
}

// indexRun is one timed `folio index --json` of a folder.
type indexRun struct {
	Model          bool    `json:"model"`
	Files          int     `json:"files"`
	Failed         int     `json:"failed"`
	Skipped        int     `json:"skipped"`
	Chunks         int     `json:"chunks"` // stored, from folio status
	ChunksEmbedded int     `json:"chunks_embedded"`
	Seconds        float64 `json:"seconds"`        // wall time of the process
	ReportSeconds  float64 `json:"report_seconds"` // what folio reported
	FilesPerSec    float64 `json:"files_per_sec"`
	ChunksPerSec   float64 `json:"chunks_per_sec"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	UserSeconds    float64 `json:"user_seconds"`
	SysSeconds     float64 `json:"sys_seconds"`
	CPUCores       float64 `json:"cpu_cores"` // CPU seconds per wall second
	PeakMiB        float64 `json:"peak_mib"`
}

// timeIndex indexes folder into a new library (data) and times it.
func timeIndex(ctx context.Context, bin, data, folder, modelDir string) (indexRun, error) {
	if err := newLibrary(ctx, bin, data, modelDir); err != nil {
		return indexRun{}, err
	}
	args := []string{"--data", data}
	if modelDir == "" {
		args = append(args, "--no-model")
	}
	c, err := folio(ctx, bin, append(args, "index", "--json", folder)...)
	if err != nil {
		return indexRun{}, err
	}
	if c.Exit != 0 {
		return indexRun{}, c.failed("index " + folder)
	}
	var rep engine.IndexReport
	if err := json.Unmarshal(firstLine(c.Stdout), &rep); err != nil {
		return indexRun{}, fmt.Errorf("index report %q: %w", c.Stdout, err)
	}
	st, err := status(ctx, bin, data, modelDir == "")
	if err != nil {
		return indexRun{}, err
	}
	r := indexRun{
		Model: modelDir != "", Files: rep.Files, Failed: rep.Failed, Skipped: rep.Skipped,
		Chunks: st.Status.Chunks, ChunksEmbedded: rep.ChunksEmbedded,
		Seconds: c.Wall, ReportSeconds: rep.Seconds,
		CPUSeconds: c.CPU, UserSeconds: c.User, SysSeconds: c.Sys,
		PeakMiB: float64(c.MaxRSSKiB) / 1024,
	}
	r.FilesPerSec = float64(r.Files) / r.Seconds
	r.ChunksPerSec = float64(r.Chunks) / r.Seconds
	r.CPUCores = r.CPUSeconds / r.Seconds
	return r, nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// statusOut is what `folio status --json` prints.
type statusOut struct {
	Status engine.Status      `json:"status"`
	Files  []engine.FileState `json:"files"`
}

// status runs `folio status --json` on a library.
func status(ctx context.Context, bin, data string, noModel bool) (statusOut, error) {
	args := []string{"--data", data}
	if noModel {
		args = append(args, "--no-model")
	}
	c, err := folio(ctx, bin, append(args, "status", "--json")...)
	if err != nil {
		return statusOut{}, err
	}
	if c.Exit != 0 {
		return statusOut{}, c.failed("status")
	}
	var st statusOut
	if err := json.Unmarshal(c.Stdout, &st); err != nil {
		return statusOut{}, fmt.Errorf("status output: %w", err)
	}
	return st, nil
}

// markIndexed records, next to a library, that it was indexed in full and
// how that went, so a later run with the same -work can reuse it.
func markIndexed(data string, r indexRun) {
	if b, err := json.Marshal(r); err == nil {
		_ = os.WriteFile(data+".json", b, 0o644)
	}
}

// reusable returns the record of a library indexed in full, if any.
func reusable(data string) (indexRun, bool) {
	var r indexRun
	b, err := os.ReadFile(data + ".json")
	if err != nil || json.Unmarshal(b, &r) != nil {
		return r, false
	}
	_, err = os.Stat(filepath.Join(data, "library"))
	return r, err == nil
}
