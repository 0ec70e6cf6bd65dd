package evaluate

// OCR measured on a scanned set made from real pages: pdf.js text PDFs
// rendered by pdftoppm, at 300 dpi clean and at 150 dpi with noise and a
// slight skew (ImageMagick), wrapped as image-only PDFs, read by Folio and
// compared with pdftotext of the originals; the same images read by the
// tesseract command in the same run for speed; textract's image files
// against their expected lines; and the pdf.js files without a text layer.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	"image/draw"
	_ "image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/isolate"
	"folio/backend/parse/ocr"
	"folio/backend/parse/pdf/imagepdf"
	"folio/backend/stats"
)

// OCRDoc is a page range of a pdf.js text PDF to scan.
type OCRDoc struct {
	File        string
	First, Last int
}

// DefaultOCRDocs are the pages scanned by default: six pages of
// tracemonkey.pdf (two columns, code listings, figures), four of
// TAMReview.pdf (A4, one column) and three of freeculture.pdf (a book).
var DefaultOCRDocs = []OCRDoc{{"tracemonkey.pdf", 1, 6}, {"TAMReview.pdf", 1, 4}, {"freeculture.pdf", 11, 13}}

// OCRConfig configures OCR. Zero fields mean the defaults.
type OCRConfig struct {
	// Data is the shared data folder (pdf/pdfjs, office/textract).
	Data string
	// Work keeps the scanned set; "" makes and removes a temporary folder.
	Work string
	Docs []OCRDoc
	// Tesseract is the reference command; "" looks it up on PATH.
	Tesseract string
	// NoCorpus skips the pdf.js files without a text layer.
	NoCorpus bool
	// Progress, if set, is called with what is being done.
	Progress func(msg string)
}

// OCRVariant is one way of scanning the set, and what came of it.
type OCRVariant struct {
	Name  string `json:"name"`
	DPI   int    `json:"dpi"`
	Noisy bool   `json:"noisy"`
	Pages int    `json:"pages"`
	// CER is the character error rate of Folio's OCR text of the image-only
	// PDFs against pdftotext of the originals, less the words the pages do
	// not show (edit distance over the reference's length, normText).
	CER       float64 `json:"cer"`
	CERTarget float64 `json:"cer_target"`
	// MedianPageCER is the median of the pages' CERs: a page whose figure
	// or code listing OCR reads in another order than pdftotext weighs one
	// page, not its share of characters. WorstPage names the worst.
	MedianPageCER float64 `json:"median_page_cer"`
	WorstPage     string  `json:"worst_page"`
	// CERLineOrder is the CER once the reference's lines are put in the
	// order OCR read them (linesInOrderOf): what OCR read, not the order
	// in which it read a page's columns, figures and captions.
	CERLineOrder float64 `json:"cer_line_order"`
	// PageCERs are each page's two CERs, in the order scanned.
	PageCERs []OCRPageCER `json:"page_cers"`
	// MedianIoU is the median overlap of each OCR word box with the
	// pdftotext -bbox box of the same word (the best-overlapping one);
	// Matched how many OCR words found one, of OCRWords.
	MedianIoU float64 `json:"median_iou"`
	Matched   int     `json:"matched"`
	OCRWords  int     `json:"ocr_words"`
	// MeanConf is the mean of the pages' confidences.
	MeanConf float64 `json:"mean_confidence"`
	// Pages per second: Folio reading the image-only PDFs (pdftoppm
	// render and OCR), Folio reading the page images as image files, and
	// the tesseract command on the same image files, one after the other
	// page by page, one thread each.
	PDFPagesPerSec       float64 `json:"pdf_pages_per_sec"`
	ImagePagesPerSec     float64 `json:"image_pages_per_sec"`
	TesseractPagesPerSec float64 `json:"tesseract_pages_per_sec"`
	// CPU seconds a page, the same two runs (Folio's parse child and the
	// tesseract process), steadier than wall time on a busy machine.
	ImageCPUPerPage     float64 `json:"image_cpu_per_page"`
	TesseractCPUPerPage float64 `json:"tesseract_cpu_per_page"`
	// UndrawnChars counts the characters of pdftotext's text that the
	// pages do not show (drawnWords), left out of the reference: OCR
	// cannot read what is not drawn.
	UndrawnChars int `json:"undrawn_chars"`
	// Excluded lists pages left out of CER because pdftotext reads no
	// usable text there (fewer than half its characters ASCII: fonts
	// without a proper Unicode map, as on most of TAMReview.pdf).
	Excluded []string `json:"excluded,omitempty"`
}

