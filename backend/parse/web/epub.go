package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"folio/backend/core"
	"folio/backend/parse/ziplimit"
)

// Font obfuscation "encrypts" embedded fonts only; it is not DRM.
var fontObfuscation = map[string]bool{
	"http://www.idpf.org/2008/embedding": true,
	"http://ns.adobe.com/pdf/enc#RC":     true,
}

type opfPackage struct {
	Manifest struct {
		Items []opfItem `xml:"item"`
	} `xml:"manifest"`
	Spine struct {
		Toc  string `xml:"toc,attr"`
		Refs []struct {
			IDRef string `xml:"idref,attr"`
		} `xml:"itemref"`
	} `xml:"spine"`
}

type opfItem struct {
	ID         string `xml:"id,attr"`
	Href       string `xml:"href,attr"`
	MediaType  string `xml:"media-type,attr"`
	Properties string `xml:"properties,attr"`
}

type ocfContainer struct {
	Rootfiles []struct {
		FullPath  string `xml:"full-path,attr"`
		MediaType string `xml:"media-type,attr"`
	} `xml:"rootfiles>rootfile"`
}

// parseEPUB reads the chapters of an EPUB in spine order. Each chapter is a
// part named by its path in the archive; its paragraphs are numbered from 1
// and its heading path starts from its table-of-contents title when it has
// no h1. Missing or unreadable chapters become warnings.
func (p *Parser) parseEPUB(ctx context.Context, file string) (core.Document, error) {
	fail := func(err error) (core.Document, error) {
		return core.Document{}, fmt.Errorf("parse %s: %w", file, err)
	}
	a, err := ziplimit.Open(file, p.cfg.Zip)
	if err != nil {
		return fail(err)
	}
	defer a.Close()
	if err := checkDRM(a); err != nil {
		return fail(err)
	}
	opfPath, err := rootfile(a)
	if err != nil {
		return fail(err)
	}
	pkg, err := readOPF(a, opfPath)
	if err != nil {
		return fail(err)
	}
	doc := core.Document{Path: file, Format: "epub"}
	dir := path.Dir(opfPath)
	byID := map[string]opfItem{}
	for _, it := range pkg.Manifest.Items {
		byID[it.ID] = it
	}
	var chapters []opfItem
	for _, ref := range pkg.Spine.Refs {
		it, ok := byID[ref.IDRef]
		if !ok {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("spine item %q is not in the manifest", ref.IDRef))
			continue
		}
		chapters = append(chapters, it)
	}
	if len(chapters) == 0 {
		doc.Warnings = append(doc.Warnings, "the spine lists no chapters: reading the manifest's documents in order")
		chapters = pkg.Manifest.Items
	}
	titles, warn := tocTitles(a, pkg, dir)
	if warn != "" {
		doc.Warnings = append(doc.Warnings, warn)
	}

	b := newBuilder()
	seen := map[string]bool{}
	for _, it := range chapters {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		name := resolveHref(dir, it.Href)
		if name == "" || seen[name] || !isHTMLItem(it, name) {
			continue
		}
		seen[name] = true
		data, err := a.Read(name)
		if err != nil {
			if isLimit(err) {
				return fail(err)
			}
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("chapter %s: %v", name, err))
			continue
		}
		b.startPart(name, "")
		if err := extractHTML(ctx, b, data, htmlOptions{xhtml: true, root: titles[name]}); err != nil {
			return fail(fmt.Errorf("chapter %s: %w", name, err))
		}
		b.flush()
	}
	d := b.document(file, "epub")
	doc.Text, doc.Locations = d.Text, d.Locations
	return doc, nil
}

// checkDRM refuses books whose content is encrypted: a rights.xml, or an
// encryption.xml listing anything but obfuscated fonts.
func checkDRM(a *ziplimit.Archive) error {
	drm := fmt.Errorf("%w: encrypted (DRM-protected) EPUB", core.ErrEncrypted)
	if a.Has("META-INF/rights.xml") {
		return drm
	}
	if !a.Has("META-INF/encryption.xml") {
		return nil
	}
	data, err := a.Read("META-INF/encryption.xml")
	if err != nil {
		if isLimit(err) {
			return err
		}
		return drm // present but unreadable: assume the worst
	}
	d := newXMLDecoder(data)
	var algorithm string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if bytes.Contains(data, []byte("CipherReference")) {
				return drm
			}
			return nil
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "EncryptedData":
			algorithm = ""
		case "EncryptionMethod":
			algorithm = xmlAttr(se, "Algorithm")
		case "CipherReference":
			uri := strings.ToLower(xmlAttr(se, "URI"))
			if !fontObfuscation[algorithm] || isContentName(uri) {
				return drm
			}
		}
	}
}

