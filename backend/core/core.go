// Package core holds Folio's domain types and sentinel errors. It imports
// nothing from the rest of the project, so every other package can use it.
package core

import (
	"sort"
	"strings"
	"time"
)

// PageSpan is the byte range [Start, End) of a document's extracted text that
// came from one page. Page is 1-based.
type PageSpan struct {
	Page  int `json:"page"`
	Start int `json:"start"`
	End   int `json:"end"`
	// Box is the page's visible area (the CropBox) in user space, and
	// Rotate its /Rotate in degrees; both are zero for non-PDF pages.
	Box    *Rect `json:"box,omitempty"`
	Rotate int   `json:"rotate,omitempty"`
	// OCR is set on a page whose text was read by OCR (a scan, a photo,
	// an image file) rather than taken from a text layer.
	OCR *PageOCR `json:"ocr,omitempty"`
}

// PageOCR describes a page read by OCR.
type PageOCR struct {
	// Confidence is the OCR engine's mean word confidence, 0 to 100.
	Confidence float64 `json:"confidence"`
	// Languages are the language packs it read with, such as "eng".
	Languages []string `json:"languages,omitempty"`
	// Regions is the number of pictures read by OCR on a page that kept
	// its text layer (a scanned figure beside the page's text); 0 when
	// OCR read the whole page. Confidence is then the mean over the
	// pictures' words.
	Regions int `json:"regions,omitempty"`
}

// Document is the result of parsing one file: its extracted text and a map
// from byte offsets in that text back to where they came from.
type Document struct {
	Path   string `json:"path"`
	Format string `json:"format"` // "pdf", "txt", "md", ...
	// Title is the title (and subject) the file's properties state, if
	// any: Office core properties, OpenDocument metadata.
	Title string     `json:"title,omitempty"`
	Text  string     `json:"text"`
	Pages []PageSpan `json:"pages,omitempty"` // empty for formats without pages
	// Locations map byte ranges of Text to where they came from (paragraph,
	// slide, cell, section...), sorted by Start and not overlapping. PDFs
	// leave it empty (their location is the page plus Boxes) unless they
	// have tables: then it holds each table cell, and the page alone for
	// the rest of the text.
	Locations []Location `json:"locations,omitempty"`
	// Boxes are the PDF word rectangles, in text order.
	Boxes []Box `json:"boxes,omitempty"`
	// Warnings are per-page or per-part problems that did not stop the parse,
	// such as "page 3: no text layer (needs OCR)".
	Warnings []string `json:"warnings,omitempty"`
}

// PageAt returns the 1-based page holding byte offset off, or 0 when the
// document has no pages. Offsets between pages map to the next page.
func (d *Document) PageAt(off int) int {
	if len(d.Pages) == 0 {
		return 0
	}
	i := sort.Search(len(d.Pages), func(i int) bool { return d.Pages[i].End > off })
	if i == len(d.Pages) {
		i = len(d.Pages) - 1
	}
	return d.Pages[i].Page
}

// Span is a byte range [Start, End) in a document's extracted text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Chunk is a piece of a document sized for the embedding model. Text is
// exactly Document.Text[Start:End].
type Chunk struct {
	ID     uint64 `json:"id"`
	DocID  uint64 `json:"doc_id"`
	Ord    int    `json:"ord"` // position within the document
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Page   int    `json:"page"` // page of Start; 0 for formats without pages
	Tokens int    `json:"tokens"`
	Text   string `json:"text"`
	// Context is text from elsewhere in the document that the passage
	// needs to be understood, for embedding and keyword indexing only:
	// for a piece of a table that does not hold the table's header, the
	// caption and header lines. Start/End (the highlight) cover Text alone.
	Context string `json:"context,omitempty"`
}

// Hit is a chunk found by a search, with the file it belongs to.
type Hit struct {
	Chunk
	Path  string  `json:"path"`
	Score float64 `json:"score"`
}

// Citation points an answer at the exact passage it came from.
type Citation struct {
	N    int    `json:"n"`
	Path string `json:"path"`
	// Title names the cited document for a person: the file name without
	// its extension ("PEPSICO_2021_10K").
	Title string `json:"title,omitempty"`
	Page  int    `json:"page"`
	Start int    `json:"start"` // byte offsets into the document's extracted text
	End   int    `json:"end"`
	Text  string `json:"text"`
	// Location describes where Start came from, e.g. "page 4" or "Sheet1!B7".
	Location string `json:"location,omitempty"`
	// Highlights are the sentences within [Start, End) that best match the
	// question, as byte offsets into the document's extracted text.
	Highlights []Span  `json:"highlights,omitempty"`
	Score      float64 `json:"score"`
	// Segments split Text into plain and highlighted runs for display.
	Segments []Segment `json:"segments,omitempty"`
	// Answer is the exact answer inside the first highlight, when an
	// extractive QA model found one (document offsets).
	Answer *Span `json:"answer,omitempty"`
	// Changed is empty while the document still holds Text at [Start, End),
	// and otherwise says what happened ("the document changed since", ...).
	Changed string `json:"changed,omitempty"`
	// Cell is the table cell, inside a highlighted row, that holds the
	// figure the question asks for (the 2021 cell when it asks for FY2021);
	// nil when the highlights are no table row or no cell fits.
	Cell *Cell `json:"cell,omitempty"`
}

