package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"folio/backend/core"
)

func TestLocationsAndBoxesRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	// 1300 cells: three l/ values, so lookups must cross value boundaries.
	var b strings.Builder
	var locs []core.Location
	for i := 0; i < 1300; i++ {
		start := b.Len()
		fmt.Fprintf(&b, "cell %d\n", i)
		locs = append(locs, core.Location{Start: start, End: b.Len() - 1, Sheet: "S", Cell: fmt.Sprintf("A%d", i+1), Row: i + 1, Col: 1})
	}
	boxes := []core.Box{
		{Start: 0, End: 4, Page: 1, Rect: core.Rect{X0: 10, Y0: 20, X1: 30, Y1: 28}},
		{Start: 5, End: 6, Page: 1, Rect: core.Rect{X0: 32, Y0: 20, X1: 38, Y1: 28}},
		{Start: 7, End: 11, Page: 2, Rect: core.Rect{X0: 10.5, Y0: 700.25, X1: 40, Y1: 710}},
	}
	doc := &core.Document{Text: b.String(), Locations: locs, Boxes: boxes}
	rec := FileRecord{Path: "/a/s.csv", Format: "csv"}
	if _, err := s.PutDocument(rec, doc, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.File(rec.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 511, 512, 1299} {
		loc, ok, err := s.LocationAt(got.DocID, locs[i].Start+2)
		if err != nil || !ok || loc.Cell != locs[i].Cell {
			t.Errorf("LocationAt(cell %d) = %+v, %v, %v; want cell %s", i, loc, ok, err, locs[i].Cell)
		}
	}
	// The newline after a cell belongs to no location.
	if loc, ok, _ := s.LocationAt(got.DocID, locs[3].End); ok {
		t.Errorf("LocationAt(separator) = %+v, want none", loc)
	}
	p1, err := s.Boxes(got.DocID, 1)
	if err != nil || !reflect.DeepEqual(p1, boxes[:2]) {
		t.Errorf("Boxes(page 1) = %+v, %v; want %+v", p1, err, boxes[:2])
	}
	p2, _ := s.Boxes(got.DocID, 2)
	if !reflect.DeepEqual(p2, boxes[2:]) {
		t.Errorf("Boxes(page 2) = %+v; want %+v", p2, boxes[2:])
	}

	// Replacing the document removes the old layout.
	if _, err := s.PutDocument(rec, &core.Document{Text: "new"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if loc, ok, _ := s.LocationAt(got.DocID, 2); ok {
		t.Errorf("old document's location survived: %+v", loc)
	}
	if p, _ := s.Boxes(got.DocID, 1); len(p) != 0 {
		t.Errorf("old document's boxes survived: %+v", p)
	}
}
