package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"

	"folio/backend/core"
	"folio/backend/parse/office"
)

// maxNesting bounds how deep multipart parts nest inside one message.
const maxNesting = 32

// readEML parses an Internet message.
func readEML(raw []byte, maxParts int) (message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return message{}, fmt.Errorf("%w: not an e-mail message: %v", core.ErrCorrupt, err)
	}
	h := msg.Header
	m := message{
		subject: decodeHeader(h.Get("Subject")),
		from:    decodeHeader(h.Get("From")),
		to:      decodeHeader(h.Get("To")),
		cc:      decodeHeader(h.Get("Cc")),
	}
	if d, err := h.Date(); err == nil {
		m.date = d
	}
	w := &walker{m: &m, left: maxParts}
	w.part(textproto.MIMEHeader(h), msg.Body, 0)
	if m.subject == "" && m.from == "" && m.text == "" && len(m.html) == 0 && len(m.attachments) == 0 {
		return message{}, fmt.Errorf("%w: no message headers or body", core.ErrCorrupt)
	}
	return m, nil
}

// walker collects the body and attachments of a MIME tree.
type walker struct {
	m    *message
	left int // parts that may still be walked
}

// part reads one MIME entity with header h and undecoded body r.
func (w *walker) part(h textproto.MIMEHeader, r io.Reader, depth int) {
	if w.left--; w.left < 0 {
		if w.left == -1 {
			w.m.warnings = append(w.m.warnings, "too many MIME parts; the rest are not read")
		}
		return
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || ctype == "" {
		ctype, params = "text/plain", map[string]string{}
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := decodeHeader(dparams["filename"])
	if name == "" {
		name = decodeHeader(params["name"])
	}
	if strings.HasPrefix(ctype, "multipart/") && depth < maxNesting {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				if err != io.EOF {
					w.m.warnings = append(w.m.warnings, "MIME structure: "+err.Error())
				}
				return
			}
			w.part(p.Header, p, depth+1)
			if w.left < 0 {
				return
			}
		}
	}
	data, err := io.ReadAll(decodeTransfer(h.Get("Content-Transfer-Encoding"), r))
	if err != nil {
		w.m.warnings = append(w.m.warnings, fmt.Sprintf("part %s: %v", ctype, err))
	}
	attached := disp == "attachment" || (name != "" && !strings.HasPrefix(ctype, "text/"))
	switch {
	case ctype == "message/rfc822":
		if name == "" {
			name = "message.eml"
		}
		if !strings.HasSuffix(strings.ToLower(name), ".eml") {
			name += ".eml"
		}
		w.m.attachments = append(w.m.attachments, attachment{name: name, data: data, ctype: ctype})
	case attached:
		w.m.attachments = append(w.m.attachments, attachment{name: name, data: data, ctype: ctype})
	case ctype == "text/html":
		if len(w.m.html) == 0 {
			w.m.html = toUTF8(data, params["charset"], true)
		}
	case strings.HasPrefix(ctype, "text/") && (ctype == "text/plain" || name == ""):
		if w.m.text != "" {
			w.m.text += "\n\n"
		}
		w.m.text += string(toUTF8(data, params["charset"], false))
	}
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Clean{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// base64Clean drops the bytes a base64 body may carry that are no base64
// (line breaks, spaces), which encoding/base64 would refuse.
type base64Clean struct{ r io.Reader }

func (c *base64Clean) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		k := 0
		for _, b := range p[:n] {
			if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '=' {
				p[k] = b
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// toUTF8 converts text in charset to UTF-8; an unknown or missing charset
// is read as UTF-8 when valid and Windows-1252 otherwise. For HTML the
// result also tells the HTML reader it is UTF-8.
func toUTF8(data []byte, charset string, html bool) []byte {
	charset = strings.ToLower(strings.TrimSpace(charset))
	out := data
	if enc, err := htmlindex.Get(charset); err == nil && charset != "" && enc != unicode.UTF8 {
		if b, err := enc.NewDecoder().Bytes(data); err == nil {
			out = b
		}
	} else if !utf8Valid(data) {
		if enc, err := htmlindex.Get("windows-1252"); err == nil {
			if b, err := enc.NewDecoder().Bytes(data); err == nil {
				out = b
			}
		}
	}
	if html {
		out = append([]byte("<meta charset=\"utf-8\">"), out...)
	}
	return out
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// decodeHeader decodes RFC 2047 encoded words in any charset htmlindex
// knows; a header it cannot decode is kept as it is.
func decodeHeader(s string) string {
	d := mime.WordDecoder{CharsetReader: func(charset string, in io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(strings.ToLower(charset))
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(in), nil
	}}
	if out, err := d.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

// readMSG reads an Outlook message through package office.
func readMSG(path string) (message, error) {
	om, err := office.ReadMessage(path)
	if err != nil {
		return message{}, err
	}
	m := message{subject: om.Subject, from: om.From, to: om.To, cc: om.Cc, date: om.Date, text: om.Body, html: om.HTML, rtf: om.RTF}
	for _, a := range om.Attachments {
		m.attachments = append(m.attachments, attachment{name: a.Name, data: a.Data})
	}
	return m, nil
}
