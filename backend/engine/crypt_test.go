package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/store"
)

const cryptPhrase = "Marguerite keeps the lighthouse accounts in violet ink"

// openWith opens the library in data with passphrase, keyword search only.
func openWith(data, passphrase string) (*Engine, error) {
	return Open(context.Background(), Config{DataDir: data, NoModel: true, Passphrase: passphrase})
}

// indexPhrase indexes a file holding cryptPhrase into e.
func indexPhrase(t *testing.T, e *Engine) {
	t.Helper()
	docs := t.TempDir()
	write(t, filepath.Join(docs, "ledger.txt"), cryptPhrase+".\n\nThe harbour fees are due in May.")
	rep, err := e.Index(context.Background(), []string{docs}, nil)
	if err != nil || rep.New != 1 {
		t.Fatalf("index: %+v, %v", rep, err)
	}
}

// findsPhrase opens data with passphrase and reports whether a search
// finds the indexed file (an error when it does not open).
func findsPhrase(t *testing.T, data, passphrase string) error {
	t.Helper()
	e, err := openWith(data, passphrase)
	if err != nil {
		return err
	}
	defer e.Close()
	if got := e.Status().Encrypted; got != (passphrase != "") {
		t.Errorf("Status().Encrypted = %v opened with passphrase %q", got, passphrase)
	}
	hits, err := e.Search(context.Background(), "lighthouse accounts violet", SearchOptions{K: 3})
	if err != nil {
		return err
	}
	if len(hits) == 0 || !strings.Contains(hits[0].Text, "violet ink") {
		t.Errorf("search after opening: %d hits, want the ledger", len(hits))
	}
	return nil
}

func rawHas(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = true
		}
		return nil
	})
	return found
}

func TestEncryptedLibraryOpenLockedWrong(t *testing.T) {
	data := t.TempDir()
	e, err := openWith(data, "tide tables")
	if err != nil {
		t.Fatal(err)
	}
	indexPhrase(t, e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if enc, err := Encrypted(data); err != nil || !enc {
		t.Fatalf("Encrypted = %v, %v", enc, err)
	}
	if fi, err := os.Stat(filepath.Join(data, keyParamsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key params: %v %v, want mode 0600", fi, err)
	}
	tests := []struct {
		name, pass string
		want       error
	}{
		{"no passphrase", "", ErrLocked},
		{"wrong passphrase", "tide table", ErrWrongPassphrase},
		{"right passphrase", "tide tables", nil},
		{"wrong again after", "TIDE TABLES", ErrWrongPassphrase},
		{"right again", "tide tables", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := findsPhrase(t, data, tc.pass); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	if rawHas(t, data, "violet ink") {
		t.Error("the data folder holds the indexed text in the clear")
	}
}

func TestChangePassphrase(t *testing.T) {
	data := t.TempDir()
	e, err := openWith(data, "first")
	if err != nil {
		t.Fatal(err)
	}
	indexPhrase(t, e)
	e.Close()
	if err := ChangePassphrase(data, "wrong", "second"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with a wrong old passphrase: %v", err)
	}
	if err := ChangePassphrase(data, "first", "second"); err != nil {
		t.Fatal(err)
	}
	if err := findsPhrase(t, data, "first"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("old passphrase after the change: %v", err)
	}
	if err := findsPhrase(t, data, "second"); err != nil {
		t.Errorf("new passphrase after the change: %v", err)
	}
	if exists(filepath.Join(data, keyParamsNext)) {
		t.Error("keyparams.next.json left after a finished change")
	}
	plain := t.TempDir()
	if err := ChangePassphrase(plain, "", "x"); !errors.Is(err, store.ErrNotEncrypted) {
		t.Errorf("change on a plain library: %v", err)
	}
}

// TestPassphraseChangeInterrupted stops a change at each point a crash
// could: the library must open with the passphrase that is in force, and
// only with it.
func TestPassphraseChangeInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rekeyed      bool // the key registry was rewritten before the crash
		works, fails string
	}{
		{"before re-keying", false, "old", "new"},
		{"after re-keying", true, "new", "old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			e, err := openWith(data, "old")
			if err != nil {
				t.Fatal(err)
			}
			indexPhrase(t, e)
			e.Close()
			cur, _, err := store.ReadKeyParams(filepath.Join(data, keyParamsFile))
			if err != nil {
				t.Fatal(err)
			}
			oldKey, err := cur.Key("old")
			if err != nil {
				t.Fatal(err)
			}
			p, newKey, err := store.NewKeyParams("new")
			if err != nil {
				t.Fatal(err)
			}
			if err := store.WriteKeyParams(filepath.Join(data, keyParamsNext), p); err != nil {
				t.Fatal(err)
			}
			if tc.rekeyed {
				if err := store.Rekey(filepath.Join(data, libraryDir), oldKey, newKey); err != nil {
					t.Fatal(err)
				}
			}
			if err := findsPhrase(t, data, tc.fails); !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("%q: %v, want ErrWrongPassphrase", tc.fails, err)
			}
			if err := findsPhrase(t, data, tc.works); err != nil {
				t.Errorf("%q: %v", tc.works, err)
			}
			if exists(filepath.Join(data, keyParamsNext)) {
				t.Error("keyparams.next.json still there after a successful open")
			}
			if err := findsPhrase(t, data, tc.works); err != nil {
				t.Errorf("%q again: %v", tc.works, err)
			}
		})
	}
}

