package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"folio/backend/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden parses one small file per format and compares text and
// locations with testdata/<name>.golden.json. With -update it first
// rebuilds the fixtures (the XLSX with excelize, the ODS with archive/zip)
// and then rewrites the golden files.
func TestGolden(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	for _, name := range []string{"sample.xlsx", "sample.ods", "sample.csv"} {
		t.Run(name, func(t *testing.T) {
			doc, err := New(Config{}).Parse(context.Background(), filepath.Join("testdata", name))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			testenv.GoldenDocument(t, filepath.Join("testdata", name+".golden.json"), doc, *update)
		})
	}
}

// writeFixtures rebuilds testdata/sample.{xlsx,ods,csv}.
func writeFixtures(t *testing.T) {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := buildSampleXLSX(filepath.Join("testdata", "sample.xlsx")); err != nil {
		t.Fatalf("build sample.xlsx: %v", err)
	}
	ods := buildODS(t, sampleODSContent, "")
	if err := os.WriteFile(filepath.Join("testdata", "sample.ods"), ods, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "sample.csv"), []byte(sampleCSV), 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildSampleXLSX writes a workbook exercising the XLSX rules: a header row
// with numeric data (header repetition on), number and date formats, a
// formula with a cached value, an empty cell inside a row, a short sheet
// (no repetition) with rich text and a cell beyond column Z, a hidden
// sheet and an empty sheet.
func buildSampleXLSX(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Sales"); err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // short date
	if err != nil {
		return err
	}
	set := func(sheet, cell string, v any) {
		if err == nil {
			err = f.SetCellValue(sheet, cell, v)
		}
	}
	for i, h := range []string{"Region", "Product", "Units", "Price", "Shipped"} {
		set("Sales", string(rune('A'+i))+"1", h)
	}
	rows := []struct {
		region, product string
		units           int
		price           float64
		shipped         time.Time
	}{
		{"North", "Widget", 12, 3.5, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"South", "Gadget", 7, 12.25, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
	}
	for i, r := range rows {
		n := string(rune('2' + i))
		set("Sales", "A"+n, r.region)
		set("Sales", "B"+n, r.product)
		set("Sales", "C"+n, r.units)
		set("Sales", "D"+n, r.price)
		set("Sales", "E"+n, r.shipped)
	}
	set("Sales", "A4", "East")
	set("Sales", "C4", 1) // B4 stays empty
	set("Sales", "A5", "Total")
	set("Sales", "C5", 20) // cached value of the formula below
	if err != nil {
		return err
	}
	if err := f.SetCellFormula("Sales", "C5", "SUM(C2:C4)"); err != nil {
		return err
	}
	if err := f.SetCellStyle("Sales", "D2", "D3", money); err != nil {
		return err
	}
	if err := f.SetCellStyle("Sales", "E2", "E3", date); err != nil {
		return err
	}

	if _, err := f.NewSheet("Notes"); err != nil {
		return err
	}
	set("Notes", "A1", "Remarks")
	set("Notes", "A3", "Wide row")
	set("Notes", "AB3", "far column") // two rows only: no header repetition
	if err != nil {
		return err
	}
	if err := f.SetCellRichText("Notes", "B1", []excelize.RichTextRun{
		{Text: "Bold", Font: &excelize.Font{Bold: true}},
		{Text: " and plain"},
	}); err != nil {
		return err
	}

	if _, err := f.NewSheet("Hidden"); err != nil {
		return err
	}
	set("Hidden", "A1", "secret note")
	if err != nil {
		return err
	}
	if err := f.SetSheetVisible("Hidden", false); err != nil {
		return err
	}
	if _, err := f.NewSheet("Empty"); err != nil {
		return err
	}
	if err := f.SaveAs(path); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// sampleODSContent exercises the ODS rules: a header with numeric data,
// office:value without paragraphs, repeated and covered cells, a repeated
// non-empty row, huge repeated empty rows and columns at the end, a comment,
// text:s spaces, a second sheet and a cell beyond column Z.
const sampleODSContent = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">
<office:body><office:spreadsheet>
<table:table table:name="Budget">
<table:table-column table:number-columns-repeated="3"/>
<table:table-header-rows>
<table:table-row><table:table-cell office:value-type="string"><text:p>Item</text:p></table:table-cell><table:table-cell><text:p>Cost</text:p></table:table-cell><table:table-cell><text:p>Note</text:p></table:table-cell></table:table-row>
</table:table-header-rows>
<table:table-row><table:table-cell><text:p>Paper</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="12.5"><text:p>12.50</text:p></table:table-cell><table:table-cell><text:p>two<text:s text:c="3"/>spaces</text:p><office:annotation><text:p>a comment</text:p></office:annotation></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Ink</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="40"/><table:table-cell table:number-columns-spanned="2"><text:p>merged</text:p></table:table-cell><table:covered-table-cell/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell><text:p>Same</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table>
<table:table table:name="Second">
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="26"/><table:table-cell><text:p>Column <text:span>AA</text:span></text:p><text:p>second paragraph</text:p></table:table-cell></table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>
`

// sampleCSV is semicolon-separated with a header, a quoted field spanning
// two lines, a blank line and an empty field.
const sampleCSV = "City;Population;Country\n" +
	"Paris;2102650;France\n" +
	"\"Saint-\nÉtienne\";171057;France\n" +
	"\n" +
	"Zürich;;Switzerland\n" +
	"Bern;134794;Switzerland\n"

// buildODS returns an ODS package holding content.xml and, when manifest
// is not empty, META-INF/manifest.xml.
func buildODS(t testing.TB, content, manifest string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	files := []struct{ name, body string }{{"content.xml", content}}
	if manifest != "" {
		files = append(files, struct{ name, body string }{"META-INF/manifest.xml", manifest})
	}
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
