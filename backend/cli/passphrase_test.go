package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runEnv runs folio with stdin empty (not a terminal) and env added to an
// environment cleared of Folio's passphrase variables.
func runEnv(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FOLIO_PASSPHRASE=") && !strings.HasPrefix(kv, "FOLIO_NEW_PASSPHRASE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// secretFile writes a passphrase file.
func secretFile(t *testing.T, dir, name, pass string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawHolds reports whether any file under dir holds s in the clear.
func rawHolds(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found = found || bytes.Contains(b, []byte(s))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

const (
	lockPhrase   = "Quillon Harbour stores the saffron contracts in vault seven"
	lockQuestion = "Where are the saffron contracts stored?"
)

// asks asks lockQuestion with extra args and reports whether the answer
// cites the ledger; it fails the test on a nonzero exit.
func asks(t *testing.T, bin string, env []string, args ...string) {
	t.Helper()
	out, errOut, code := runEnv(t, bin, env, append(args, "ask", "--json", lockQuestion)...)
	if code != 0 {
		t.Fatalf("ask %v: exit %d\n%s%s", args, code, out, errOut)
	}
	var ans askJSON
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("ask --json printed %q: %v", out, err)
	}
	if len(ans.Citations) == 0 || !strings.Contains(flat(ans.Citations[0].Text), "vault seven") {
		t.Errorf("ask %v: answer %q cites %+v, want the ledger", args, ans.Answer, ans.Citations)
	}
}

func TestPassphraseCommandLine(t *testing.T) {
	bin := buildFolio(t)
	docs, keys := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "ledger.txt"), []byte(lockPhrase+".\n\nThe harbour fees rise in May.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pw1 := secretFile(t, keys, "pw1", "lantern and moth")
	pw2 := secretFile(t, keys, "pw2", "second lantern")
	wrong := secretFile(t, keys, "wrong", "lantern and mouth")

	// A plain library, for the raw-file comparison.
	plain := t.TempDir()
	if out, errOut, code := runEnv(t, bin, nil, "--data", plain, "--no-model", "index", docs); code != 0 {
		t.Fatalf("plain index: exit %d\n%s%s", code, out, errOut)
	}

	data := t.TempDir()
	if out, errOut, code := runEnv(t, bin, nil, "--data", data, "--passphrase-file", pw1, "passphrase", "set"); code != 0 {
		t.Fatalf("passphrase set: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runEnv(t, bin, nil, "--data", data, "--no-model", "--passphrase-file", pw1, "index", docs); code != 0 {
		t.Fatalf("index: exit %d\n%s%s", code, out, errOut)
	}
	asks(t, bin, nil, "--data", data, "--no-model", "--passphrase-file", pw1)

	failures := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"wrong passphrase file", nil, []string{"--passphrase-file", wrong}, "wrong passphrase"},
		{"wrong passphrase env", []string{"FOLIO_PASSPHRASE=nope"}, nil, "wrong passphrase"},
		{"no passphrase, no terminal", nil, nil, "the library is encrypted: enter its passphrase"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			args := append([]string{"--data", data, "--no-model"}, f.args...)
			out, errOut, code := runEnv(t, bin, f.env, append(args, "ask", lockQuestion)...)
			if code != 1 || !strings.Contains(errOut, f.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, f.want)
			}
		})
	}
	// Nothing was harmed: the right passphrase still opens and finds it.
	asks(t, bin, nil, "--data", data, "--no-model", "--passphrase-file", pw1)
	asks(t, bin, []string{"FOLIO_PASSPHRASE=lantern and moth"}, "--data", data, "--no-model")

	// The real proof: the text is in the plain library's files, not in the
	// encrypted one's.
	if !rawHolds(t, plain, "saffron contracts") {
		t.Fatal("the plain library's files do not hold the phrase: the next check would prove nothing")
	}
	if rawHolds(t, data, "saffron contracts") {
		t.Error("the encrypted library's files hold the phrase in the clear")
	}

	// Change the passphrase: the old one fails, the new one works.
	if out, errOut, code := runEnv(t, bin, nil, "--data", data, "--passphrase-file", wrong, "passphrase", "change", "--new-passphrase-file", pw2); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("change with a wrong old passphrase: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runEnv(t, bin, nil, "--data", data, "--passphrase-file", pw1, "passphrase", "change", "--new-passphrase-file", pw2); code != 0 {
		t.Fatalf("passphrase change: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runEnv(t, bin, nil, "--data", data, "--no-model", "--passphrase-file", pw1, "ask", lockQuestion); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("old passphrase after the change: exit %d\n%s%s", code, out, errOut)
	}
	asks(t, bin, nil, "--data", data, "--no-model", "--passphrase-file", pw2)

	// Encrypting the existing plain library.
	if out, errOut, code := runEnv(t, bin, []string{"FOLIO_NEW_PASSPHRASE=late lock"}, "--data", plain, "passphrase", "set"); code != 0 {
		t.Fatalf("passphrase set on a plain library: exit %d\n%s%s", code, out, errOut)
	}
	if rawHolds(t, plain, "saffron contracts") {
		t.Error("after `passphrase set` the library's files still hold the phrase in the clear")
	}
	asks(t, bin, []string{"FOLIO_PASSPHRASE=late lock"}, "--data", plain, "--no-model")
}
