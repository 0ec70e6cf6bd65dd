package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
)

// Events the window listens to. Each carries one struct payload.
const (
	// EventProgress carries core.Progress while a library is indexed.
	EventProgress = "library:progress"
	// EventIndexed carries engine.IndexReport when an indexing run ends.
	EventIndexed = "library:indexed"
	// EventAnswerDelta carries AnswerDelta while a generator writes an
	// answer.
	EventAnswerDelta = "answer:delta"
)

// AnswerDelta is a piece of a generated answer to the question asked with
// AskInChat's ticket.
type AnswerDelta struct {
	Ticket int    `json:"ticket"`
	Text   string `json:"text"`
}

// App holds the methods the window calls. Each one forwards to the engine;
// nothing here touches the Wails runtime directly, so tests can drive it.
type App struct {
	eng *engine.Engine
	// emit sends an event to the window; pickFolder opens the native
	// folder picker. The window sets both at startup.
	emit       func(event string, payload any)
	pickFolder func() (string, error)
	// saveFile opens the native save dialog offering name; "" when the
	// person cancels. The window sets it at startup (nil: no dialog).
	saveFile func(name string) (string, error)
	// pickModel opens the native dialog for a model file (or, with
	// folder, a model folder); "" when the person cancels. The window
	// sets it at startup.
	pickModel func(folder bool) (string, error)

	mu      sync.Mutex                 // guards jobs, running and asking
	jobs    map[int]context.CancelFunc // the indexing runs, queued or running, by id
	nextJob int
	running int
	asking  context.CancelFunc // the question being answered

	// shutdown is closed by Shutdown: it ends the file watcher, the
	// question being answered and the indexing runs. No context is kept
	// here: each call makes its own (untilShutdown).
	shutdown     chan struct{}
	shutdownOnce sync.Once

	// The lock of an encrypted library: eng is nil until Unlock opens it
	// with openEng. open is set after eng, so a method that sees it true
	// (through ready or Locked) sees eng.
	open     atomic.Bool
	unlockMu sync.Mutex // guards Unlock, openEng and onOpen
	openEng  func(passphrase string) (*engine.Engine, error)
	onOpen   []func() // run once the engine is open
}

// ErrLocked is what every method but Unlock and Locked returns while the
// library is locked.
var ErrLocked = engine.ErrLocked

// NewApp returns an App serving eng.
func NewApp(eng *engine.Engine) *App {
	a := newApp()
	a.eng = eng
	a.open.Store(true)
	return a
}

// NewLockedApp returns an App for an encrypted library: locked until
// Unlock opens the engine with open(passphrase).
func NewLockedApp(open func(passphrase string) (*engine.Engine, error)) *App {
	a := newApp()
	a.openEng = open
	return a
}

func newApp() *App {
	a := &App{emit: func(string, any) {}, pickFolder: func() (string, error) {
		return "", errors.New("no folder picker in this build")
	}}
	a.jobs = map[int]context.CancelFunc{}
	a.shutdown = make(chan struct{})
	return a
}

// untilShutdown returns a context that ends when cancel is called or when
// the window shuts down, whichever comes first.
func (a *App) untilShutdown() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-a.shutdown:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// withEngine runs fn on the engine, or returns ErrLocked while the library
// is locked: the one gate every window method that needs the library
// goes through.
func withEngine[T any](a *App, fn func(*engine.Engine) (T, error)) (T, error) {
	if !a.open.Load() {
		var zero T
		return zero, ErrLocked
	}
	return fn(a.eng)
}

// useEngine is withEngine for methods that return only an error.
func (a *App) useEngine(fn func(*engine.Engine) error) error {
	_, err := withEngine(a, func(e *engine.Engine) (struct{}, error) { return struct{}{}, fn(e) })
	return err
}

// Locked reports whether the library is encrypted and not unlocked yet.
func (a *App) Locked() bool { return !a.open.Load() }

// Unlock opens the encrypted library with its passphrase. A wrong one
// returns an error saying so (engine.ErrWrongPassphrase) and changes
// nothing; the person may try again. Unlocking an open library does
// nothing.
func (a *App) Unlock(passphrase string) error {
	a.unlockMu.Lock()
	defer a.unlockMu.Unlock()
	if a.open.Load() {
		return nil
	}
	if passphrase == "" {
		return errors.New("enter the passphrase")
	}
	eng, err := a.openEng(passphrase)
	if err != nil {
		return err
	}
	a.eng = eng
	a.open.Store(true)
	for _, fn := range a.onOpen {
		go fn()
	}
	a.onOpen = nil
	return nil
}

// whenOpen runs fn once the library is open: now if it is.
func (a *App) whenOpen(fn func()) {
	a.unlockMu.Lock()
	defer a.unlockMu.Unlock()
	if a.open.Load() {
		fn()
		return
	}
	a.onOpen = append(a.onOpen, fn)
}

// closeEngine closes the engine if the library was opened.
func (a *App) closeEngine() error {
	if !a.open.Load() {
		return nil
	}
	return a.eng.Close()
}

// originalFiles is the App as the file server sees it: no files while
// the library is locked.
type originalFiles struct{ a *App }

