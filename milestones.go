package main

import (
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
)

// The window's milestones, logged on stderr so that a terminal, and
// tests/ui/firstrun.sh, can tell when a person could ask and when an
// answer came: the first files of an indexing run searchable, the run's
// end, each answer. Nothing of a question or an answer's text is logged;
// an answer's first citation is named by its file's base name only.

// firstSearchable wraps an indexing run's progress callback: the first
// report with a file read (FilesDone above Failed: its passages are in the
// keyword index) logs "indexing: the first files can be searched", once
// per run. Every report still reaches progress, unchanged.
func firstSearchable(progress func(core.Progress)) func(core.Progress) {
	var once sync.Once
	return func(p core.Progress) {
		if p.FilesDone > p.Failed {
			once.Do(func() {
				slog.Info("indexing: the first files can be searched", "files", p.FilesDone, "of", p.FilesTotal)
			})
		}
		progress(p)
	}
}

// logIndexed logs an indexing run's end with its counts.
func logIndexed(rep engine.IndexReport) {
	slog.Info("indexing: done", "files", rep.Files, "new", rep.New, "failed", rep.Failed,
		"chunks_embedded", rep.ChunksEmbedded, "seconds", round1(rep.Seconds), "canceled", rep.Canceled)
}

// logAnswered logs a question answered in a chat (or its error): the last
// turn's mode, its number of citations and the first one's file name, and
// how long it took.
func logAnswered(chat core.Chat, err error, took time.Duration) {
	secs := round1(took.Seconds())
	if err != nil {
		slog.Info("answered: error", "err", err, "seconds", secs)
		return
	}
	var a core.Answer
	if n := len(chat.Turns); n > 0 {
		a = chat.Turns[n-1].Answer
	}
	first := ""
	if len(a.Citations) > 0 {
		first = filepath.Base(a.Citations[0].Path)
	}
	slog.Info("answered", "mode", a.Mode, "found", a.Found, "citations", len(a.Citations), "first", first, "seconds", secs)
}

// round1 rounds s to one decimal.
func round1(s float64) float64 { return float64(int64(s*10+0.5)) / 10 }
