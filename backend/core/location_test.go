package core

import (
	"strings"
	"testing"
)

func TestLocationLabel(t *testing.T) {
	tests := []struct {
		loc  Location
		want string
	}{
		{Location{Page: 3}, "page 3"},
		{Location{Sheet: "Budget", Cell: "B7"}, "Budget!B7"},
		{Location{Slide: 2, Shape: "Title 1"}, "slide 2 · Title 1"},
		{Location{Slide: 2, Shape: "Notes Placeholder 2", Part: PartNotes}, "slide 2 · notes"},
		{Location{Path: []string{"Methods", "Sampling"}, Paragraph: 4}, "Methods › Sampling · ¶ 4"},
		{Location{Part: PartFootnote, Paragraph: 1}, "footnote · ¶ 1"},
		{Location{Table: 1, Row: 2, Col: 3}, "table 1, row 2, column 3"},
		{Location{Page: 63, Table: 2, Row: 1}, "page 63 · table 2, row 1"},
		{Location{}, ""},
	}
	for _, tt := range tests {
		if got := tt.loc.Label(); got != tt.want {
			t.Errorf("%+v.Label() = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

func TestLocationAt(t *testing.T) {
	d := Document{Text: "alpha\nbeta\n", Locations: []Location{{Start: 0, End: 5, Paragraph: 1}, {Start: 6, End: 10, Paragraph: 2}}}
	for _, tt := range []struct {
		off  int
		para int
		ok   bool
	}{{0, 1, true}, {4, 1, true}, {5, 0, false}, {6, 2, true}, {9, 2, true}, {10, 0, false}, {99, 0, false}} {
		got, ok := d.LocationAt(tt.off)
		if ok != tt.ok || got.Paragraph != tt.para {
			t.Errorf("LocationAt(%d) = ¶%d, %v; want ¶%d, %v", tt.off, got.Paragraph, ok, tt.para, tt.ok)
		}
	}
	pdf := Document{Text: "one\n\ntwo", Pages: []PageSpan{{Page: 1, Start: 0, End: 3}, {Page: 2, Start: 5, End: 8}}}
	if got, ok := pdf.LocationAt(6); !ok || got.Page != 2 {
		t.Errorf("pdf LocationAt(6) = %+v, %v; want page 2", got, ok)
	}
}

func TestCheck(t *testing.T) {
	good := Document{Text: "a b\nc", Locations: []Location{{Start: 0, End: 3}, {Start: 4, End: 5}},
		Pages: []PageSpan{{Page: 1, Start: 0, End: 5}}, Boxes: []Box{{Start: 0, End: 1, Page: 1, Rect: Rect{0, 0, 5, 5}}}}
	if err := good.Check(); err != nil {
		t.Errorf("Check(good) = %v", err)
	}
	bad := []struct {
		name string
		doc  Document
		want string
	}{
		{"uncovered text", Document{Text: "a b\nc", Locations: []Location{{Start: 0, End: 3}}}, "has no location"},
		{"overlap", Document{Text: "abc", Locations: []Location{{Start: 0, End: 2}, {Start: 1, End: 3}}}, "out of order"},
		{"past end", Document{Text: "abc", Locations: []Location{{Start: 0, End: 4}}}, "outside"},
		{"box on unknown page", Document{Text: "abc", Pages: []PageSpan{{Page: 1, Start: 0, End: 3}}, Boxes: []Box{{Start: 0, End: 1, Page: 2}}}, "page 2"},
		{"inverted box", Document{Text: "abc", Pages: []PageSpan{{Page: 1, Start: 0, End: 3}}, Boxes: []Box{{Start: 0, End: 1, Page: 1, Rect: Rect{5, 0, 1, 1}}}}, "inverted"},
	}
	for _, tt := range bad {
		if err := tt.doc.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}
