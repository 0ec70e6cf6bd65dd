package cli_test

// No egress: the whole command-line path (install a model, index, search,
// ask, eval qa, status) runs in a network namespace that has only
// loopback, and again with every proxy variable pointed at a listener the
// test owns, which must see no connection; under strace, no connect() may
// go anywhere but a Unix socket or loopback. The generator's refusal of
// non-loopback endpoints is tested in backend/answer
// (TestCheckEndpointRefusesRemote, TestGenerateRefusesRemoteWithoutConnecting,
// TestGenerateIgnoresProxyEnvironment).

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"folio/backend/internal/testenv"
)

// egressFixture is a folder of real documents and a small SQuAD file.
type egressFixture struct {
	docs, squad, model string
}

func newEgressFixture(t *testing.T) egressFixture {
	t.Helper()
	shared := testenv.Shared(t)
	f := egressFixture{docs: t.TempDir(), model: testenv.Model(t)}
	for _, src := range []string{
		"data/pdf/pdfjs/tracemonkey.pdf", "data/pdf/pdfjs/TAMReview.pdf",
		"data/office/mammoth/footnote-hyperlink.docx", "data/office/mammoth/endnotes.docx",
	} {
		raw, err := os.ReadFile(filepath.Join(shared, src))
		if err != nil {
			t.Skipf("shared file missing: %v", err)
		}
		if err := os.WriteFile(filepath.Join(f.docs, filepath.Base(src)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notes := "# Field notes\n\nThe heron colony on Lake Varna counted 214 nests in May.\n"
	if err := os.WriteFile(filepath.Join(f.docs, "notes.md"), []byte(notes), 0o644); err != nil {
		t.Fatal(err)
	}
	squad := map[string]any{"version": "1.1", "data": []any{map[string]any{"title": "egress", "paragraphs": []any{
		map[string]any{"context": "The lighthouse at Brill Point was built in 1872 from granite quarried on the island.",
			"qas": []any{map[string]any{"id": "q1", "question": "When was the lighthouse at Brill Point built?", "answers": []any{map[string]any{"text": "1872", "answer_start": 41}}}}},
		map[string]any{"context": "Marta Vell keeps forty beehives on the south slope and sells the honey in Tarn market.",
			"qas": []any{map[string]any{"id": "q2", "question": "How many beehives does Marta Vell keep?", "answers": []any{map[string]any{"text": "forty", "answer_start": 17}}}}},
		map[string]any{"context": "The ferry to Osk leaves at seven each morning and takes two hours in calm weather.",
			"qas": []any{map[string]any{"id": "q3", "question": "When does the ferry to Osk leave?", "answers": []any{map[string]any{"text": "at seven", "answer_start": 24}}}}},
	}}}}
	raw, err := json.Marshal(squad)
	if err != nil {
		t.Fatal(err)
	}
	f.squad = filepath.Join(t.TempDir(), "squad.json")
	if err := os.WriteFile(f.squad, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// steps is the whole path, as command lines after `folio --data DATA`.
func (f egressFixture) steps() [][]string {
	return [][]string{
		{"models", "install", "--name", "all-MiniLM-L6-v2", f.model},
		{"index", "--json", f.docs},
		{"search", "--json", "-k", "3", "heron colony"},
		{"ask", "--json", "How many heron nests were counted on Lake Varna?"},
		{"eval", "qa", "--squad", f.squad, "--json"},
		{"status", "--json"},
	}
}

// checkStep checks one step's output beyond its exit code.
func checkStep(t *testing.T, step []string, out string) {
	t.Helper()
	switch step[0] {
	case "index":
		var rep struct {
			New, Failed    int
			ChunksEmbedded int `json:"chunks_embedded"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.New != 5 || rep.Failed != 0 || rep.ChunksEmbedded == 0 {
			t.Errorf("index: %s; want 5 new files, none failed, chunks embedded", out)
		}
	case "ask":
		if !strings.Contains(out, "214 nests") || !strings.Contains(out, `"mode":"hybrid"`) {
			t.Errorf("ask: %s; want a hybrid answer citing 214 nests", out)
		}
	case "search":
		if !strings.Contains(out, "notes.md") {
			t.Errorf("search: %s; want notes.md", out)
		}
	case "eval":
		var rep struct {
			Questions      int
			AnyCitationHit float64 `json:"any_citation_hit"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Questions != 3 || rep.AnyCitationHit < 0.66 {
			t.Errorf("eval qa: %s; want 3 questions, most answered", out)
		}
	case "status":
		if !strings.Contains(out, `"vectors":`) {
			t.Errorf("status: %s", out)
		}
	}
}

// TestEgressNoNetworkNamespace runs the whole path in a network namespace
// with only loopback (unshare -n): everything works without a network.
func TestEgressNoNetworkNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("unshare -n needs root")
	}
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		t.Skipf("unshare -n does not work here: %v", err)
	}
	f := newEgressFixture(t)
	bin := buildFolioCgo(t)
	data := t.TempDir()
	for _, step := range f.steps() {
		// Loopback comes up, and nothing else exists.
		script := `ip link set lo up 2>/dev/null; if ip -o link | grep -v ': lo:' | grep -q .; then echo "a link besides lo" >&2; exit 99; fi; exec "$@"`
		args := append([]string{"-n", "sh", "-c", script, "sh", bin, "--data", data}, step...)
		cmd := exec.Command("unshare", args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v in a namespace without network: %v\n%s%s", step, err, stdout.String(), stderr.String())
		}
		checkStep(t, step, stdout.String())
	}
}

// TestEgressProxyVariablesUnused runs the whole path with every proxy
// variable pointed at a listener of the test's, which must get no
// connection; under strace (when installed), every connect() must go to a
// Unix socket or loopback.
func TestEgressProxyVariablesUnused(t *testing.T) {
	f := newEgressFixture(t)
	bin := buildFolioCgo(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	proxy := "http://" + ln.Addr().String()
	env := append(os.Environ(), "NO_PROXY=", "no_proxy=")
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		env = append(env, v+"="+proxy)
	}
	strace, _ := exec.LookPath("strace")
	if strace == "" {
		t.Log("strace is not installed: only the proxy listener is checked")
	}
	data := t.TempDir()
	// connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}, 16)
	connectRe := regexp.MustCompile(`connect\(\d+, \{sa_family=(AF_\w+)(.*?)\}`)
	connects := 0
	for _, step := range f.steps() {
		name, args := bin, append([]string{"--data", data}, step...)
		trace := filepath.Join(t.TempDir(), "strace.out")
		if strace != "" {
			name, args = strace, append([]string{"-f", "-qq", "-e", "trace=connect", "-o", trace, bin}, args...)
		}
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v with proxy variables set: %v\n%s%s", step, err, stdout.String(), stderr.String())
		}
		checkStep(t, step, stdout.String())
		if strace == "" {
			continue
		}
		raw, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range connectRe.FindAllStringSubmatch(string(raw), -1) {
			connects++
			family, addr := m[1], m[2]
			loopback := strings.Contains(addr, `inet_addr("127.`) || strings.Contains(addr, `"::1"`)
			if family != "AF_UNIX" && !loopback {
				t.Errorf("%v: connect() to %s%s", step, family, addr)
			}
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the proxy listener got %d connections; Folio must not use proxy variables", n)
	}
	t.Logf("proxy listener: %d connections; strace saw %d connect() calls, none off loopback", conns.Load(), connects)
}
