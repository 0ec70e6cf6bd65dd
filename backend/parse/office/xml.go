package office

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"folio/backend/core"
	ftext "folio/backend/parse/text"
)

type startElement = xml.StartElement

// newDecoder returns a decoder over an XML part. A UTF-8 or UTF-16 byte
// order mark is honoured (the bytes are converted to UTF-8 first, so a
// declared encoding is then ignored), and bytes that are not valid UTF-8 are
// read as Windows-1252.
func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(strings.NewReader(ftext.Decode(data)))
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return d
}

func urlPathUnescape(s string) (string, error) { return url.PathUnescape(s) }

// attr returns the value of the attribute with the given local name,
// whatever its namespace.
func attr(se startElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// relID returns the r:id attribute of se: an attribute named "id" with a
// namespace prefix (a plain id attribute is something else, as on p:sldId).
func relID(se startElement) string {
	for _, a := range se.Attr {
		if a.Name.Local == "id" && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}

// onOff reads an OOXML on/off property element such as <w:caps/> or
// <w:caps w:val="false"/>: absent val means on.
func onOff(se startElement) bool {
	switch strings.ToLower(attr(se, "val")) {
	case "0", "false", "off", "none":
		return false
	}
	return true
}

// walker is a recursive-descent reader over one XML part. Elements are
// matched by local name only, so ISO Strict and Transitional namespaces
// (and any prefix) read the same. It reads raw tokens (no namespace
// translation, no end-tag matching: about a quarter faster, and matching is
// not needed to extract text). The first error stops the walk and is kept in
// err; nesting deeper than maxDepth is skipped.
type walker struct {
	d        *xml.Decoder
	part     string
	depth    int
	maxDepth int
	err      error
}

func newWalker(part string, data []byte, maxDepth int) *walker {
	return &walker{d: newDecoder(data), part: part, maxDepth: maxDepth}
}

func (w *walker) fail(err error) {
	if w.err != nil {
		return
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	w.err = fmt.Errorf("%w: %s: %v", core.ErrCorrupt, w.part, err)
}

// root calls fn for the document element. A part without one is an error.
func (w *walker) root(fn func(se startElement)) {
	for w.err == nil {
		tok, err := w.d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				w.fail(errors.New("no XML document element"))
			} else {
				w.fail(err)
			}
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			fn(t)
			return
		case xml.Directive:
			if declaresEntities(t) {
				w.fail(errEntities)
				return
			}
		}
	}
}

// errEntities is why a part that declares XML entities is refused. Office
// and OpenDocument never declare any; a part that does is built to expand
// a few bytes into gigabytes ("billion laughs"). encoding/xml does not
// expand them either, but the text they stand for would be lost silently.
var errEntities = errors.New("it declares XML entities (<!ENTITY> in its DOCTYPE): entity expansion refused")

// declaresEntities reports whether a DOCTYPE directive declares entities.
func declaresEntities(d xml.Directive) bool {
	return bytes.HasPrefix(bytes.TrimSpace(d), []byte("DOCTYPE")) && bytes.Contains(d, []byte("<!ENTITY"))
}

// each walks the content of the element whose start tag was just read,
// calling fn for every child element and onText for character data, and
// returns after the element's end tag. fn must consume the child it is given
// (by calling each or skip). Either callback may be nil: children are then
// skipped, and text ignored.
func (w *walker) each(fn func(se startElement), onText func(b []byte)) {
	if w.err != nil {
		return
	}
	if w.depth >= w.maxDepth {
		w.skip()
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	for {
		tok, err := w.d.RawToken()
		if err != nil {
			w.fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if fn != nil {
				fn(t)
			} else {
				w.skip()
			}
			if w.err != nil {
				return
			}
		case xml.EndElement:
			return
		case xml.CharData:
			if onText != nil {
				onText(t)
			}
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func (w *walker) skip() {
	if w.err != nil {
		return
	}
	for depth := 0; ; {
		tok, err := w.d.RawToken()
		if err != nil {
			w.fail(err)
			return
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return
			}
			depth--
		}
	}
}

// text returns the character data of the element just opened, including
// that of its descendants.
func (w *walker) text() string {
	var sb strings.Builder
	var walk func(se startElement)
	walk = func(startElement) { w.each(walk, func(b []byte) { sb.Write(b) }) }
	w.each(walk, func(b []byte) { sb.Write(b) })
	return sb.String()
}

// alternate walks an mc:AlternateContent element: fn gets the children of
// its first mc:Choice, or of its mc:Fallback when there is no Choice. The
// other branches are skipped, so content appears once.
func (w *walker) alternate(fn func(se startElement)) {
	done := false
	w.each(func(se startElement) {
		if done || (se.Name.Local != "Choice" && se.Name.Local != "Fallback") {
			w.skip()
			return
		}
		done = true
		w.each(fn, nil)
	}, nil)
}
