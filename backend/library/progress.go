package library

import (
	"context"
	"fmt"
	"sync"
	"time"

	"folio/backend/core"
)

// reporter throttles progress callbacks to a few a second.
type reporter struct {
	mu   sync.Mutex // guards all fields below
	fn   func(core.Progress)
	p    core.Progress
	last time.Time
}

func newReporter(fn func(core.Progress)) *reporter { return &reporter{fn: fn} }

// set updates the progress and reports it unless it reported very recently
// (changes of phase and pauses are always reported).
func (r *reporter) set(update func(*core.Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	phase, paused := r.p.Phase, r.p.Paused
	update(&r.p)
	if r.fn != nil && (r.p.Phase != phase || r.p.Paused != paused || time.Since(r.last) >= progressEvery) {
		r.last = time.Now()
		r.fn(r.p)
	}
}

// flush reports the latest progress.
func (r *reporter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fn != nil {
		r.fn(r.p)
	}
}

// estimate turns bytes read and chunks embedded into a rate and a time
// left. Without the encoder, the time left is the parsing's; with it, the
// chunks still to come are projected from the bytes read so far.
type estimate struct {
	mu         sync.Mutex // guards all fields below
	start      time.Time
	bytesTotal int64
	bytesDone  int64
	queuedN    int // chunks sent to the encoder
	embeddedN  int // chunks embedded
	embedding  bool
}

func newEstimate(bytesTotal int64, embedding bool) *estimate {
	return &estimate{start: time.Now(), bytesTotal: bytesTotal, embedding: embedding}
}

func (x *estimate) parsed(n int64) { x.mu.Lock(); x.bytesDone += n; x.mu.Unlock() }
func (x *estimate) queued(n int)   { x.mu.Lock(); x.queuedN += n; x.mu.Unlock() }
func (x *estimate) embedded(n int) { x.mu.Lock(); x.embeddedN += n; x.mu.Unlock() }

// rate is chunks embedded per second so far.
func (x *estimate) rate() float64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return float64(x.embeddedN) / time.Since(x.start).Seconds()
}

// seconds is the estimated time left, or 0 when there is too little to go by.
func (x *estimate) seconds() float64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	elapsed := time.Since(x.start).Seconds()
	if x.bytesDone == 0 || elapsed < 1 {
		return 0
	}
	parseLeft := elapsed * float64(x.bytesTotal-x.bytesDone) / float64(x.bytesDone)
	if !x.embedding || x.embeddedN == 0 {
		return parseLeft
	}
	// Chunks to come: those queued, scaled up to all the bytes.
	total := float64(x.queuedN) * float64(x.bytesTotal) / float64(x.bytesDone)
	embedLeft := (total - float64(x.embeddedN)) / (float64(x.embeddedN) / elapsed)
	return max(parseLeft, embedLeft)
}

// gate pauses indexing between files and between batches.
type gate struct {
	mu     sync.Mutex    // guards closed
	closed chan struct{} // nil while open; closed when opened again
}

func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

func (g *gate) paused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed != nil
}

// wait returns at once when the gate is open, else when it opens or ctx
// ends; the progress says paused meanwhile.
func (g *gate) wait(ctx context.Context, pr *reporter) error {
	g.mu.Lock()
	ch := g.closed
	g.mu.Unlock()
	if ch == nil {
		return ctx.Err()
	}
	pr.set(func(p *core.Progress) { p.Paused = true })
	defer pr.set(func(p *core.Progress) { p.Paused = false })
	select {
	case <-ch:
		return ctx.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pause holds indexing after the files and the batch in hand; Resume lets
// it go on. A paused run still stops at once when its context is canceled.
func (l *Library) Pause() { l.gate.pause() }

// Resume continues a paused indexing run.
func (l *Library) Resume() { l.gate.resume() }

// Paused reports whether indexing is paused.
func (l *Library) Paused() bool { return l.gate.paused() }

// humanBytes formats a size for a person: "512 MB", "1.5 GB".
func humanBytes(n int64) string {
	const k = 1000
	switch {
	case n < k:
		return fmt.Sprintf("%d bytes", n)
	case n < k*k:
		return fmt.Sprintf("%.0f kB", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.0f MB", float64(n)/(k*k))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(k*k*k))
}
