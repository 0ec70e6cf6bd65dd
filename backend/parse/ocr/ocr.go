// Package ocr reads the words in a picture with Tesseract 5 (Debian's
// libtesseract, through its C API and cgo). It is the only package in Folio
// that uses Tesseract.
//
// Recognize takes a decoded image and returns its words, each with its
// rectangle in the image's pixels (origin at the top left) and Tesseract's
// confidence, in reading order as Tesseract's layout analysis found it
// (blocks, paragraphs, lines). Layout joins the words into text with byte
// offsets, so a parser can give every word a core.Box.
//
// Invariants: a Page's words have non-empty rectangles clamped to the image,
// non-empty text without spaces or control characters, and a confidence in
// [0, 100]; Page.Conf is the mean of its words' confidences (0 without
// words). Recognize never panics on any image; an image larger than
// MaxPixels is refused with an error rather than handed to Tesseract.
//
// Cancelling: Recognize watches its context while Tesseract runs and stops
// it mid-page (Tesseract's ETEXT_DESC monitor, polled between words), and
// the context's deadline is passed as Tesseract's own deadline as well, so a
// page over its time budget stops within a word or two.
//
// Caching: with Options.Cache, Recognize first looks the image up by a
// hash of its pixels, resolution, languages and Tesseract's version, and
// stores what Tesseract read (cache.go states the key's invariants), so a
// page is read by Tesseract once however often its file is indexed.
// Counts tells how many images Tesseract read and how many the cache
// served in this process.
//
// Without cgo, or with the build tag noocr, the package still compiles:
// Available reports false and Recognize fails with ErrNotAvailable, and the
// parsers report pages that need OCR as they did before.
package ocr

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// ErrNotAvailable is returned by Recognize when the program was built
// without Tesseract (no cgo, or the noocr tag), or no language pack is
// installed.
var ErrNotAvailable = errors.New("OCR is not available (built without Tesseract, or no Tesseract language pack installed)")

// MaxPixels bounds the images handed to Tesseract: a 600 dpi A3 page is
// about 70 million pixels.
const MaxPixels = 100 << 20

// DefaultDPI is the resolution Tesseract is told when the caller does not
// know an image's.
const DefaultDPI = 300

// Word is one word Tesseract read.
type Word struct {
	Text string
	// Box is the word's rectangle in pixels, origin at the image's top
	// left, Max exclusive.
	Box image.Rectangle
	// Conf is Tesseract's confidence in the word, 0 to 100.
	Conf float64
	// Baseline is the word's text line's baseline where the word begins
	// and ends (at Box.Min.X and Box.Max.X), in pixels; both zero when
	// Tesseract gave none. Its slope is the line's: a skewed scan's.
	Baseline [2]image.Point
	// LineSize is the height of the word's text line from ascenders to
	// descenders, about its font size, in points at Options.DPI (0 when
	// unknown).
	LineSize float64
	// NewLine, NewPara and NewBlock are set on the first word of a text
	// line, a paragraph and a block; the first word of a page has all three.
	NewLine, NewPara, NewBlock bool
}

// Page is what Recognize read in one image.
type Page struct {
	Words []Word
	// Conf is the mean confidence of Words, 0 to 100 (0 without words).
	Conf float64
	// Width and Height are the image's size in pixels.
	Width, Height int
	// Languages are the language packs used, such as ["eng", "deu"].
	Languages []string
}

// Options tune Recognize. The zero value reads with DefaultLanguages at
// DefaultDPI.
type Options struct {
	// Languages are Tesseract language packs ("eng", "deu"); those not
	// installed are left out. Empty means DefaultLanguages().
	Languages []string
	// DPI is the image's resolution, which Tesseract uses to judge text
	// sizes. Zero means DefaultDPI.
	DPI int
	// Cache, when set, keeps what Tesseract read by the image's content:
	// Recognize looks an image up there first and stores what it read
	// (see cache.go).
	Cache Cache
}

// WordSpan ties the bytes [Start, End) of the text Layout returns to one
// word of the page.
type WordSpan struct {
	Start, End int
	Word       int // index into Page.Words
}

