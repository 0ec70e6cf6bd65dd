// Package qpdf repairs and decrypts PDFs with Debian's libqpdf (qpdf 11, C
// API, through cgo). It is the only package in Folio that uses qpdf.
//
// It serves as a pre-pass for files that the PDF reader
// (github.com/ledongthuc/pdf, in package pdf) refuses: damaged or missing
// cross-reference tables, a missing startxref or %%EOF, AES-256 (R5/R6)
// and other encryption, %PDF-2.0 headers and object streams. Rewrite turns
// such a file into a classic one the reader understands: unencrypted, no
// object streams or cross-reference streams, general-purpose filters
// (LZW, RunLength, ASCIIHex, ASCII85, Flate with predictors) decoded and
// re-compressed as plain Flate, and a %PDF-1.7 header. Page content is
// preserved. Where qpdf 11.3's own recovery gives up because it finds no
// trailer (it does not read cross-reference streams when rebuilding), Rewrite
// appends a trailer naming the likely document catalog and tries again.
//
// Without cgo the package still compiles: Available reports false and
// Rewrite fails with ErrNotAvailable.
//
// qpdf's handles are not thread-safe, so every call uses its own handle and
// Rewrite is safe for concurrent use. A call into qpdf cannot be
// interrupted: Rewrite checks its context before reading, between reading
// and writing and after writing, and callers that need a hard time or memory
// limit run it in a child process (package isolate).
package qpdf

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWarnings bounds how many of qpdf's warnings Result.Warnings keeps;
// Result.WarningCount still counts them all.
const MaxWarnings = 50

// ErrNotAvailable is returned by Rewrite when the program was built without
// cgo, and so without qpdf.
var ErrNotAvailable = errors.New("qpdf is not in this build (built without cgo)")

// Result describes a successful Rewrite.
type Result struct {
	// Version is the PDF version qpdf read from the input, such as "2.0".
	// The output is always "1.7".
	Version string
	// Encrypted reports whether the input was encrypted (the output never is).
	Encrypted bool
	// Pages is the number of pages in the output's page tree, or -1 when
	// qpdf could not count them (a broken /Pages tree it still wrote out).
	Pages int
	// Warnings holds qpdf's warnings in order (repairs it made, streams it
	// could not decode), at most MaxWarnings of them.
	Warnings []string
	// WarningCount is the total number of warnings, including those not
	// kept in Warnings.
	WarningCount int
}

func (r *Result) addWarning(w string) {
	r.WarningCount++
	if len(r.Warnings) < MaxWarnings {
		r.Warnings = append(r.Warnings, w)
	}
}

// Repaired reports whether qpdf had anything to say about the input: a file
// that needed repair always produces warnings.
func (r Result) Repaired() bool { return r.WarningCount > 0 }

// passwordCandidates returns the byte strings to try for password, in
// order, without duplicates. qpdf compares passwords as bytes: R5/R6 files
// expect UTF-8 after SASLprep, R2–R4 files expect PDFDocEncoding, and users
// type whichever they remember. A file whose user password is empty opens
// with "", which is tried last so that a wrong password still opens such a
// file.
func passwordCandidates(password string) []string {
	var out []string
	add := func(s string, ok bool) {
		if !ok {
			return
		}
		for _, have := range out {
			if have == s {
				return
			}
		}
		out = append(out, s)
	}
	add(password, true)
	if password != "" && utf8.ValidString(password) {
		add(saslPrep(password), true)
		add(toPDFDoc(password))
		add(toPDFDoc(saslPrep(password)))
	}
	add("", true)
	return out
}

// saslPrep applies the mapping and normalisation steps of SASLprep (RFC
// 4013), which PDF 2.0 prescribes for R6 passwords: non-ASCII spaces become
// U+0020, characters "commonly mapped to nothing" are dropped, and the
// result is NFKC-normalised. The prohibited-output and bidi checks are left
// out: this only builds a password to try.
func saslPrep(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == 0x00AD || r == 0x034F || r == 0x1806 || (r >= 0x180B && r <= 0x180D) ||
			r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 ||
			(r >= 0xFE00 && r <= 0xFE0F) || r == 0xFEFF:
			// mapped to nothing
		case r == 0x00A0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) ||
			r == 0x202F || r == 0x205F || r == 0x3000:
			b = append(b, ' ')
		default:
			b = append(b, r)
		}
	}
	return norm.NFKC.String(string(b))
}

// pdfDocHigh maps the code points PDFDocEncoding places differently from
// Latin-1 to their bytes.
var pdfDocHigh = map[rune]byte{
	0x02D8: 0x18, 0x02C7: 0x19, 0x02C6: 0x1A, 0x02D9: 0x1B,
	0x02DD: 0x1C, 0x02DB: 0x1D, 0x02DA: 0x1E, 0x02DC: 0x1F,
	0x2022: 0x80, 0x2020: 0x81, 0x2021: 0x82, 0x2026: 0x83,
	0x2014: 0x84, 0x2013: 0x85, 0x0192: 0x86, 0x2044: 0x87,
	0x2039: 0x88, 0x203A: 0x89, 0x2212: 0x8A, 0x2030: 0x8B,
	0x201E: 0x8C, 0x201C: 0x8D, 0x201D: 0x8E, 0x2018: 0x8F,
	0x2019: 0x90, 0x201A: 0x91, 0x2122: 0x92, 0xFB01: 0x93,
	0xFB02: 0x94, 0x0141: 0x95, 0x0152: 0x96, 0x0160: 0x97,
	0x0178: 0x98, 0x017D: 0x99, 0x0131: 0x9A, 0x0142: 0x9B,
	0x0153: 0x9C, 0x0161: 0x9D, 0x017E: 0x9E, 0x20AC: 0xA0,
}

// toPDFDoc encodes s in PDFDocEncoding, the password encoding of R2–R4
// files. ok is false when s has a character the encoding lacks.
func toPDFDoc(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if c, ok := pdfDocHigh[r]; ok {
			b = append(b, c)
			continue
		}
		switch {
		case r < 0x18 || (r >= 0x20 && r < 0x7F) || (r >= 0xA1 && r <= 0xFF && r != 0xAD):
			b = append(b, byte(r))
		default:
			return "", false
		}
	}
	return string(b), true
}
