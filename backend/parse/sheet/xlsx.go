package sheet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"folio/backend/core"
	registry "folio/backend/parse"
	"folio/backend/parse/ziplimit"
)

// zipLimits are the ziplimit bounds for cfg.
func zipLimits(cfg Config) ziplimit.Limits {
	return ziplimit.Limits{
		MaxTotalBytes: cfg.MaxUnzipBytes,
		MaxEntryBytes: min(ziplimit.DefaultMaxEntryBytes, cfg.MaxUnzipBytes),
	}
}

// zipKind opens path as a ZIP container and tells an OOXML workbook from an
// OpenDocument one.
func zipKind(path string, cfg Config) (string, error) {
	a, err := ziplimit.Open(path, zipLimits(cfg))
	if err != nil {
		return "", err
	}
	defer a.Close()
	switch {
	case a.Has("xl/workbook.xml"):
		return kindXLSX, nil
	case a.Has("content.xml"):
		return kindODS, nil
	case len(a.Names()) == 0:
		return "", fmt.Errorf("%w: empty ZIP container (no entries)", core.ErrCorrupt)
	}
	return "", fmt.Errorf("%w: ZIP container holds neither xl/workbook.xml nor an OpenDocument content.xml", core.ErrCorrupt)
}

// parseXLSX streams every sheet of an OOXML workbook into b.
func parseXLSX(ctx context.Context, path string, cfg Config, b *builder) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("%w: parser crashed: %v", core.ErrCorrupt, x)
		}
	}()
	file, err := registry.OpenFile(path)
	if err != nil {
		return err
	}
	defer file.Close()
	f, err := excelize.OpenReader(file, excelize.Options{
		UnzipSizeLimit:    cfg.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(xmlSpillBytes, cfg.MaxUnzipBytes),
	})
	if f != nil {
		defer f.Close() // removes excelize's temporary files
	}
	if err != nil {
		return openError(err, cfg)
	}
	for _, name := range f.GetSheetList() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sheet %q: %w", name, err)
		}
		if err := readXLSXSheet(ctx, f, name, b); err != nil {
			if errors.Is(err, errCellLimit) {
				b.limitReached(fmt.Sprintf("sheet %q", name))
				return nil
			}
			return err
		}
	}
	return nil
}

// readXLSXSheet streams one sheet into b.
func readXLSXSheet(ctx context.Context, f *excelize.File, name string, b *builder) (err error) {
	b.startSheet(name)
	defer b.endSheet()
	rows, err := f.Rows(name)
	if err != nil {
		b.warn("sheet %q: cannot read: %v", name, err)
		return nil
	}
	defer rows.Close()
	var r row
	for num := 1; rows.Next(); num++ {
		if num > excelize.TotalRows {
			b.warn("sheet %q: rows past row %d are not read", name, excelize.TotalRows)
			break
		}
		if num%64 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("sheet %q: %w", name, err)
			}
		}
		vals, err := rows.Columns()
		if err != nil {
			b.warn("sheet %q row %d: %v", name, num, err)
		}
		r.num, r.cells = num, r.cells[:0]
		for i, v := range vals {
			if v = cleanCell(v); v != "" {
				r.cells = append(r.cells, cell{col: i + 1, text: v})
			}
		}
		if err := b.addRow(r); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		b.warn("sheet %q: %v", name, err)
	}
	return nil
}

// openError translates an excelize open failure into a core sentinel.
func openError(err error, cfg Config) error {
	switch {
	case errors.Is(err, excelize.ErrWorkbookFileFormat), errors.Is(err, excelize.ErrWorkbookPassword):
		// Encrypted packages are recognised before excelize runs; what is
		// left is an OLE2 signature inside a file that is not a workbook.
		return fmt.Errorf("%w: unsupported workbook file format: %v", core.ErrCorrupt, err)
	case strings.Contains(err.Error(), "unzip size exceeds"):
		return fmt.Errorf("%w: workbook inflates past %d bytes (zip bomb?)", core.ErrTooLarge, cfg.MaxUnzipBytes)
	}
	return fmt.Errorf("%w: cannot open workbook: %v", core.ErrCorrupt, err)
}
