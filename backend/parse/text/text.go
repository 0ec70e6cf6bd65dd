// Package text parses plain-text and Markdown files (.txt, .md) into
// core.Documents. It detects UTF-8 (with or without a byte-order mark) and
// UTF-16 with a byte-order mark, and falls back to Windows-1252 for bytes
// that are not valid UTF-8, so Document.Text is always valid UTF-8 with
// "\n" line endings.
package text

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"folio/backend/core"
	"folio/backend/parse"
)

// DefaultMaxBytes is the size limit used when Config.MaxBytes is zero.
const DefaultMaxBytes = 64 << 20 // 64 MiB

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	// MaxBytes is the largest file accepted; larger files fail with
	// core.ErrTooLarge. Zero means DefaultMaxBytes.
	MaxBytes int64
}

// Parser reads .txt and .md files. It is safe for concurrent use.
type Parser struct {
	cfg Config
}

// New returns a Parser for cfg.
func New(cfg Config) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	return &Parser{cfg: cfg}
}

// Extensions are the file extensions this parser handles.
var Extensions = []string{".txt", ".text"}

// Parse reads path and returns its text. Format is "md" for Markdown files
// and "txt" otherwise; the Document has no Pages.
func (p *Parser) Parse(ctx context.Context, path string) (core.Document, error) {
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	max := p.cfg.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := parse.OpenFile(path)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return core.Document{}, fmt.Errorf("parse %s: %w (%d bytes, limit %d)", path, core.ErrTooLarge, fi.Size(), max)
	}
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if int64(len(raw)) > max {
		return core.Document{}, fmt.Errorf("parse %s: %w (limit %d bytes)", path, core.ErrTooLarge, max)
	}
	txt := Decode(raw)
	if strings.TrimSpace(txt) == "" {
		return core.Document{}, fmt.Errorf("parse %s: %w (empty or whitespace only)", path, core.ErrEmpty)
	}
	return core.Document{Path: path, Format: "txt", Text: txt, Locations: Paragraphs(txt)}, nil
}

// Paragraphs returns one location per paragraph of plain text: runs of
// non-blank lines, numbered from 1, without their trailing whitespace.
func Paragraphs(txt string) []core.Location {
	var out []core.Location
	start := -1
	add := func(end int) {
		end = start + len(strings.TrimRightFunc(txt[start:end], unicode.IsSpace))
		out = append(out, core.Location{Start: start, End: end, Paragraph: len(out) + 1})
		start = -1
	}
	for off := 0; off < len(txt); {
		end := strings.IndexByte(txt[off:], '\n')
		if end < 0 {
			end = len(txt)
		} else {
			end += off
		}
		blank := strings.TrimSpace(txt[off:end]) == ""
		switch {
		case !blank && start < 0:
			start = off
		case blank && start >= 0:
			add(off)
		}
		off = end + 1
	}
	if start >= 0 {
		add(len(txt))
	}
	return out
}

// Decode turns raw file bytes into valid UTF-8 with "\n" line endings.
// A UTF-8 byte-order mark is stripped; a UTF-16 LE or BE byte-order mark
// selects UTF-16 decoding; otherwise bytes that are not valid UTF-8 are
// decoded as Windows-1252 (a superset of printable Latin-1).
func Decode(raw []byte) string {
	var s string
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		s = fromUTF8(raw[3:])
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		s = fromUTF16(raw[2:], false)
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		s = fromUTF16(raw[2:], true)
	default:
		s = fromUTF8(raw)
	}
	return normaliseNewlines(s)
}

// fromUTF8 returns b as a string if it is valid UTF-8, and otherwise
// decodes it as Windows-1252.
func fromUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil { // cannot happen for a single-byte charmap; be safe anyway
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// fromUTF16 decodes UTF-16 code units; unpaired surrogates and a trailing
// odd byte become U+FFFD.
func fromUTF16(b []byte, bigEndian bool) string {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			units = append(units, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	s := string(utf16.Decode(units))
	if len(b)%2 == 1 {
		s += "\uFFFD"
	}
	return s
}

// normaliseNewlines turns CRLF and lone CR into LF.
func normaliseNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
