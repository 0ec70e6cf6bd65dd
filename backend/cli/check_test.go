package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/cli"
)

// folio runs the command line in this process.
func folio(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errOut, nil)
	return out.String(), errOut.String(), code
}

type checkJSON struct {
	Files    int `json:"files"`
	Checked  int `json:"checked"`
	Problems []struct {
		Path, What, Reason string
	} `json:"problems"`
	Damaged []json.RawMessage `json:"damaged_blocks"`
}

// TestCheckAndRepairCommands damages the value log that holds a large
// file's text: `folio check` names the file and exits 1, `folio repair`
// reads it again from the original, and `folio check` then passes.
func TestCheckAndRepairCommands(t *testing.T) {
	data, docs := t.TempDir(), t.TempDir()
	var big strings.Builder
	for i := 0; big.Len() < 1200<<10; i++ {
		fmt.Fprintf(&big, "Paragraph %d tells of the heron colony and marker%06d.\n\n", i, i)
	}
	bigPath := filepath.Join(docs, "big.txt")
	if err := os.WriteFile(bigPath, []byte(big.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := os.WriteFile(filepath.Join(docs, fmt.Sprintf("n%02d.txt", i)), []byte(fmt.Sprintf("Note %d: the otter raft.", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	global := []string{"--data", data, "--no-model"}
	if out, errOut, code := folio(t, append(global, "index", docs)...); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := folio(t, append(global, "check", "--json")...)
	var rep checkJSON
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Checked != 21 || len(rep.Problems) != 0 {
		t.Fatalf("check of a sound library: exit %d, %+v\n%s%s", code, rep, out, errOut)
	}

	vlogs, _ := filepath.Glob(filepath.Join(data, "library", "*.vlog"))
	var vlog string
	var size int64
	for _, v := range vlogs {
		if i, err := os.Stat(v); err == nil && i.Size() > size {
			vlog, size = v, i.Size()
		}
	}
	if size < 1<<20 {
		t.Fatalf("no value log holds the large text (%v)", vlogs)
	}
	f, err := os.OpenFile(vlog, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 8), size/2); err != nil {
		t.Fatal(err)
	}
	f.Close()

	out, errOut, code = folio(t, append(global, "check")...)
	if code != 1 || !strings.Contains(out, bigPath) {
		t.Errorf("check of a damaged value log: exit %d, want 1 and %s named\n%s%s", code, bigPath, out, errOut)
	}
	out, _, code = folio(t, append(global, "check", "--json")...)
	rep = checkJSON{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("check --json: exit %d, %v\n%s", code, err, out)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Path != bigPath || rep.Problems[0].What != "text" {
		t.Errorf("check --json found %+v, want big.txt's text", rep.Problems)
	}

	out, errOut, code = folio(t, append(global, "repair", "--json")...)
	var rr struct {
		Index struct {
			Files, New, Failed int
		} `json:"index"`
	}
	if err := json.Unmarshal([]byte(out), &rr); err != nil || code != 0 || rr.Index.Files != 1 || rr.Index.Failed != 0 {
		t.Errorf("repair: exit %d, %+v, %v\n%s%s", code, rr, err, out, errOut)
	}
	out, errOut, code = folio(t, append(global, "check", "--json")...)
	rep = checkJSON{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Problems) != 0 {
		t.Errorf("check after repair: exit %d, %+v, %v\n%s%s", code, rep, err, out, errOut)
	}
	out, _, code = folio(t, append(global, "search", "--json", "marker000777")...)
	if code != 0 || !strings.Contains(out, bigPath) {
		t.Errorf("search after repair: exit %d, big.txt not found\n%s", code, out)
	}
}