func (o originalFiles) OriginalFile(path string) (string, error) {
	return withEngine(o.a, func(e *engine.Engine) (string, error) { return e.OriginalFile(path) })
}

// Status reports the model, the search mode and the size of the library.
func (a *App) Status() (engine.Status, error) {
	return withEngine(a, func(e *engine.Engine) (engine.Status, error) { return e.Status(), nil })
}

// Library lists the folders the person added and the state of each file.
func (a *App) Library() (engine.Library, error) {
	return withEngine(a, func(e *engine.Engine) (engine.Library, error) { return e.Library(context.Background()) })
}

// AddPaths adds files or folders and indexes them in the background,
// reporting progress through events. Runs queue one after another.
func (a *App) AddPaths(paths []string) error {
	return a.useEngine(func(e *engine.Engine) error { return a.start(paths, e.Index) })
}

// start runs an indexing job in the background.
func (a *App) start(paths []string, job func(context.Context, []string, func(core.Progress)) (engine.IndexReport, error)) error {
	if len(paths) == 0 {
		return errors.New("nothing to add")
	}
	ctx, cancel := a.untilShutdown()
	a.mu.Lock()
	id := a.nextJob
	a.nextJob++
	a.jobs[id] = cancel
	a.running++
	a.mu.Unlock()
	go func() {
		defer cancel()
		rep, err := job(ctx, paths, firstSearchable(func(p core.Progress) { a.emit(EventProgress, p) }))
		if err != nil && !errors.Is(err, context.Canceled) {
			slog.Error("indexing failed", "err", err)
			rep.Errors = append(rep.Errors, engine.FileError{Reason: "indexing stopped: " + err.Error()})
		}
		logIndexed(rep)
		a.mu.Lock()
		delete(a.jobs, id)
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
	if a.Locked() {
		return
	}
	a.resumeReembedding(a.eng)
	ctx, cancel := a.untilShutdown()
	go func() {
		defer cancel()
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
	a.shutdownOnce.Do(func() { close(a.shutdown) })
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
	if a.Locked() {
		return "", ErrLocked
	}
	dir, err := a.pickFolder()
	if err != nil || dir == "" {
		return "", err
	}
	return dir, a.AddPaths([]string{dir})
}

// Indexing reports whether an indexing run is in progress or queued.
func (a *App) Indexing() bool {
	if a.Locked() {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running > 0 || a.eng.Indexing()
}

// CancelIndexing stops every indexing run, queued or running (a watcher's
// too; watching goes on). Files already indexed stay.
func (a *App) CancelIndexing() {
	if a.Locked() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, cancel := range a.jobs {
		cancel()
	}
	a.eng.Cancel()
	a.eng.Resume() // a paused run must see the cancel
}

// PauseIndexing holds indexing after the files in hand; ResumeIndexing
// lets it go on.
func (a *App) PauseIndexing() {
	if a.Locked() {
		return
	}
	a.eng.Pause()
}

// ResumeIndexing continues paused indexing.
func (a *App) ResumeIndexing() {
	if a.Locked() {
		return
	}
	a.eng.Resume()
}

// Paused reports whether indexing is paused.
func (a *App) Paused() bool {
	if a.Locked() {
		return false
	}
	return a.eng.Paused()
}

// Retry reads files again, even where they look unchanged: files that
// failed, once the cause is fixed.
func (a *App) Retry(paths []string) error {
	return a.useEngine(func(e *engine.Engine) error { return a.start(paths, e.Retry) })
}

// RemoveFolder takes a folder (or file) the person added out of the
// library, with its files' passages. The window refreshes on the event.
func (a *App) RemoveFolder(path string) error {
	return a.useEngine(func(e *engine.Engine) error {
		n, err := e.RemoveRoot(context.Background(), path)
		if err != nil {
			return err
		}
		a.emit(EventIndexed, engine.IndexReport{Removed: n, Errors: []engine.FileError{}})
		return nil
	})
}

// Ask answers a question from the library, or the part of it the filter
// allows (folders, files, types), with cited passages.
func (a *App) Ask(question string, filter engine.Filter) (core.Answer, error) {
	return withEngine(a, func(e *engine.Engine) (core.Answer, error) { return e.Ask(context.Background(), question, filter) })
}

// AskInChat asks a question in a chat ("" starts a new one) and returns the
// chat, saved. While a generator writes the answer, its text arrives as
// EventAnswerDelta events carrying ticket, a number the window picks to
// tell its questions apart. CancelAsk stops it.
func (a *App) AskInChat(chatID, question string, filter engine.Filter, ticket int) (core.Chat, error) {
	return withEngine(a, func(e *engine.Engine) (core.Chat, error) {
		ctx, cancel := a.untilShutdown()
		a.mu.Lock()
		a.asking = cancel
		a.mu.Unlock()
		defer cancel()
		start := time.Now()
		chat, err := e.AskInChat(ctx, chatID, question, filter, func(text string) {
			a.emit(EventAnswerDelta, AnswerDelta{Ticket: ticket, Text: text})
		})
		logAnswered(chat, err, time.Since(start))
		return chat, err
	})
}

// CancelAsk stops the question being answered.
func (a *App) CancelAsk() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.asking != nil {
		a.asking()
	}
}

// Chats lists the saved chats, the most recent first.
func (a *App) Chats() ([]engine.ChatSummary, error) {
	return withEngine(a, (*engine.Engine).Chats)
}

// Chat returns a saved chat, each citation checked against the library.
func (a *App) Chat(id string) (core.Chat, error) {
	return withEngine(a, func(e *engine.Engine) (core.Chat, error) { return e.Chat(id) })
}

// RenameChat gives a chat a new title.
func (a *App) RenameChat(id, title string) error {
	return a.useEngine(func(e *engine.Engine) error { return e.RenameChat(id, title) })
}

// DeleteChat deletes a chat.
func (a *App) DeleteChat(id string) error {
	return a.useEngine(func(e *engine.Engine) error { return e.DeleteChat(id) })
}

// ExportChat returns a chat as Markdown, its sources as footnotes.
func (a *App) ExportChat(id string) (string, error) {
	return withEngine(a, func(e *engine.Engine) (string, error) { return e.ExportChat(id) })
}

// Generator returns the generator settings (off by default).
func (a *App) Generator() engine.GeneratorSettings {
	if a.Locked() {
		return engine.GeneratorSettings{}
	}
	return a.eng.Generator()
}

// SetGenerator saves the generator settings. An address that is not this
// machine is refused unless the person confirmed it.
func (a *App) SetGenerator(s engine.GeneratorSettings) error {
	return a.useEngine(func(e *engine.Engine) error { return e.SetGenerator(s) })
}

// OCRLanguages lists the installed OCR language packs, the default
// (English plus the system locale's language) and the library's choice.
func (a *App) OCRLanguages() (engine.OCRLanguages, error) {
	return withEngine(a, func(e *engine.Engine) (engine.OCRLanguages, error) { return e.OCRLanguages(), nil })
}

// SetOCRLanguages saves the language packs scans are read with (empty: the
// default), and starts reading again the scans indexed with others (their
// text stays until then; progress and the report come as for AddPaths).
func (a *App) SetOCRLanguages(langs []string) error {
	return a.useEngine(func(e *engine.Engine) error {
		if err := e.SetOCRLanguages(langs); err != nil {
			return err
		}
		// The scans indexed before are read again with these languages
		// (what OCR read with them before comes from its cache).
		stale, err := e.StaleOCR()
		if err != nil || len(stale) == 0 {
			return err
		}
		return a.start(stale, e.Retry)
	})
}

// GeneratorModels tests a generator address: the models it serves.
func (a *App) GeneratorModels(s engine.GeneratorSettings) ([]string, error) {
	return withEngine(a, func(e *engine.Engine) ([]string, error) {
		ctx, cancel := a.untilShutdown()
		defer cancel()
		ctx, stop := context.WithTimeout(ctx, 30*time.Second)
		defer stop()
		return e.GeneratorModels(ctx, s)
	})
}

// Source returns the page or text around a cited span, marked for display,
// with the citation's table cell (nil: none) marked in it.
func (a *App) Source(path string, span core.Span, highlights []core.Span, cell *core.Cell) (engine.Source, error) {
	return withEngine(a, func(e *engine.Engine) (engine.Source, error) {
		return e.Source(context.Background(), path, span, highlights, cell)
	})
}

// OpenOriginal opens an indexed file of the library in the system's
// default application, at page where the viewer takes one.
func (a *App) OpenOriginal(path string, page int) error {
	return a.useEngine(func(e *engine.Engine) error { return e.OpenOriginal(path, page) })
}

// ExportChatFile asks where to save a chat as Markdown (see ExportChat) and
// writes it there: into a temporary file in the same folder first, then
// renamed over the chosen name, so a failed write never leaves half a
// file. It returns the path written, or "" when the person cancels.
func (a *App) ExportChatFile(id string) (string, error) {
	md, err := a.ExportChat(id)
	if err != nil {
		return "", err
	}
	c, err := a.Chat(id)
	if err != nil {
		return "", err
	}
	if a.saveFile == nil {
		return "", errors.New("no save dialog in this build")
	}
	path, err := a.saveFile(exportFileName(c.Title))
	if err != nil {
		return "", fmt.Errorf("choose where to save the chat: %w", err)
	}
	if path == "" {
		return "", nil
	}
	if err := writeFileAtomic(path, []byte(md)); err != nil {
		return "", fmt.Errorf("save chat: %w", err)
	}
	return path, nil
}

// exportFileName is the file name a chat titled title is offered under:
// the title without characters file systems refuse, and ".md".
func exportFileName(title string) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return ' '
		}
		return r
	}, title)
	name = strings.Trim(strings.Join(strings.Fields(name), " "), ". ")
	if r := []rune(name); len(r) > 80 {
		name = strings.TrimSpace(string(r[:80]))
	}
	if name == "" {
		name = "Folio chat"
	}
	return name + ".md"
}

// writeFileAtomic writes data to a temporary file next to path, syncs it
// and renames it to path.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
