// Package sheet parses spreadsheets into core.Documents: XLSX and XLSM with
// github.com/xuri/excelize/v2 (the only package in Folio that imports it),
// ODS with encoding/xml over package ziplimit, and CSV/TSV with encoding/csv.
// ReadBIFF reads the Workbook stream of an Excel 97-2003 .xls, which package
// office takes out of the OLE2 container, into the same text and locations.
//
// # Text
//
// Sheets are written in workbook order, hidden sheets included. Each
// non-empty row is one line; the cells of a row are separated by "\t", and
// empty cells, including those before a row's first cell, keep their tab so
// columns line up. At most MaxGap tabs are written for one gap, so a very
// wide gap is shortened. Trailing empty cells and empty rows are dropped. A blank
// line separates sheets. The sheet name is not written into the text: it is
// carried by Location.Sheet.
//
// A cell's text is its value as the user sees it: the formatted value for
// XLSX (number formats and dates applied, formulas give their cached value,
// rich-text runs concatenated), the displayed text:p paragraphs for ODS
// (office:value and friends when a cell has no paragraph), the field for CSV.
// Tabs and line breaks inside a cell become spaces and surrounding space is
// trimmed, so a line is always exactly one row.
//
// # Header repetition
//
// A cell such as "42" means little to a search engine on its own, so when a
// sheet starts with a header row each data cell is written as
// "Header: value". A sheet's first non-empty row counts as a header when all
// of the following hold, judged on that row and the HeaderLookahead rows
// that follow it:
//
//   - it has at least 2 non-empty cells, and none of them looks like a number
//     or a date (digits with number punctuation only, such as "2024",
//     "1,234.5", "12%" or "3/4/24");
//   - at least 2 non-empty rows follow it;
//   - at least one of those rows has a number-like cell, or the rows span at
//     least 3 distinct columns.
//
// The header row itself is written as it is; a data cell in a column whose
// header cell is empty gets no prefix.
//
// # Locations
//
// Every cell written has one Location with Sheet (the sheet name; for CSV
// and TSV the file's base name without extension), Cell (A1 notation), Row
// and Col (1-based). Its span covers the cell's text including any
// "Header: " prefix.
//
// # Limits and errors
//
// XLSX sheets are read with excelize's streaming row iterator, which spills
// worksheets larger than 16 MiB to a temporary file instead of holding them
// in memory. After MaxCells cells the parse stops with a warning in
// Document.Warnings, as do XLSX rows past 1,048,576 and ODS rows past
// 16,777,216; ODS rows and cells marked as repeated are written at most
// MaxRepeat times (repeated empty ones cost nothing). Files larger than
// MaxBytes, and containers that would inflate past MaxUnzipBytes (zip
// bombs), fail with core.ErrTooLarge. An encrypted workbook (an OLE2 container holding an EncryptedPackage stream,
// or an ODS whose manifest has encryption data) fails with
// core.ErrEncrypted; a corrupt, truncated or empty container with
// core.ErrCorrupt; another OLE2 file (a legacy .xls) with
// core.ErrUnsupported; a workbook without any cell text with core.ErrEmpty.
// Panics from the library are recovered into core.ErrCorrupt.
package sheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"folio/backend/core"
	registry "folio/backend/parse"
)

// Defaults used for zero fields of Config.
const (
	DefaultMaxBytes        = 256 << 20 // 256 MiB
	DefaultMaxCells        = 1_000_000 // about 0.8 GB peak; the parser child may use 2 GiB
	DefaultMaxUnzipBytes   = 512 << 20 // 512 MiB inflated
	DefaultMaxRepeat       = 1000
	DefaultHeaderLookahead = 100
)

// MaxGap is the most tabs written between two cells of a row, or before its
// first cell.
const MaxGap = 16

// xmlSpillBytes is the size above which excelize keeps a worksheet or the
// shared-string table in a temporary file rather than in memory.
const xmlSpillBytes = 16 << 20

// Extensions are the file extensions this parser handles.
var Extensions = []string{".xlsx", ".xlsm", ".ods", ".csv", ".tsv"}

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// MaxBytes is the largest file accepted; larger files fail with
	// core.ErrTooLarge. Zero means DefaultMaxBytes.
	MaxBytes int64
	// MaxCells is the most cells written; the parse stops there with a
	// warning. Zero means DefaultMaxCells.
	MaxCells int
	// MaxUnzipBytes bounds what an XLSX or ODS container may inflate to;
	// beyond it the parse fails with core.ErrTooLarge. Zero means
	// DefaultMaxUnzipBytes.
	MaxUnzipBytes int64
	// MaxRepeat is the most copies written of one ODS row or cell that is
	// marked as repeated (table:number-rows-repeated,
	// table:number-columns-repeated); repeated empty rows and cells cost
	// nothing. Zero means DefaultMaxRepeat.
	MaxRepeat int
	// HeaderLookahead is how many rows after a sheet's first row are used to
	// decide whether that row is a header. Zero means
	// DefaultHeaderLookahead.
	HeaderLookahead int
}

