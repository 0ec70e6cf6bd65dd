package engine

import (
	"folio/backend/core"
	"folio/backend/library"
)

// Status tells the UI what Folio can do right now.
type Status struct {
	DataDir string `json:"dataDir"`
	// Model is the name of the installed embedding model, or "" when none is
	// installed and search runs on keywords alone.
	Model  string `json:"model"`
	Mode   string `json:"mode"` // "hybrid" or "keyword"
	Docs   int    `json:"docs"`
	Chunks int    `json:"chunks"`
	// Vectors is how many chunks have an embedding.
	Vectors int `json:"vectors"`
	// Rebuilding is set while the vector graph is rebuilt in the
	// background; searches scan every vector meanwhile.
	Rebuilding bool `json:"rebuilding,omitempty"`
	// Reembedding names the embedding model the library is being
	// re-embedded with (UseEmbedder), "" when none; searches use Model
	// until it completes.
	Reembedding string `json:"reembedding,omitempty"`
	// Generator names the built-in generator's model, or "" without one.
	Generator string `json:"generator,omitempty"`
	// Encrypted: the library is encrypted with a passphrase (it was
	// opened with one; an encrypted library opens with nothing else).
	Encrypted bool `json:"encrypted"`
}

// FileError and IndexReport are the indexing run's, from package library.
type (
	FileError   = library.FileError
	IndexReport = library.IndexReport
)

// FileState is one file of the library and how indexing went for it.
type FileState struct {
	Path   string `json:"path"`
	Root   string `json:"root"`  // the folder or file the person added
	State  string `json:"state"` // "indexed", "failed", "skipped" or "pending"
	Reason string `json:"reason,omitempty"`
	Pages  int    `json:"pages"`
	Chunks int    `json:"chunks"`
	// OCRPages counts the pages read by OCR (scans, image files), and
	// OCRConfidence is their mean confidence, 0 to 100.
	OCRPages      int     `json:"ocrPages,omitempty"`
	OCRConfidence float64 `json:"ocrConfidence,omitempty"`
	// OCRRegionPages counts those of OCRPages that kept their text layer
	// and had only their pictures of words read by OCR.
	OCRRegionPages int `json:"ocrRegionPages,omitempty"`
}

// Folder is one root the person added, with counts of its files.
type Folder struct {
	Path    string `json:"path"`
	Files   int    `json:"files"`
	Indexed int    `json:"indexed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	Pending int    `json:"pending"` // found, not read or not embedded yet
}

// Library lists everything the person added.
type Library struct {
	Folders []Folder    `json:"folders"`
	Files   []FileState `json:"files"`
}

// Source is a cited passage in its context, ready to display.
type Source struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Page   int    `json:"page"`
	Pages  int    `json:"pages"`
	// Segments cover the page (or a window of the document around the span),
	// with the cited span and its best sentences marked.
	Segments []core.Segment `json:"segments"`
	// Location describes where the span starts, e.g. "page 4",
	// "Sheet1!B7" or "slide 2 · notes".
	Location string `json:"location,omitempty"`
	// For PDF pages: the page's CropBox and /Rotate, and the rectangles
	// (PDF user space, one per line) of the cited span and of its
	// highlighted sentences, to draw over the rendered page.
	PageBox *core.Rect `json:"pageBox,omitempty"`
	Rotate  int        `json:"rotate,omitempty"`
	// OCR is set when the page was read by OCR (a scan, a photo, an image
	// file): its mean confidence and languages, for the viewer to mark it.
	OCR        *core.PageOCR `json:"ocr,omitempty"`
	Passage    []core.Rect   `json:"passage,omitempty"`
	Highlights []core.Rect   `json:"highlights,omitempty"`
	// Cell is the citation's table cell when it was given and lies in the
	// span, and CellRects the rectangles of its value on the page (PDF).
	Cell      *core.Cell  `json:"cell,omitempty"`
	CellRects []core.Rect `json:"cellRects,omitempty"`
	// More holds the marks of the following pages when the span runs over
	// a page break, in page order.
	More []PageMarks `json:"more,omitempty"`
}

// Filter narrows a search or a question to part of the library. Empty
// fields match everything; a document must match every field that is set.
type Filter struct {
	Folders []string `json:"folders,omitempty"` // folders whose files may be used, subfolders included
	Files   []string `json:"files,omitempty"`   // files that may be used
	Types   []string `json:"types,omitempty"`   // formats or extensions, such as "pdf", "docx" or ".md"
}

// SearchOptions shape a search.
type SearchOptions struct {
	K      int    `json:"k"`    // how many passages (default 10)
	Mode   string `json:"mode"` // bm25, dense, hybrid or rerank; "" picks the best available
	Filter Filter `json:"filter"`
}
