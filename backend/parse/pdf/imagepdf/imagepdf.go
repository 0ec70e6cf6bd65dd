// Package imagepdf writes image-only PDFs, as a scanner makes them: each
// page one picture filling the page, no text layer. Folio uses it to make
// scanned test sets and fixtures from real pages (tests and eval ocr); the
// product never writes PDFs. A page can also be larger than its picture
// and carry lines of text in Helvetica: a text page with a scanned figure
// on it (Page.Width, Page.ImageX, Page.Text).
package imagepdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
)

// Page is one scanned page: its picture and resolution (dots per inch),
// which give the page's size in points.
type Page struct {
	Image image.Image
	DPI   float64
	// JPEGQuality, when above zero, stores the page as a JPEG (DCTDecode)
	// of that quality, as most scanners do; zero stores 8-bit gray
	// losslessly (FlateDecode).
	JPEGQuality int
	// Rotate is the page's /Rotate (0, 90, 180 or 270): how a viewer
	// turns the stored picture, clockwise, to show it.
	Rotate int
	// Width and Height, when set, are the page's size in points; the
	// picture, its size given by DPI, is then drawn with its bottom left
	// corner at (ImageX, ImageY). Zero: the page is the picture.
	Width, Height  float64
	ImageX, ImageY float64
	// Text are lines of text drawn on the page, in Helvetica.
	Text []Line
}

// Line is a line of text: its baseline's start in points from the page's
// bottom left, its font size, and its text (characters outside
// WinAnsiEncoding's Latin-1 part are written as "?").
type Line struct {
	X, Y, Size float64
	Text       string
}

// WriteFile writes pages as an image-only PDF to path.
func WriteFile(path string, pages ...Page) error {
	var b bytes.Buffer
	if err := Write(&b, pages...); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Write writes pages as an image-only PDF to w.
func Write(w io.Writer, pages ...Page) error {
	if len(pages) == 0 {
		return fmt.Errorf("imagepdf: no pages")
	}
	var out bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			out.WriteString("\nstream\n")
			out.Write(stream)
			out.WriteString("\nendstream")
		}
		out.WriteString("\nendobj\n")
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// 1: catalog, 2: pages, then per page: page, content, image.
	kids := ""
	for i := range pages {
		kids += fmt.Sprintf("%d 0 R ", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(pages)), nil)
	for i, p := range pages {
		b := p.Image.Bounds()
		dpi := p.DPI
		if dpi <= 0 {
			dpi = 72
		}
		wpt, hpt := float64(b.Dx())*72/dpi, float64(b.Dy())*72/dpi
		data, filter, cs, err := encode(p)
		if err != nil {
			return err
		}
		pw, ph, ix, iy := wpt, hpt, 0.0, 0.0
		if p.Width > 0 && p.Height > 0 {
			pw, ph, ix, iy = p.Width, p.Height, p.ImageX, p.ImageY
		}
		font := ""
		if len(p.Text) > 0 {
			font = " /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >>"
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Rotate %d /Resources << /XObject << /Im0 %d 0 R >>%s >> /Contents %d 0 R >>",
			pw, ph, p.Rotate, 5+3*i, font, 4+3*i), nil)
		content := []byte(fmt.Sprintf("q %.4f 0 0 %.4f %.4f %.4f cm /Im0 Do Q", wpt, hpt, ix, iy))
		for _, l := range p.Text {
			content = append(content, fmt.Sprintf("\nBT /F1 %.2f Tf %.4f %.4f Td (%s) Tj ET", l.Size, l.X, l.Y, pdfString(l.Text))...)
		}
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), content)
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent 8 /Filter /%s /Length %d >>",
			b.Dx(), b.Dy(), cs, filter, len(data)), data)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	_, err := w.Write(out.Bytes())
	return err
}

// encode returns the page's image stream, its filter and colour space.
func encode(p Page) (data []byte, filter, colorSpace string, err error) {
	gray := toGray(p.Image)
	var b bytes.Buffer
	if p.JPEGQuality > 0 {
		if err := jpeg.Encode(&b, gray, &jpeg.Options{Quality: p.JPEGQuality}); err != nil {
			return nil, "", "", err
		}
		return b.Bytes(), "DCTDecode", "DeviceGray", nil
	}
	zw := zlib.NewWriter(&b)
	bounds := gray.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		zw.Write(gray.Pix[gray.PixOffset(bounds.Min.X, y) : gray.PixOffset(bounds.Min.X, y)+bounds.Dx()])
	}
	if err := zw.Close(); err != nil {
		return nil, "", "", err
	}
	return b.Bytes(), "FlateDecode", "DeviceGray", nil
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	return g
}

// pdfString escapes s for a literal string in WinAnsiEncoding.
func pdfString(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
