package isolate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

type manifestEntry struct {
	File     string   `json:"file"`
	Password *string  `json:"password"`
	Features []string `json:"detected_features"`
}

// TestCorpus runs every PDF of the pdf.js corpus through the isolated parser:
// none may hang or take the test down, and each must return a Document or
// an error naming the file.
func TestCorpus(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "pdf", "pdfjs")
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Skipf("pdf.js corpus manifest missing: %v", err)
	}
	var manifest []manifestEntry
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	// Under -race the child is the race-instrumented test binary and the
	// slowest files (tracemonkey) may time out too; that is an allowed
	// outcome here, where the point is that nothing hangs or crashes.
	p := New(Config{Timeout: 20 * time.Second})
	type outcome struct {
		file string
		doc  core.Document
		err  error
		dur  time.Duration
	}
	out := make([]outcome, len(manifest))
	start := time.Now()
	var g errgroup.Group
	g.SetLimit(2)
	for i, e := range manifest {
		g.Go(func() error {
			path := filepath.Join(dir, e.File)
			t0 := time.Now()
			doc, err := p.Parse(context.Background(), path)
			out[i] = outcome{path, doc, err, time.Since(t0)}
			return nil
		})
	}
	g.Wait()
	total := time.Since(start)

	counts := map[string]int{}
	opened, withText := 0, 0
	for i, o := range out {
		e := manifest[i]
		switch {
		case o.err == nil:
			opened++
			if strings.TrimSpace(o.doc.Text) != "" {
				withText++
			}
			if len(o.doc.Pages) == 0 || o.doc.Path != o.file {
				t.Errorf("%s: document without pages or wrong path: %+v", e.File, o.doc.Pages)
			}
		default:
			counts[kindName(o.err)]++
			if !strings.Contains(o.err.Error(), o.file) {
				t.Errorf("%s: error does not name the file: %v", e.File, o.err)
			}
			if kindName(o.err) == "other" {
				t.Errorf("%s: error wraps no core sentinel: %v", e.File, o.err)
			}
		}
		if testing.Verbose() {
			msg := "ok"
			if o.err != nil {
				msg = o.err.Error()
				if len(msg) > 200 {
					msg = msg[:200]
				}
			} else {
				msg = fmt.Sprintf("ok pages=%d bytes=%d warnings=%d", len(o.doc.Pages), len(o.doc.Text), len(o.doc.Warnings))
			}
			t.Logf("%-40s %6.2fs %s", e.File, o.dur.Seconds(), msg)
		}
		// A file that needs a user password cannot open with the empty one:
		// when the library gets far enough to see /Encrypt it must say so.
		if e.Password != nil && o.err == nil {
			t.Errorf("%s: needs password %q but parsed without one", e.File, *e.Password)
		}
	}
	var kinds []string
	for k, n := range counts {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(kinds)
	t.Logf("pdf.js corpus: %d files, %d opened, %d with text, failed: %s, %.1fs total",
		len(manifest), opened, withText, strings.Join(kinds, " "), total.Seconds())
}

func kindName(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "other"
}
