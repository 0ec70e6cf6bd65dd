package isolate

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"folio/backend/core"
)

// envMisbehave makes a child started by these tests stand in for a library
// gone wrong: "hang" loops for ever, "alloc" asks for 137 GB, as one pdf.js
// file once made the PDF library do.
const envMisbehave = "FOLIO_ISOLATE_TEST_MISBEHAVE"

func TestMain(m *testing.M) {
	if os.Getenv(EnvChild) == "1" {
		switch os.Getenv(envMisbehave) {
		case "hang":
			runChildWith(func(context.Context, string) (core.Document, error) { select {} })
		case "talk", "silent":
			// 1.5 s in all, reporting progress every 300 ms or not at all.
			runChildWith(func(context.Context, string) (core.Document, error) {
				for i := 1; i <= 5; i++ {
					time.Sleep(300 * time.Millisecond)
					if os.Getenv(envMisbehave) == "talk" {
						fmt.Fprintf(os.Stderr, "%spage %d\n", progressMarker, i)
					}
				}
				return core.Document{Text: "done"}, nil
			})
		case "alloc":
			runChildWith(func(context.Context, string) (core.Document, error) {
				b := make([]byte, 137<<30)
				b[len(b)-1] = 1
				return core.Document{Text: string(b[:1])}, nil
			})
		}
	}
	RunChildIfRequested()
	// Children inherit this: race-mode binaries otherwise sleep 1s at exit.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}
