package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/backend/core"
)

// progressLine draws indexing progress on a terminal (one line redrawn in
// place) or, when stderr is not a terminal, prints a line every few seconds.
type progressLine struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newProgressLine(w io.Writer) *progressLine {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressLine{w: w, tty: tty}
}

func (p *progressLine) update(pr core.Progress) {
	if pr.Phase == "done" {
		return
	}
	line := fmt.Sprintf("%s: %d/%d files", pr.Phase, pr.FilesDone, pr.FilesTotal)
	if pr.Pages > 0 {
		line += fmt.Sprintf(", %d pages", pr.Pages)
	}
	if pr.Chunks > 0 {
		line += fmt.Sprintf(", %d chunks embedded (%.1f/s)", pr.Chunks, pr.ChunksPerSec)
	}
	if pr.Failed > 0 {
		line += fmt.Sprintf(", %d failed", pr.Failed)
	}
	switch {
	case pr.Paused:
		line += "  paused"
	case pr.ETASeconds > 0:
		line += ", ETA " + eta(pr.ETASeconds)
	}
	if pr.Current != "" && !pr.Paused {
		line += "  " + shown(filepath.Base(pr.Current))
		if pr.Detail != "" {
			line += " (" + pr.Detail + ")"
		}
	}
	if p.tty {
		if len(line) > 100 {
			line = line[:100]
		}
		fmt.Fprintf(p.w, "\r%-100s", line)
		p.drawn = true
		return
	}
	if time.Since(p.last) >= 2*time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
	}
}

func (p *progressLine) done() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", 100)+"\r")
	}
}

func eta(s float64) string {
	if s <= 0 || s > 1e7 {
		return "-"
	}
	return (time.Duration(s) * time.Second).Round(time.Second).String()
}
