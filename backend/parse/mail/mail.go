// Package mail parses e-mail messages into core.Documents: Internet
// messages (.eml, MIME, read with net/mail and mime/multipart) and Outlook
// messages (.msg, whose properties package office reads from the OLE2
// container).
//
// A message's text is its headers (From, Date, To, Cc, Subject: the order
// Outlook prints them), its body
// and then each attachment. The body is the text/plain part, or the HTML
// part read by the registry's HTML reader when the message has no plain
// text, or else an Outlook message's RTF body read by the RTF reader; quoted-printable and base64 are decoded, and charsets converted to
// UTF-8 (golang.org/x/text). Attachments are read as documents of their own
// through the registry the parser was given (so a PDF attached to a mail is
// read as a PDF), and their locations become
// Path [attachment name, the attachment's own location label], e.g.
// "report.pdf › page 2". An attachment the registry does not read, one past
// MaxAttachmentBytes, or one nested deeper than MaxDepth messages is listed
// by name only; one that fails adds a warning, never fails the message.
//
// Invariants: the file is read up to MaxBytes (more fails with
// core.ErrTooLarge); at most MaxParts MIME parts are walked; attachments
// are written to a private temporary directory that is removed before
// Parse returns; the text is at most MaxTextBytes.
package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"folio/backend/core"
	"folio/backend/parse"
)

// Defaults used for zero fields of Config.
const (
	DefaultMaxBytes           = 256 << 20
	DefaultMaxAttachmentBytes = 64 << 20
	DefaultMaxDepth           = 3
	DefaultMaxParts           = 1000
	DefaultMaxTextBytes       = 64 << 20
)

// Extensions are the file extensions this parser handles.
var Extensions = []string{".eml", ".msg"}

// PartHeaders marks the locations of a message's header lines.
const PartHeaders = "mail headers"

// Config configures a Parser. The zero value uses the documented defaults.
type Config struct {
	MaxBytes           int64 // of an .eml file
	MaxAttachmentBytes int64 // of one attachment that is read
	MaxDepth           int   // messages nested in attachments
	MaxParts           int   // MIME parts walked
	MaxTextBytes       int   // of the extracted text
}

// Registry reads attachments: package parse's Registry.
type Registry interface {
	Parse(ctx context.Context, path string) (core.Document, error)
	Supports(path string) bool
}

// Parser reads .eml and .msg files. It is safe for concurrent use.
type Parser struct {
	cfg Config
	reg Registry
}

// New returns a Parser that reads attachments (and HTML bodies) with reg;
// a nil reg lists attachments by name only and reads no HTML body.
func New(cfg Config, reg Registry) *Parser {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxAttachmentBytes <= 0 {
		cfg.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxParts <= 0 {
		cfg.MaxParts = DefaultMaxParts
	}
	if cfg.MaxTextBytes <= 0 {
		cfg.MaxTextBytes = DefaultMaxTextBytes
	}
	return &Parser{cfg: cfg, reg: reg}
}

// message is a parsed message of either kind.
type message struct {
	subject, from, to, cc string
	date                  time.Time
	text                  string // plain-text body
	html                  []byte // HTML body
	rtf                   []byte // RTF body (Outlook's, decompressed)
	attachments           []attachment
	warnings              []string
}

type attachment struct {
	name  string
	data  []byte
	ctype string // MIME type, when the message states one
}

type depthKey struct{}

// Parse reads the message at path. Format is "eml" or "msg".
func (p *Parser) Parse(ctx context.Context, path string) (doc core.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc = core.Document{}
			err = fmt.Errorf("parse %s: %w: parser crashed: %v", path, core.ErrCorrupt, r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	format := "eml"
	var m message
	if strings.EqualFold(filepath.Ext(path), ".msg") {
		format = "msg"
		m, err = readMSG(path)
		if err != nil {
			return core.Document{}, err // names the file already
		}
	} else {
		raw, err := readLimited(path, p.cfg.MaxBytes)
		if err != nil {
			return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return core.Document{}, fmt.Errorf("parse %s: %w: empty file", path, core.ErrEmpty)
		}
		m, err = readEML(raw, p.cfg.MaxParts)
		if err != nil {
			return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
		}
	}
	doc, err = p.document(ctx, m)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if strings.TrimSpace(doc.Text) == "" {
		return core.Document{}, fmt.Errorf("parse %s: %w: the message holds no text", path, core.ErrEmpty)
	}
	doc.Path, doc.Format = path, format
	return doc, nil
}

func readLimited(path string, max int64) ([]byte, error) {
	f, err := parse.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: the file passes the limit of %d bytes", core.ErrTooLarge, max)
	}
	return b, nil
}

// document writes a message's headers, body and attachments.
func (p *Parser) document(ctx context.Context, m message) (core.Document, error) {
	b := parse.NewTextBuilder(p.cfg.MaxTextBytes)
	hdr := core.Location{Part: PartHeaders}
	// The headers in the order Outlook prints a message: the subject
	// last, right before the body.
	date := ""
	if !m.date.IsZero() {
		date = m.date.Format("2006-01-02 15:04 -0700")
	}
	for _, h := range []struct{ name, value string }{
		{"From", m.from}, {"Date", date}, {"To", m.to}, {"Cc", m.cc}, {"Subject", m.subject},
	} {
		if v := core.OneLine(h.value, 0); v != "" {
			b.Line(h.name+": "+v, hdr)
		}
	}
	b.Raw("\n")
	warnings := m.warnings
	body := m.text
	for _, alt := range []struct {
		name string
		data []byte
	}{{"body.html", m.html}, {"body.rtf", m.rtf}} {
		if strings.TrimSpace(body) != "" || len(alt.data) == 0 {
			continue
		}
		d, err := p.readAttached(ctx, alt.name, alt.data)
		if err != nil && !errors.Is(err, errSkipped) {
			warnings = append(warnings, alt.name+": "+err.Error())
		} else {
			body = d.Text
		}
	}
	para := 0
	for _, block := range paragraphs(body) {
		para++
		b.Line(block, core.Location{Paragraph: para})
	}
	for i, a := range m.attachments {
		if err := ctx.Err(); err != nil {
			return core.Document{}, err
		}
		if i == p.cfg.MaxParts {
			warnings = append(warnings, fmt.Sprintf("%d attachments; those after the first %d are not read", len(m.attachments), p.cfg.MaxParts))
			break
		}
		name := a.name
		if name == "" {
			name = fmt.Sprintf("attachment %d", i+1)
		}
		b.Raw("\n")
		b.Line("Attachment: "+name, core.Location{Path: []string{name}})
		file := name
		if filepath.Ext(file) == "" {
			file += extFor(a.ctype)
		}
		d, err := p.readAttached(ctx, file, a.data)
		switch {
		case errors.Is(err, errSkipped):
			continue
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("attachment %s: %v", name, err))
			continue
		}
		appendDocument(b, name, d)
		for _, w := range d.Warnings {
			warnings = append(warnings, name+": "+w)
		}
	}
	if err := b.Err(); err != nil {
		return core.Document{}, err
	}
	return core.Document{Title: core.OneLine(m.subject, 0), Text: b.Text(), Locations: b.Locations(), Warnings: warnings}, nil
}