func (c Config) withDefaults() Config {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxCells <= 0 {
		c.MaxCells = DefaultMaxCells
	}
	if c.MaxUnzipBytes <= 0 {
		c.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	if c.MaxRepeat <= 0 {
		c.MaxRepeat = DefaultMaxRepeat
	}
	if c.HeaderLookahead <= 0 {
		c.HeaderLookahead = DefaultHeaderLookahead
	}
	return c
}

// Parser reads spreadsheets. It is safe for concurrent use: each call opens
// its own reader.
type Parser struct {
	cfg Config
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser { return &Parser{cfg: cfg.withDefaults()} }

// container kinds found by detect.
const (
	kindXLSX = "xlsx"
	kindODS  = "ods"
	kindCSV  = "csv"
)

// oleMagic starts every OLE2 compound file, which is how Office stores an
// encrypted OOXML package.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// encryptedPackage is the UTF-16LE name of the stream holding an encrypted
// OOXML package inside its OLE2 container.
var encryptedPackage = utf16le("EncryptedPackage")

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return out
}

// Parse reads the spreadsheet at path. The container is chosen by content
// (an OLE2 file, a ZIP holding xl/workbook.xml or an OpenDocument
// content.xml) and otherwise by extension; anything that is not a ZIP or OLE2
// file is read as delimited text. Format is "xlsx", "xlsm", "ods", "csv" or
// "tsv".
func (p *Parser) Parse(ctx context.Context, path string) (doc core.Document, err error) {
	defer func() {
		if x := recover(); x != nil {
			doc, err = core.Document{}, fmt.Errorf("parse %s: %w: parser crashed: %v", path, core.ErrCorrupt, x)
		}
	}()
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	cfg := p.cfg.withDefaults()
	fi, err := os.Stat(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if fi.Size() > cfg.MaxBytes {
		return core.Document{}, fmt.Errorf("parse %s: %w: %d bytes (limit %d)", path, core.ErrTooLarge, fi.Size(), cfg.MaxBytes)
	}
	ext := strings.ToLower(filepath.Ext(path))
	kind, err := detect(path, ext, cfg)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	b := newBuilder(cfg)
	var format string
	switch kind {
	case kindXLSX:
		format = "xlsx"
		if ext == ".xlsm" {
			format = "xlsm"
		}
		err = parseXLSX(ctx, path, cfg, b)
	case kindODS:
		format = "ods"
		err = parseODS(ctx, path, cfg, b)
	default:
		format = "csv"
		if ext == ".tsv" {
			format = "tsv"
		}
		err = parseCSV(ctx, path, ext, cfg, b)
	}
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	doc = b.document(path, format)
	if doc.Text == "" {
		if b.failure != "" {
			return core.Document{}, fmt.Errorf("parse %s: %w: %s", path, core.ErrCorrupt, b.failure)
		}
		return core.Document{}, fmt.Errorf("parse %s: %w: no cell has text", path, core.ErrEmpty)
	}
	return doc, nil
}

// detect tells which reader handles path from its first bytes, its ZIP
// entries and its extension.
func detect(path, ext string, cfg Config) (string, error) {
	f, err := registry.OpenFile(path)
	if err != nil {
		return "", err
	}
	head := make([]byte, 1<<20)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", err
	}
	head = head[:n]
	if bytes.HasPrefix(head, oleMagic) {
		if bytes.Contains(head, encryptedPackage) {
			return "", fmt.Errorf("%w: OLE2 container with an EncryptedPackage stream", core.ErrEncrypted)
		}
		return "", fmt.Errorf("%w: OLE2 compound file without an encrypted OOXML package (a legacy binary .xls?)", core.ErrUnsupported)
	}
	isZip := bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) || bytes.HasPrefix(head, []byte("PK\x07\x08"))
	zipExt := ext == ".xlsx" || ext == ".xlsm" || ext == ".ods"
	if !isZip && !zipExt {
		return kindCSV, nil
	}
	if n == 0 {
		return "", fmt.Errorf("%w: empty file (0 bytes), not a ZIP container", core.ErrCorrupt)
	}
	return zipKind(path, cfg)
}
