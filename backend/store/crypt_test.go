package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secretPhrase is what the tests look for in the raw files.
const secretPhrase = "the quarterly otter-migration ledger is in drawer nine"

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

// writeSecret creates a store in dir (encrypted with key unless nil) that
// holds secretPhrase, and closes it.
func writeSecret(t *testing.T, dir string, key []byte) {
	t.Helper()
	s, err := OpenWith(dir, Options{EncryptionKey: key, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting("note", []byte(secretPhrase)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRoot("/docs/" + secretPhrase); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// readSecret opens dir with key and returns the note setting.
func readSecret(t *testing.T, dir string, key []byte) (string, error) {
	t.Helper()
	s, err := OpenWith(dir, Options{EncryptionKey: key, GCInterval: -1})
	if err != nil {
		return "", err
	}
	defer s.Close()
	v, err := s.Setting("note")
	return string(v), err
}

// fileHashes maps each file of dir (but Badger's LOCK) to its SHA-256.
func fileHashes(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

// rawContains reports whether any file of dir holds s as plain bytes.
func rawContains(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		found = found || bytes.Contains(b, []byte(s))
		return nil
	})
	return found
}

func TestCryptWrongKeyHarmsNothing(t *testing.T) {
	dir := t.TempDir()
	writeSecret(t, dir, testKey(1))
	before := fileHashes(t, dir)
	tests := []struct {
		name string
		key  []byte
		want error
	}{
		{"wrong key", testKey(2), ErrWrongPassphrase},
		{"no key", nil, ErrEncrypted},
		{"short key", []byte("short"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readSecret(t, dir, tc.key)
			if err == nil {
				t.Fatal("opened with the wrong key")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	if after := fileHashes(t, dir); !mapsEqual(before, after) {
		t.Errorf("failed opens changed the files:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
	got, err := readSecret(t, dir, testKey(1))
	if err != nil || got != secretPhrase {
		t.Errorf("right key after wrong ones: %q, %v", got, err)
	}
}

func mapsEqual(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func keys(m map[string][32]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCryptRawFiles(t *testing.T) {
	plain, enc := t.TempDir(), t.TempDir()
	writeSecret(t, plain, nil)
	writeSecret(t, enc, testKey(7))
	if !rawContains(t, plain, secretPhrase) {
		t.Fatal("the plain store's files do not hold the phrase: the check below would prove nothing")
	}
	if rawContains(t, enc, secretPhrase) {
		t.Error("the encrypted store's files hold the phrase in the clear")
	}
	for _, tc := range []struct {
		dir  string
		want bool
	}{{plain, false}, {enc, true}} {
		got, found, err := Encrypted(tc.dir)
		if err != nil || !found || got != tc.want {
			t.Errorf("Encrypted(%s) = %v, %v, %v; want %v", tc.dir, got, found, err, tc.want)
		}
	}
	if _, found, err := Encrypted(filepath.Join(t.TempDir(), "none")); found || err != nil {
		t.Errorf("Encrypted(missing) found=%v err=%v", found, err)
	}
	if _, err := readSecret(t, plain, testKey(7)); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("plain store opened with a key: %v, want ErrNotEncrypted", err)
	}
}

func TestRekey(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := testKey(1), testKey(2)
	writeSecret(t, dir, oldKey)
	if err := Rekey(dir, testKey(9), newKey); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("rekey with a wrong old key: %v, want ErrWrongPassphrase", err)
	}
	if got, err := readSecret(t, dir, oldKey); err != nil || got != secretPhrase {
		t.Fatalf("after a refused rekey: %q, %v", got, err)
	}
	if err := Rekey(dir, oldKey, newKey); err != nil {
		t.Fatal(err)
	}
	if _, err := readSecret(t, dir, oldKey); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("old key after rekey: %v, want ErrWrongPassphrase", err)
	}
	if got, err := readSecret(t, dir, newKey); err != nil || got != secretPhrase {
		t.Errorf("new key after rekey: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "REWRITE-KEYREGISTRY")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary registry is left behind: %v", err)
	}
	if err := Rekey(dir, newKey, nil); err == nil {
		t.Error("rekey to no key (decrypting in place) was accepted")
	}
}

func TestEncryptCopiesPlainStore(t *testing.T) {
	src := t.TempDir()
	dst := filepath.Join(t.TempDir(), "enc")
	writeSecret(t, src, nil)
	key := testKey(3)
	if err := Encrypt(src, dst, key); err != nil {
		t.Fatal(err)
	}
	s, err := OpenWith(dst, Options{EncryptionKey: key, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	v, err1 := s.Setting("note")
	roots, err2 := s.Roots()
	s.Close()
	if err1 != nil || err2 != nil || string(v) != secretPhrase || len(roots) != 1 || !strings.Contains(roots[0], secretPhrase) {
		t.Errorf("copy holds note %q, roots %v (%v, %v)", v, roots, err1, err2)
	}
	if rawContains(t, dst, secretPhrase) {
		t.Error("the encrypted copy holds the phrase in the clear")
	}
	if got, err := readSecret(t, src, nil); err != nil || got != secretPhrase {
		t.Errorf("source after the copy: %q, %v", got, err)
	}
	if err := Encrypt(src, dst, key); err == nil {
		t.Error("encrypting into an existing store was accepted")
	}
}

func TestPassphraseKeyParams(t *testing.T) {
	p, key, err := NewKeyParams("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || p.Time != KDFTime || p.MemoryKiB != KDFMemory || p.Threads != KDFThreads || len(p.Salt) != 16 {
		t.Fatalf("params %+v, key %d bytes", p, len(key))
	}
	path := filepath.Join(t.TempDir(), "keyparams.json")
	if err := WriteKeyParams(path, p); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key params mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	got, found, err := ReadKeyParams(path)
	if err != nil || !found {
		t.Fatalf("read back: %v, %v", found, err)
	}
	tests := []struct {
		pass string
		want error
	}{
		{"correct horse battery staple", nil},
		{"correct horse battery stapler", ErrWrongPassphrase},
		{"", ErrWrongPassphrase},
	}
	for _, tc := range tests {
		k, err := got.Key(tc.pass)
		if !errors.Is(err, tc.want) {
			t.Errorf("Key(%q) err %v, want %v", tc.pass, err, tc.want)
		}
		if tc.want == nil && !bytes.Equal(k, key) {
			t.Errorf("Key(%q) derived another key", tc.pass)
		}
	}
	p2, key2, err := NewKeyParams("correct horse battery staple")
	if err != nil || bytes.Equal(p2.Salt, p.Salt) || bytes.Equal(key2, key) {
		t.Errorf("a second derivation reused the salt or key (%v)", err)
	}
	if _, _, err := NewKeyParams(""); err == nil {
		t.Error("an empty passphrase was accepted")
	}
	bad := got
	bad.MemoryKiB = 1 << 30
	if _, err := bad.Key("correct horse battery staple"); err == nil {
		t.Error("absurd argon2 memory was accepted")
	}
	if _, found, err := ReadKeyParams(filepath.Join(t.TempDir(), "none.json")); found || err != nil {
		t.Errorf("missing file: found %v err %v", found, err)
	}
}

// BenchmarkPassphraseDerive times one argon2id derivation with the
// default parameters, against one SHA-256 of the same passphrase as the
// reference measured in the same run.
func BenchmarkPassphraseDerive(b *testing.B) {
	p, _, err := NewKeyParams("x")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const refN = 1000
	for i := 0; i < refN; i++ {
		sha256.Sum256([]byte("correct horse battery staple"))
	}
	ref := time.Since(start) / refN
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.derive("correct horse battery staple")
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per.Milliseconds()), "ms/derive")
	b.ReportMetric(float64(per)/float64(max(ref, 1)), "x-sha256")
}
