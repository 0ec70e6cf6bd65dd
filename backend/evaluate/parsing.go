// Package evaluate measures Folio against data nobody on the project wrote:
// how well the parsers read the pdf.js and Office corpora (and, later,
// retrieval and answer quality). Each measurement returns a report that
// prints its figures next to a reference measured in the same run.
package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/sync/errgroup"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/isolate"
	"folio/backend/stats"
)

// ParsingConfig configures Parsing. Zero fields mean the defaults.
type ParsingConfig struct {
	// Data is the shared data folder holding pdf/pdfjs and office/.
	Data string
	// Parser reads the files; it should isolate them the way the product
	// does (isolate.NewRegistry).
	Parser parse.Parser
	// Pdftotext is poppler's pdftotext, the speed reference; "" looks it up
	// on PATH, and without it the speed comparison is skipped.
	Pdftotext string
	// SpeedFiles are the long PDFs timed against pdftotext (default
	// freeculture.pdf and tracemonkey.pdf); SpeedRuns how often each is read
	// (default 3; the best run counts).
	SpeedFiles []string
	SpeedRuns  int
	// NoSpeed skips the timing (tests assert quality, not time).
	NoSpeed bool
	// Workers is how many files are read at once (default: the number of
	// CPUs). Timing always runs one file at a time.
	Workers int
	// Progress, if set, is called with each file as it is read, from one
	// goroutine at a time.
	Progress func(file string)
}

// ParsingReport holds every figure Parsing measures.
type ParsingReport struct {
	PDF    PDFReport    `json:"pdf"`
	Office OfficeReport `json:"office"`
	// Textract is office/textract (legacy formats, e-mail, images); zero
	// when the folder is missing.
	Textract TextractReport `json:"textract"`
	Speed    []SpeedRow     `json:"speed"`
}

// PDFReport is the pdf.js corpus.
type PDFReport struct {
	Files    int            `json:"files"`
	Opened   int            `json:"opened"`
	WithText int            `json:"with_text"`
	Errors   map[string]int `json:"errors"` // by kind: encrypted, corrupt, empty, too_large, ...
	Crashes  int            `json:"crashes"`
	Hangs    int            `json:"hangs"`
	// Assertions are expected_text.json's page-level entries (all of an
	// entry's checks must hold); Checks counts the single checks.
	Assertions       int      `json:"assertions"`
	AssertionsPassed int      `json:"assertions_passed"`
	Checks           int      `json:"checks"`
	ChecksPassed     int      `json:"checks_passed"`
	Failed           []string `json:"failed_assertions,omitempty"`
	// Ratios is non-space characters extracted / pdftotext's, per file
	// where pdftotext finds text (0 when Folio could not read the file).
	Ratios      map[string]float64 `json:"ratios"`
	MedianRatio float64            `json:"median_ratio"`
	InBand      int                `json:"ratio_in_0.95_1.05"`
	// PerFile is each file's outcome: "ok", or the error.
	PerFile map[string]string `json:"per_file"`
}

// OfficeReport is the Office corpus: expected.json entries found in the
// output, ignoring whitespace.
type OfficeReport struct {
	Checks int      `json:"checks"`
	Passed int      `json:"passed"`
	Failed []string `json:"failed,omitempty"`
}

// SpeedRow compares Folio with pdftotext on one long PDF.
type SpeedRow struct {
	File         string  `json:"file"`
	Pages        int     `json:"pages"`
	FolioSeconds float64 `json:"folio_seconds"`
	PopplerSecs  float64 `json:"pdftotext_seconds"`
	// Ratio is Folio's time over pdftotext's: 2 means twice as slow.
	Ratio float64 `json:"ratio"`
}

// share returns passed/total, or 0 when there is nothing to count.
func share(passed, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(passed) / float64(total)
}