func TestSetPassphraseEncryptsPlainLibrary(t *testing.T) {
	data := t.TempDir()
	e, err := openWith(data, "")
	if err != nil {
		t.Fatal(err)
	}
	indexPhrase(t, e)
	e.Close()
	if !rawHas(t, filepath.Join(data, libraryDir), "violet ink") {
		t.Fatal("the plain library does not hold the text in the clear: the check below would prove nothing")
	}
	if _, err := openWith(data, "sesame"); !errors.Is(err, store.ErrNotEncrypted) {
		t.Errorf("plain library opened with a passphrase: %v", err)
	}
	if copied, err := SetPassphrase(data, "sesame"); err != nil || !copied {
		t.Fatalf("SetPassphrase: copied %v, %v", copied, err)
	}
	if err := findsPhrase(t, data, ""); !errors.Is(err, ErrLocked) {
		t.Errorf("no passphrase after encrypting: %v", err)
	}
	if err := findsPhrase(t, data, "sesame"); err != nil {
		t.Errorf("after encrypting: %v", err)
	}
	if rawHas(t, data, "violet ink") {
		t.Error("the data folder still holds the text in the clear")
	}
	for _, left := range []string{plainDir, encryptingDir, keyParamsNext} {
		if exists(filepath.Join(data, left)) {
			t.Errorf("%s left behind", left)
		}
	}
	if _, err := SetPassphrase(data, "again"); err == nil {
		t.Error("SetPassphrase on an encrypted library was accepted")
	}
}

// TestSetPassphraseInterrupted recreates each state a crash during the
// folder swap can leave, and checks that opening sorts it out.
func TestSetPassphraseInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stage     int // 1: copy made; 2: + next params; 3: + library renamed away
		encrypted bool
	}{
		{"copy made", 1, false},
		{"params written", 2, false},
		{"between the renames", 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			e, err := openWith(data, "")
			if err != nil {
				t.Fatal(err)
			}
			indexPhrase(t, e)
			e.Close()
			p, key, err := store.NewKeyParams("sesame")
			if err != nil {
				t.Fatal(err)
			}
			lib := filepath.Join(data, libraryDir)
			if err := store.Encrypt(lib, filepath.Join(data, encryptingDir), key); err != nil {
				t.Fatal(err)
			}
			if tc.stage >= 2 {
				if err := store.WriteKeyParams(filepath.Join(data, keyParamsNext), p); err != nil {
					t.Fatal(err)
				}
			}
			if tc.stage >= 3 {
				if err := os.Rename(lib, filepath.Join(data, plainDir)); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := Encrypted(data)
			if err != nil || enc != tc.encrypted {
				t.Fatalf("Encrypted = %v, %v; want %v", enc, err, tc.encrypted)
			}
			pass := ""
			if tc.encrypted {
				pass = "sesame"
				if rawHas(t, data, "violet ink") {
					t.Error("the plain copy survived the recovery")
				}
			}
			if err := findsPhrase(t, data, pass); err != nil {
				t.Errorf("open with %q: %v", pass, err)
			}
			for _, left := range []string{plainDir, encryptingDir, keyParamsNext} {
				if exists(filepath.Join(data, left)) {
					t.Errorf("%s left behind", left)
				}
			}
		})
	}
}