// OCRPageCER is one scanned page's CER, as read and with lines in the
// reference's order.
type OCRPageCER struct {
	Page         string  `json:"page"`
	CER          float64 `json:"cer"`
	CERLineOrder float64 `json:"cer_line_order"`
}

// OCRReport holds every figure OCR measures.
type OCRReport struct {
	Tesseract string       `json:"tesseract"` // the library's version
	Languages []string     `json:"languages"`
	Variants  []OCRVariant `json:"variants"`
	Textract  struct {
		Files  int      `json:"files"`
		Lines  int      `json:"lines"`
		Found  int      `json:"found"`
		Failed []string `json:"failed,omitempty"`
	} `json:"textract"`
	Corpus struct {
		// NoTextLayer counts the pdf.js files that read no text without
		// OCR; Read how many of them OCR now reads, Pages its pages.
		NoTextLayer int      `json:"no_text_layer"`
		Read        int      `json:"read"`
		ReadFiles   []string `json:"read_files,omitempty"`
		Unread      []string `json:"unread,omitempty"`
	} `json:"corpus"`
	Cache OCRCacheFigure `json:"cache"` // ocrcache.go
}

// OCR runs the OCR measurements.
func OCR(ctx context.Context, cfg OCRConfig) (OCRReport, error) {
	var rep OCRReport
	if !ocr.Available() {
		return rep, fmt.Errorf("%w (build with cgo and install tesseract-ocr-eng)", ocr.ErrNotAvailable)
	}
	rep.Tesseract, rep.Languages = ocr.LibraryVersion(), ocr.DefaultLanguages()
	for _, c := range []string{"pdftoppm", "pdftotext", "convert"} { // convert: noise and skew
		if _, err := exec.LookPath(c); err != nil {
			return rep, fmt.Errorf("%s is needed to make the scanned set: %w", c, err)
		}
	}
	if cfg.Tesseract == "" {
		cfg.Tesseract, _ = exec.LookPath("tesseract")
	}
	if cfg.Docs == nil {
		cfg.Docs = DefaultOCRDocs
	}
	if cfg.Progress == nil {
		cfg.Progress = func(string) {}
	}
	work := cfg.Work
	if work == "" {
		d, err := os.MkdirTemp("", "folio-ocr-eval-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(d)
		work = d
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return rep, err
	}
	for _, v := range []OCRVariant{
		{Name: "300 dpi, clean", DPI: 300, CERTarget: 0.02},
		{Name: "150 dpi, noise, skewed 0.7°", DPI: 150, Noisy: true, CERTarget: 0.06},
	} {
		if err := scanVariant(ctx, cfg, work, &v); err != nil {
			return rep, err
		}
		rep.Variants = append(rep.Variants, v)
	}
	var err error
	if rep.Cache, err = ocrCache(ctx, work); err != nil {
		return rep, err
	}
	if err := ocrTextract(ctx, cfg, &rep); err != nil {
		return rep, err
	}
	if !cfg.NoCorpus {
		if err := ocrCorpus(ctx, cfg, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// run runs a command and returns its standard output.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// scanVariant makes the variant's scanned pages and measures them.
func scanVariant(ctx context.Context, cfg OCRConfig, work string, v *OCRVariant) error {
	var refChars, edits, lineEdits int
	var ious, confs, pageCERs []float64
	worst := -1.0
	var pdfTime, imgTime, tessTime time.Duration
	var imgCPU, tessCPU int64
	// Folio reads each file in a child, as the product does (the child
	// runs Tesseract on one thread; see isolate).
	reader := isolate.NewRegistry(isolate.Config{Timeout: 10 * time.Minute})
	dpi := strconv.Itoa(v.DPI)
	for _, d := range cfg.Docs {
		src := filepath.Join(cfg.Data, "pdf", "pdfjs", d.File)
		for page := d.First; page <= d.Last; page++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := strconv.Itoa(page)
			cfg.Progress(fmt.Sprintf("%s: %s page %d", v.Name, d.File, page))
			base := filepath.Join(work, fmt.Sprintf("%s-p%d-%d", strings.TrimSuffix(d.File, ".pdf"), page, v.DPI))
			if v.Noisy {
				base += "-noisy"
			}
			png, scan := base+".png", base+".pdf"
			if _, err := os.Stat(scan); err != nil {
				if _, err := run(ctx, "pdftoppm", "-r", dpi, "-f", n, "-l", n, "-gray", "-singlefile", "-png", src, base); err != nil {
					return err
				}
				if v.Noisy {
					// A slight skew about the centre (the page keeps its size)
					// and scanner noise.
					if _, err := run(ctx, "convert", png, "-virtual-pixel", "white", "-distort", "SRT", strconv.FormatFloat(skewDegrees, 'f', -1, 64),
						"-attenuate", "0.5", "+noise", "Gaussian", "-colorspace", "gray", png); err != nil {
						return err
					}
				}
				if err := wrapScan(png, scan, v.DPI, v.Noisy); err != nil {
					return err
				}
			}
			ref, err := run(ctx, "pdftotext", "-f", n, "-l", n, src, "-")
			if err != nil {
				return err
			}
			bbox, err := run(ctx, "pdftotext", "-bbox", "-f", n, "-l", n, src, "-")
			if err != nil {
				return err
			}

			// Folio on the image-only PDF, the PNG as an image file, and
			// the tesseract command on the same PNG, one after the other.
			t0 := time.Now()
			doc, err := reader.Parse(ctx, scan)
			pdfTime += time.Since(t0)
			if err != nil {
				return fmt.Errorf("OCR of %s: %w", scan, err)
			}
			// Which goes first alternates page by page, so that a machine
			// getting busier or quieter during the run favours neither.
			folio := func() error {
				t0, c0 := time.Now(), childCPUNanos()
				if _, err := reader.Parse(ctx, png); err != nil && !errors.Is(err, core.ErrEmpty) {
					return fmt.Errorf("OCR of %s: %w", png, err)
				}
				imgTime += time.Since(t0)
				imgCPU += childCPUNanos() - c0
				return nil
			}
			tess := func() error {
				if cfg.Tesseract == "" {
					return nil
				}
				t0, c0 := time.Now(), childCPUNanos()
				if _, err := run(ctx, cfg.Tesseract, png, "-", "--dpi", dpi, "-l", strings.Join(ocr.DefaultLanguages(), "+")); err != nil {
					return err
				}
				tessTime += time.Since(t0)
				tessCPU += childCPUNanos() - c0
				return nil
			}
			first, second := folio, tess
			if v.Pages%2 == 1 {
				first, second = tess, folio
			}
			if err := first(); err != nil {
				return err
			}
			if err := second(); err != nil {
				return err
			}
			v.Pages++

			refs := parseBBox(string(bbox))
			drawn, err := pageInk(ctx, work, src, page, refs)
			if err != nil {
				return err
			}
			kept, undrawn := dropUndrawn(string(ref), refs, drawn)
			want, got := normText(kept), normText(doc.Text)
			if !usableReference(want) {
				v.Excluded = append(v.Excluded, fmt.Sprintf("%s page %d", d.File, page))
				continue
			}
			refChars += len([]rune(want))
			v.UndrawnChars += undrawn
			e := editDistance([]rune(want), []rune(got))
			edits += e
			le := editDistance([]rune(normText(linesInOrderOf(got, kept))), []rune(got))
			lineEdits += le
			if len(want) > 0 {
				n := float64(len([]rune(want)))
				c := float64(e) / n
				pageCERs = append(pageCERs, c)
				v.PageCERs = append(v.PageCERs, OCRPageCER{Page: fmt.Sprintf("%s page %d", d.File, page), CER: c, CERLineOrder: float64(le) / n})
				if c > worst {
					worst, v.WorstPage = c, fmt.Sprintf("%s page %d (%.1f%%)", d.File, page, 100*c)
				}
			}
			if len(doc.Pages) > 0 && doc.Pages[0].OCR != nil {
				confs = append(confs, doc.Pages[0].OCR.Confidence)
			}
			if v.Noisy {
				skewWords(refs, string(bbox), skewDegrees)
			}
			pageIoUs, words := boxIoUs(doc, refs)
			ious = append(ious, pageIoUs...)
			v.OCRWords += words
		}
	}
	if refChars > 0 {
		v.CER = float64(edits) / float64(refChars)
		v.CERLineOrder = float64(lineEdits) / float64(refChars)
	}
	v.MedianPageCER = stats.Median(pageCERs)
	v.Matched = len(ious)
	v.MedianIoU = stats.Median(ious)
	for _, c := range confs {
		v.MeanConf += c / float64(len(confs))
	}
	rate := func(d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(v.Pages) / d.Seconds()
	}
	v.PDFPagesPerSec, v.ImagePagesPerSec, v.TesseractPagesPerSec = rate(pdfTime), rate(imgTime), rate(tessTime)
	if v.Pages > 0 {
		v.ImageCPUPerPage = float64(imgCPU) / 1e9 / float64(v.Pages)
		v.TesseractCPUPerPage = float64(tessCPU) / 1e9 / float64(v.Pages)
	}
	return nil
}

// inkDPI is the resolution pages are rendered at, clean, to tell which
// of pdftotext's words they show.
const inkDPI = 150

// pageInk renders page of src clean at inkDPI (kept in work) and reports
// which of its pdftotext -bbox words it shows (drawnWords).
func pageInk(ctx context.Context, work, src string, page int, ws []refWord) ([]bool, error) {
	base := filepath.Join(work, fmt.Sprintf("%s-p%d-ink%d", strings.TrimSuffix(filepath.Base(src), ".pdf"), page, inkDPI))
	if _, err := os.Stat(base + ".png"); err != nil {
		n := strconv.Itoa(page)
		if _, err := run(ctx, "pdftoppm", "-r", strconv.Itoa(inkDPI), "-f", n, "-l", n, "-gray", "-singlefile", "-png", src, base); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(base + ".png")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s.png: %w", base, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		g = image.NewGray(img.Bounds())
		draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	}
	return drawnWords(ws, g, inkDPI), nil
}

// usableReference reports whether pdftotext's text of a page can serve as
// the reference: at least half its characters ASCII (the set is English).
func usableReference(s string) bool {
	n, ascii := 0, 0
	for _, r := range s {
		if r != ' ' {
			n++
			if r < 127 {
				ascii++
			}
		}
	}
	return n > 0 && 2*ascii >= n
}

// normText is text compared for CER, the same for pdftotext's text and
// OCR's; each step removes a difference a reader of the page cannot see:
//   - NFKC (ligatures such as "ﬁ" spelled out), and glyphs a text layer
//     spells apart from how they look: "∗" (the asterisk operator) as "*",
//     a dotless i with a diaeresis as "ï";
//   - dingbats (U+2700 to U+27BF) left out: printers' marks and ornaments,
//     such as the barcode freeculture.pdf draws with the glyphs ❚❘❙, which
//     a reader sees as marks, not letters, and no OCR spells;
//   - white space runs as one space, and none before , . ; : ) ] } or
//     after ( [ { (pdftotext writes "Gal∗+ ," after a superscript, OCR
//     "{gal , brendan");
//   - words hyphenated at a line's end joined again (pdftotext joins
//     them, OCR keeps the hyphen where the page shows it).
func normText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 0x2700 && r <= 0x27BF {
			return ' '
		}
		return r
	}, s)
	s = glyphSpelling.Replace(norm.NFKC.String(s))
	s = strings.Join(strings.Fields(s), " ")
	s = spaceInPunct.ReplaceAllString(s, "$1$2")
	return lineHyphen.ReplaceAllString(s, "$1$2")
}

