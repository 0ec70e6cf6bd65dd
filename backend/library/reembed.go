package library

import (
	"context"
	"errors"
	"fmt"

	"folio/backend/chunk"
	"folio/backend/core"
	"folio/backend/index"
	"folio/backend/store"
)

// PhaseReembedding is the progress phase of a re-embedding run.
const PhaseReembedding = "re-embedding"

// Switch is what a finished re-embedding hands over: the new model, its
// vector index (opened by Commit over the promoted vectors) and its chunk
// sizes.
type Switch struct {
	Embed   Embedder
	Vectors *index.Vectors
	Chunk   chunk.Config
}

// Reembed embeds every stored chunk with enc, the model named name, as an
// indexing run (it waits for the one in progress; Cancel, Pause and Resume
// act on it; indexing runs wait for it). The vectors are staged in the
// store (store.PutStagedVectors), apart from the current model's, which
// keep serving searches; chunks staged by an earlier, interrupted run for
// the same model are kept, so a cancelled or killed re-embedding resumes.
// When every chunk is staged, commit runs still inside the run: it
// promotes the staged vectors and returns the new model's Switch, which
// the library then uses for every later run. progress reports
// PhaseReembedding with Chunks done out of FilesTotal (here: passages)
// and a Detail line "Re-embedding with <name>: 1,234 of 5,000 passages".
// It returns how many chunks this run embedded.
func (l *Library) Reembed(ctx context.Context, enc Embedder, name string, progress func(core.Progress), commit func() (Switch, error)) (int, error) {
	ctx, end := l.beginRun(ctx)
	defer end()
	if l.closed {
		return 0, errors.New("the library is closed")
	}
	if enc == nil || name == "" {
		return 0, errors.New("re-embed: no model")
	}
	prev, err := l.store.Setting(store.SettingReembed)
	if err != nil {
		return 0, err
	}
	if string(prev) != name {
		// Staged vectors of another model are of no use.
		if err := l.store.DropStaged(); err != nil {
			return 0, err
		}
		if err := l.store.SetSetting(store.SettingReembed, []byte(name)); err != nil {
			return 0, err
		}
	}
	var todo []core.Chunk
	total := 0
	if err := l.store.EachChunk(func(c core.Chunk) error {
		total++
		ok, err := l.store.HasStagedVector(c.ID)
		if err == nil && !ok {
			todo = append(todo, c)
		}
		return err
	}); err != nil {
		return 0, err
	}
	pr := newReporter(progress)
	done := total - len(todo)
	report := func() {
		pr.set(func(p *core.Progress) {
			p.Phase, p.Current = PhaseReembedding, name
			p.Chunks, p.FilesTotal, p.FilesDone = done, total, done
			p.Detail = ReembedLabel(name, done, total)
		})
	}
	report()
	embedded := 0
	for len(todo) > 0 {
		if err := l.gate.wait(ctx, pr); err != nil {
			return embedded, err
		}
		n := min(embedBatch, len(todo))
		batch := todo[:n]
		texts := make([]string, n)
		ids := make([]uint64, n)
		for j, c := range batch {
			texts[j], ids[j] = contextual(l.DocPath(store.DocOf(c.ID)), c), c.ID
		}
		vecs, err := enc.Embed(ctx, texts)
		if err != nil {
			return embedded, fmt.Errorf("re-embed with %s: %w", name, err)
		}
		if err := l.store.PutStagedVectors(ids, vecs); err != nil {
			return embedded, err
		}
		todo = todo[n:]
		embedded += n
		done += n
		report()
	}
	pr.flush() // the last count, whatever the throttle dropped
	if err := ctx.Err(); err != nil {
		return embedded, err
	}
	sw, err := commit()
	if err != nil {
		return embedded, err
	}
	l.enc, l.vectors, l.cfg.Chunk = sw.Embed, sw.Vectors, sw.Chunk
	if l.enc == nil {
		l.vectors = nil
	}
	pr.set(func(p *core.Progress) { p.Phase = "done"; p.Detail = "" })
	pr.flush()
	return embedded, nil
}

// ReembedLabel is the progress line of a re-embedding:
// "Re-embedding with all-MiniLM-L6-v2: 1,234 of 5,000 passages".
func ReembedLabel(name string, done, total int) string {
	return fmt.Sprintf("Re-embedding with %s: %s of %s passages", name, thousands(done), thousands(total))
}

// thousands writes n with comma thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// EmbedText is the text a chunk of the file at path is embedded as (its
// file name leads it; see contextual).
func EmbedText(path string, c core.Chunk) string { return contextual(path, c) }
