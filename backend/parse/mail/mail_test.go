package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
	"folio/backend/parse/formats"
	"folio/backend/parse/mail"
)

func writeMail(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(src, "\n", "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func located(t *testing.T, doc core.Document, want string) core.Location {
	t.Helper()
	for _, l := range doc.Locations {
		if doc.Text[l.Start:l.End] == want {
			return l
		}
	}
	t.Fatalf("no location covers %q in:\n%s", want, doc.Text)
	return core.Location{}
}

// multipartMail has an encoded subject, a quoted-printable Latin-1 plain
// body beside an HTML alternative, a base64 CSV attachment and an attached
// message that itself has a text attachment.
func multipartMail() string {
	csv := base64.StdEncoding.EncodeToString([]byte("fruit,price\napples,3\npears,4\n"))
	inner := `From: inner@example.com
Subject: Inner note
Content-Type: multipart/mixed; boundary="in"

--in
Content-Type: text/plain

Nested body text.
--in
Content-Type: text/plain; name="deep.txt"
Content-Disposition: attachment; filename="deep.txt"

deep attachment words
--in--
`
	return `From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.com>
To: team@example.com
Subject: =?ISO-8859-1?Q?Pr=E9vision_annuelle?=
Date: Mon, 2 Mar 2020 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Bonjour =E0 tous,

le caf=E9 est pr=EAt. Une tr=
=E8s longue ligne.
--alt
Content-Type: text/html; charset=utf-8

<p>HTML version that must not be used</p>
--alt--
--outer
Content-Type: text/csv; name="prices.csv"
Content-Disposition: attachment; filename="prices.csv"
Content-Transfer-Encoding: base64

` + csv + `
--outer
Content-Type: message/rfc822

` + inner + `
--outer
Content-Type: application/pdf; name="scan"
Content-Disposition: attachment; filename="scan"

%PDF-1.4 not really a pdf
--outer
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--outer--
`
}

func TestEML(t *testing.T) {
	path := writeMail(t, "forecast.eml", multipartMail())
	doc, err := formats.NewDefault().Parse(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "eml" || doc.Title != "Prévision annuelle" {
		t.Errorf("format %q title %q", doc.Format, doc.Title)
	}
	if l := located(t, doc, "Subject: Prévision annuelle"); l.Part != mail.PartHeaders {
		t.Errorf("subject at %+v", l)
	}
	located(t, doc, "From: Jürgen <j@example.com>")
	if l := located(t, doc, "le café est prêt. Une très longue ligne."); l.Paragraph != 2 {
		t.Errorf("body paragraph at %+v", l)
	}
	if strings.Contains(doc.Text, "HTML version") {
		t.Error("the HTML alternative was read beside the plain text")
	}
	// The CSV attachment is read as a spreadsheet, with its own location
	// under the attachment's name.
	if l := located(t, doc, "fruit: pears"); strings.Join(l.Path, " › ") != "prices.csv › prices!A3" {
		t.Errorf("attachment cell at %q", l.Label())
	}
	// The attached message and its own attachment, two levels down.
	if l := located(t, doc, "Nested body text."); l.Path[0] != "message.eml" {
		t.Errorf("nested body at %q", l.Label())
	}
	if l := located(t, doc, "deep attachment words"); !strings.HasPrefix(l.Label(), "message.eml › deep.txt") {
		t.Errorf("nested attachment at %q", l.Label())
	}
	// An attachment named without an extension is read by its MIME type:
	// here a damaged PDF, whose error becomes a warning naming it.
	located(t, doc, "Attachment: scan")
	if w := strings.Join(doc.Warnings, "\n"); !strings.Contains(w, "attachment scan:") || !strings.Contains(w, "PDF") {
		t.Errorf("warnings %q", w)
	}
	// An image is listed by name (until an image reader exists).
	located(t, doc, "Attachment: logo.png")
}

// A message with only an HTML body is read by the registry's HTML reader,
// after its charset is converted.
func TestHTMLOnlyBody(t *testing.T) {
	path := writeMail(t, "h.eml", "From: a@example.com\nSubject: menu\nContent-Type: text/html; charset=windows-1252\n\n<html><body><h1>Caf\xe9 menu</h1><p>Soup <b>of the day</b></p><script>var x = 1;</script></body></html>\n")
	doc, err := formats.NewDefault().Parse(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text, "Café menu\n") || !strings.Contains(doc.Text, "Soup of the day") || strings.Contains(doc.Text, "var x") {
		t.Errorf("text %q", doc.Text)
	}
}

func TestDepthLimit(t *testing.T) {
	// Each level attaches the previous message; past MaxDepth the
	// attachment is listed by name only.
	msg := "From: a@example.com\nSubject: level 0\n\ninnermost words\n"
	for i := 1; i <= 5; i++ {
		msg = "From: a@example.com\nSubject: level\nContent-Type: multipart/mixed; boundary=\"b" + string(rune('0'+i)) + "\"\n\n--b" + string(rune('0'+i)) +
			"\nContent-Type: text/plain\n\nouter text\n--b" + string(rune('0'+i)) + "\nContent-Type: message/rfc822\n\n" + msg + "\n--b" + string(rune('0'+i)) + "--\n"
	}
	path := writeMail(t, "deep.eml", msg)
	doc, err := formats.New(formats.Config{Mail: mail.Config{MaxDepth: 2}}).Parse(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc.Text, "innermost words") {
		t.Error("read past the depth limit")
	}
	if n := strings.Count(doc.Text, "outer text"); n != 3 {
		t.Errorf("%d levels read, want 3 (the message and two attached levels)", n)
	}
}

func TestBadMail(t *testing.T) {
	reg := formats.NewDefault()
	for name, src := range map[string]string{
		"not a mail":    "just some words without headers\n\nmore",
		"empty":         "",
		"bad base64":    "From: a@b\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ????\n",
		"bad boundary":  "From: a@b\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--y\n\nno parts\n",
		"no terminator": "From: a@b\nSubject: s\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nhalf a part",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeMail(t, "m.eml", src)
			doc, err := reg.Parse(context.Background(), path)
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("the error does not name the file: %v", err)
				}
				return
			}
			if err := doc.Check(); err != nil {
				t.Error(err)
			}
		})
	}
	// A .msg that is not an OLE2 file fails clearly.
	path := writeMail(t, "m.msg", "From: a@b\n\nhello")
	if _, err := reg.Parse(context.Background(), path); !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v", err)
	}
}

