package cli

import (
	"fmt"
	"path/filepath"

	"folio/backend/evaluate"
)

// evalOCR measures OCR on a scanned set made from pdf.js pages, textract's
// images and the pdf.js files without a text layer (evaluate.OCR).
func (c *command) evalOCR(args []string) error {
	const use = "eval ocr: usage: folio eval ocr [--json] [--shared DIR] [--keep DIR] [--quick] [--no-corpus]"
	fs := c.flags("eval ocr")
	asJSON := fs.Bool("json", false, "print JSON")
	shared := fs.String("shared", "../shared", "the shared folder holding data/pdf/pdfjs and data/office/textract")
	keep := fs.String("keep", "", "keep the scanned set in this folder (and reuse it)")
	quick := fs.Bool("quick", false, "scan three pages of tracemonkey.pdf only, and skip the pdf.js corpus")
	noCorpus := fs.Bool("no-corpus", false, "skip the pdf.js files without a text layer")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError{use}
	}
	cfg := evaluate.OCRConfig{Data: filepath.Join(*shared, "data"), Work: *keep}
	cfg.NoCorpus = *noCorpus
	if *quick {
		cfg.Docs = []evaluate.OCRDoc{{File: "tracemonkey.pdf", First: 1, Last: 3}}
		cfg.NoCorpus = true
	}
	show, clear := c.evalStatus(*asJSON)
	cfg.Progress = func(msg string) { show("%s", msg) }
	rep, err := evaluate.OCR(c.ctx, cfg)
	clear()
	if err != nil {
		return fmt.Errorf("eval ocr: %w", err)
	}
	if *asJSON {
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout)
	return nil
}
