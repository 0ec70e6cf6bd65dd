package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"folio/backend/chunk"
	"folio/backend/encoder"
	"folio/backend/engine"
	"folio/backend/parse"
	"folio/backend/parse/isolate"
	"folio/backend/stats"
)

// edit is one paragraph edited in one indexed file.
type edit struct {
	Path         string  `json:"path"`
	ChunksBefore int     `json:"chunks_before"`
	ChunksAfter  int     `json:"chunks_after"`
	Changed      int     `json:"changed_chunks"`  // chunks of the new version whose text is new
	Embedded     int     `json:"chunks_embedded"` // what the runs after the edit embedded
	Runs         int     `json:"runs"`            // indexing runs the edit caused
	SearchMs     float64 `json:"search_ms"`       // edit saved → a search finds the new text
	RunMs        float64 `json:"run_ms"`          // edit saved → the run's report
	Found        bool    `json:"found"`
}

// editReport is the edit-latency test's outcome.
type editReport struct {
	Files          int     `json:"library_files"`
	RescanSeconds  float64 `json:"startup_rescan_s"` // Watch's first rescan of the indexed library
	RescanEmbedded int     `json:"startup_rescan_chunks_embedded"`
	Watched        []edit  `json:"watched"`
	SearchP50ms    float64 `json:"search_p50_ms"`
	SearchMaxms    float64 `json:"search_max_ms"`
	RunP50ms       float64 `json:"run_p50_ms"`
	PollSearchMs   float64 `json:"poll_search_p50_ms"` // one search while polling
	// Reference: the same kind of edit indexed with a plain Index of the
	// file, no watcher (so no debounce).
	Direct        []edit  `json:"direct"`
	DirectP50ms   float64 `json:"direct_index_p50_ms"`
	DirectMaxms   float64 `json:"direct_index_max_ms"`
	DebounceShare float64 `json:"debounce_share"` // (watched p50 − direct p50) / watched p50
	ExtraEmbedded int     `json:"extra_embedded"` // chunks embedded beyond the changed ones, over all edits
}

