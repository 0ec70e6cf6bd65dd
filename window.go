//go:build desktop || dev || production || bindings

package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"folio/backend/cli"
	"folio/backend/engine"
)

//go:embed all:frontend/dist
var assets embed.FS

// runWindow opens Folio's window on the library in dataDir. It needs a
// build with the desktop (or dev) tag; a plain build returns an error. An
// encrypted library given no passphrase opens locked: the window asks for
// the passphrase and App.Unlock opens the engine.
//
// Closing the library when the window is gone saves the vector graph's
// snapshot and flushes Badger: a failure there is returned (and the process
// exits non-zero), not dropped.
func runWindow(ctx context.Context, cfg engine.Config) (err error) {
	enc, err := engine.Encrypted(cfg.DataDir)
	if err != nil {
		return err
	}
	var app *App
	if enc && cfg.Passphrase == "" {
		app = NewLockedApp(func(passphrase string) (*engine.Engine, error) {
			c := cfg
			c.Passphrase = passphrase
			return engine.Open(ctx, c)
		})
	} else {
		eng, err := engine.Open(ctx, cfg)
		if err != nil {
			return err
		}
		app = NewApp(eng)
	}
	defer func() {
		if cerr := app.closeEngine(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing the library failed (what the window wrote may not all be saved): %w", cerr))
		}
	}()
	return wails.Run(&options.App{
		Title:     "Folio",
		Width:     1280,
		Height:    800,
		MinWidth:  900,
		MinHeight: 560,
		AssetServer: &assetserver.Options{
			Assets: assets,
			// GET /folio-file?path=… serves a library file's original
			// bytes (the Source panel renders PDFs from it).
			Middleware: fileServer{lib: originalFiles{app}}.middleware,
		},
		BackgroundColour: &options.RGBA{R: 250, G: 250, B: 248, A: 1},
		DragAndDrop:      &options.DragAndDrop{EnableFileDrop: true},
		OnStartup: func(wctx context.Context) {
			app.emit = func(event string, payload any) { runtime.EventsEmit(wctx, event, payload) }
			app.pickFolder = func() (string, error) {
				return runtime.OpenDirectoryDialog(wctx, runtime.OpenDialogOptions{
					Title: "Add a folder to Folio", CanCreateDirectories: false,
				})
			}
			app.saveFile = func(name string) (string, error) {
				return runtime.SaveFileDialog(wctx, runtime.SaveDialogOptions{
					Title: "Export the chat as Markdown", DefaultFilename: name, CanCreateDirectories: true,
					Filters: []runtime.FileFilter{{DisplayName: "Markdown (*.md)", Pattern: "*.md"}},
				})
			}
			app.pickModel = func(folder bool) (string, error) {
				if folder {
					return runtime.OpenDirectoryDialog(wctx, runtime.OpenDialogOptions{
						Title: "Import an embedding model (its folder)",
					})
				}
				return runtime.OpenFileDialog(wctx, runtime.OpenDialogOptions{
					Title:   "Import a model (a GGUF file)",
					Filters: []runtime.FileFilter{{DisplayName: "GGUF models (*.gguf)", Pattern: "*.gguf"}},
				})
			}
			app.followModelLoads()
			runtime.OnFileDrop(wctx, func(_, _ int, paths []string) { app.HandleDrop(paths) })
			app.whenOpen(func() {
				app.Watch()
				// "Open with Folio" on files or folders: add them.
				if paths := cli.OpenPaths(ctx); len(paths) > 0 {
					app.HandleDrop(paths)
				}
				st := app.eng.Status()
				slog.Info("window ready", "data", st.DataDir, "mode", st.Mode)
			})
			// Ctrl+C or SIGTERM closes the window cleanly, so the library
			// is closed properly too.
			go func() {
				<-ctx.Done()
				runtime.Quit(wctx)
			}()
		},
		OnShutdown: func(context.Context) { app.Shutdown() },
		Bind:       []any{app},
	})
}
