package sheet

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"folio/backend/core"
	registry "folio/backend/parse"
	"folio/backend/parse/text"
)

// delimiters are the field separators sniffed in delimited text.
var delimiters = []rune{',', '\t', ';', '|'}

// sniffBytes and sniffRecords bound the sample used to pick a delimiter.
const (
	sniffBytes   = 64 << 10
	sniffRecords = 100
)

// maxCSVErrors is how many malformed records are skipped before giving up.
const maxCSVErrors = 100

// maxCSVFields is the most fields a record may have: 16,384, the columns
// of a spreadsheet (Excel, LibreOffice). A record with more is refused
// before it is read: encoding/csv would make a string for every field at
// once (a 50 MB line of commas is 25 million of them, over 2 GB).
const maxCSVFields = 16384

// tooManyFields returns the line where the first record of s with more
// than max fields starts, or 0. Fields are counted as encoding/csv splits
// them: a quoted field may hold delimiters and line breaks. It allocates
// nothing.
func tooManyFields(s string, delim rune, max int) int {
	line, recLine, fields := 1, 1, 1
	inQuote, atStart := false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inQuote {
			switch {
			case c == '"' && i+1 < len(s) && s[i+1] == '"':
				i++
			case c == '"':
				inQuote = false
			case c == '\n':
				line++
			}
			continue
		}
		switch {
		case c == '"' && atStart:
			inQuote, atStart = true, false
		case rune(c) == delim:
			if fields++; fields > max {
				return recLine
			}
			atStart = true
		case c == '\n':
			line++
			recLine, fields, atStart = line, 1, true
		default:
			atStart = false
		}
	}
	return 0
}

// parseCSV reads a delimited text file into b as one sheet named after the
// file.
func parseCSV(ctx context.Context, path, ext string, cfg Config, b *builder) error {
	f, err := registry.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, cfg.MaxBytes+1))
	if err != nil {
		return err
	}
	if int64(len(raw)) > cfg.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes", core.ErrTooLarge, cfg.MaxBytes)
	}
	txt := text.Decode(raw)
	raw = nil
	if strings.TrimSpace(txt) == "" {
		return fmt.Errorf("%w: empty or whitespace only", core.ErrEmpty)
	}
	prefer := ','
	if ext == ".tsv" || ext == ".tab" {
		prefer = '\t'
	}
	delim := sniffDelimiter(txt, prefer)
	if line := tooManyFields(txt, delim, maxCSVFields); line > 0 {
		return fmt.Errorf("%w: the record on line %d has more than %d fields, the most columns a spreadsheet holds", core.ErrTooLarge, line, maxCSVFields)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	b.startSheet(name)
	defer b.endSheet()
	return readDelimited(ctx, txt, delim, b)
}

// newCSVReader returns a forgiving reader: stray quotes are kept as text and
// records may have any number of fields.
func newCSVReader(s string, delim rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return r
}

// sniffDelimiter picks the delimiter that splits the first records of s
// into the most consistent number of fields (at least 2), then the most
// fields; prefer wins ties and is used when no delimiter splits anything.
func sniffDelimiter(s string, prefer rune) rune {
	if len(s) > sniffBytes {
		s = s[:sniffBytes]
		if i := strings.LastIndexByte(s, '\n'); i > 0 {
			s = s[:i+1]
		}
	}
	cands := []rune{prefer}
	for _, d := range delimiters {
		if d != prefer {
			cands = append(cands, d)
		}
	}
	best, bestShare, bestFields := prefer, 0.0, 0
	for _, d := range cands {
		r := newCSVReader(s, d)
		counts := map[int]int{}
		n := 0
		for n < sniffRecords {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			counts[len(rec)]++
			n++
		}
		mode, modeN := 0, 0
		for fields, k := range counts {
			if k > modeN || (k == modeN && fields > mode) {
				mode, modeN = fields, k
			}
		}
		if mode < 2 {
			continue
		}
		share := float64(modeN) / float64(n)
		if share > bestShare+1e-9 || (share > bestShare-1e-9 && mode > bestFields) {
			best, bestShare, bestFields = d, share, mode
		}
	}
	return best
}

// readDelimited feeds the records of s into b. Row numbers are those a
// spreadsheet application shows: blank lines count, and a quoted field
// spanning lines stays in one row.
func readDelimited(ctx context.Context, s string, delim rune, b *builder) error {
	r := newCSVReader(s, delim)
	rowNum, lastLine, bad := 0, 0, 0
	var out row
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("%w: %v", core.ErrCorrupt, err)
			}
			bad++
			b.warn("line %d: %v", pe.StartLine, pe.Err)
			if bad >= maxCSVErrors {
				b.warn("stopped after %d malformed records", bad)
				return nil
			}
			continue
		}
		line, _ := r.FieldPos(0)
		rowNum += 1 + max(0, line-lastLine-1)
		last := len(rec) - 1
		endLine, _ := r.FieldPos(last)
		lastLine = endLine + strings.Count(rec[last], "\n")
		out.num, out.cells = rowNum, out.cells[:0]
		for i, v := range rec {
			if v = cleanCell(v); v != "" {
				out.cells = append(out.cells, cell{col: i + 1, text: v})
			}
		}
		if err := b.addRow(out); err != nil {
			b.limitReached(fmt.Sprintf("row %d", rowNum))
			return nil
		}
	}
}
