package sheet

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
)

// fuzzConfig keeps each fuzz input cheap: repeats and cells are bounded so
// a tiny input cannot ask for millions of cells.
var fuzzConfig = Config{MaxCells: 20000, MaxRepeat: 50}

// checkFuzzResult fails on anything but a valid document or a sentinel
// error, and on a parse that takes too long.
func checkFuzzResult(t *testing.T, doc core.Document, err error, took time.Duration) {
	t.Helper()
	if took > 5*time.Second {
		t.Fatalf("parse took %s", took)
	}
	if err != nil {
		for _, s := range []error{core.ErrEmpty, core.ErrCorrupt, core.ErrTooLarge, core.ErrEncrypted, core.ErrUnsupported} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("error wraps no sentinel: %v", err)
	}
	if cerr := doc.Check(); cerr != nil {
		t.Fatalf("Check: %v", cerr)
	}
}

func FuzzCSV(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "sample.csv")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"a,b\n1,2\n", "a;b;c\n\"x;y\";2;3\n", "\"unterminated,\nfield", "a\tb\n\"q\"\"q\"\t2",
		"\xff\xfea\x00,\x00b\x00", "\xef\xbb\xbf|a|b|\n|1|2|", "\r\n\r\n,,,\r\n", "\"\"\"", "x,\"y\"z,w\n",
		// A record wider than a spreadsheet (refused as too large), the
		// small version of a 50 MB line of commas.
		"a,b\n" + strings.Repeat("1,", maxCSVFields+1),
	} {
		f.Add([]byte(s))
	}
	p := New(fuzzConfig)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		doc, err := p.Parse(context.Background(), path)
		checkFuzzResult(t, doc, err, time.Since(start))
	})
}

func FuzzODS(f *testing.F) {
	if content, err := odsContent(filepath.Join("testdata", "sample.ods")); err == nil {
		f.Add(content)
	}
	for _, s := range []string{
		odsDoc(`<table:table table:name="a"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table>`),
		odsDoc(`<table:table><table:table-row table:number-rows-repeated="99999999"><table:table-cell table:number-columns-repeated="99999999"><text:p>r</text:p></table:table-cell></table:table-row></table:table>`),
		odsDoc(`<table:table><table:table-row><table:table-cell><table:table><table:table-row><table:table-cell><text:p>nested</text:p></table:table-cell></table:table-row></table:table></table:table-cell></table:table-row></table:table>`),
		odsDoc(`<table:table><table:table-cell><text:p>stray</text:p></table:table-cell><table:table-row><text:p>bare</text:p></table:table-row></table:table>`),
		`<office:spreadsheet><table:table><table:table-row><table:table-cell office:value-type="float" office:value="1"/>`,
		"",
	} {
		f.Add([]byte(s))
	}
	p := New(fuzzConfig)
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "f.ods")
		if err := os.WriteFile(path, buildODS(t, string(content), ""), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		doc, err := p.Parse(context.Background(), path)
		checkFuzzResult(t, doc, err, time.Since(start))
	})
}

// odsContent returns the content.xml of the ODS file at path.
func odsContent(path string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	rc, err := zr.Open("content.xml")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