// Cell is one cell of a table row statement ("Capital spending — 2021:
// (4,625); 2020: (4,240)"), as document offsets: [Start, End) covers the
// cell as written, its column header and value ("2021: (4,625)"), which
// Label repeats for a person.
type Cell struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Label string `json:"label"`
}

// Claim is one sentence of a generated answer, checked against the
// passages it cites.
type Claim struct {
	Text  string `json:"text"`
	Cites []int  `json:"cites"` // the [n] markers in the sentence
	// Missing are cited numbers that match no citation.
	Missing []int `json:"missing,omitempty"`
	// Recited, when set, are the markers the generator wrote: the checker
	// found the sentence unsupported by them but supported by the passages
	// Cites now names, and moved the citation (answer.RepairCitations).
	Recited []int `json:"recited,omitempty"`
	// Supported is set when a cited passage states what the sentence says;
	// Support is the best score found (0..1).
	Supported bool    `json:"supported"`
	Support   float64 `json:"support"`
	// Evidence are, per cited passage that contributed, the sentences the
	// best support found rests on (document offsets, inside the passage).
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is the sentences of one cited passage that support a claim.
type Evidence struct {
	N     int    `json:"n"` // the citation
	Spans []Span `json:"spans"`
}

// Answer is Folio's reply to a question.
type Answer struct {
	Question  string     `json:"question"`
	Text      string     `json:"answer"`
	Citations []Citation `json:"citations"`
	Mode      string     `json:"mode"` // "hybrid", "keyword" or "generated"
	// Model names the model that wrote a generated answer.
	Model string `json:"model,omitempty"`
	// Statements are an extractive answer's sentences, in the order shown:
	// the best first, then each source's in document order.
	Statements []Statement `json:"statements,omitempty"`
	// Claims are the checked sentences of a generated answer; empty for
	// extractive answers, whose every statement is a cited sentence.
	Claims []Claim `json:"claims,omitempty"`
	// Found is false when nothing in the library answers the question.
	Found bool `json:"found"`
	// Notice tells the person something about how the answer was made,
	// such as a generator that failed.
	Notice string `json:"notice,omitempty"`
}

// Statement is one sentence of an extractive answer: a sentence of a
// cited passage.
type Statement struct {
	Text  string `json:"text"`
	N     int    `json:"n"`     // the citation it comes from
	Start int    `json:"start"` // byte offsets into the document's text
	End   int    `json:"end"`
	// Answer is the exact answer a QA model found in the sentence, if any.
	Answer string `json:"answer,omitempty"`
}

// Turn is one question of a chat and its answer.
type Turn struct {
	Question string `json:"question"`
	// Query is what was searched: the question, completed from the
	// previous turn when it was a follow-up ("and in 2019?").
	Query  string    `json:"query,omitempty"`
	Answer Answer    `json:"answer"`
	Asked  time.Time `json:"asked"`
}

// Chat is a conversation kept in the library.
type Chat struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Turns   []Turn    `json:"turns"`
}

// Segment is a run of text with a role, so a UI can render highlights
// without doing byte-offset arithmetic on UTF-16 strings.
type Segment struct {
	Text string `json:"text"`
	// Kind is "plain", "passage" (inside the cited span), "highlight" (a
	// sentence that best matches the question) or "answer" (the exact answer
	// a QA model found inside a highlight) or "cell" (the table cell, inside
	// a highlighted row, that holds the figure asked for).
	Kind string `json:"kind"`
}

// Progress reports a long-running indexing job.
type Progress struct {
	Phase        string  `json:"phase"` // "scanning", "indexing", "embedding", "done"
	FilesDone    int     `json:"filesDone"`
	FilesTotal   int     `json:"filesTotal"`
	Failed       int     `json:"failed"`
	Pages        int     `json:"pages"`  // pages read so far (PDF pages, slides)
	Chunks       int     `json:"chunks"` // chunks embedded so far
	ChunksPerSec float64 `json:"chunksPerSec"`
	ETASeconds   float64 `json:"etaSeconds"`
	Current      string  `json:"current"`
	// Detail says what is being done in Current when it takes a while,
	// such as "OCR page 3 of 40".
	Detail string `json:"detail,omitempty"`
	Paused bool   `json:"paused"`
}

// OneLine collapses every run of whitespace in s (newlines included) to
// one space, and cuts the result to max runes with "…" when max > 0, so a
// passage or a name can be shown on one line of a report.
func OneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); max > 0 && len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