var (
	glyphSpelling = strings.NewReplacer("\u2217", "*", "\u0131\u0308", "ï")
	spaceInPunct  = regexp.MustCompile(`([(\[{]) | ([,.;:)\]}])`)
	lineHyphen    = regexp.MustCompile(`(\pL)- (\pL)`)
)

// dropUndrawn returns ref, pdftotext's text of a page, without the words
// the page does not show (drawn[j] false for words[j], pdftotext -bbox's
// words in the same reading order), and how many characters it left out;
// the rest of ref, line breaks included, is kept. A word is found in ref
// by aligning ref's words with words (the longest common subsequence of
// their wordKeys): pdftotext writes the same words in the same order, but
// for superscripts and hyphens it joins, which stay.
func dropUndrawn(ref string, words []refWord, drawn []bool) (string, int) {
	toks := wordSpan.FindAllStringIndex(ref, -1)
	n, m := len(toks), len(words)
	keys := make([]string, n)
	for i, t := range toks {
		keys[i] = wordKey(ref[t[0]:t[1]])
	}
	// lcs[i][j] is the LCS length of toks[i:] and words[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if keys[i] == words[j].text {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	last, dropped := 0, 0
	for i, j := 0, 0; i < n; {
		switch {
		case j < m && keys[i] == words[j].text:
			if !drawn[j] {
				b.WriteString(ref[last:toks[i][0]])
				last = toks[i][1]
				dropped += utf8.RuneCountInString(ref[toks[i][0]:toks[i][1]])
			}
			i, j = i+1, j+1
		case j < m && lcs[i][j+1] >= lcs[i+1][j]:
			j++
		default:
			i++
		}
	}
	b.WriteString(ref[last:])
	return b.String(), dropped
}

