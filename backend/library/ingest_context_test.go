package library

import (
	"strings"
	"testing"

	"folio/backend/core"
)

// The text a chunk is embedded as carries its document's name and its
// Context (a split table's header) before its own words.
func TestContextualText(t *testing.T) {
	c := core.Chunk{Text: "Capital spending — 2021: (4,625)", Context: "2021 2020 2019"}
	got := contextual("/f/PEPSICO_2021_10K.pdf", c)
	if want := "PEPSICO 2021 10K: 2021 2020 2019\nCapital spending — 2021: (4,625)"; got != want {
		t.Errorf("contextual = %q, want %q", got, want)
	}
	if got := contextual("", core.Chunk{Text: "plain"}); got != "plain" {
		t.Errorf("no path, no context: %q", got)
	}
	if got := contextual("/f/a.txt", core.Chunk{Text: "words"}); !strings.HasPrefix(got, "a: ") {
		t.Errorf("name first: %q", got)
	}
}
