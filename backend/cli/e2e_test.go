package cli_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// buildFolio builds the command line (a plain `go build`, no Wails tags)
// without cgo: the command line must build without GTK or WebKit.
func buildFolio(t *testing.T) string { return buildWith(t, "CGO_ENABLED=0") }

// buildFolioCgo builds the command line with cgo on, as the desktop build
// is (the C PDF repair library, the libc resolver).
func buildFolioCgo(t *testing.T) string { return buildWith(t, "CGO_ENABLED=1") }

func buildWith(t *testing.T, env ...string) string {
	t.Helper()
	testenv.OutsideRace(t, "runs the built command line")
	bin := filepath.Join(t.TempDir(), "folio")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs folio with an empty stdin, outside any passphrase variables.
func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, bin, nil, args...)
}

type askJSON struct {
	Answer    string `json:"answer"`
	Mode      string `json:"mode"`
	Citations []struct {
		N     int    `json:"n"`
		Path  string `json:"path"`
		Page  int    `json:"page"`
		Start int    `json:"start"`
		End   int    `json:"end"`
		Text  string `json:"text"`
	} `json:"citations"`
}

// flat collapses white space so PDF line breaks do not matter.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestCommandLineEndToEnd indexes real PDFs and text files, then asks
// questions whose answers sit on known pages, once without a model
// (keyword search) and once with the real model (hybrid search).
func TestCommandLineEndToEnd(t *testing.T) {
	pdfs := testenv.Shared(t) + "/data/pdf/pdfjs"
	bin := buildFolio(t)

	docs := t.TempDir()
	for _, name := range []string{"tracemonkey.pdf", "TAMReview.pdf", "basicapi.pdf", "GHOSTSCRIPT-698804-1-fuzzed.pdf"} {
		data, err := os.ReadFile(filepath.Join(pdfs, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(docs, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notes := "# Field notes\n\nThe heron colony on Lake Varna counted 214 nests in May.\n\nOur boat, the Osprey, leaks when loaded.\n"
	if err := os.WriteFile(filepath.Join(docs, "notes.md"), []byte(notes), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "todo.txt"), []byte("Buy rope.\nCall the harbour master about mooring fees.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	modes := []struct {
		name  string
		model bool
	}{{"keyword", false}, {"hybrid", true}}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			data := t.TempDir()
			if m.model {
				modelDir := testenv.Model(t)
				if out, errOut, code := run(t, bin, "--data", data, "models", "install", "--name", "all-MiniLM-L6-v2", modelDir); code != 0 {
					t.Fatalf("models install: exit %d\n%s%s", code, out, errOut)
				}
			}
			out, errOut, code := run(t, bin, "--data", data, "index", "--json", docs)
			if code != 0 {
				t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
			}
			var rep struct {
				Files          int `json:"files"`
				New            int `json:"new"`
				Failed         int `json:"failed"`
				ChunksEmbedded int `json:"chunks_embedded"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("index --json printed %q: %v", out, err)
			}
			if rep.Files != 6 || rep.New+rep.Failed != 6 || rep.Failed > 1 {
				t.Errorf("index summary %+v: want 6 files, at most the fuzzed PDF failed", rep)
			}
			if m.model != (rep.ChunksEmbedded > 0) {
				t.Errorf("model=%v but %d chunks embedded", m.model, rep.ChunksEmbedded)
			}

			questions := []struct {
				q, file string
				page    int
				want    string
			}{
				{"Why does TraceMonkey not support recording throwing and catching of exceptions?",
					"tracemonkey.pdf", 6, "exceptions are usually rare in JavaScript"},
				{"How many heron nests were counted on Lake Varna?", "notes.md", 0, "214 nests"},
			}
			for _, q := range questions {
				out, errOut, code := run(t, bin, "--data", data, "ask", "--json", q.q)
				if code != 0 {
					t.Fatalf("ask: exit %d\n%s%s", code, out, errOut)
				}
				var ans askJSON
				if err := json.Unmarshal([]byte(out), &ans); err != nil {
					t.Fatalf("ask --json printed %q: %v", out, err)
				}
				if ans.Mode != m.name {
					t.Errorf("mode %q, want %q", ans.Mode, m.name)
				}
				if len(ans.Citations) == 0 {
					t.Fatalf("%q: no citations; answer %q", q.q, ans.Answer)
				}
				c := ans.Citations[0]
				if c.N != 1 || c.Path != filepath.Join(docs, q.file) || c.Page != q.page {
					t.Errorf("%q: first citation [%d] %s page %d, want [1] %s page %d", q.q, c.N, c.Path, c.Page, q.file, q.page)
				}
				if !strings.Contains(flat(c.Text), q.want) {
					t.Errorf("%q: first citation text does not contain %q:\n%s", q.q, q.want, c.Text)
				}
				if !strings.Contains(ans.Answer, "[1]") {
					t.Errorf("%q: answer %q cites no [1]", q.q, ans.Answer)
				}
				// start/end are byte offsets into the text `parse` prints.
				pout, perr, pcode := run(t, bin, "parse", "--json", c.Path)
				if pcode != 0 {
					t.Fatalf("parse %s: exit %d %s", c.Path, pcode, perr)
				}
				var doc struct{ Text string }
				if err := json.Unmarshal([]byte(pout), &doc); err != nil {
					t.Fatal(err)
				}
				if c.End > len(doc.Text) || doc.Text[c.Start:c.End] != c.Text {
					t.Errorf("%q: citation span %d-%d does not slice back to its text", q.q, c.Start, c.End)
				}
			}

			// search --json keeps its contract.
			out, _, code = run(t, bin, "--data", data, "search", "--json", "-k", "3", "heron colony")
			var hits struct {
				Hits []struct {
					Path  string  `json:"path"`
					Score float64 `json:"score"`
					Text  string  `json:"text"`
				} `json:"hits"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &hits) != nil || len(hits.Hits) == 0 || len(hits.Hits) > 3 {
				t.Fatalf("search: exit %d, %q", code, out)
			}
			if !strings.HasSuffix(hits.Hits[0].Path, "notes.md") {
				t.Errorf("search top hit %s, want notes.md", hits.Hits[0].Path)
			}

			// Indexing again parses nothing.
			out, _, _ = run(t, bin, "--data", data, "index", "--json", docs)
			if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.New != 0 {
				t.Errorf("second index: %q, want nothing new", out)
			}
		})
	}
}

func TestParseCommandReportsErrors(t *testing.T) {
	bin := buildFolio(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.pdf")
	if err := os.WriteFile(bad, []byte("%PDF-1.4\nthis is not really a pdf"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file that is there, of a type Folio does not read.
	if err := os.WriteFile(filepath.Join(dir, "x.xyz"), []byte{0x00, 0x9f, 0x13, 0x37}, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{"corrupt pdf", bad, "broken.pdf"},
		{"missing file", filepath.Join(dir, "nope.txt"), "nope.txt"},
		{"unsupported", filepath.Join(dir, "x.xyz"), "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := run(t, bin, "parse", "--json", tt.path)
			var got struct{ Error string }
			if code != 2 || json.Unmarshal([]byte(out), &got) != nil || !strings.Contains(got.Error, tt.wantErr) {
				t.Errorf("parse %s: exit %d, %q; want exit 2 and an error naming %q", tt.path, code, out, tt.wantErr)
			}
		})
	}
}

// TestEveryFormatEndToEnd indexes one file of each structured format (the
// adapters' golden fixtures) and checks that answers cite their location.
func TestEveryFormatEndToEnd(t *testing.T) {
	bin := buildFolio(t)
	root := testenv.RepoRoot(t)
	docs, data := t.TempDir(), t.TempDir()
	for _, f := range []string{
		"backend/parse/office/testdata/sample.docx", "backend/parse/office/testdata/sample.pptx",
		"backend/parse/office/testdata/sample.odt", "backend/parse/sheet/testdata/sample.xlsx",
		"backend/parse/sheet/testdata/sample.csv", "backend/parse/web/testdata/sample.epub",
		"backend/parse/web/testdata/sample.html", "backend/parse/web/testdata/sample.md",
	} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(docs, filepath.Base(f)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := run(t, bin, "--data", data, "--no-model", "index", "--json", docs)
	var rep struct {
		Files, New, Failed int
		Errors             []struct{ Path, Reason string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.New != 8 || rep.Failed != 0 {
		t.Fatalf("index: exit %d, %s%s; want 8 new files and no failures", code, out, errOut)
	}
	tests := []struct{ q, file, location string }{
		{"keeper's log fog and rain", "sample.epub", "OEBPS/text/ch01.xhtml"},
		{"Region North Product Widget Units", "sample.xlsx", "Sales!"},
		{"Quarterly review growth held up", "sample.pptx", "slide 1"},
		{"A footnote", "sample.docx", "footnote"},
	}
	for _, tt := range tests {
		out, errOut, code := run(t, bin, "--data", data, "--no-model", "ask", "--json", tt.q)
		var ans struct {
			Citations []struct{ Path, Location string } `json:"citations"`
			Sentences *[]json.RawMessage                `json:"sentences"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &ans) != nil {
			t.Fatalf("ask %q: exit %d, %s%s", tt.q, code, out, errOut)
		}
		if ans.Sentences == nil || len(*ans.Sentences) != 0 {
			t.Errorf("ask %q: an extracted answer's sentences %v, want []", tt.q, ans.Sentences)
		}
		found := false
		for _, c := range ans.Citations {
			if filepath.Base(c.Path) == tt.file && strings.Contains(c.Location, tt.location) {
				found = true
			}
		}
		if !found {
			t.Errorf("ask %q: citations %+v, want one in %s at %q", tt.q, ans.Citations, tt.file, tt.location)
		}
	}
}

// TestEmbedCommandMatchesReference pipes the reference texts through
// `folio embed --json` and compares each printed vector with
// sentence-transformers' (backend/encoder/testdata/embeddings_ref.json).
func TestEmbedCommandMatchesReference(t *testing.T) {
	modelDir := testenv.Model(t)
	bin := buildFolio(t)
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "backend/encoder/testdata/embeddings_ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Text   string
			Vector []float64
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	var cases []int
	for i, c := range ref.Cases {
		if strings.ContainsAny(c.Text, "\r\n") {
			continue // one text per line
		}
		in.WriteString(c.Text + "\n")
		cases = append(cases, i)
	}
	data := t.TempDir()
	if out, errOut, code := run(t, bin, "--data", data, "models", "install", modelDir); code != 0 {
		t.Fatalf("models install: exit %d\n%s%s", code, out, errOut)
	}
	cmd := exec.Command(bin, "--data", data, "embed", "--json")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("embed: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("embed printed %d lines for %d texts", len(lines), len(cases))
	}
	for j, line := range lines {
		var got []float64
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not a JSON array: %v", j+1, err)
		}
		want := ref.Cases[cases[j]].Vector
		if len(got) != len(want) {
			t.Fatalf("line %d: %d floats, want %d", j+1, len(got), len(want))
		}
		var dot, ng, nw float64
		for k := range got {
			dot, ng, nw = dot+got[k]*want[k], ng+got[k]*got[k], nw+want[k]*want[k]
		}
		if cos := dot / math.Sqrt(ng*nw); cos < 0.9999 {
			t.Errorf("text %q: cosine with sentence-transformers %.6f, want ≥ 0.9999", core.OneLine(ref.Cases[cases[j]].Text, 40), cos)
		}
	}

	// Without a model it fails with a clear message, not an empty output.
	_, errOut, code := run(t, bin, "--data", t.TempDir(), "embed", "--json")
	if code == 0 || !strings.Contains(errOut, "no embedding model") {
		t.Errorf("embed without a model: exit %d, %q; want a failure saying no model is installed", code, errOut)
	}
}