var wordSpan = regexp.MustCompile(`\S+`)

// drawnWords reports, for each word of pdftotext -bbox, whether the page
// shows it: at least 1% of the pixels of its box darker than mid-gray on
// img, the page rendered clean at dpi (origin top left, as the boxes).
// White text, text clipped away or drawn in the invisible rendering mode
// shows nothing: freeculture.pdf's printer's line numbers in the margin.
func drawnWords(ws []refWord, img *image.Gray, dpi float64) []bool {
	out := make([]bool, len(ws))
	b := img.Bounds()
	s := dpi / 72
	for i, w := range ws {
		r := image.Rect(int(w.x0*s), int(w.y0*s), int(math.Ceil(w.x1*s)), int(math.Ceil(w.y1*s))).Intersect(b)
		dark := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if img.GrayAt(x, y).Y < 128 {
					dark++
				}
			}
		}
		out[i] = !r.Empty() && dark*100 >= r.Dx()*r.Dy()
	}
	return out
}

// linesInOrderOf returns the lines ("\n"-separated) of ref in the order
// in which text holds them, for a CER that leaves out the order of lines
// (columns, figures, captions, code and its comments read in another
// order) while still counting every character read wrong, added or
// missed. The reference's lines are moved rather than the OCR's: pdftotext
// writes a line per column and a listing's code apart from its comments,
// finer parts than OCR's lines. Each non-blank line, normalised as
// normText does, is placed where its cheapest approximate match inside
// text (normText'ed) ends (bestEnd); lines are then sorted by that place,
// lines at the same place keeping their order. Blank lines are dropped
// (white space is not compared).
func linesInOrderOf(text, ref string) string {
	type placed struct {
		at   int
		line string
	}
	in := []rune(text)
	var ls []placed
	prev := 0
	for _, l := range strings.Split(ref, "\n") {
		n := strings.Join(strings.Fields(norm.NFKC.String(l)), " ")
		if n == "" {
			continue
		}
		prev = bestEnd([]rune(n), in, prev)
		ls = append(ls, placed{prev, l})
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].at < ls[j].at })
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.line
	}
	return strings.Join(out, "\n")
}

