package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/store"
)

// killRound is one index run killed with SIGKILL, and the library after it.
type killRound struct {
	DelaySeconds float64 `json:"delay_s"`
	Finished     bool    `json:"finished_before_kill,omitempty"`
	StatusOK     bool    `json:"status_ok"`
	SearchOK     bool    `json:"search_ok"`
	Hits         int     `json:"hits"`
	Read         int     `json:"files_read"` // indexed, or read and waiting for vectors
	Docs         int     `json:"docs"`
	Chunks       int     `json:"chunks"`
	Vectors      int     `json:"vectors"`
	Error        string  `json:"error,omitempty"`
}

// killReport is the kill test's outcome.
type killReport struct {
	Files          int         `json:"files"`
	Kills          int         `json:"kills"`
	MaxDelay       float64     `json:"max_delay_s"`
	Rounds         []killRound `json:"rounds"`
	OpenedAndFound int         `json:"opened_and_searched"` // rounds where status and search both worked
	Regressions    []string    `json:"regressions,omitempty"`
	// The last, uninterrupted run.
	Final          engine.IndexReport `json:"final"`
	VectorsBefore  int                `json:"vectors_before_final"`
	ReadBefore     int                `json:"files_read_before_final"`
	RedoneFiles    int                `json:"redone_files"`  // files the final run read again though finished
	RedoneChunks   int                `json:"redone_chunks"` // chunks the final run embedded beyond those missing
	Compare        comparison         `json:"compare"`
	ReferenceIndex *indexRun          `json:"reference_index,omitempty"` // when the reference was built here
	Seconds        float64            `json:"seconds"`
}

// comparison is a killed-and-resumed library against an uninterrupted one.
type comparison struct {
	Files         int      `json:"files"`
	Chunks        int      `json:"chunks"`
	Matched       bool     `json:"matched"`
	MinCosine     float64  `json:"min_cosine"`
	MissingVecs   int      `json:"missing_vectors"`
	OrphanVecs    int      `json:"orphan_vectors"` // vectors without a chunk, in the resumed library
	Differences   []string `json:"differences,omitempty"`
	DiffCount     int      `json:"difference_count"`
	CompareSecond float64  `json:"seconds"`
}

