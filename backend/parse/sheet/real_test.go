package sheet

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// TestRealPOI checks the POI spreadsheet against expected.json and the
// encrypted and corrupt POI files against their expected errors.
func TestRealPOI(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "office", "poi")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]json.RawMessage
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	var want struct {
		Text   string   `json:"equals_without_sheet_names"`
		Sheets []string `json:"sheet_names"`
	}
	if err := json.Unmarshal(expected["spreadsheet/sample.xlsx"], &want); err != nil || want.Text == "" {
		t.Fatalf("expected.json has no usable spreadsheet/sample.xlsx entry (%v)", err)
	}

	doc, err := parse(t, Config{}, filepath.Join(dir, "spreadsheet", "sample.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(testenv.Squash(doc.Text), testenv.Squash(want.Text)) {
		t.Errorf("text (whitespace ignored) does not contain POI's text\ngot:  %q\nwant: %q", doc.Text, want.Text)
	}
	var sheets []string
	for _, l := range doc.Locations {
		if len(sheets) == 0 || sheets[len(sheets)-1] != l.Sheet {
			sheets = append(sheets, l.Sheet)
		}
	}
	// An empty sheet has no cell, hence no location: POI lists Sheet3, which
	// holds an empty <sheetData/>. Compare with the sheets excelize finds
	// rows in, and check that this drops only empty sheets.
	f, err := excelize.OpenFile(filepath.Join(dir, "spreadsheet", "sample.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, want.Sheets) {
		t.Fatalf("excelize lists sheets %q, expected.json %q", got, want.Sheets)
	}
	var nonEmpty []string
	for _, name := range want.Sheets {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 {
			nonEmpty = append(nonEmpty, name)
		}
	}
	if len(nonEmpty) < 2 {
		t.Fatalf("only %q have rows; the comparison would say little", nonEmpty)
	}
	if !slices.Equal(sheets, nonEmpty) {
		t.Errorf("sheets = %q, want %q (expected.json's %q less empty sheets)", sheets, nonEmpty, want.Sheets)
	}
	if l, ok := doc.LocationAt(strings.Index(doc.Text, "4995")); !ok || l.Cell != "B10" || l.Sheet != "Sheet1" {
		t.Errorf("location of the SUM result 4995 = %+v, want Sheet1!B10", l)
	}

	encrypted, _ := filepath.Glob(filepath.Join(dir, "poifs", "*.xlsx"))
	if len(encrypted) == 0 {
		t.Error("no poifs/*.xlsx files found")
	}
	for _, p := range encrypted {
		if _, err := parse(t, Config{}, p); !errors.Is(err, core.ErrEncrypted) {
			t.Errorf("%s: err = %v, want ErrEncrypted", filepath.Base(p), err)
		}
	}
	if _, err := parse(t, Config{}, filepath.Join(dir, "openxml4j", "invalid.xlsx")); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("invalid.xlsx: err = %v, want ErrCorrupt", err)
	}
}

// TestRealTSV reads the SciFact relevance judgements: a tab-separated file
// with a text header over numeric columns, so the header is repeated.
func TestRealTSV(t *testing.T) {
	path := testenv.SharedFile(t, "data/retrieval/scifact/qrels/train.tsv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(bytes.TrimRight(raw, "\n"), []byte("\n")) + 1
	doc, err := parse(t, Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(doc.Locations), 3*lines; got != want {
		t.Errorf("%d cells, want %d (3 per line)", got, want)
	}
	first, _, _ := strings.Cut(doc.Text, "\n")
	if first != "query-id\tcorpus-id\tscore" {
		t.Errorf("first line = %q, want the header", first)
	}
	if !strings.Contains(doc.Text, "\nquery-id: 0\tcorpus-id: 31715818\tscore: 1\n") {
		t.Errorf("second row not written with its headers: %.200q", doc.Text)
	}
	last := doc.Locations[len(doc.Locations)-1]
	if last.Row != lines || last.Cell != "C"+strconv.Itoa(lines) {
		t.Errorf("last location %+v, want row %d column C", last, lines)
	}
}
