//go:build !(desktop || dev || production || bindings)

package main

import (
	"context"
	"errors"

	"folio/backend/engine"
)

// runWindow in a build without the Wails tags: the command line works, the
// window does not.
func runWindow(context.Context, engine.Config) error {
	return errors.New("this build has no window (build it with `make build`, or `go build -tags desktop,production,webkit2_41 .`); run `folio help` for the command line")
}
