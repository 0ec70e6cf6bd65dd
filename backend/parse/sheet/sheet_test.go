package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"folio/backend/core"
)

// writeFile writes data to a new file called name in a temporary folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parse parses path with cfg and checks the location contract of every
// successful result.
func parse(t testing.TB, cfg Config, path string) (core.Document, error) {
	t.Helper()
	doc, err := New(cfg).Parse(context.Background(), path)
	if err == nil {
		if cerr := doc.Check(); cerr != nil {
			t.Fatalf("Check(%s): %v\ntext: %q", filepath.Base(path), cerr, doc.Text)
		}
		if len(doc.Locations) == 0 {
			t.Fatalf("%s: no locations", filepath.Base(path))
		}
	}
	return doc, err
}

// cellsOf lists "Sheet!Cell=text" for every location of doc.
func cellsOf(doc core.Document) []string {
	out := make([]string, len(doc.Locations))
	for i, l := range doc.Locations {
		out[i] = fmt.Sprintf("%s!%s=%s", l.Sheet, l.Cell, doc.Text[l.Start:l.End])
	}
	return out
}

func TestCellName(t *testing.T) {
	tests := []struct {
		col, row int
		want     string
	}{
		{1, 1, "A1"}, {26, 1, "Z1"}, {27, 2, "AA2"}, {28, 3, "AB3"}, {52, 1, "AZ1"},
		{53, 1, "BA1"}, {702, 10, "ZZ10"}, {703, 1, "AAA1"}, {16384, 1048576, "XFD1048576"},
	}
	for _, tt := range tests {
		if got := cellName(tt.col, tt.row); got != tt.want {
			t.Errorf("cellName(%d, %d) = %q, want %q", tt.col, tt.row, got, tt.want)
		}
	}
}