// bestEnd returns the end (a rune offset in s) of the cheapest
// approximate match of p inside s: the substring of s at the least edit
// distance from p. Among equally cheap ends it returns the first at or
// after from, else the first: a line found twice is placed after the line
// read before it.
func bestEnd(p, s []rune, from int) int {
	prev := make([]int32, len(s)+1) // a match may start anywhere: row 0 is 0
	cur := make([]int32, len(s)+1)
	for i := 1; i <= len(p); i++ {
		cur[0] = int32(i)
		for j := 1; j <= len(s); j++ {
			c := prev[j-1]
			if p[i-1] != s[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	best, at := int32(math.MaxInt32), 0
	for j, c := range prev {
		if c < best {
			best, at = c, j
		}
	}
	for j := max(from, 0); j < len(prev); j++ {
		if prev[j] == best {
			return j
		}
	}
	return at
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int32, len(b)+1)
	cur := make([]int32, len(b)+1)
	for j := range prev {
		prev[j] = int32(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = int32(i)
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return int(prev[len(b)])
}

// refWord is a word of pdftotext -bbox, its box in points from the page's
// top left.
type refWord struct {
	text           string
	x0, y0, x1, y1 float64
}

var (
	bboxPage = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

func parseBBox(s string) []refWord {
	var out []refWord
	for _, m := range bboxWord.FindAllStringSubmatch(s, -1) {
		f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
		out = append(out, refWord{text: wordKey(html.UnescapeString(m[5])), x0: f(1), y0: f(2), x1: f(3), y1: f(4)})
	}
	return out
}

// wordKey is a word compared across OCR and pdftotext: NFKC, letters and
// digits only, lower case.
func wordKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, norm.NFKC.String(s))
}

// boxIoUs returns, for each OCR word of doc's first page that some
// pdftotext word of the same text overlaps, the best overlap (IoU), and
// how many OCR words there were. OCR boxes are in the scan's user space,
// whose page is the original's: flipped to top-left coordinates.
func boxIoUs(doc core.Document, ref []refWord) ([]float64, int) {
	if len(doc.Pages) == 0 || doc.Pages[0].Box == nil {
		return nil, 0
	}
	top := doc.Pages[0].Box.Y1
	byText := map[string][]refWord{}
	for _, w := range ref {
		if w.text != "" {
			byText[w.text] = append(byText[w.text], w)
		}
	}
	var out []float64
	words := 0
	for _, b := range doc.Boxes {
		if b.Page != 1 {
			continue
		}
		words++
		k := wordKey(doc.Text[b.Start:b.End])
		best := 0.0
		for _, w := range byText[k] {
			best = max(best, rectIoU(b.Rect.X0, top-b.Rect.Y1, b.Rect.X1, top-b.Rect.Y0, w.x0, w.y0, w.x1, w.y1))
		}
		if best > 0 {
			out = append(out, best)
		}
	}
	return out, words
}

func rectIoU(ax0, ay0, ax1, ay1, bx0, by0, bx1, by1 float64) float64 {
	ix, iy := min(ax1, bx1)-max(ax0, bx0), min(ay1, by1)-max(ay0, by0)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	in := ix * iy
	return in / ((ax1-ax0)*(ay1-ay0) + (bx1-bx0)*(by1-by0) - in)
}

// ocrTextract reads textract's image files and looks for their expected
// lines, white space ignored (as eval parse does for its Office files).
func ocrTextract(ctx context.Context, cfg OCRConfig, rep *OCRReport) error {
	dir := filepath.Join(cfg.Data, "office", "textract")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return fmt.Errorf("textract: %w", err)
	}
	var exp map[string]json.RawMessage
	if err := json.Unmarshal(raw, &exp); err != nil {
		return fmt.Errorf("textract expected.json: %w", err)
	}
	var names []string
	for rel := range exp {
		switch strings.ToLower(filepath.Ext(rel)) {
		case ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".webp":
			names = append(names, rel)
		}
	}
	sort.Strings(names)
	p := isolate.NewRegistry(isolate.Config{})
	for _, rel := range names {
		var want struct{ Contains []string }
		if json.Unmarshal(exp[rel], &want) != nil {
			continue
		}
		cfg.Progress("textract " + rel)
		rep.Textract.Files++
		rep.Textract.Lines += len(want.Contains)
		doc, err := p.Parse(ctx, filepath.Join(dir, rel))
		got := strings.ToLower(squeeze(doc.Text))
		for _, l := range want.Contains {
			if err == nil && strings.Contains(got, strings.ToLower(squeeze(l))) {
				rep.Textract.Found++
			} else {
				rep.Textract.Failed = append(rep.Textract.Failed, rel+": "+l)
			}
		}
	}
	return nil
}

// ocrCorpus reads every pdf.js file in a child, as the product does, and
// counts the files that have no text without OCR (every page with text
// read by OCR, or none with text at all) and those OCR now reads.
func ocrCorpus(ctx context.Context, cfg OCRConfig, rep *OCRReport) error {
	dir := filepath.Join(cfg.Data, "pdf", "pdfjs")
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if err != nil {
		return err
	}
	var reg parse.Parser = isolate.NewRegistry(isolate.Config{})
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		cfg.Progress("pdf.js " + filepath.Base(f))
		doc, err := reg.Parse(ctx, f)
		name := filepath.Base(f)
		switch {
		case err != nil && errors.Is(err, core.ErrEmpty):
			rep.Corpus.NoTextLayer++
			rep.Corpus.Unread = append(rep.Corpus.Unread, name)
		case err != nil:
		default:
			textLayer, ocrPages := false, 0
			for _, p := range doc.Pages {
				if p.OCR != nil {
					ocrPages++
				} else if strings.TrimSpace(doc.Text[p.Start:p.End]) != "" {
					textLayer = true
				}
			}
			if !textLayer && ocrPages > 0 {
				rep.Corpus.NoTextLayer++
				rep.Corpus.Read++
				rep.Corpus.ReadFiles = append(rep.Corpus.ReadFiles, fmt.Sprintf("%s (%d chars, confidence %.0f)", name, len(strings.TrimSpace(doc.Text)), firstConf(doc)))
			}
		}
	}
	return nil
}

// WriteText prints the report with the targets beside each figure.
func (r OCRReport) WriteText(w io.Writer) {
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "MISS"
	}
	fmt.Fprintf(w, "OCR: Tesseract %s, languages %s, one thread\n", r.Tesseract, strings.Join(r.Languages, "+"))
	for _, v := range r.Variants {
		fmt.Fprintf(w, "scanned set, %s (%d pages, image-only PDFs)\n", v.Name, v.Pages)
		fmt.Fprintf(w, "  CER vs pdftotext       %.2f%% (median page %.2f%%, worst %s)   target ≤ %.0f%%  %s\n",
			100*v.CER, 100*v.MedianPageCER, v.WorstPage, 100*v.CERTarget, mark(v.CER <= v.CERTarget))
		fmt.Fprintf(w, "  CER, lines in OCR's order %.2f%% (pdftotext's lines in the order OCR read them: reading order left out)\n", 100*v.CERLineOrder)
		for _, p := range v.PageCERs {
			fmt.Fprintf(w, "    %-24s CER %5.2f%%, lines in order %5.2f%%\n", p.Page, 100*p.CER, 100*p.CERLineOrder)
		}
		fmt.Fprintf(w, "  word box IoU vs -bbox  median %.2f (%d of %d OCR words matched)   target ≥ 0.70  %s\n", v.MedianIoU, v.Matched, v.OCRWords, mark(v.MedianIoU >= 0.7))
		fmt.Fprintf(w, "  mean confidence        %.1f\n", v.MeanConf)
		if v.TesseractPagesPerSec > 0 {
			ratio := v.ImagePagesPerSec / v.TesseractPagesPerSec
			fmt.Fprintf(w, "  pages/s                Folio %.3f (image files), tesseract %.3f (same images, same run): %.2f×   target ≥ 0.9×  %s\n",
				v.ImagePagesPerSec, v.TesseractPagesPerSec, ratio, mark(ratio >= 0.9))
		}
		if v.TesseractCPUPerPage > 0 {
			fmt.Fprintf(w, "  CPU s/page             Folio %.2f, tesseract %.2f: %.2f× the command's speed\n",
				v.ImageCPUPerPage, v.TesseractCPUPerPage, v.TesseractCPUPerPage/v.ImageCPUPerPage)
		}
		fmt.Fprintf(w, "  pages/s, image-only PDF Folio %.3f (pdftoppm render at 300 dpi + OCR)\n", v.PDFPagesPerSec)
		if v.UndrawnChars > 0 {
			fmt.Fprintf(w, "  not on the page        %d of pdftotext's characters the pages do not show (white or clipped text), left out of the reference\n", v.UndrawnChars)
		}
		if len(v.Excluded) > 0 {
			fmt.Fprintf(w, "  left out of CER        %s (pdftotext reads no usable text there)\n", strings.Join(v.Excluded, ", "))
		}
	}
	t := r.Textract
	fmt.Fprintf(w, "textract images          %d of %d expected lines in %d files   target ≥ 90%%  %s\n", t.Found, t.Lines, t.Files, mark(share(t.Found, t.Lines) >= 0.9))
	for _, f := range t.Failed {
		fmt.Fprintf(w, "    missing: %s\n", f)
	}
	r.Cache.writeText(w)
	c := r.Corpus
	if c.NoTextLayer > 0 {
		fmt.Fprintf(w, "pdf.js without a text layer: %d files, %d now read by OCR\n", c.NoTextLayer, c.Read)
		for _, f := range c.ReadFiles {
			fmt.Fprintf(w, "    read:   %s\n", f)
		}
		for _, f := range c.Unread {
			fmt.Fprintf(w, "    unread: %s\n", f)
		}
	}
}