// editTest opens the indexed library in data with the model, watches it,
// edits one paragraph of a few files and times until search finds the new
// text; then, as the reference, indexes the same kind of edit directly.
func editTest(ctx context.Context, data, modelDir, work string, paths []string, t *texts, edits int, seed uint64, debug bool) (editReport, error) {
	rep := editReport{Files: len(paths)}
	enc, err := encoder.Open(modelDir)
	if err != nil {
		return rep, err
	}
	ccfg := chunk.Config{MaxTokens: min(200, enc.MaxTokens()-2), Count: enc.CountTokens}
	parser := isolate.NewRegistry(isolate.Config{})
	level := slog.LevelWarn
	if debug {
		level = slog.LevelDebug
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	e, err := engine.Open(ctx, engine.Config{DataDir: data, Logger: quiet})
	if err != nil {
		return rep, err
	}
	defer e.Close()
	if e.Status().Model == "" {
		return rep, errors.New("the edit test needs a library with the model installed")
	}

	type stamped struct {
		at  time.Time
		rep engine.IndexReport
	}
	runs := make(chan stamped, 1024)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watchErr := make(chan error, 1)
	start := time.Now()
	go func() {
		watchErr <- e.Watch(wctx, func(r engine.IndexReport) { runs <- stamped{time.Now(), r} }, nil)
	}()
	select {
	case r := <-runs:
		rep.RescanSeconds = r.at.Sub(start).Seconds()
		rep.RescanEmbedded = r.rep.ChunksEmbedded
		logf("watch: start-up rescan of %d files in %.1fs (%d unchanged, %d chunks embedded)", r.rep.Files, rep.RescanSeconds, r.rep.Unchanged, r.rep.ChunksEmbedded)
	case err := <-watchErr:
		return rep, fmt.Errorf("watch ended before its first run: %w", err)
	case <-time.After(10 * time.Minute):
		return rep, errors.New("watch: no start-up rescan within 10 minutes")
	}

	rng := rand.New(rand.NewPCG(seed, 5))
	targets := pickTargets(paths, edits, rng)
	chunksOf := func(path string) (int, error) {
		lib, err := e.Library(ctx)
		if err != nil {
			return 0, err
		}
		for _, f := range lib.Files {
			if f.Path == path {
				return f.Chunks, nil
			}
		}
		return 0, fmt.Errorf("%s is not in the library", path)
	}
	// already warns when the new text is in the library before the edit,
	// so a search could find it elsewhere.
	already := func(q, marker string) error {
		hits, err := e.Search(ctx, q, engine.SearchOptions{K: 5})
		if err != nil {
			return err
		}
		for _, h := range hits {
			if strings.Contains(h.Text, marker) {
				logf("  warning: the new paragraph is already in the library, in %s", h.Path)
			}
		}
		return nil
	}
	var polls []float64
	// find polls a search every 20 ms until it returns path with marker.
	find := func(q, path, marker string, t0 time.Time, limit time.Duration) (float64, bool, error) {
		for time.Since(t0) < limit {
			ts := time.Now()
			hits, err := e.Search(ctx, q, engine.SearchOptions{K: 5})
			if err != nil {
				return 0, false, err
			}
			polls = append(polls, ms(time.Since(ts)))
			for _, h := range hits {
				if h.Path == path && strings.Contains(h.Text, marker) {
					return ms(time.Since(t0)), true, nil
				}
			}
			if time.Since(t0)+20*time.Millisecond >= limit {
				for i, h := range hits {
					logf("  not found: hit %d: %s: %q", i+1, h.Path, h.Text[:min(100, len(h.Text))])
				}
				logf("  query %q, marker %q", q, marker)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return ms(limit), false, nil
	}

	originals := map[string]string{}
	for _, path := range targets {
		b, err := os.ReadFile(path)
		if err != nil {
			return rep, err
		}
		originals[path] = string(b)
	}
	for i, path := range targets {
		ed := edit{Path: path}
		if ed.ChunksBefore, err = chunksOf(path); err != nil {
			return rep, err
		}
		old, neu, q, marker, err := rewrite(path, t.reserved[i])
		if err != nil {
			return rep, err
		}
		if ed.Changed, err = changedChunks(ctx, parser, ccfg, work, path, old, neu); err != nil {
			return rep, err
		}
		if err := already(q, marker); err != nil {
			return rep, err
		}
		for len(runs) > 0 {
			<-runs
		}
		t0 := time.Now()
		if err := os.WriteFile(path, []byte(neu), 0o644); err != nil {
			return rep, err
		}
		if ed.SearchMs, ed.Found, err = find(q, path, marker, t0, 30*time.Second); err != nil {
			return rep, err
		}
		// The run the edit caused, and any that follow within 1.5 s (a
		// second batch for the same save would re-embed for nothing).
		deadline := time.After(30 * time.Second)
		settle := (<-chan time.Time)(nil)
	wait:
		for {
			select {
			case r := <-runs:
				if ed.Runs == 0 {
					ed.RunMs = ms(r.at.Sub(t0))
					settle = time.After(1500 * time.Millisecond)
				}
				ed.Runs++
				ed.Embedded += r.rep.ChunksEmbedded
			case <-settle:
				break wait
			case <-deadline:
				break wait
			}
		}
		if ed.ChunksAfter, err = chunksOf(path); err != nil {
			return rep, err
		}
		rep.ExtraEmbedded += max(0, ed.Embedded-ed.Changed)
		logf("edit %d (watched): %s: found %v after %.0f ms, run done after %.0f ms; %d of %d chunks embedded (%d changed)",
			i+1, filepath.Base(path), ed.Found, ed.SearchMs, ed.RunMs, ed.Embedded, ed.ChunksAfter, ed.Changed)
		rep.Watched = append(rep.Watched, ed)
	}
	stop()
	if err := <-watchErr; err != nil {
		return rep, fmt.Errorf("watch: %w", err)
	}

	// Reference: no watcher, a plain Index of the edited file.
	for i, path := range targets {
		ed := edit{Path: path, Runs: 1}
		if ed.ChunksBefore, err = chunksOf(path); err != nil {
			return rep, err
		}
		old, neu, q, marker, err := rewrite(path, t.reserved[len(targets)+i])
		if err != nil {
			return rep, err
		}
		if ed.Changed, err = changedChunks(ctx, parser, ccfg, work, path, old, neu); err != nil {
			return rep, err
		}
		if err := already(q, marker); err != nil {
			return rep, err
		}
		if err := os.WriteFile(path, []byte(neu), 0o644); err != nil {
			return rep, err
		}
		t0 := time.Now()
		r, err := e.Index(ctx, []string{path}, nil)
		if err != nil {
			return rep, err
		}
		ed.RunMs = ms(time.Since(t0))
		ed.Embedded = r.ChunksEmbedded
		if ed.SearchMs, ed.Found, err = find(q, path, marker, t0, 5*time.Second); err != nil {
			return rep, err
		}
		if ed.ChunksAfter, err = chunksOf(path); err != nil {
			return rep, err
		}
		rep.ExtraEmbedded += max(0, ed.Embedded-ed.Changed)
		logf("edit %d (direct Index): %s: indexed in %.0f ms, found %v after %.0f ms; %d of %d chunks embedded (%d changed)",
			i+1, filepath.Base(path), ed.RunMs, ed.Found, ed.SearchMs, ed.Embedded, ed.ChunksAfter, ed.Changed)
		rep.Direct = append(rep.Direct, ed)
	}
	// Put the files back as they were, so a kept library (-keep) stays the
	// generated one.
	for path, text := range originals {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return rep, err
		}
		if _, err := e.Index(ctx, []string{path}, nil); err != nil {
			return rep, err
		}
	}
	var ws, wr, dr []float64
	for _, ed := range rep.Watched {
		ws, wr = append(ws, ed.SearchMs), append(wr, ed.RunMs)
	}
	for _, ed := range rep.Direct {
		dr = append(dr, ed.SearchMs)
	}
	rep.SearchP50ms, rep.SearchMaxms, rep.RunP50ms = stats.Median(ws), slices.Max(ws), stats.Median(wr)
	rep.DirectP50ms, rep.DirectMaxms = stats.Median(dr), slices.Max(dr)
	rep.PollSearchMs = stats.Median(polls)
	if rep.SearchP50ms > 0 {
		rep.DebounceShare = (rep.SearchP50ms - rep.DirectP50ms) / rep.SearchP50ms
	}
	return rep, nil
}

// pickTargets chooses n distinct files: the largest of a random sample of
// 20n, as larger files have more chunks before their last paragraph, which
// an edit of that paragraph leaves as they were.
func pickTargets(paths []string, n int, rng *rand.Rand) []string {
	type sized struct {
		path string
		size int64
	}
	var sample []sized
	for _, i := range rng.Perm(len(paths))[:min(len(paths), 20*n)] {
		if fi, err := os.Stat(paths[i]); err == nil {
			sample = append(sample, sized{paths[i], fi.Size()})
		}
	}
	slices.SortStableFunc(sample, func(a, b sized) int { return int(b.size - a.size) })
	var out []string
	for _, s := range sample[:min(n, len(sample))] {
		out = append(out, s.path)
	}
	return out
}

// rewrite replaces the last paragraph of a file with para. It returns the
// old and new text, a query of words only in para (its longest sentence)
// and a marker of that sentence to find in a hit.
func rewrite(path, para string) (old, neu, query, marker string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", "", "", err
	}
	old = string(b)
	paras := strings.Split(strings.TrimSpace(old), "\n\n")
	paras[len(paras)-1] = para
	neu = strings.Join(paras, "\n\n") + "\n"
	for _, s := range chunk.Sentences(para) {
		if s.End-s.Start > len(query) {
			query = para[s.Start:s.End]
		}
	}
	marker = query[:min(40, len(query))]
	return old, neu, query, marker, nil
}

// changedChunks counts the chunks of the new text whose text was not a
// chunk of the old one: what an incremental index must embed.
func changedChunks(ctx context.Context, p parse.Parser, cfg chunk.Config, work, path, old, neu string) (int, error) {
	split := func(name, text string) ([]string, error) {
		f := filepath.Join(work, name+filepath.Ext(path))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			return nil, err
		}
		doc, err := p.Parse(ctx, f)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, c := range chunk.Split(&doc, cfg) {
			out = append(out, c.Text)
		}
		return out, nil
	}
	before, err := split("edit-old", old)
	if err != nil {
		return 0, err
	}
	after, err := split("edit-new", neu)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range after {
		if !slices.Contains(before, c) {
			n++
		}
	}
	return n, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