// killTest kills `folio index` of folder at seeded random moments, checks
// the library opens and searches after each kill, lets a last run finish,
// and compares the result with the uninterrupted library in ref.
func killTest(ctx context.Context, bin, work, folder, modelDir, ref string, t *texts, kills int, maxDelay float64, seed uint64) (killReport, error) {
	start := time.Now()
	rep := killReport{Kills: kills, MaxDelay: maxDelay}
	data := filepath.Join(work, "lib-kill")
	if err := newLibrary(ctx, bin, data, modelDir); err != nil {
		return rep, err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	prev := killRound{}
	for i := range kills {
		delay := 0.2 + rng.Float64()*(maxDelay-0.2)
		round := killRound{DelaySeconds: delay}
		finished, err := indexAndKill(ctx, bin, data, folder, time.Duration(delay*float64(time.Second)))
		if err != nil {
			return rep, err
		}
		round.Finished = finished
		afterKill(ctx, bin, data, t.queries[rng.IntN(len(t.queries))], &round)
		if round.StatusOK && round.SearchOK {
			rep.OpenedAndFound++
		}
		if round.StatusOK && i > 0 && prev.StatusOK && (round.Read < prev.Read || round.Vectors < prev.Vectors) {
			rep.Regressions = append(rep.Regressions, fmt.Sprintf("kill %d: files read %d→%d, vectors %d→%d", i+1, prev.Read, round.Read, prev.Vectors, round.Vectors))
		}
		if round.StatusOK {
			prev = round
		}
		rep.Rounds = append(rep.Rounds, round)
		logf("kill %d/%d after %.1fs: status %v, search %v (%d hits); %d files read, %d chunks, %d vectors%s",
			i+1, kills, delay, round.StatusOK, round.SearchOK, round.Hits, round.Read, round.Chunks, round.Vectors, errSuffix(round.Error))
	}
	rep.VectorsBefore, rep.ReadBefore = prev.Vectors, prev.Read
	c, err := folio(ctx, bin, "--data", data, "index", "--json", folder)
	if err != nil {
		return rep, err
	}
	if c.Exit != 0 {
		return rep, c.failed("the resumed index")
	}
	if err := json.Unmarshal(firstLine(c.Stdout), &rep.Final); err != nil {
		return rep, fmt.Errorf("resumed index report: %w", err)
	}
	rep.Files = rep.Final.Files
	// Files finished before the last run are unchanged for it; chunks it
	// embeds are those that had no vector yet.
	rep.RedoneFiles = max(0, rep.Final.New+rep.Final.Changed-(rep.Final.Files-rep.ReadBefore))
	if st, err := status(ctx, bin, data, false); err == nil {
		rep.RedoneChunks = rep.Final.ChunksEmbedded - (st.Status.Chunks - rep.VectorsBefore)
	}
	logf("resumed index: %d files (%d new, %d unchanged), %d chunks embedded in %.1fs", rep.Final.Files, rep.Final.New, rep.Final.Unchanged, rep.Final.ChunksEmbedded, rep.Final.Seconds)
	t0 := time.Now()
	rep.Compare, err = compareLibraries(filepath.Join(ref, "library"), filepath.Join(data, "library"))
	if err != nil {
		return rep, err
	}
	rep.Compare.CompareSecond = time.Since(t0).Seconds()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func errSuffix(s string) string {
	if s == "" {
		return ""
	}
	return "; " + s
}

// indexAndKill starts `folio index` and kills it with SIGKILL after delay.
// It reports whether the run ended by itself first.
func indexAndKill(ctx context.Context, bin, data, folder string, delay time.Duration) (bool, error) {
	cmd := exec.CommandContext(ctx, bin, "--data", data, "index", "--json", folder)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("start folio: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		if cmd.ProcessState.ExitCode() != 0 {
			return true, fmt.Errorf("index run before its kill failed: exit %d: %s", cmd.ProcessState.ExitCode(), lastLines(errb.String(), 5))
		}
		return true, nil
	case <-time.After(delay):
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return false, fmt.Errorf("kill folio: %w", err)
	}
	<-done
	return false, nil
}

// afterKill opens the library as a person would: status, then a search.
func afterKill(ctx context.Context, bin, data, query string, r *killRound) {
	st, err := status(ctx, bin, data, false)
	if err != nil {
		r.Error = "status: " + err.Error()
	} else {
		r.StatusOK = true
		r.Docs, r.Chunks, r.Vectors = st.Status.Docs, st.Status.Chunks, st.Status.Vectors
		for _, f := range st.Files {
			if f.State == store.StateIndexed || f.State == store.StatePending && f.Reason != "" {
				r.Read++
			}
		}
	}
	c, err := folio(ctx, bin, "--data", data, "search", "--json", "-k", "3", query)
	switch {
	case err != nil:
		r.Error += " search: " + err.Error()
	case c.Exit != 0:
		r.Error += " " + c.failed("search").Error()
	default:
		var out struct {
			Hits []json.RawMessage `json:"hits"`
		}
		if err := json.Unmarshal(c.Stdout, &out); err != nil {
			r.Error += " search output: " + err.Error()
			return
		}
		r.Hits = len(out.Hits)
		// An empty library has nothing to find; otherwise a search finds.
		r.SearchOK = r.Hits > 0 || r.Chunks == 0
		if !r.SearchOK {
			r.Error += fmt.Sprintf(" search found nothing in %d chunks", r.Chunks)
		}
	}
}

// compareLibraries checks that two libraries hold the same files with the
// same states and chunk counts, the same chunk texts, a vector for every
// chunk, and vectors equal up to summation order (cosine ≥ 0.9999).
func compareLibraries(refDir, gotDir string) (comparison, error) {
	cmp := comparison{MinCosine: 1}
	ref, err := store.Open(refDir)
	if err != nil {
		return cmp, err
	}
	defer ref.Close()
	got, err := store.Open(gotDir)
	if err != nil {
		return cmp, err
	}
	defer got.Close()
	diff := func(format string, a ...any) {
		cmp.DiffCount++
		if len(cmp.Differences) < 20 {
			cmp.Differences = append(cmp.Differences, fmt.Sprintf(format, a...))
		}
	}
	refFiles, err := ref.Files()
	if err != nil {
		return cmp, err
	}
	gotFiles, err := got.Files()
	if err != nil {
		return cmp, err
	}
	byPath := map[string]store.FileRecord{}
	for _, f := range gotFiles {
		byPath[f.Path] = f
	}
	gotChunks := 0
	for _, rf := range refFiles {
		gf, ok := byPath[rf.Path]
		if !ok {
			diff("%s: missing", rf.Path)
			continue
		}
		delete(byPath, rf.Path)
		cmp.Files++
		if gf.State != rf.State || gf.Chunks != rf.Chunks || gf.Reason != rf.Reason || gf.Hash != rf.Hash {
			diff("%s: %s, %d chunks (%q), want %s, %d chunks (%q)", rf.Path, gf.State, gf.Chunks, gf.Reason, rf.State, rf.Chunks, rf.Reason)
			continue
		}
		if rf.DocID == 0 {
			continue
		}
		rc, err := ref.Chunks(rf.DocID)
		if err != nil {
			return cmp, err
		}
		gc, err := got.Chunks(gf.DocID)
		if err != nil {
			return cmp, err
		}
		if len(rc) != len(gc) || len(gc) != gf.Chunks {
			diff("%s: %d stored chunks, want %d (record says %d)", rf.Path, len(gc), len(rc), gf.Chunks)
			continue
		}
		for i := range rc {
			cmp.Chunks++
			if rc[i].Text != gc[i].Text || rc[i].Start != gc[i].Start || rc[i].End != gc[i].End {
				diff("%s: chunk %d differs", rf.Path, i)
				continue
			}
			rv, rok, err := ref.Vector(rc[i].ID)
			if err != nil {
				return cmp, err
			}
			gv, gok, err := got.Vector(gc[i].ID)
			if err != nil {
				return cmp, err
			}
			if !gok {
				cmp.MissingVecs++
				diff("%s: chunk %d has no vector", rf.Path, i)
				continue
			}
			if !rok {
				diff("%s: chunk %d has no vector in the reference", rf.Path, i)
				continue
			}
			cos := cosine(rv, gv)
			cmp.MinCosine = math.Min(cmp.MinCosine, cos)
			if cos < 0.9999 {
				diff("%s: chunk %d vector cosine %.6f", rf.Path, i, cos)
			}
		}
	}
	extra := slices.Sorted(func(yield func(string) bool) {
		for p := range byPath {
			if !yield(p) {
				return
			}
		}
	})
	for _, p := range extra {
		diff("%s: in the resumed library only", p)
	}
	// Every vector belongs to a chunk.
	if err := got.EachChunk(func(core.Chunk) error { gotChunks++; return nil }); err != nil {
		return cmp, err
	}
	vecs := 0
	if err := got.EachVector(func(id uint64, _ []float32) error {
		vecs++
		if _, err := got.Chunk(id); err != nil {
			cmp.OrphanVecs++
		}
		return nil
	}); err != nil {
		return cmp, err
	}
	if gotChunks != cmp.Chunks {
		diff("the resumed library stores %d chunks, the reference's files have %d", gotChunks, cmp.Chunks)
	}
	if cmp.OrphanVecs > 0 {
		diff("%d vectors belong to no chunk (of %d)", cmp.OrphanVecs, vecs)
	}
	cmp.Matched = cmp.DiffCount == 0
	return cmp, nil
}

func cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
