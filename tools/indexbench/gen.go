package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// abstract is one SciFact document.
type abstract struct{ title, text string }

// texts is the real text the generated library is written from.
type texts struct {
	abstracts []abstract
	contexts  []string // XQuAD paragraphs put into the library
	reserved  []string // XQuAD paragraphs kept out of it, for the edits
	queries   []string // SciFact claims, for searches after a kill
}

// loadTexts reads SciFact's abstracts and claims and XQuAD's paragraphs,
// setting reserve paragraphs aside (chosen with rng) for the edit test.
func loadTexts(shared string, reserve int, rng *rand.Rand) (*texts, error) {
	sci := filepath.Join(shared, "data", "retrieval", "scifact")
	t := &texts{}
	if err := eachJSONL(filepath.Join(sci, "corpus.jsonl"), func(m map[string]string) {
		t.abstracts = append(t.abstracts, abstract{strings.TrimSpace(m["title"]), strings.TrimSpace(m["text"])})
	}); err != nil {
		return nil, err
	}
	if err := eachJSONL(filepath.Join(sci, "queries.jsonl"), func(m map[string]string) {
		t.queries = append(t.queries, m["text"])
	}); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(shared, "data", "qa", "xquad.en.dev.json"))
	if err != nil {
		return nil, fmt.Errorf("read xquad: %w", err)
	}
	var x struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		return nil, fmt.Errorf("decode xquad: %w", err)
	}
	var ctxs []string
	for _, a := range x.Data {
		for _, p := range a.Paragraphs {
			ctxs = append(ctxs, strings.TrimSpace(p.Context))
		}
	}
	if len(ctxs) <= reserve+1 || len(t.abstracts) == 0 {
		return nil, fmt.Errorf("too little text in %s: %d abstracts, %d paragraphs", shared, len(t.abstracts), len(ctxs))
	}
	rng.Shuffle(len(ctxs), func(i, j int) { ctxs[i], ctxs[j] = ctxs[j], ctxs[i] })
	t.reserved, t.contexts = ctxs[:reserve], ctxs[reserve:]
	return t, nil
}

func eachJSONL(path string, fn func(map[string]string)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s := map[string]string{}
		for k, v := range m {
			if str, ok := v.(string); ok {
				s[k] = str
			}
		}
		fn(s)
	}
	return sc.Err()
}

// generate writes n small text and Markdown files of real text into dir,
// spread over nested folders, the same for the same seed. File i holds a
// SciFact abstract (its title, then the text in two paragraphs); once every
// abstract is used, files hold an abstract's title and first half and an
// XQuAD paragraph, so no two files are equal. It returns the paths written.
func generate(dir string, n int, t *texts, seed uint64) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	perm := rng.Perm(len(t.abstracts))
	paths := make([]string, 0, n)
	for i := range n {
		a := t.abstracts[perm[i%len(perm)]]
		md := rng.IntN(2) == 0
		sub := filepath.Join(fmt.Sprintf("topic%02d", rng.IntN(10)), fmt.Sprintf("set%02d", rng.IntN(10)))
		if d := rng.IntN(4); d > 0 {
			sub = filepath.Join(sub, fmt.Sprintf("part%d", d))
		}
		var b strings.Builder
		if md {
			b.WriteString("# " + a.title + "\n\n")
		} else {
			b.WriteString(a.title + "\n\n")
		}
		p1, p2 := halves(a.text)
		b.WriteString(p1)
		cycle := i / len(perm)
		if p2 != "" && cycle == 0 {
			b.WriteString("\n\n" + p2)
		}
		if cycle > 0 {
			c := t.contexts[(i+cycle*37)%len(t.contexts)]
			if md {
				b.WriteString("\n\n## Further reading\n\n")
			} else {
				b.WriteString("\n\n")
			}
			b.WriteString(c)
		}
		b.WriteString("\n")
		ext := ".txt"
		if md {
			ext = ".md"
		}
		p := filepath.Join(dir, sub, fmt.Sprintf("note%05d%s", i, ext))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// halves cuts a text into two paragraphs at the sentence end nearest its
// middle; the second is empty when it has a single sentence.
func halves(s string) (string, string) {
	mid := len(s) / 2
	best := -1
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && (best < 0 || abs(i-mid) < abs(best-mid)) {
			best = i
		}
	}
	if best < 0 {
		return s, ""
	}
	return s[:best+1], strings.TrimSpace(s[best+1:])
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// officeExts are the formats copied from the shared corpora: PDFs and
// Office documents (not the corpora's JSON, text or zip fixtures).
var officeExts = map[string]bool{
	".pdf": true, ".docx": true, ".doc": true, ".xlsx": true, ".xls": true,
	".pptx": true, ".ppt": true, ".odt": true, ".ods": true, ".odp": true,
}

// copyCorpus copies every PDF and Office file under shared/data into dir,
// keeping their relative paths. It returns how many files and bytes.
func copyCorpus(shared, dir string) (int, int64, error) {
	if err := os.RemoveAll(dir); err != nil {
		return 0, 0, err
	}
	src := filepath.Join(shared, "data")
	n, size := 0, int64(0)
	for _, sub := range []string{"pdf", "office"} {
		err := filepath.WalkDir(filepath.Join(src, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() || !officeExts[strings.ToLower(filepath.Ext(p))] {
				return nil
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			n++
			size += int64(len(data))
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			return 0, 0, fmt.Errorf("copy corpus: %w", err)
		}
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no PDF or Office files under %s", src)
	}
	return n, size, nil
}

// genMarker, in a generated folder, records how it was made; hidden, so
// Folio does not index it.
const genMarker = ".indexbench.json"

// generateOnce generates the library unless dir already holds the one of
// these n and seed (from an earlier run with -work and -keep).
func generateOnce(dir string, n int, t *texts, seed uint64) (paths []string, fresh bool, err error) {
	want := fmt.Sprintf(`{"files":%d,"seed":%d}`, n, seed)
	if b, err := os.ReadFile(filepath.Join(dir, genMarker)); err == nil && string(b) == want {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && d.Name() != genMarker {
				paths = append(paths, p)
			}
			return err
		})
		if err == nil && len(paths) == n {
			logf("reusing the generated library %s", dir)
			return paths, false, nil
		}
	}
	if paths, err = generate(dir, n, t, seed); err != nil {
		return nil, false, err
	}
	return paths, true, os.WriteFile(filepath.Join(dir, genMarker), []byte(want), 0o644)
}