// Layout joins the page's words into text: words on a line are separated
// by a space, lines by "\n" and paragraphs and blocks by "\n\n". It returns
// the text and, in order, each word's byte range in it.
func (p Page) Layout() (string, []WordSpan) {
	var b strings.Builder
	spans := make([]WordSpan, 0, len(p.Words))
	for i, w := range p.Words {
		if b.Len() > 0 {
			switch {
			case w.NewPara || w.NewBlock:
				b.WriteString("\n\n")
			case w.NewLine:
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
		}
		start := b.Len()
		b.WriteString(w.Text)
		spans = append(spans, WordSpan{Start: start, End: b.Len(), Word: i})
	}
	return b.String(), spans
}

// cleanWord returns s without control characters and with inner white
// space removed (Tesseract's words never hold spaces, but a word is one
// token for Layout either way).
func cleanWord(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
}

// localeLanguages maps ISO 639-1 codes, as in LANG=de_DE.UTF-8, to
// Tesseract's language pack names.
var localeLanguages = map[string]string{
	"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por",
	"nl": "nld", "sv": "swe", "da": "dan", "nb": "nor", "nn": "nor", "no": "nor",
	"fi": "fin", "pl": "pol", "cs": "ces", "sk": "slk", "hu": "hun", "ro": "ron",
	"tr": "tur", "el": "ell", "ru": "rus", "uk": "ukr", "ja": "jpn", "ko": "kor",
	"zh": "chi_sim", "ar": "ara", "he": "heb", "ca": "cat",
}

// localeLanguage returns the Tesseract pack name for the system locale
// (LC_ALL, LC_MESSAGES, LANG), or "".
func localeLanguage() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			return ""
		}
		code, _, _ := strings.Cut(v, "_")
		code, _, _ = strings.Cut(code, ".")
		return localeLanguages[strings.ToLower(code)]
	}
	return ""
}

// DefaultLanguages returns English plus the system locale's language, each
// only when its pack is installed (nil when neither is).
func DefaultLanguages() []string {
	installed := Languages()
	has := func(l string) bool {
		for _, i := range installed {
			if i == l {
				return true
			}
		}
		return false
	}
	var out []string
	for _, l := range []string{"eng", localeLanguage()} {
		if l != "" && has(l) && (len(out) == 0 || out[0] != l) {
			out = append(out, l)
		}
	}
	return out
}

// chooseLanguages keeps the requested packs that are installed, in order
// and without duplicates; with none requested, DefaultLanguages.
func chooseLanguages(want []string) []string {
	if len(want) == 0 {
		return DefaultLanguages()
	}
	installed := map[string]bool{}
	for _, l := range Languages() {
		installed[l] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range want {
		if installed[l] && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// grayPixels converts img to 8-bit gray, one byte a pixel, rows top to
// bottom, with fast paths for the types image decoders return.
func grayPixels(img image.Image) (pix []byte, w, h int) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	pix = make([]byte, w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				r, g, bb, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				pix[y*w+x] = onWhite(luma(uint32(r), uint32(g), uint32(bb)), a)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				r, g, bb, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				// Not premultiplied: blend the colour over white.
				pix[y*w+x] = byte((uint32(luma(uint32(r), uint32(g), uint32(bb)))*uint32(a) + 255*(255-uint32(a))) / 255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Premultiplied 16-bit: add white where transparent.
				v := (19595*r + 38470*g + 7471*bb + 1<<15) >> 16
				v += 0xffff - a
				pix[y*w+x] = byte(min(v, 0xffff) >> 8)
			}
		}
	}
	return pix, w, h
}

func luma(r, g, b uint32) byte { return byte((19595*r + 38470*g + 7471*b + 1<<15) >> 16) }

// onWhite turns a premultiplied gray value with alpha a into the gray it
// shows on white paper (transparent pixels are white, not black).
func onWhite(v, a byte) byte { return byte(min(uint32(v)+255-uint32(a), 255)) }

// tessdataDirs lists the folders Tesseract looks for language packs in:
// TESSDATA_PREFIX (itself or its tessdata folder) when set, else the
// usual install locations.
func tessdataDirs() []string {
	if p := os.Getenv("TESSDATA_PREFIX"); p != "" {
		return []string{p, filepath.Join(p, "tessdata")}
	}
	return []string{"/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
		"/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata"}
}

// installedLanguages returns the first of dirs that holds language packs,
// and its packs, "osd" (orientation detection, not a language) left out.
func installedLanguages(dirs []string) (string, []string) {
	for _, d := range dirs {
		m, _ := filepath.Glob(filepath.Join(d, "*.traineddata"))
		var out []string
		for _, f := range m {
			if l := strings.TrimSuffix(filepath.Base(f), ".traineddata"); l != "osd" {
				out = append(out, l)
			}
		}
		if len(out) > 0 {
			sort.Strings(out)
			return d, out
		}
	}
	return "", nil
}
