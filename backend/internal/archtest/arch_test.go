package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

type pkg struct {
	ImportPath   string
	Imports      []string
	CgoPkgConfig []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// layer of a package: a package may import only packages of a lower layer.
func layer(path string) (int, bool) {
	rel, ok := strings.CutPrefix(path, "folio/backend/")
	if !ok {
		if path == "folio" {
			return 5, true
		}
		return 0, false
	}
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "core", "stats":
		return 0, true
	case "parse", "chunk", "encoder", "store", "index", "model":
		return 1, true
	case "library", "search", "answer", "chat", "evaluate", "llm":
		return 2, true
	case "engine":
		return 3, true
	case "cli":
		return 4, true
	}
	return 0, false
}

// sideways lists the imports allowed within one layer.
var sideways = map[[2]string]bool{
	{"encoder", "model"}:   true, // the encoder runs the weights model/ loads
	{"index", "store"}:     true, // indexes persist their postings and snapshots through store/
	{"evaluate", "search"}: true, // retrieval evaluation measures the product's search
	{"evaluate", "answer"}: true, // QA evaluation measures the product's answers
	{"llm", "answer"}:      true, // the built-in generator writes the prompt package answer writes
}

func top(path string) string {
	rel := strings.TrimPrefix(path, "folio/backend/")
	t, _, _ := strings.Cut(rel, "/")
	return t
}

func TestImportsFlowOneWay(t *testing.T) {
	for _, p := range listPackages(t) {
		from, ok := layer(p.ImportPath)
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			to, ok := layer(imp)
			if !ok {
				continue
			}
			sameTop := top(p.ImportPath) == top(imp)
			if to >= from && !sameTop && !sideways[[2]string{top(p.ImportPath), top(imp)}] {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must flow engine → {search, answer} → {parse, chunk, encoder, store, index, model} → core", p.ImportPath, from, imp, to)
			}
		}
	}
}

func TestHeavyLibrariesHaveOneAdapter(t *testing.T) {
	owners := map[string][]string{
		"github.com/dgraph-io/badger":     {"folio/backend/store"},
		"github.com/ledongthuc/pdf":       {"folio/backend/parse/pdf"},
		"github.com/xuri/excelize":        {"folio/backend/parse/sheet"},
		"github.com/yuin/goldmark":        {"folio/backend/parse/web"},
		"golang.org/x/net/html":           {"folio/backend/parse/web"},
		"github.com/richardlehane/mscfb":  {"folio/backend/parse/office"},
		"github.com/nlpodyssey/cybertron": {"folio/backend/model", "folio/backend/encoder"},
		"github.com/wailsapp/wails":       {"folio"},
		"golang.org/x/image":              {"folio/backend/parse/images"},
	}
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			for lib, allowed := range owners {
				if !strings.HasPrefix(imp, lib) {
					continue
				}
				ok := false
				for _, a := range allowed {
					if p.ImportPath == a || strings.HasPrefix(p.ImportPath, a+"/") {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
			}
		}
	}
}

// TestCLibrariesHaveOneAdapter holds the C libraries linked through cgo to
// one adapter package each, as TestHeavyLibrariesHaveOneAdapter does the
// Go ones.
func TestCLibrariesHaveOneAdapter(t *testing.T) {
	owners := map[string]string{
		"tesseract": "folio/backend/parse/ocr",
		"libqpdf":   "folio/backend/parse/qpdf",
	}
	for _, p := range listPackages(t) {
		for _, lib := range p.CgoPkgConfig {
			if owner, ok := owners[lib]; ok && p.ImportPath != owner {
				t.Errorf("%s links %s through cgo; only %s may", p.ImportPath, lib, owner)
			}
		}
	}
}
