package sheet

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"folio/backend/core"
)

// biffRec is one BIFF record.
func biffRec(typ uint16, data ...[]byte) []byte {
	var body []byte
	for _, d := range data {
		body = append(body, d...)
	}
	b := binary.LittleEndian.AppendUint16(nil, typ)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

func u16(v int) []byte    { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func f64(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

// compressed is an XLUnicodeString's characters stored one byte each.
func xlString(s string) []byte {
	return append(append(u16(len(s)), 0), s...)
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// testWorkbook builds a BIFF8 Workbook stream with one worksheet holding a
// cell of every record type ReadBIFF reads, a shared string split across a
// CONTINUE record that switches from one-byte to two-byte characters, and
// a chart sheet that must be skipped.
func testWorkbook() []byte {
	bof := func(dt int) []byte { return biffRec(0x0809, u16(0x0600), u16(dt), make([]byte, 12)) }
	// The SST: "alpha", then "Grüße Ωmega" whose characters start
	// compressed in the SST record and continue as UTF-16 in a CONTINUE.
	sst := append(u32(2), u32(2)...)
	sst = append(sst, xlString("alpha")...)
	sst = append(sst, u16(len([]rune("Grüße Ωmega")))...)
	sst = append(sst, 0)
	sst = append(sst, []byte("Gr\xfc\xdfe ")...)
	cont := append([]byte{1}, utf16Bytes("Ωmega")...)

	sheetBody := func() []byte {
		var b []byte
		b = append(b, bof(0x10)...)
		b = append(b, biffRec(0x00FD, u16(0), u16(0), u16(0), u32(0))...)                  // A1 LABELSST alpha
		b = append(b, biffRec(0x00FD, u16(0), u16(1), u16(0), u32(1))...)                  // B1 LABELSST
		b = append(b, biffRec(0x0204, u16(1), u16(0), u16(0), xlString("label"))...)       // A2 LABEL
		b = append(b, biffRec(0x0203, u16(1), u16(1), u16(0), f64(3.25))...)               // B2 NUMBER
		b = append(b, biffRec(0x027E, u16(1), u16(2), u16(0), u32(uint32(12345)<<2|2))...) // C2 RK integer
		b = append(b, biffRec(0x027E, u16(1), u16(3), u16(0), u32(uint32(1999)<<2|3))...)  // D2 RK integer/100
		// A3..C3 MULRK: 1, 2, 3
		b = append(b, biffRec(0x00BD, u16(2), u16(0), u16(0), u32(1<<2|2), u16(0), u32(2<<2|2), u16(0), u32(3<<2|2), u16(2))...)
		// A4 FORMULA with a string result in the STRING record after it.
		res := []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}
		b = append(b, biffRec(0x0006, u16(3), u16(0), u16(0), res, u16(0), u32(0), u16(0))...)
		b = append(b, biffRec(0x0207, xlString("from formula"))...)
		// B4 FORMULA number, C4 FORMULA boolean, D4 BOOLERR error, E4 BOOLERR true.
		b = append(b, biffRec(0x0006, u16(3), u16(1), u16(0), f64(42), u16(0), u32(0), u16(0))...)
		b = append(b, biffRec(0x0006, u16(3), u16(2), u16(0), []byte{1, 0, 1, 0, 0, 0, 0xFF, 0xFF}, u16(0), u32(0), u16(0))...)
		b = append(b, biffRec(0x0205, u16(3), u16(3), u16(0), []byte{0x07, 1})...)
		b = append(b, biffRec(0x0205, u16(3), u16(4), u16(0), []byte{1, 0})...)
		// A5: a date (XF 1 has the built-in format 14).
		b = append(b, biffRec(0x0203, u16(4), u16(0), u16(1), f64(45000))...)
		b = append(b, biffRec(0x000A)...)
		return b
	}
	chart := append(bof(0x20), biffRec(0x0204, u16(0), u16(0), u16(0), xlString("chart text"))...)
	chart = append(chart, biffRec(0x000A)...)

	boundsheet := func(pos int, kind byte, name string) []byte {
		return biffRec(0x0085, u32(uint32(pos)), []byte{0, kind}, []byte{byte(len(name)), 0}, []byte(name))
	}
	xf := func(fmt int) []byte { return biffRec(0x00E0, u16(0), u16(fmt), make([]byte, 16)) }
	build := func(sheetPos, chartPos int) []byte {
		var g []byte
		g = append(g, bof(0x05)...)
		g = append(g, xf(0)...)
		g = append(g, xf(14)...)
		g = append(g, boundsheet(sheetPos, 0, "Data")...)
		g = append(g, boundsheet(chartPos, 2, "Chart")...)
		g = append(g, biffRec(0x00FC, sst)...)
		g = append(g, biffRec(0x003C, cont)...)
		g = append(g, biffRec(0x000A)...)
		return g
	}
	globals := build(0, 0)
	sheetPos := len(globals)
	chartPos := sheetPos + len(sheetBody())
	out := build(sheetPos, chartPos)
	out = append(out, sheetBody()...)
	return append(out, chart...)
}

func TestReadBIFF(t *testing.T) {
	doc, err := ReadBIFF(context.Background(), testWorkbook(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	for _, l := range doc.Locations {
		if l.Sheet != "Data" {
			t.Errorf("a cell of sheet %q", l.Sheet)
		}
		cells[l.Cell] = doc.Text[l.Start:l.End]
	}
	want := map[string]string{
		"A1": "alpha", "B1": "Grüße Ωmega",
		"A2": "label", "B2": "3.25", "C2": "12345", "D2": "19.99",
		"A3": "1", "B3": "2", "C3": "3",
		"A4": "from formula", "B4": "42", "C4": "TRUE", "D4": "#DIV/0!", "E4": "TRUE",
		"A5": "2023-03-15",
	}
	for cell, w := range want {
		// Data cells may carry their column's header ("alpha: label").
		if got := cells[cell]; got != w && !strings.HasSuffix(got, ": "+w) {
			t.Errorf("%s = %q, want %q", cell, got, w)
		}
	}
	if strings.Contains(doc.Text, "chart text") {
		t.Error("the chart sheet was read")
	}
	if doc.Format != "xls" {
		t.Errorf("format %q", doc.Format)
	}
}

func TestReadBIFFBadInput(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":   nil,
		"not BOF": biffRec(0x0001, make([]byte, 16)),
		"BIFF5":   biffRec(0x0809, u16(0x0500), u16(5), make([]byte, 4)),
	} {
		_, err := ReadBIFF(context.Background(), b, Config{})
		if !errors.Is(err, core.ErrCorrupt) && !errors.Is(err, core.ErrUnsupported) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Every prefix of a good workbook reads without panicking.
	wb := testWorkbook()
	for n := 0; n < len(wb); n += 7 {
		doc, err := ReadBIFF(context.Background(), wb[:n], Config{})
		if err == nil {
			if err := doc.Check(); err != nil {
				t.Fatalf("prefix %d: %v", n, err)
			}
		}
	}
	// The cell limit holds and says so.
	doc, err := ReadBIFF(context.Background(), wb, Config{MaxCells: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Locations) != 3 || len(doc.Warnings) == 0 {
		t.Errorf("%d cells, warnings %v", len(doc.Locations), doc.Warnings)
	}
}

func TestRKAndNumberFormats(t *testing.T) {
	g := &biffGlobals{formats: map[uint16]string{200: "0.0", 201: `"TRUE";"TRUE";"FALSE"`, 202: "0.00%"}, xfFmt: []uint16{0, 200, 202, 201}}
	for _, tc := range []struct {
		v    float64
		xf   int
		want string
	}{
		{1, 0, "1"}, {0.1 + 0.2, 0, "0.3"}, {1e20, 0, "1e+20"}, {1, 1, "1.0"}, {0.125, 2, "12.50%"}, {1, 3, "TRUE"}, {0, 3, "FALSE"},
	} {
		if got := g.number(tc.v, tc.xf); got != tc.want {
			t.Errorf("number(%v, xf %d) = %q, want %q", tc.v, tc.xf, got, tc.want)
		}
	}
	if v := rkValue(uint32(math.Float64bits(2.5)>>32) &^ 3); v != 2.5 {
		t.Errorf("float RK = %v", v)
	}
	neg := int32(-7)
	if v := rkValue(uint32(neg<<2) | 2); v != -7 {
		t.Errorf("negative integer RK = %v", v)
	}
}

// FuzzBIFF feeds arbitrary bytes as a Workbook stream.
func FuzzBIFF(f *testing.F) {
	f.Add(testWorkbook())
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ReadBIFF(context.Background(), data, Config{MaxCells: 10000})
		if err == nil {
			if err := doc.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
		}
	})
}
