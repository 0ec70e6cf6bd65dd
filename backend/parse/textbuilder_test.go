package parse

import (
	"errors"
	"testing"

	"folio/backend/core"
)

func TestTextBuilder(t *testing.T) {
	b := NewTextBuilder(24)
	b.Line("  Title  ", core.Location{Paragraph: 1})
	b.Span("body", core.Location{Paragraph: 2})
	b.Raw("\n")
	base, ok := b.Block("att\n")
	if !ok || base != 15 {
		t.Fatalf("Block = %d, %v; want 15, true", base, ok)
	}
	b.Locate(core.Location{Start: base, End: base + 3})
	b.Locate(core.Location{Start: base, End: base + 99}) // past the text: dropped
	b.Locate(core.Location{Start: 4, End: 4})            // empty: dropped
	if got, want := b.Text(), "  Title  \nbody\natt\n"; got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
	locs := b.Locations()
	want := [][2]int{{2, 7}, {10, 14}, {15, 18}}
	if len(locs) != len(want) {
		t.Fatalf("%d locations, want %d: %+v", len(locs), len(want), locs)
	}
	for i, w := range want {
		if locs[i].Start != w[0] || locs[i].End != w[1] {
			t.Errorf("location %d = [%d,%d), want [%d,%d)", i, locs[i].Start, locs[i].End, w[0], w[1])
		}
	}
	if b.Over() || b.Err() != nil {
		t.Fatal("over the limit too early")
	}
	// 19 bytes written; 6 more pass the 24-byte limit: dropped, and so is
	// everything after, even what would fit.
	b.Span("sixsix", core.Location{})
	b.Raw("x")
	if !b.Over() || !errors.Is(b.Err(), core.ErrTooLarge) || b.Len() != 19 {
		t.Fatalf("after the limit: over %v, err %v, len %d; want true, ErrTooLarge, 19", b.Over(), b.Err(), b.Len())
	}
	if _, ok := b.Block("y"); ok {
		t.Error("Block wrote past the limit")
	}
}
