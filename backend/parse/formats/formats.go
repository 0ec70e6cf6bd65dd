// Package formats wires Folio's format adapters into a parse.Registry that
// runs every parser in the current process. It exists apart from package
// parse so parse itself imports no adapter (and no heavy library). For files
// you do not trust, use isolate.NewRegistry, which runs every format but
// plain text in a child process; this registry is what that child uses.
package formats

import (
	"folio/backend/parse"
	"folio/backend/parse/images"
	"folio/backend/parse/mail"
	"folio/backend/parse/ocr"
	"folio/backend/parse/office"
	"folio/backend/parse/pdf"
	"folio/backend/parse/rtf"
	"folio/backend/parse/sheet"
	"folio/backend/parse/text"
	"folio/backend/parse/web"
)

// Config holds each adapter's Config; zero values mean their defaults.
type Config struct {
	Text   text.Config
	PDF    pdf.Config
	Office office.Config
	Sheet  sheet.Config
	Web    web.Config
	Mail   mail.Config
	RTF    rtf.Config
	Images images.Config
}

// NewDefault returns an in-process registry of every format with default
// settings.
func NewDefault() *parse.Registry { return New(Config{}) }

// New returns an in-process registry of every format.
func New(cfg Config) *parse.Registry {
	r := parse.NewRegistry()
	r.Register(text.New(cfg.Text), text.Extensions...)
	r.Register(pdf.New(cfg.PDF), pdf.Extensions...)
	r.Register(office.New(cfg.Office), office.Extensions...)
	r.Register(sheet.New(cfg.Sheet), sheet.Extensions...)
	r.Register(web.New(cfg.Web), web.Extensions...)
	r.Register(rtf.New(cfg.RTF), rtf.Extensions...)
	// Attachments of a message are read by this same registry.
	r.Register(mail.New(cfg.Mail, r), mail.Extensions...)
	// Image files are read by OCR alone: a build without Tesseract leaves
	// them unsupported, as before.
	if ocr.Built {
		r.Register(images.New(cfg.Images), images.Extensions...)
	}
	return r
}