// Parsing reads both corpora with cfg.Parser and measures speed.
func Parsing(ctx context.Context, cfg ParsingConfig) (ParsingReport, error) {
	if cfg.Parser == nil {
		cfg.Parser = isolate.NewRegistry(isolate.Config{})
	}
	if cfg.Pdftotext == "" {
		cfg.Pdftotext, _ = exec.LookPath("pdftotext")
	}
	if len(cfg.SpeedFiles) == 0 {
		cfg.SpeedFiles = []string{"freeculture.pdf", "tracemonkey.pdf"}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.SpeedRuns <= 0 {
		cfg.SpeedRuns = 3
	}
	var rep ParsingReport
	var err error
	if rep.PDF, err = evalPDF(ctx, cfg); err != nil {
		return rep, err
	}
	if rep.Office, err = evalOffice(ctx, cfg); err != nil {
		return rep, err
	}
	if rep.Textract, err = evalTextract(ctx, cfg); err != nil {
		return rep, err
	}
	if cfg.Pdftotext != "" && !cfg.NoSpeed {
		for _, f := range cfg.SpeedFiles {
			row, err := timeFile(ctx, cfg, filepath.Join(cfg.Data, "pdf", "pdfjs", f))
			if err != nil {
				return rep, err
			}
			rep.Speed = append(rep.Speed, row)
		}
	}
	return rep, nil
}

type manifestEntry struct {
	File         string  `json:"file"`
	Password     *string `json:"password"`
	PopplerChars int     `json:"poppler_pdftotext_nonspace_chars"`
}

type expectedPage struct {
	File   string `json:"file"`
	Page   int    `json:"page"`
	Checks []struct {
		Op   string `json:"op"`
		Text string `json:"text"`
	} `json:"checks"`
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func evalPDF(ctx context.Context, cfg ParsingConfig) (PDFReport, error) {
	dir := filepath.Join(cfg.Data, "pdf", "pdfjs")
	var manifest []manifestEntry
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return PDFReport{}, err
	}
	var expected []expectedPage
	if err := readJSON(filepath.Join(dir, "expected_text.json"), &expected); err != nil {
		return PDFReport{}, err
	}
	rep := PDFReport{Errors: map[string]int{}, Ratios: map[string]float64{}, PerFile: map[string]string{}}
	docs := make([]core.Document, len(manifest))
	errs := make([]error, len(manifest))
	var mu sync.Mutex // serialises cfg.Progress
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Workers)
	for i, e := range manifest {
		g.Go(func() error {
			if cfg.Progress != nil {
				mu.Lock()
				cfg.Progress(e.File)
				mu.Unlock()
			}
			docs[i], errs[i] = cfg.Parser.Parse(gctx, filepath.Join(dir, e.File))
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return rep, err
	}
	byFile := map[string]core.Document{}
	for i, e := range manifest {
		rep.Files++
		switch err := errs[i]; {
		case err == nil:
			rep.Opened++
			rep.PerFile[e.File] = "ok"
			if nonSpace(docs[i].Text) > 0 {
				rep.WithText++
			}
			byFile[e.File] = docs[i]
		default:
			rep.PerFile[e.File] = err.Error()
			rep.Errors[ErrorKind(err)]++
			if errors.Is(err, isolate.ErrChildDied) {
				rep.Crashes++
			}
			if errors.Is(err, core.ErrTimeout) {
				rep.Hangs++
			}
		}
		if e.PopplerChars > 0 {
			rep.Ratios[e.File] = float64(nonSpace(byFile[e.File].Text)) / float64(e.PopplerChars)
		}
	}
	var ratios []float64
	for _, r := range rep.Ratios {
		ratios = append(ratios, r)
		if r >= 0.95 && r <= 1.05 {
			rep.InBand++
		}
	}
	rep.MedianRatio = stats.Median(ratios)

	for _, x := range expected {
		rep.Assertions++
		text, ok := pageText(byFile[x.File], x.Page)
		all := ok
		for _, c := range x.Checks {
			rep.Checks++
			if ok && holds(c.Op, text, c.Text) {
				rep.ChecksPassed++
			} else {
				all = false
			}
		}
		if all {
			rep.AssertionsPassed++
		} else {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s page %d", x.File, x.Page))
		}
	}
	return rep, nil
}

func pageText(d core.Document, page int) (string, bool) {
	for _, p := range d.Pages {
		if p.Page == page {
			return d.Text[p.Start:p.End], true
		}
	}
	return "", false
}

// holds applies one check, ignoring whitespace.
func holds(op, got, want string) bool {
	g, w := squeeze(got), squeeze(want)
	switch op {
	case "equals":
		return g == w
	case "contains":
		return strings.Contains(g, w)
	case "starts_with":
		return strings.HasPrefix(g, w)
	case "ends_with":
		return strings.HasSuffix(g, w)
	}
	return false
}

// squeeze drops all whitespace.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// ErrorKind names the core sentinel an error wraps, for counting.
func ErrorKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{core.ErrEncrypted, "encrypted"}, {core.ErrEmpty, "empty"}, {core.ErrTooLarge, "too_large"},
		{core.ErrTimeout, "timeout"}, {core.ErrUnsupported, "unsupported"}, {core.ErrCorrupt, "corrupt"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "other"
}

// timeFile reads one PDF SpeedRuns times with Folio and with pdftotext and
// keeps each one's best time.
func timeFile(ctx context.Context, cfg ParsingConfig, path string) (SpeedRow, error) {
	row := SpeedRow{File: filepath.Base(path)}
	best := func(run func() error) (float64, error) {
		b := 0.0
		for i := 0; i < cfg.SpeedRuns; i++ {
			t0 := time.Now()
			if err := run(); err != nil {
				return 0, err
			}
			if d := time.Since(t0).Seconds(); i == 0 || d < b {
				b = d
			}
		}
		return b, nil
	}
	var err error
	row.FolioSeconds, err = best(func() error {
		doc, err := cfg.Parser.Parse(ctx, path)
		row.Pages = len(doc.Pages)
		return err
	})
	if err != nil {
		return row, fmt.Errorf("speed: %w", err)
	}
	row.PopplerSecs, err = best(func() error {
		return exec.CommandContext(ctx, cfg.Pdftotext, "-q", path, os.DevNull).Run()
	})
	if err != nil {
		return row, fmt.Errorf("speed: pdftotext %s: %w", path, err)
	}
	if row.PopplerSecs > 0 {
		row.Ratio = row.FolioSeconds / row.PopplerSecs
	}
	return row, nil
}
