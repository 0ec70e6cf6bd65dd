package evaluate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"folio/backend/core"
	"folio/backend/parse/formats"
)

// TextractReport is office/textract: the share of expected.json's lines
// found in what Folio extracts (whitespace ignored), per format.
type TextractReport struct {
	// Formats are the non-image formats, which count toward the target.
	Formats []TextractFormat `json:"formats"`
	Lines   int              `json:"lines"`
	Found   int              `json:"found"`
	// Images (png, jpg, gif, tiff) need OCR. They are counted apart and
	// not in Lines/Found; Read says whether the parser accepted any.
	Images TextractFormat `json:"images"`
	// Failed lists the lines not found, as "file: line".
	Failed []string `json:"failed,omitempty"`
	// Speed compares reading each format's files with a Debian reader of
	// the same format in the same run (process per file on both sides).
	Speed []TextractSpeed `json:"speed,omitempty"`
}

// TextractFormat is one format's figures.
type TextractFormat struct {
	Format string `json:"format"`
	Files  int    `json:"files"`
	Read   int    `json:"read"` // files parsed without error
	Lines  int    `json:"lines"`
	Found  int    `json:"found"`
	// FoundStrict counts the lines found in Document.Text itself. Found
	// may be larger for spreadsheets only: see sheetRows.
	FoundStrict int `json:"found_strict"`
}

// TextractSpeed is one format's timing against a reference command.
type TextractSpeed struct {
	Format       string  `json:"format"`
	Files        int     `json:"files"`
	Reference    string  `json:"reference"`
	FolioSeconds float64 `json:"folio_seconds"` // through the sandboxed child, as the product reads
	// InProcess is the parsers' own time, without the child process.
	InProcess  float64 `json:"folio_in_process_seconds"`
	RefSeconds float64 `json:"reference_seconds"`
	Ratio      float64 `json:"ratio"` // Folio's time over the reference's
}

var textractImages = map[string]bool{"png": true, "jpg": true, "gif": true, "tiff": true}

// textractRefs are the reference readers, by format: Debian's antiword
// and xls2csv (catdoc) write a file's text to stdout as Folio's child
// writes JSON.
var textractRefs = map[string][]string{"doc": {"antiword"}, "xls": {"xls2csv"}, "ppt": {"catppt"}}

// evalTextract reads every file of office/textract/expected.json. It is
// skipped (a zero report) when the folder is missing.
func evalTextract(ctx context.Context, cfg ParsingConfig) (TextractReport, error) {
	var rep TextractReport
	dir := filepath.Join(cfg.Data, "office", "textract")
	if _, err := os.Stat(filepath.Join(dir, "expected.json")); err != nil {
		return rep, nil
	}
	var entries map[string]struct {
		Contains []string `json:"contains"`
	}
	if err := readJSONLoose(filepath.Join(dir, "expected.json"), &entries); err != nil {
		return rep, err
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		if !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	byFormat := map[string]*TextractFormat{}
	files := map[string][]string{}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if cfg.Progress != nil {
			cfg.Progress(name)
		}
		format := strings.TrimPrefix(filepath.Ext(name), ".")
		f := byFormat[format]
		if f == nil {
			f = &TextractFormat{Format: format}
			byFormat[format] = f
		}
		path := filepath.Join(dir, name)
		files[format] = append(files[format], path)
		doc, err := cfg.Parser.Parse(ctx, path)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		f.Files++
		if err == nil {
			f.Read++
		}
		rows := sheetRows(doc)
		for _, want := range entries[name].Contains {
			f.Lines++
			strict := err == nil && holds("contains", doc.Text, want)
			ok := strict || (err == nil && rows != "" && holds("contains", rows, want))
			if strict {
				f.FoundStrict++
			}
			if ok {
				f.Found++
			} else if !textractImages[format] {
				why := ""
				if err != nil {
					why = " (" + core.OneLine(err.Error(), 120) + ")"
				}
				rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %s%s", name, short(want), why))
			}
		}
	}
	formats := make([]string, 0, len(byFormat))
	for k := range byFormat {
		formats = append(formats, k)
	}
	sort.Strings(formats)
	rep.Images.Format = "images"
	for _, k := range formats {
		f := *byFormat[k]
		if textractImages[k] {
			rep.Images.Files += f.Files
			rep.Images.Read += f.Read
			rep.Images.Lines += f.Lines
			rep.Images.Found += f.Found
			rep.Images.FoundStrict += f.FoundStrict
			continue
		}
		rep.Formats = append(rep.Formats, f)
		rep.Lines += f.Lines
		rep.Found += f.Found
	}
	if !cfg.NoSpeed {
		for _, k := range formats {
			ref := textractRefs[k]
			if ref == nil {
				continue
			}
			bin, err := exec.LookPath(ref[0])
			if err != nil {
				continue
			}
			row, err := timeTextract(ctx, cfg, k, bin, files[k])
			if err != nil {
				return rep, err
			}
			rep.Speed = append(rep.Speed, row)
		}
	}
	return rep, nil
}