func TestTextractMessages(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "office", "textract")
	reg := formats.NewDefault()
	doc, err := reg.Parse(context.Background(), filepath.Join(dir, "msg", "raw_text.msg"))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != "msg" || doc.Title != "Test for TIF files" {
		t.Errorf("format %q title %q", doc.Format, doc.Title)
	}
	located(t, doc, "This is a test email to experiment with the MS Outlook MSG Extractor")
	located(t, doc, "From: Brian Zhou <brizhou@gmail.com>")
	located(t, doc, "Attachment: import OleFileIO.tif")
	doc, err = reg.Parse(context.Background(), filepath.Join(dir, "eml", "raw_text.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if l := located(t, doc, "Subject: test"); l.Part != mail.PartHeaders {
		t.Errorf("subject at %+v", l)
	}
}

// FuzzEML feeds arbitrary bytes as an .eml file.
func FuzzEML(f *testing.F) {
	f.Add([]byte(multipartMail()))
	f.Add([]byte("From: a@b\nSubject: =?utf-8?q?x=C3?=\nContent-Type: text/plain; charset=shift_jis\nContent-Transfer-Encoding: quoted-printable\n\n=93=fa=96=7b\n"))
	reg := formats.New(formats.Config{Mail: mail.Config{MaxDepth: 1}})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.eml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		doc, err := reg.Parse(context.Background(), path)
		if err == nil {
			if err := doc.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
		}
	})
}
