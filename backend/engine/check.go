package engine

// Checking and repairing the library. A damaged block of the database
// hides what it held (see store.Damaged); Check reads back everything
// stored for every file and names the files affected, and Repair reads
// those files again from their originals. Nothing is removed because it
// could not be read.

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"folio/backend/core"
	"folio/backend/library"
	"folio/backend/store"
)

// CheckReport is what a check of the library found.
type CheckReport struct {
	Files   int `json:"files"`   // file records read
	Checked int `json:"checked"` // indexed files whose text, chunks, vectors and postings were read back
	// Damaged are the blocks of the database that cannot be read.
	Damaged []store.DamagedRange `json:"damaged_blocks"`
	// Problems name each file affected and what of it is wrong.
	Problems []store.Problem `json:"problems"`
	// Orphans is how many documents no file record points at: left by an
	// interrupted run, or kept because their record cannot be read.
	Orphans int `json:"orphans"`
}

// OK reports whether nothing is wrong.
func (r CheckReport) OK() bool { return len(r.Damaged) == 0 && len(r.Problems) == 0 }

// Affected returns the files with problems, sorted, each once.
func (r CheckReport) Affected() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range r.Problems {
		if p.Path != "" && !seen[p.Path] {
			seen[p.Path] = true
			out = append(out, p.Path)
		}
	}
	sort.Strings(out)
	return out
}

// damagedReason is the reason given for a file whose data in the library
// cannot be read; it stays pending until read again.
func damagedReason(p store.Problem) string {
	if strings.HasPrefix(p.Reason, damagedPrefix) {
		return p.Reason
	}
	return fmt.Sprintf("%s (%s: %s); read again from the original by folio repair or the next index", damagedPrefix, p.What, p.Reason)
}

const damagedPrefix = "damaged in the library"

// Check reads every file record and, for every indexed file, its text,
// chunks, vectors and keyword postings back from the library, and reads
// every block of the database. Files whose record a damaged block held
// are found on disk under the library's folders.
func (e *Engine) Check(ctx context.Context) (CheckReport, error) {
	dim := 0
	if enc, _, _ := e.embedding(); enc != nil {
		dim = enc.Dim()
	}
	return check(ctx, e.store, dim)
}

func check(ctx context.Context, st *store.Store, dim int) (CheckReport, error) {
	rep := CheckReport{Damaged: []store.DamagedRange{}, Problems: []store.Problem{}}
	var err error
	if rep.Damaged, err = st.Damaged(); err != nil {
		return rep, fmt.Errorf("check the library: %w", err)
	}
	if rep.Damaged == nil {
		rep.Damaged = []store.DamagedRange{}
	}
	files, err := st.Files()
	if err != nil {
		return rep, fmt.Errorf("check the library: %w", err)
	}
	rep.Files = len(files)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if f.State == store.StateIndexed {
			rep.Checked++
		}
		if f.State == store.StatePending && strings.HasPrefix(f.Reason, damagedPrefix) {
			// Found damaged before, not read again yet.
			rep.Problems = append(rep.Problems, store.Problem{Path: f.Path, What: "record", Reason: f.Reason})
			continue
		}
		rep.Problems = append(rep.Problems, st.CheckFile(f, dim, rep.Damaged)...)
	}
	lost, err := lostRecords(ctx, st, files, rep.Damaged)
	if err != nil {
		return rep, err
	}
	rep.Problems = append(rep.Problems, lost...)
	orphans, err := st.Orphans()
	if err != nil {
		return rep, err
	}
	rep.Orphans = len(orphans)
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Path < rep.Problems[j].Path })
	return rep, nil
}

// lostRecords finds the files under the library's folders that have no
// record, where a damaged block may have held it.
func lostRecords(ctx context.Context, st *store.Store, files []store.FileRecord, damaged []store.DamagedRange) ([]store.Problem, error) {
	anyRecords := false
	for _, r := range damaged {
		anyRecords = anyRecords || store.HasFileRecords(r)
	}
	if !anyRecords {
		return nil, nil
	}
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f.Path] = true
	}
	roots, err := st.Roots()
	if err != nil {
		return nil, err
	}
	var out []store.Problem
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err != nil {
				return nil // unreadable: not the library's damage
			}
			if path != root && library.Ignored(d.Name()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && !have[path] && store.RecordDamaged(path, damaged) {
				have[path] = true
				out = append(out, store.Problem{Path: path, What: "record", Reason: "lost in a damaged block of the database"})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// markDamaged records each affected file as pending, with what is damaged
// as its reason, so the next index (or Repair) reads it again from its
// original. A file's record keeps its document, which the new reading
// replaces. It returns the files marked.
func (e *Engine) markDamaged(rep CheckReport) ([]string, error) {
	first := map[string]store.Problem{}
	for _, p := range rep.Problems {
		if _, ok := first[p.Path]; !ok && p.Path != "" {
			first[p.Path] = p
		}
	}
	paths := rep.Affected()
	for _, path := range paths {
		rec, found, err := e.store.File(path)
		if err != nil {
			return nil, err
		}
		if !found {
			rec = store.FileRecord{Path: path, Root: e.lib.RootOf(path)}
			if info, err := os.Stat(path); err == nil {
				rec.Size = info.Size()
			}
		}
		rec.State, rec.Reason = store.StatePending, damagedReason(first[path])
		if err := e.store.UpdateFile(rec); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// Repair checks the library and reads the damaged files again from their
// originals; a file whose original is gone leaves the library. It returns
// what the check found and what reading them again did.
func (e *Engine) Repair(ctx context.Context, progress func(core.Progress)) (CheckReport, IndexReport, error) {
	rep, err := e.Check(ctx)
	if err != nil {
		return rep, IndexReport{}, err
	}
	paths, err := e.markDamaged(rep)
	if err != nil || len(paths) == 0 {
		return rep, IndexReport{Errors: []FileError{}}, err
	}
	ir, err := e.lib.Retry(ctx, paths, progress)
	return rep, ir, err
}

// reportDamage is called when opening found the library damaged (once the
// library is ready): it logs the damage, checks the library and marks the
// files affected for reading again, naming each.
func (e *Engine) reportDamage(ctx context.Context, de *store.DamageError) error {
	e.log.Error("the library is damaged: nothing was removed; run folio check, then folio repair",
		"err", de.Error())
	dim := 0
	if enc, _, _ := e.embedding(); enc != nil {
		dim = enc.Dim()
	}
	rep, err := check(ctx, e.store, dim)
	if err != nil {
		return err
	}
	paths, err := e.markDamaged(rep)
	if err != nil {
		return err
	}
	logged := map[string]bool{}
	for _, p := range rep.Problems {
		if !logged[p.Path] {
			logged[p.Path] = true
			e.log.Error("damaged in the library; it is read again at the next index", "path", p.Path, "what", p.What, "reason", p.Reason)
		}
	}
	if len(paths) == 0 {
		e.log.Warn("no file's data was found damaged; the damaged blocks held other data", "blocks", len(rep.Damaged))
	}
	return nil
}