// firstConf is the confidence of doc's first page read by OCR.
func firstConf(doc core.Document) float64 {
	for _, p := range doc.Pages {
		if p.OCR != nil {
			return p.OCR.Confidence
		}
	}
	return 0
}

// wrapScan writes the page image at png as an image-only PDF at scan:
// lossless, or as a JPEG of quality 75 for a noisy scan, as scanners save.
func wrapScan(png, scan string, dpi int, noisy bool) error {
	f, err := os.Open(png)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", png, err)
	}
	q := 0
	if noisy {
		q = 75
	}
	return imagepdf.WriteFile(scan, imagepdf.Page{Image: img, DPI: float64(dpi), JPEGQuality: q})
}

// skewDegrees is the noisy scans' skew, clockwise as the page is seen.
const skewDegrees = 0.7

// skewWords moves each word box as the skew moved the word: its centre
// turned by deg about the page's centre (ImageMagick's SRT), its size
// kept, so the boxes compare with what the scan shows.
func skewWords(ws []refWord, bbox string, deg float64) {
	m := bboxPage.FindStringSubmatch(bbox)
	if m == nil {
		return
	}
	pw, _ := strconv.ParseFloat(m[1], 64)
	ph, _ := strconv.ParseFloat(m[2], 64)
	cx, cy := pw/2, ph/2
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for i := range ws {
		w := &ws[i]
		x, y := (w.x0+w.x1)/2-cx, (w.y0+w.y1)/2-cy
		dx, dy := cx+x*cos-y*sin-(x+cx), cy+x*sin+y*cos-(y+cy)
		w.x0, w.x1, w.y0, w.y1 = w.x0+dx, w.x1+dx, w.y0+dy, w.y1+dy
	}
}
