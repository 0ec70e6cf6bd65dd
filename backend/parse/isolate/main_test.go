package isolate

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	RunChildIfRequested()
	// Children inherit this: race-mode binaries otherwise sleep 1s at exit.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}
