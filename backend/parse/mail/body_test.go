package mail

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/parse/rtf"
)

// rtfOnly reads .rtf files and nothing else.
type rtfOnly struct{}

func (rtfOnly) Parse(ctx context.Context, path string) (core.Document, error) {
	return rtf.New(rtf.Config{}).Parse(ctx, path)
}
func (rtfOnly) Supports(path string) bool { return filepath.Ext(path) == ".rtf" }

// An Outlook message with neither a plain-text nor an HTML body is read
// from its RTF body; with a plain body the RTF is not read.
func TestRTFBody(t *testing.T) {
	p := New(Config{}, rtfOnly{})
	body := []byte(`{\rtf1\ansi\fromhtml1 {\*\htmltag64 <p>}Only in RTF{\htmlrtf \par\htmlrtf0}\par}`)
	doc, err := p.document(context.Background(), message{subject: "s", rtf: body})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text, "\nOnly in RTF\n") || len(doc.Warnings) != 0 {
		t.Errorf("text %q, warnings %v", doc.Text, doc.Warnings)
	}
	doc, err = p.document(context.Background(), message{subject: "s", text: "plain body", rtf: body})
	if err != nil || strings.Contains(doc.Text, "Only in RTF") || !strings.Contains(doc.Text, "plain body") {
		t.Errorf("text %q, %v", doc.Text, err)
	}
}
