package isolate

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"folio/backend/internal/testenv"
)

// maxPeak is the most memory a parser child may hold resident for an input
// of 50 MB or less.
const maxPeak = 512 << 20

// writeBig writes a file of about size bytes, line after line.
func writeBig(t *testing.T, name string, size int, head, tail string, line func(i int) string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.WriteString(head)
	for i := 0; n < size; i++ {
		k, _ := w.WriteString(line(i))
		n += k
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPeakMemoryOfHostileInputs parses inputs of up to 50 MB built to make
// parsers allocate (a CSV of a million cells, a single-line CSV of 25
// million fields, 50 MB of HTML paragraphs, a million nested <div>s) in
// the child, as indexing does, and checks the child's peak resident
// memory. Before: 866 MB, a crash after 1.9 GB, 805 MB and 803 MB.
func TestPeakMemoryOfHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and parses 160 MB of input")
	}
	if testenv.Race {
		t.Skip("the race detector's shadow memory would be measured too")
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak resident memory as Linux reports it")
	}
	const size = 50 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("alpha beta gamma delta heron boat nest lake colony river")
	word := func() string { return words[rng.IntN(len(words))] }
	inputs := []struct{ name, path string }{
		{"50 MB CSV, 8 cells a row", writeBig(t, "cells.csv", size, "", "", func(int) string {
			cells := make([]string, 8)
			for i := range cells {
				cells[i] = fmt.Sprintf("%s%d", word(), rng.IntN(1000))
			}
			return strings.Join(cells, ",") + "\n"
		})},
		{"50 MB CSV on one line", writeBig(t, "line.csv", size, "", "\n", func(int) string { return strings.Repeat("a,", 512) })},
		{"50 MB of HTML paragraphs", writeBig(t, "flat.html", size, "<html><body>", "</body></html>", func(int) string {
			ws := make([]string, 30)
			for i := range ws {
				ws[i] = word()
			}
			return "<p>" + strings.Join(ws, " ") + "</p>\n"
		})},
		{"50 MB of RTF paragraphs", writeBig(t, "flat.rtf", size, `{\rtf1\ansi{\fonttbl{\f0 Arial;}}`, "}", func(int) string {
			ws := make([]string, 30)
			for i := range ws {
				ws[i] = word()
			}
			return strings.Join(ws, " ") + ` caf\'e9 \u8364?\par` + "\n"
		})},
		{"an e-mail with a 40 MB text attachment", writeBig(t, "big.eml", 40<<20,
			"From: a@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			"\r\n--b--\r\n", func(int) string {
				return "YWxwaGEgYmV0YSBnYW1tYSBkZWx0YSBoZXJvbiBib2F0IG5lc3QgbGFrZSBjb2xvbnkgcml2ZXIK\r\n"
			})},
		{"a million nested <div>s", writeBig(t, "deep.html", 5_000_000, "<html><body>", "x"+strings.Repeat("</div>", 1_000_000)+"</body></html>", func(int) string { return "<div>" })},
	}
	peaks := map[string]int64{}
	p := New(Config{PeakRSS: func(path string, n int64) { peaks[path] = n }})
	for _, in := range inputs {
		doc, err := p.Parse(context.Background(), in.path)
		peak, ok := peaks[in.path]
		outcome := fmt.Sprintf("%d bytes of text", len(doc.Text))
		if err != nil {
			outcome = err.Error()
		}
		t.Logf("%-28s peak %4d MiB: %.120s", in.name, peak>>20, outcome)
		switch {
		case !ok:
			t.Errorf("%s: the child did not run to its end: %v", in.name, err)
		case peak == 0:
			t.Skip("the system does not report the child's peak memory")
		case peak > maxPeak:
			t.Errorf("%s: the parser child peaked at %d MiB, over %d MiB", in.name, peak>>20, maxPeak>>20)
		}
	}
}
