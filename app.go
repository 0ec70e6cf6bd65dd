package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"folio/backend/core"
	"folio/backend/engine"
)

// Events the window listens to. Each carries one struct payload.
const (
	// EventProgress carries core.Progress while a library is indexed.
	EventProgress = "library:progress"
	// EventIndexed carries engine.IndexReport when an indexing run ends.
	EventIndexed = "library:indexed"
)

// App holds the methods the window calls. Each one forwards to the engine;
// nothing here touches the Wails runtime directly, so tests can drive it.
type App struct {
	eng *engine.Engine
	// emit sends an event to the window; pickFolder opens the native
	// folder picker. The window sets both at startup.
	emit       func(event string, payload any)
	pickFolder func() (string, error)

	mu      sync.Mutex // guards jobs, cancel and running
	jobs    context.Context
	cancel  context.CancelFunc
	running int

	life context.Context // until Shutdown: the file watcher's
	stop context.CancelFunc
}

// NewApp returns an App serving eng.
func NewApp(eng *engine.Engine) *App {
	a := &App{eng: eng, emit: func(string, any) {}, pickFolder: func() (string, error) {
		return "", errors.New("no folder picker in this build")
	}}
	a.jobs, a.cancel = context.WithCancel(context.Background())
	a.life, a.stop = context.WithCancel(context.Background())
	return a
}

// Status reports the model, the search mode and the size of the library.
func (a *App) Status() (engine.Status, error) { return a.eng.Status(), nil }

// Library lists the folders the person added and the state of each file.
func (a *App) Library() (engine.Library, error) { return a.eng.Library(context.Background()) }

// AddPaths adds files or folders and indexes them in the background,
// reporting progress through events. Runs queue one after another.
func (a *App) AddPaths(paths []string) error { return a.start(paths, a.eng.Index) }

// start runs an indexing job in the background.
func (a *App) start(paths []string, job func(context.Context, []string, func(core.Progress)) (engine.IndexReport, error)) error {
	if len(paths) == 0 {
		return errors.New("nothing to add")
	}
	a.mu.Lock()
	ctx := a.jobs
	a.running++
	a.mu.Unlock()
	go func() {
		rep, err := job(ctx, paths, func(p core.Progress) { a.emit(EventProgress, p) })
		if err != nil && !errors.Is(err, context.Canceled) {
			slog.Error("indexing failed", "err", err)
			rep.Errors = append(rep.Errors, engine.FileError{Reason: "indexing stopped: " + err.Error()})
		}
		a.mu.Lock()
		a.running--
		a.mu.Unlock()
		a.emit(EventIndexed, rep)
	}()
	return nil
}

// Watch keeps the library up to date until Shutdown: a rescan first (what
// changed while Folio was closed, and what a model installed since has to
// embed), then every change the file watcher sees, each run reported
// through the same events as AddPaths.
func (a *App) Watch() {
	a.mu.Lock()
	ctx := a.life
	a.mu.Unlock()
	go func() {
		err := a.eng.Watch(ctx, func(rep engine.IndexReport) { a.emit(EventIndexed, rep) },
			func(p core.Progress) { a.emit(EventProgress, p) })
		if err != nil {
			slog.Error("watching the library stopped; changes are picked up at the next start", "err", err)
		}
	}()
}

// Shutdown stops indexing and watching.
func (a *App) Shutdown() {
	a.CancelIndexing()
	a.stop()
}

// HandleDrop adds files and folders dropped onto the window.
func (a *App) HandleDrop(paths []string) {
	if err := a.AddPaths(paths); err != nil {
		slog.Warn("drop ignored", "err", err)
	}
}

// AddFolder opens the native folder picker and adds the chosen folder. It
// returns "" when the person cancels.
func (a *App) AddFolder() (string, error) {
	dir, err := a.pickFolder()
	if err != nil || dir == "" {
		return "", err
	}
	return dir, a.AddPaths([]string{dir})
}

// Indexing reports whether an indexing run is in progress or queued.
func (a *App) Indexing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running > 0 || a.eng.Indexing()
}

// CancelIndexing stops every indexing run, queued or running (a watcher's
// too; watching goes on). Files already indexed stay.
func (a *App) CancelIndexing() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cancel()
	a.jobs, a.cancel = context.WithCancel(context.Background())
	a.eng.Cancel()
	a.eng.Resume() // a paused run must see the cancel
}

// PauseIndexing holds indexing after the files in hand; ResumeIndexing
// lets it go on.
func (a *App) PauseIndexing() { a.eng.Pause() }

// ResumeIndexing continues paused indexing.
func (a *App) ResumeIndexing() { a.eng.Resume() }

// Paused reports whether indexing is paused.
func (a *App) Paused() bool { return a.eng.Paused() }

// Retry reads files again, even where they look unchanged: files that
// failed, once the cause is fixed.
func (a *App) Retry(paths []string) error { return a.start(paths, a.eng.Retry) }

// RemoveFolder takes a folder (or file) the person added out of the
// library, with its files' passages. The window refreshes on the event.
func (a *App) RemoveFolder(path string) error {
	n, err := a.eng.RemoveRoot(context.Background(), path)
	if err != nil {
		return err
	}
	a.emit(EventIndexed, engine.IndexReport{Removed: n, Errors: []engine.FileError{}})
	return nil
}

// Ask answers a question from the library, or the part of it the filter
// allows (folders, files, types), with cited passages.
func (a *App) Ask(question string, filter engine.Filter) (core.Answer, error) {
	return a.eng.Ask(context.Background(), question, filter)
}

// Source returns the page or text around a cited span, marked for display.
func (a *App) Source(path string, span core.Span, highlights []core.Span) (engine.Source, error) {
	return a.eng.Source(context.Background(), path, span, highlights)
}

// OpenOriginal opens an indexed file of the library in the system's
// default application, at page where the viewer takes one.
func (a *App) OpenOriginal(path string, page int) error {
	return a.eng.OpenOriginal(path, page)
}
