//go:build !cgo || nollm

package llm

import (
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

// Without the runtime, New fails with a clear reason, so the engine keeps
// extracted answers.
func TestNoRuntime(t *testing.T) {
	if Available {
		t.Fatal("Available in a build without the runtime")
	}
	_, err := New(testenv.LLM(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "nollm") {
		t.Fatalf("err = %v, want one saying the build has no generator", err)
	}
}
