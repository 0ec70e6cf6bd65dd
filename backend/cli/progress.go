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
	var line string
	switch pr.Phase {
	case "embedding":
		line = fmt.Sprintf("embedding: %d chunks, %.1f chunks/s, ETA %s", pr.Chunks, pr.ChunksPerSec, eta(pr.ETASeconds))
	case "done":
		return
	default:
		line = fmt.Sprintf("%s: %d/%d files", pr.Phase, pr.FilesDone, pr.FilesTotal)
		if pr.Failed > 0 {
			line += fmt.Sprintf(", %d failed", pr.Failed)
		}
		if pr.Current != "" {
			line += "  " + filepath.Base(pr.Current)
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