// errSkipped marks an attachment that is listed but not read.
var errSkipped = errors.New("attachment not read")

// readAttached parses data as a file named name through the registry, in
// a temporary directory removed before it returns.
func (p *Parser) readAttached(ctx context.Context, name string, data []byte) (core.Document, error) {
	depth, _ := ctx.Value(depthKey{}).(int)
	base := safeName(name)
	if p.reg == nil || depth >= p.cfg.MaxDepth || int64(len(data)) > p.cfg.MaxAttachmentBytes || !p.reg.Supports(base) {
		return core.Document{}, errSkipped
	}
	dir, err := os.MkdirTemp("", "folio-mail-")
	if err != nil {
		return core.Document{}, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, base)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return core.Document{}, err
	}
	d, err := p.reg.Parse(context.WithValue(ctx, depthKey{}, depth+1), file)
	if err != nil {
		// The temporary path means nothing to a person; name the attachment.
		return core.Document{}, errors.New(strings.ReplaceAll(err.Error(), file, name))
	}
	return d, nil
}

// extFor is the file extension of a MIME type ("" when unknown), so an
// attachment named without one is still read by its type.
func extFor(ctype string) string {
	switch ctype {
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/csv":
		return ".csv"
	case "message/rfc822":
		return ".eml"
	case "application/msword":
		return ".doc"
	case "application/vnd.ms-excel":
		return ".xls"
	case "application/vnd.ms-powerpoint":
		return ".ppt"
	case "application/rtf", "text/rtf":
		return ".rtf"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return ".pptx"
	}
	return ""
}

// safeName is an attachment's name usable as a file name: its last path
// element, without control characters, never empty, at most 100 bytes
// before the extension.
func safeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if len(stem) > 100 {
		stem = strings.ToValidUTF8(stem[:100], "")
	}
	if len(ext) > 16 {
		ext = ""
	}
	if stem == "" {
		stem = "attachment"
	}
	return stem + ext
}

// paragraphs splits a plain-text body into blocks separated by blank
// lines, each block's lines kept.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []string
	for _, block := range strings.Split(s, "\n\n") {
		lines := strings.Split(block, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
		}
		if t := strings.Trim(strings.Join(lines, "\n"), "\n"); strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	return out
}

// appendDocument appends an attachment's text; each of its locations becomes
// Path [name, its own label], shifted to where the text lands. Locations
// with bad offsets are dropped.
func appendDocument(b *parse.TextBuilder, name string, d core.Document) {
	text := d.Text
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	base, ok := b.Block(text)
	if !ok {
		return
	}
	covered := false
	for _, l := range d.Locations {
		if l.Start < 0 || l.End > len(d.Text) || l.Start >= l.End {
			continue
		}
		path := []string{name}
		if label := l.Label(); label != "" {
			path = append(path, label)
		}
		b.Locate(core.Location{Start: base + l.Start, End: base + l.End, Path: path})
		covered = true
	}
	if !covered && strings.TrimSpace(d.Text) != "" {
		b.Locate(core.Location{Start: base, End: base + len(strings.TrimRightFunc(d.Text, unicode.IsSpace)), Path: []string{name}})
	}
}