// timeTextract reads a format's files with Folio and with the reference
// command, SpeedRuns times each, keeping each side's best total.
func timeTextract(ctx context.Context, cfg ParsingConfig, format, bin string, files []string) (TextractSpeed, error) {
	row := TextractSpeed{Format: format, Files: len(files), Reference: filepath.Base(bin)}
	best := func(run func(string) error) (float64, error) {
		b := 0.0
		for i := 0; i < cfg.SpeedRuns; i++ {
			t0 := time.Now()
			for _, f := range files {
				if err := run(f); err != nil {
					return 0, err
				}
			}
			if d := time.Since(t0).Seconds(); i == 0 || d < b {
				b = d
			}
		}
		return b, nil
	}
	var err error
	if row.FolioSeconds, err = best(func(f string) error { _, err := cfg.Parser.Parse(ctx, f); return err }); err != nil {
		return row, fmt.Errorf("textract speed: %w", err)
	}
	inproc := formats.NewDefault()
	if row.InProcess, err = best(func(f string) error { _, err := inproc.Parse(ctx, f); return err }); err != nil {
		return row, fmt.Errorf("textract speed: %w", err)
	}
	if row.RefSeconds, err = best(func(f string) error {
		return exec.CommandContext(ctx, bin, f).Run()
	}); err != nil {
		return row, fmt.Errorf("textract speed: %s %s: %w", bin, filepath.Base(files[0]), err)
	}
	if row.RefSeconds > 0 {
		row.Ratio = row.FolioSeconds / row.RefSeconds
	}
	return row, nil
}

// sheetRows renders a spreadsheet's rows the way textract's expected
// lines were written (xlrd, one row per line, cells joined by spaces), so
// the comparison is of the cells' content, not of either tool's
// conventions; it is "" for a document without sheet cells. The mapping,
// cell by cell:
//   - Folio's "Header: value" repetition (package sheet) is removed;
//   - numbers are written as Python floats, 1 as "1.0";
//   - cells holding 0 are left out, as textract leaves out falsy cells;
//   - errors are written as xlrd's codes (#VALUE! as 15).
func sheetRows(doc core.Document) string {
	type key struct {
		sheet string
		row   int
	}
	header := map[string]map[int]string{} // sheet → col → first-row text
	var order []key
	cells := map[key][]string{}
	for _, l := range doc.Locations {
		if l.Cell == "" || l.Start < 0 || l.End > len(doc.Text) || l.Start > l.End {
			continue
		}
		t := doc.Text[l.Start:l.End]
		if header[l.Sheet] == nil {
			header[l.Sheet] = map[int]string{}
			for _, m := range doc.Locations {
				if m.Sheet == l.Sheet && m.Row == l.Row && m.Cell != "" && m.End <= len(doc.Text) && m.Start <= m.End {
					header[l.Sheet][m.Col] = doc.Text[m.Start:m.End]
				}
			}
		}
		if h := header[l.Sheet][l.Col]; h != "" && t != h {
			t = strings.TrimPrefix(t, h+": ")
		}
		t = xlrdCell(t)
		if t == "" {
			continue
		}
		k := key{l.Sheet, l.Row}
		if _, ok := cells[k]; !ok {
			order = append(order, k)
		}
		cells[k] = append(cells[k], t)
	}
	var b strings.Builder
	for _, k := range order {
		b.WriteString(strings.Join(cells[k], " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// xlrdCell writes one cell's text as xlrd and textract do.
func xlrdCell(t string) string {
	codes := map[string]string{"#NULL!": "0", "#DIV/0!": "7", "#VALUE!": "15", "#REF!": "23", "#NAME?": "29", "#NUM!": "36", "#N/A": "42"}
	if c, ok := codes[t]; ok {
		return c
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return t
	}
	if v == 0 {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// readJSONLoose reads expected.json, whose "_about" entry is a string,
// keeping only the object entries.
func readJSONLoose(path string, v *map[string]struct {
	Contains []string `json:"contains"`
}) error {
	var raw map[string]any
	if err := readJSON(path, &raw); err != nil {
		return err
	}
	*v = map[string]struct {
		Contains []string `json:"contains"`
	}{}
	for k, x := range raw {
		obj, ok := x.(map[string]any)
		if !ok {
			continue
		}
		var e struct {
			Contains []string `json:"contains"`
		}
		if list, ok := obj["contains"].([]any); ok {
			for _, s := range list {
				if str, ok := s.(string); ok {
					e.Contains = append(e.Contains, str)
				}
			}
		}
		(*v)[k] = e
	}
	return nil
}