func TestNumberLike(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"42", true}, {"-3.5", true}, {"1,234.50", true}, {"12%", true}, {"$9.99", true},
		{"€ 1 234,5", true}, {"2024-03-05", true}, {"3/4/24", true}, {"12:30", true},
		{"1e6", true}, {"(15)", true},
		{"Region", false}, {"Q1", false}, {"", false}, {"-", false}, {"n/a", false},
		{"Price ($)", false}, {"2024 total", false},
	}
	for _, tt := range tests {
		if got := numberLike(tt.in); got != tt.want {
			t.Errorf("numberLike(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCleanCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  a  ", "a"}, {"two\nlines", "two lines"}, {"a\tb\r\nc", "a b  c"},
		{"bad\xffbyte", "bad\uFFFDbyte"}, {" \n\t ", ""},
	}
	for _, tt := range tests {
		if got := cleanCell(tt.in); got != tt.want {
			t.Errorf("cleanCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHeaderRule runs the header-repetition rule through CSV files.
func TestHeaderRule(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"numeric data", "Name,Age\nAnn,31\nBob,42\n",
			"Name\tAge\nName: Ann\tAge: 31\nName: Bob\tAge: 42\n"},
		{"text only, two columns", "Name,Town\nAnn,Rome\nBob,Oslo\n",
			"Name\tTown\nAnn\tRome\nBob\tOslo\n"},
		{"text only, three columns", "Name,Town,Pet\nAnn,Rome,cat\nBob,Oslo,dog\n",
			"Name\tTown\tPet\nName: Ann\tTown: Rome\tPet: cat\nName: Bob\tTown: Oslo\tPet: dog\n"},
		{"one data row", "Name,Age\nAnn,31\n",
			"Name\tAge\nAnn\t31\n"},
		{"numeric header cell", "Name,2024\nAnn,31\nBob,42\n",
			"Name\t2024\nAnn\t31\nBob\t42\n"},
		{"date header cell", "Name,2024-01-01\nAnn,31\nBob,42\n",
			"Name\t2024-01-01\nAnn\t31\nBob\t42\n"},
		{"single header cell", "Title\nAnn,31\nBob,42\n",
			"Title\nAnn\t31\nBob\t42\n"},
		{"empty header cell", "Name,,Age\nAnn,x,31\nBob,y,42\n",
			"Name\t\tAge\nName: Ann\tx\tAge: 31\nName: Bob\ty\tAge: 42\n"},
		{"blank rows before header", "\n,\nName,Age\n\nAnn,31\nBob,42\n",
			"Name\tAge\nName: Ann\tAge: 31\nName: Bob\tAge: 42\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parse(t, Config{}, writeFile(t, "t.csv", []byte(tt.csv)))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
		})
	}
}

func TestHeaderLookahead(t *testing.T) {
	// The only numeric cell comes after the lookahead window: no header.
	var sb strings.Builder
	sb.WriteString("Name,Town\n")
	for i := 0; i < 5; i++ {
		sb.WriteString("Ann,Rome\n")
	}
	sb.WriteString("Bob,42\n")
	path := writeFile(t, "t.csv", []byte(sb.String()))
	for _, tt := range []struct {
		lookahead int
		want      bool
	}{{3, false}, {10, true}} {
		doc, err := parse(t, Config{HeaderLookahead: tt.lookahead}, path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(doc.Text, "Name: Ann"); got != tt.want {
			t.Errorf("lookahead %d: header repeated = %v, want %v\n%s", tt.lookahead, got, tt.want, doc.Text)
		}
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		prefer rune
		want   rune
	}{
		{"comma", "a,b,c\n1,2,3\n", ',', ','},
		{"semicolon with decimal commas", "Name;Price\nFoo;1,5\nBar;2,25\nBaz;3\n", ',', ';'},
		{"tab", "a\tb\n1\t2\n", ',', '\t'},
		{"pipe", "a|b|c\n1|2|3\n", ',', '|'},
		{"quoted commas in a semicolon file", "\"a,b\";c\n\"d,e,f\";g\n", ',', ';'},
		{"single column", "alpha\nbeta\n", ',', ','},
		{"single column tsv", "alpha\nbeta\n", '\t', '\t'},
		{"tie goes to preferred", "a,b;c\n1,2;3\n", '\t', ','},
		{"tie prefers tab for tsv", "a\tb,c\n1\t2,3\n", '\t', '\t'},
	}
	for _, tt := range tests {
		if got := sniffDelimiter(tt.in, tt.prefer); got != tt.want {
			t.Errorf("%s: sniffDelimiter = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCSVEncodings(t *testing.T) {
	utf16 := func(s string, be bool) []byte {
		out := []byte{0xFF, 0xFE}
		if be {
			out = []byte{0xFE, 0xFF}
		}
		for _, r := range s { // BMP only
			if be {
				out = append(out, byte(r>>8), byte(r))
			} else {
				out = append(out, byte(r), byte(r>>8))
			}
		}
		return out
	}
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"utf-8 bom", "a.csv", []byte("\xEF\xBB\xBFcafé;naïve\r\n"), "café\tnaïve\n"},
		{"utf-16le tab", "a.tsv", utf16("Zürich\tBern\r\n", false), "Zürich\tBern\n"},
		{"utf-16be", "a.csv", utf16("€,£\n", true), "€\t£\n"},
		{"latin-1", "a.csv", []byte("caf\xe9|na\xefve\n"), "café\tnaïve\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parse(t, Config{}, writeFile(t, tt.file, tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
		})
	}
}

func TestCSVLayout(t *testing.T) {
	in := "1,,c,,\n\n\"multi\nline\",x\n,,z\n" // numeric first row: no header
	doc, err := parse(t, Config{}, writeFile(t, "layout.csv", []byte(in)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "1\t\tc\nmulti line\tx\n\t\tz\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	got := strings.Join(cellsOf(doc), " ")
	want := "layout!A1=1 layout!C1=c layout!A3=multi line layout!B3=x layout!C4=z"
	if got != want {
		t.Errorf("cells = %s\nwant    %s", got, want)
	}
	if l := doc.Locations[3]; l.Row != 3 || l.Col != 2 || l.Sheet != "layout" {
		t.Errorf("location of x = %+v, want row 3 col 2 sheet layout", l)
	}
	if doc.Format != "csv" {
		t.Errorf("format = %q, want csv", doc.Format)
	}
}

func TestCSVWideGap(t *testing.T) {
	in := "a" + strings.Repeat(",", 40) + "b\n"
	doc, err := parse(t, Config{}, writeFile(t, "w.csv", []byte(in)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "a" + strings.Repeat("\t", MaxGap) + "b\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if c := doc.Locations[1].Cell; c != "AO1" {
		t.Errorf("cell of b = %q, want AO1", c)
	}
}

// buildXLSX writes a workbook made by fill to a temporary file.
func buildXLSX(t testing.TB, name string, fill func(f *excelize.File) error) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := fill(f); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestXLSXValues(t *testing.T) {
	path := buildXLSX(t, "v.xlsx", func(f *excelize.File) error {
		pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
		date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		for cell, v := range map[string]any{
			"A1": "text", "C1": 0.25, "D1": 45000, "AA1": "beyond Z", "B2": "two\nlines", "A3": 6,
		} {
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle("Sheet1", "C1", "C1", pct); err != nil {
			return err
		}
		if err := f.SetCellStyle("Sheet1", "D1", "D1", date); err != nil {
			return err
		}
		return f.SetCellFormula("Sheet1", "A3", "2*3") // keeps the cached 6
	})
	doc, err := parse(t, Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cellsOf(doc), " | ")
	want := "Sheet1!A1=text | Sheet1!C1=25.00% | Sheet1!D1=03-15-23 | Sheet1!AA1=beyond Z | Sheet1!B2=two lines | Sheet1!A3=6"
	if got != want {
		t.Errorf("cells = %s\nwant    %s", got, want)
	}
	if want := "text\t\t25.00%\t03-15-23" + strings.Repeat("\t", MaxGap) + "beyond Z\n\ttwo lines\n6\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if l := doc.Locations[3]; l.Row != 1 || l.Col != 27 {
		t.Errorf("AA1 location = %+v, want row 1 col 27", l)
	}
	if doc.Format != "xlsx" {
		t.Errorf("format = %q, want xlsx", doc.Format)
	}
}

func TestXLSXFormulaWithoutCache(t *testing.T) {
	// A formula never calculated has no cached value: nothing to show.
	path := buildXLSX(t, "f.xlsx", func(f *excelize.File) error {
		if err := f.SetCellValue("Sheet1", "A1", "label"); err != nil {
			return err
		}
		return f.SetCellFormula("Sheet1", "B1", "1+1")
	})
	doc, err := parse(t, Config{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Text != "label\n" {
		t.Errorf("text = %q, want %q", doc.Text, "label\n")
	}
}

func TestXLSXByContent(t *testing.T) {
	// An XLSX with another extension is still read as XLSX; .xlsm keeps its
	// format name.
	src, err := os.ReadFile(filepath.Join("testdata", "sample.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, format string }{{"x.ods", "xlsx"}, {"x.csv", "xlsx"}, {"x.xlsm", "xlsm"}} {
		doc, err := parse(t, Config{}, writeFile(t, tt.name, src))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if doc.Format != tt.format || !strings.Contains(doc.Text, "Region: North") {
			t.Errorf("%s: format %q, text %.60q; want %s with the sales sheet", tt.name, doc.Format, doc.Text, tt.format)
		}
	}
}

// odsDoc wraps table XML in an ODS content.xml.
func odsDoc(tables string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>` +
		tables + `</office:spreadsheet></office:body></office:document-content>`
}

func TestODS(t *testing.T) {
	tests := []struct {
		name      string
		tables    string
		cfg       Config
		wantCells string
		wantWarn  string
	}{
		{"typed values without paragraphs",
			`<table:table table:name="T"><table:table-row>` +
				`<table:table-cell office:value-type="percentage" office:value="0.5"/>` +
				`<table:table-cell office:value-type="date" office:date-value="2024-03-05"/>` +
				`<table:table-cell office:value-type="boolean" office:boolean-value="true"/>` +
				`<table:table-cell office:value-type="time" office:time-value="PT12H30M00S"/>` +
				`<table:table-cell office:value-type="string"/>` +
				`</table:table-row></table:table>`,
			Config{}, "T!A1=0.5 T!B1=2024-03-05 T!C1=true T!D1=PT12H30M00S", ""},
		{"repeated columns and rows",
			`<table:table table:name="R"><table:table-row table:number-rows-repeated="2">` +
				`<table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell>` +
				`<table:table-cell table:number-columns-repeated="3"/><table:table-cell><text:p>y</text:p></table:table-cell>` +
				`</table:table-row></table:table>`,
			Config{}, "R!A1=x R!B1=x R!F1=y R!A2=x R!B2=x R!F2=y", ""},
		{"repeats capped",
			`<table:table table:name="C"><table:table-row table:number-rows-repeated="100">` +
				`<table:table-cell table:number-columns-repeated="50"><text:p>z</text:p></table:table-cell>` +
				`</table:table-row></table:table>`,
			Config{MaxRepeat: 2}, "C!A1=z C!B1=z C!A2=z C!B2=z", "only 2 copies"},
		{"huge empty repeats are free",
			`<table:table table:name="E"><table:table-row table:number-rows-repeated="16777215"><table:table-cell table:number-columns-repeated="2147483647"/></table:table-row>` +
				`<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell><text:p>after</text:p></table:table-cell></table:table-row></table:table>`,
			Config{}, "E!XFD16777216=after", ""},
		{"rows past the last row",
			`<table:table table:name="P"><table:table-row><table:table-cell><text:p>first</text:p></table:table-cell></table:table-row>` +
				`<table:table-row table:number-rows-repeated="2147483647"><table:table-cell/></table:table-row>` +
				`<table:table-row><table:table-cell><text:p>lost</text:p></table:table-cell></table:table-row></table:table>`,
			Config{}, "P!A1=first", "rows past row 16777216"},
		{"covered cells, comments and spaces",
			`<table:table table:name="M"><table:table-row>` +
				`<table:table-cell table:number-columns-spanned="2"><text:p>wide<text:tab/>cell</text:p><office:annotation><text:p>hidden comment</text:p></office:annotation></table:table-cell>` +
				`<table:covered-table-cell><text:p>covered text</text:p></table:covered-table-cell>` +
				`<table:table-cell><text:p>a<text:s text:c="2"/>b</text:p><text:p><text:span>c</text:span><text:line-break/>d</text:p></table:table-cell>` +
				`</table:table-row></table:table>`,
			Config{}, "M!A1=wide cell M!B1=covered text M!C1=a  b c d", ""},
		{"grouped and header rows, two sheets",
			`<table:table table:name="One"><table:table-header-rows><table:table-row><table:table-cell><text:p>h</text:p></table:table-cell></table:table-row></table:table-header-rows>` +
				`<table:table-row-group><table:table-row><table:table-cell><text:p>g</text:p></table:table-cell></table:table-row></table:table-row-group></table:table>` +
				`<table:table table:name="Two"><table:table-row><table:table-cell/><table:table-cell><text:p>t</text:p></table:table-cell></table:table-row></table:table>`,
			Config{}, "One!A1=h One!A2=g Two!B1=t", ""},
		{"cell limit",
			`<table:table table:name="L"><table:table-row table:number-rows-repeated="10"><table:table-cell table:number-columns-repeated="3"><text:p>v</text:p></table:table-cell></table:table-row></table:table>`,
			Config{MaxCells: 4}, "L!A1=v L!B1=v L!C1=v L!A2=v", "stopped after 4 cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "t.ods", buildODS(t, odsDoc(tt.tables), ""))
			doc, err := parse(t, tt.cfg, path)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cellsOf(doc), " "); got != tt.wantCells {
				t.Errorf("cells = %s\nwant    %s", got, tt.wantCells)
			}
			warn := strings.Join(doc.Warnings, "; ")
			if tt.wantWarn == "" && warn != "" || !strings.Contains(warn, tt.wantWarn) {
				t.Errorf("warnings = %q, want %q", warn, tt.wantWarn)
			}
			if doc.Format != "ods" {
				t.Errorf("format = %q, want ods", doc.Format)
			}
		})
	}
}

func TestODSTruncatedXML(t *testing.T) {
	content := odsDoc(`<table:table table:name="T"><table:table-row><table:table-cell><text:p>kept</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell><text:p>lo`)
	doc, err := parse(t, Config{}, writeFile(t, "t.ods", buildODS(t, content, "")))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Text != "kept\n" || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "malformed XML") {
		t.Errorf("text %q warnings %q; want the first row and one malformed-XML warning", doc.Text, doc.Warnings)
	}
}

func TestMaxCells(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&sb, "r%d,x,y\n", i)
	}
	csvPath := writeFile(t, "big.csv", []byte(sb.String()))
	xlsxPath := buildXLSX(t, "big.xlsx", func(f *excelize.File) error {
		for r := 1; r <= 10; r++ {
			if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", r), &[]any{"a", "b", "c"}); err != nil {
				return err
			}
		}
		if _, err := f.NewSheet("Later"); err != nil {
			return err
		}
		return f.SetCellValue("Later", "A1", "never read")
	})
	for _, path := range []string{csvPath, xlsxPath} {
		doc, err := parse(t, Config{MaxCells: 7}, path)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		if len(doc.Locations) != 7 {
			t.Errorf("%s: %d cells, want 7", filepath.Base(path), len(doc.Locations))
		}
		if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "limit 7") {
			t.Errorf("%s: warnings %q, want the cell-limit warning", filepath.Base(path), doc.Warnings)
		}
		if strings.Contains(doc.Text, "never read") {
			t.Errorf("%s: read past the cell limit", filepath.Base(path))
		}
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, name := range []string{"sample.xlsx", "sample.ods", "sample.csv"} {
		_, err := New(Config{}).Parse(ctx, filepath.Join("testdata", name))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
	// Cancelled mid-sheet: a deadline that passes while rows are read.
	var sb strings.Builder
	for i := 0; i < 200000; i++ {
		sb.WriteString("a,1\n")
	}
	path := writeFile(t, "long.csv", []byte(sb.String()))
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := New(Config{}).Parse(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("long.csv: err = %v, want context.DeadlineExceeded", err)
	}
}

// zipOf builds a ZIP holding the named entries.
func zipOf(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadInput(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("testdata", "sample.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	ole := append(append([]byte{}, oleMagic...), make([]byte, 600)...)
	encrypted := append(append([]byte{}, ole...), utf16le("EncryptedPackage")...)
	emptyXLSX := buildXLSX(t, "empty.xlsx", func(f *excelize.File) error { return nil })
	emptyXLSXData, err := os.ReadFile(emptyXLSX)
	if err != nil {
		t.Fatal(err)
	}
	bigSheet := buildXLSX(t, "bomb.xlsx", func(f *excelize.File) error {
		for r := 1; r <= 2000; r++ {
			if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", r), &[]any{"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"}); err != nil {
				return err
			}
		}
		return nil
	})
	bigSheetData, err := os.ReadFile(bigSheet)
	if err != nil {
		t.Fatal(err)
	}
	bombODS := buildODS(t, odsDoc(`<table:table table:name="B"><table:table-row><table:table-cell><text:p>`+strings.Repeat("a", 300000)+`</text:p></table:table-cell></table:table-row></table:table>`), "")
	manifest := `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>`

	tests := []struct {
		name string
		file string
		data []byte
		cfg  Config
		want error
		msg  string
	}{
		{"encrypted ooxml", "e.xlsx", encrypted, Config{}, core.ErrEncrypted, "EncryptedPackage"},
		{"legacy ole2", "l.xlsx", ole, Config{}, core.ErrUnsupported, "OLE2"},
		{"encrypted ods", "e.ods", buildODS(t, "garbage", manifest), Config{}, core.ErrEncrypted, "encryption data"},
		{"truncated xlsx", "t.xlsx", sample[:len(sample)/2], Config{}, core.ErrCorrupt, "ZIP"},
		{"not a zip", "n.xlsx", []byte("hello, this is text"), Config{}, core.ErrCorrupt, "ZIP"},
		{"zero bytes xlsx", "z.xlsx", nil, Config{}, core.ErrCorrupt, "empty file"},
		{"empty zip", "z.ods", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), Config{}, core.ErrCorrupt, "no entries"},
		{"zip without workbook", "w.xlsx", zipOf(t, map[string][]byte{"a.txt": []byte("x")}), Config{}, core.ErrCorrupt, "neither"},
		{"ods without content", "c.ods", zipOf(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet")}), Config{}, core.ErrCorrupt, "neither"},
		{"workbook xml broken", "b.xlsx", zipOf(t, map[string][]byte{"xl/workbook.xml": []byte("<workbook"), "[Content_Types].xml": []byte("<Types")}), Config{}, core.ErrCorrupt, ""},
		{"malformed ods xml", "m.ods", buildODS(t, "<office:document-content><oops", ""), Config{}, core.ErrCorrupt, "malformed XML"},
		{"xlsx without cells", "e.xlsx", emptyXLSXData, Config{}, core.ErrEmpty, "no cell"},
		{"ods without cells", "e.ods", buildODS(t, odsDoc(`<table:table table:name="E"><table:table-row table:number-rows-repeated="1000"><table:table-cell/></table:table-row></table:table>`), ""), Config{}, core.ErrEmpty, "no cell"},
		{"empty csv", "e.csv", nil, Config{}, core.ErrEmpty, ""},
		{"blank csv", "b.csv", []byte("\xEF\xBB\xBF , ,\n\n"), Config{}, core.ErrEmpty, ""},
		{"file too large", "big.csv", []byte("a,b,c\n1,2,3\n"), Config{MaxBytes: 5}, core.ErrTooLarge, "limit 5"},
		{"a record wider than a spreadsheet", "wide.csv", []byte("a,b\n" + strings.Repeat("1,", 20000) + "\n"), Config{}, core.ErrTooLarge, "the record on line 2 has more than 16384 fields"},
		{"xlsx zip bomb", "bomb.xlsx", bigSheetData, Config{MaxUnzipBytes: 50000}, core.ErrTooLarge, "zip bomb"},
		{"ods zip bomb", "bomb.ods", bombODS, Config{MaxUnzipBytes: 100000}, core.ErrTooLarge, "content.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.data)
			_, err := parse(t, tt.cfg, path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to name the file and say %q", err, tt.msg)
			}
		})
	}
}

func TestCSVNamedLikeZip(t *testing.T) {
	// Text that starts with "PK" is still delimited text.
	doc, err := parse(t, Config{}, writeFile(t, "keys.csv", []byte("PK,Name\n1,Ann\n2,Bob\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text, "PK: 1\tName: Ann") {
		t.Errorf("text = %q, want the header repeated", doc.Text)
	}
}

func TestTSVFormat(t *testing.T) {
	doc, err := parse(t, Config{}, writeFile(t, "data.tsv", []byte("a\tb\n")))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != "tsv" || doc.Text != "a\tb\n" || doc.Locations[0].Sheet != "data" {
		t.Errorf("format %q text %q sheet %q; want tsv, %q, data", doc.Format, doc.Text, doc.Locations[0].Sheet, "a\tb\n")
	}
}

// replaceEntry returns a copy of the ZIP file at src with entry name's
// content replaced by body.
func replaceEntry(t testing.TB, src, name, body string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			found = true
			w.Write([]byte(body))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s has no %s", src, name)
	}
	return buf.Bytes()
}

func TestXLSXRowNumbers(t *testing.T) {
	base := buildXLSX(t, "base.xlsx", func(f *excelize.File) error { return f.SetCellValue("Sheet1", "A1", "x") })
	sheet := func(rows string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
	}
	tests := []struct {
		name, rows, cells, warn string
	}{
		{"last row", `<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>bottom</t></is></c></row>`, "Sheet1!B1048576=bottom", ""},
		{"rows without r", `<row><c t="inlineStr"><is><t>one</t></is></c></row><row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>`, "Sheet1!A1=one Sheet1!A2=a Sheet1!B2=b", ""},
		{"past the last row", `<row r="1"><c r="A1" t="inlineStr"><is><t>top</t></is></c></row><row r="2147483647"><c r="A2147483647" t="inlineStr"><is><t>lost</t></is></c></row>`, "Sheet1!A1=top", "rows past row 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "r.xlsx", replaceEntry(t, base, "xl/worksheets/sheet1.xml", sheet(tt.rows)))
			start := time.Now()
			doc, err := parse(t, Config{}, path)
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %s", took)
			}
			if got := strings.Join(cellsOf(doc), " "); got != tt.cells {
				t.Errorf("cells = %s, want %s", got, tt.cells)
			}
			if warn := strings.Join(doc.Warnings, "; "); tt.warn == "" && warn != "" || !strings.Contains(warn, tt.warn) {
				t.Errorf("warnings = %q, want %q", warn, tt.warn)
			}
		})
	}
}

// TestCSVQuotedDelimitersAreNotFields: delimiters and line breaks inside a
// quoted field do not count toward the fields limit, so a long quoted cell
// is read, and the record after it is counted from its own line.
func TestCSVQuotedDelimitersAreNotFields(t *testing.T) {
	long := `"` + strings.Repeat("x,\n", 20000) + `"`
	doc, err := parse(t, Config{}, writeFile(t, "q.csv", []byte("a,b\n"+long+",2\nc,d\n")))
	if err != nil {
		t.Fatalf("a quoted cell holding 20,000 commas: %v", err)
	}
	if !strings.Contains(doc.Text, "c") {
		t.Errorf("text lacks the last row: %q", doc.Text[max(0, len(doc.Text)-100):])
	}
	if got := tooManyFields("a,b\n"+long+",2\n"+strings.Repeat(",", 16384)+"\n", ',', 16384); got != 20003 {
		t.Errorf("tooManyFields = line %d, want 20003 (the line the wide record starts on)", got)
	}
}
