package evaluate

import (
	"fmt"
	"folio/backend/core"
	"io"
	"sort"
	"strings"
)

// WriteText prints the report with the targets beside each figure.
func (r ParsingReport) WriteText(w io.Writer, verbose bool) {
	p := r.PDF
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "MISS"
	}
	fmt.Fprintf(w, "PDF corpus (pdf.js, %d files)\n", p.Files)
	fmt.Fprintf(w, "  opened                 %d of %d (%d with text)\n", p.Opened, p.Files, p.WithText)
	var kinds []string
	for k, n := range p.Errors {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "  errors                 %s\n", strings.Join(kinds, ", "))
	fmt.Fprintf(w, "  crashes / hangs        %d / %d            target 0 / 0   %s\n", p.Crashes, p.Hangs, mark(p.Crashes == 0 && p.Hangs == 0))
	fmt.Fprintf(w, "  expected_text.json     %d of %d pass (%d of %d checks)   target ≥ 90%%  %s\n",
		p.AssertionsPassed, p.Assertions, p.ChecksPassed, p.Checks, mark(share(p.AssertionsPassed, p.Assertions) >= 0.9))
	fmt.Fprintf(w, "  chars / pdftotext      median %.3f over %d files (%d within 0.95–1.05)   target 0.95–1.05  %s\n",
		p.MedianRatio, len(p.Ratios), p.InBand, mark(p.MedianRatio >= 0.95 && p.MedianRatio <= 1.05))
	if verbose {
		files := make([]string, 0, len(p.Ratios))
		for f := range p.Ratios {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			fmt.Fprintf(w, "    %-44s %.3f\n", f, p.Ratios[f])
		}
	}
	for _, f := range p.Failed {
		fmt.Fprintf(w, "    failed assertion: %s\n", f)
	}
	if verbose {
		files := make([]string, 0, len(p.PerFile))
		for f := range p.PerFile {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			fmt.Fprintf(w, "    %-44s %s\n", f, core.OneLine(p.PerFile[f], 160))
		}
	}
	o := r.Office
	fmt.Fprintf(w, "Office corpus (mammoth + POI expected.json)\n")
	fmt.Fprintf(w, "  expectations met       %d of %d (%.1f%%)   target ≥ 90%%  %s\n", o.Passed, o.Checks, 100*share(o.Passed, o.Checks), mark(share(o.Passed, o.Checks) >= 0.9))
	for _, f := range o.Failed {
		fmt.Fprintf(w, "    failed: %s\n", core.OneLine(f, 200))
	}
	if t := r.Textract; t.Lines > 0 {
		fmt.Fprintf(w, "Legacy formats and e-mail (office/textract expected.json, lines found ignoring whitespace)\n")
		fmt.Fprintf(w, "  all but images         %d of %d (%.1f%%)   target ≥ 90%%  %s\n", t.Found, t.Lines, 100*share(t.Found, t.Lines), mark(share(t.Found, t.Lines) >= 0.9))
		for _, f := range t.Formats {
			fmt.Fprintf(w, "    %-6s %d files, %d read, lines %d of %d (as written in the text: %d)\n", f.Format, f.Files, f.Read, f.Found, f.Lines, f.FoundStrict)
		}
		fmt.Fprintf(w, "  images (need OCR, not counted)  %d files, %d read, lines %d of %d\n", t.Images.Files, t.Images.Read, t.Images.Found, t.Images.Lines)
		for _, f := range t.Failed {
			fmt.Fprintf(w, "    not found: %s\n", core.OneLine(f, 200))
		}
		for _, s := range t.Speed {
			fmt.Fprintf(w, "  speed %-4s %d files  folio %.1f files/s (a child per file; in process %.1f files/s)  %s %.1f files/s  ratio %.2f× slower, in process %.2f×\n",
				s.Format, s.Files, float64(s.Files)/s.FolioSeconds, float64(s.Files)/s.InProcess, s.Reference, float64(s.Files)/s.RefSeconds, s.Ratio, s.InProcess/s.RefSeconds)
		}
	}
	if len(r.Speed) > 0 {
		fmt.Fprintf(w, "Speed (best of runs, same machine, same run)\n")
		for _, s := range r.Speed {
			fmt.Fprintf(w, "  %-18s %4d pages  folio %6.1f pages/s  pdftotext %6.1f pages/s  ratio %.2f× slower   target ≤ 3×  %s\n",
				s.File, s.Pages, float64(s.Pages)/s.FolioSeconds, float64(s.Pages)/s.PopplerSecs, s.Ratio, mark(s.Ratio <= 3))
		}
	}
}