func isContentName(name string) bool {
	for _, ext := range []string{".xhtml", ".html", ".htm", ".xml", ".opf", ".ncx"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// rootfile returns the path of the package (OPF) file named by
// META-INF/container.xml.
func rootfile(a *ziplimit.Archive) (string, error) {
	data, err := a.Read("META-INF/container.xml")
	if errors.Is(err, ziplimit.ErrMissing) {
		return "", fmt.Errorf("%w: META-INF/container.xml is missing", core.ErrCorrupt)
	}
	if err != nil {
		return "", err
	}
	var c ocfContainer
	if err := newXMLDecoder(data).Decode(&c); err != nil {
		return "", fmt.Errorf("%w: META-INF/container.xml is not valid XML: %v", core.ErrCorrupt, err)
	}
	best := ""
	for _, r := range c.Rootfiles {
		if r.FullPath == "" {
			continue
		}
		if r.MediaType == "application/oebps-package+xml" {
			best = r.FullPath
			break
		}
		if best == "" {
			best = r.FullPath
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: META-INF/container.xml names no package (OPF) file", core.ErrCorrupt)
	}
	return resolveHref(".", best), nil
}

func readOPF(a *ziplimit.Archive, name string) (opfPackage, error) {
	var pkg opfPackage
	data, err := a.Read(name)
	if errors.Is(err, ziplimit.ErrMissing) {
		return pkg, fmt.Errorf("%w: package file %s (named by META-INF/container.xml) is missing", core.ErrCorrupt, name)
	}
	if err != nil {
		return pkg, err
	}
	if err := newXMLDecoder(data).Decode(&pkg); err != nil {
		return pkg, fmt.Errorf("%w: package file %s is not valid XML: %v", core.ErrCorrupt, name, err)
	}
	if len(pkg.Manifest.Items) == 0 {
		return pkg, fmt.Errorf("%w: package file %s has no manifest", core.ErrCorrupt, name)
	}
	return pkg, nil
}

func isHTMLItem(it opfItem, name string) bool {
	switch strings.ToLower(strings.TrimSpace(it.MediaType)) {
	case "application/xhtml+xml", "text/html", "text/x-oeb1-document", "application/x-dtbook+xml":
		return true
	case "":
		n := strings.ToLower(name)
		return strings.HasSuffix(n, ".xhtml") || strings.HasSuffix(n, ".html") || strings.HasSuffix(n, ".htm")
	}
	return false
}

// resolveHref turns an href relative to dir into a path in the archive,
// dropping any fragment or query.
func resolveHref(dir, href string) string {
	if i := strings.IndexAny(href, "#?"); i >= 0 {
		href = href[:i]
	}
	if u, err := url.PathUnescape(href); err == nil {
		href = u
	}
	href = strings.TrimSpace(href)
	if href == "" || strings.Contains(href, "://") {
		return ""
	}
	if strings.HasPrefix(href, "/") {
		return strings.TrimPrefix(path.Clean(href), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(dir, href)), "/")
}

// tocTitles maps chapter paths to their first table-of-contents title,
// from the EPUB 3 navigation document or else the EPUB 2 NCX. Titles are
// optional: a missing or broken table of contents yields a warning only.
func tocTitles(a *ziplimit.Archive, pkg opfPackage, dir string) (map[string]string, string) {
	titles := map[string]string{}
	var nav, ncx string
	for _, it := range pkg.Manifest.Items {
		if nav == "" && strings.Contains(" "+it.Properties+" ", " nav ") {
			nav = resolveHref(dir, it.Href)
		}
		if it.MediaType == "application/x-dtbncx+xml" && (ncx == "" || it.ID == pkg.Spine.Toc) {
			ncx = resolveHref(dir, it.Href)
		}
	}
	switch {
	case nav != "":
		data, err := a.Read(nav)
		if err != nil {
			return titles, fmt.Sprintf("table of contents %s: %v", nav, err)
		}
		navTitles(data, path.Dir(nav), titles)
	case ncx != "":
		data, err := a.Read(ncx)
		if err != nil {
			return titles, fmt.Sprintf("table of contents %s: %v", ncx, err)
		}
		ncxTitles(data, path.Dir(ncx), titles)
	}
	return titles, ""
}

// navTitles reads the links of an EPUB 3 <nav epub:type="toc">.
func navTitles(data []byte, dir string, titles map[string]string) {
	doc, err := html.Parse(strings.NewReader(expandSelfClosing(decodeHTML(data, true))))
	if err != nil {
		return
	}
	var toc, first *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Nav {
			if first == nil {
				first = n
			}
			if strings.Contains(" "+attr(n.Attr, "epub:type")+" ", " toc ") {
				toc = n
				break
			}
		}
	}
	if toc == nil {
		toc = first
	}
	if toc == nil {
		return
	}
	for n := range toc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.A {
			continue
		}
		name := resolveHref(dir, attr(n.Attr, "href"))
		if name == "" || titles[name] != "" {
			continue
		}
		var sb strings.Builder
		for c := range n.Descendants() {
			if c.Type == html.TextNode {
				sb.WriteString(c.Data)
			}
		}
		if t := strings.Join(strings.Fields(sb.String()), " "); t != "" {
			titles[name] = t
		}
	}
}

// ncxTitles reads the navPoints of an EPUB 2 NCX file.
func ncxTitles(data []byte, dir string, titles map[string]string) {
	d := newXMLDecoder(data)
	var label strings.Builder
	inText := false
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "navLabel":
				label.Reset()
			case "text":
				inText = true
			case "content":
				name := resolveHref(dir, xmlAttr(t, "src"))
				if l := strings.Join(strings.Fields(label.String()), " "); name != "" && l != "" && titles[name] == "" {
					titles[name] = l
				}
			}
		case xml.EndElement:
			if t.Name.Local == "text" {
				inText = false
			}
		case xml.CharData:
			if inText {
				label.Write(t)
			}
		}
	}
}

// newXMLDecoder returns a lenient decoder that understands the encodings
// and entities found in the wild.
func newXMLDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	return d
}

func xmlAttr(se xml.StartElement, local string) string {
	for _, at := range se.Attr {
		if at.Name.Local == local {
			return at.Value
		}
	}
	return ""
}
