package store

// Encryption at rest. Badger encrypts every table and value-log file with
// data keys (AES-CTR); the data keys live in the KEYREGISTRY file,
// encrypted with the master key given as Options.EncryptionKey. Changing
// the master key therefore only rewrites the key registry (Rekey); the
// data stays as it is. Whether a library is encrypted is decided when it
// is created; Encrypt copies an existing plain one into a new encrypted
// store.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
)

// KeySize is the length of an encryption key: AES-256.
const KeySize = 32

// Errors of encrypted stores.
var (
	// ErrWrongPassphrase means the key (or the passphrase it came from)
	// does not open the library. Nothing on disk was changed.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrEncrypted means an encrypted store was opened without a key.
	ErrEncrypted = errors.New("the library is encrypted")
	// ErrNotEncrypted means a key was given for a store that is not
	// encrypted.
	ErrNotEncrypted = errors.New("the library is not encrypted")
)

// indexCacheSize is Badger's table-index cache for encrypted stores: with
// encryption the indexes are decrypted on load, and Badger wants them
// cached rather than all kept in memory.
const indexCacheSize = 16 << 20

// withEncryption sets Badger's encryption options for key (none when key
// is empty).
func withEncryption(opts badger.Options, key []byte) (badger.Options, error) {
	if len(key) == 0 {
		return opts, nil
	}
	if len(key) != KeySize {
		return opts, fmt.Errorf("encryption key is %d bytes, want %d", len(key), KeySize)
	}
	return opts.WithEncryptionKey(key).WithIndexCacheSize(indexCacheSize), nil
}

// openError explains why badger.Open failed on dir: Badger's "Encryption
// key mismatch" becomes ErrWrongPassphrase, ErrEncrypted or ErrNotEncrypted.
func openError(dir string, key []byte, err error) error {
	if !errors.Is(err, badger.ErrEncryptionKeyMismatch) {
		return fmt.Errorf("open store %s: %w", dir, err)
	}
	enc, _, ierr := Encrypted(dir)
	switch {
	case ierr == nil && len(key) == 0 && enc:
		return fmt.Errorf("open store %s: %w", dir, ErrEncrypted)
	case ierr == nil && len(key) > 0 && !enc:
		return fmt.Errorf("open store %s: %w", dir, ErrNotEncrypted)
	}
	return fmt.Errorf("open store %s: %w", dir, ErrWrongPassphrase)
}

// sanityText is what Badger writes, encrypted with the master key when
// there is one, at the head of its key registry (after a 16-byte IV).
var sanityText = []byte("Hello Badger")

// Encrypted reports whether the store in dir is encrypted, from its key
// registry. exists is false when dir holds no store yet.
func Encrypted(dir string) (encrypted, exists bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, badger.ManifestFilename)); errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	f, err := os.Open(filepath.Join(dir, badger.KeyRegistryFileName))
	if errors.Is(err, os.ErrNotExist) {
		return false, true, nil // a store without a registry is plain
	}
	if err != nil {
		return false, true, fmt.Errorf("read key registry: %w", err)
	}
	defer f.Close()
	head := make([]byte, 16+len(sanityText))
	if _, err := io.ReadFull(f, head); err != nil {
		return false, true, fmt.Errorf("read key registry: %w", err)
	}
	return !bytes.Equal(head[16:], sanityText), true, nil
}

// checkKey checks that a key is usable as a master key.
func checkKey(name string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("%s key is %d bytes, want %d", name, len(key), KeySize)
	}
	return nil
}

// Rekey changes the master key of the closed, encrypted store in dir from
// oldKey to newKey. It opens the store once with oldKey (which checks the
// key, and fails while another process has the library open), closes it,
// and rewrites the key registry with the data keys encrypted by newKey.
// Badger writes the new registry to a temporary file, syncs it, renames
// it over the old one and syncs the folder, so a crash leaves either the
// old registry or the new one, never a mix. The data files are untouched.
func Rekey(dir string, oldKey, newKey []byte) error {
	if err := checkKey("old", oldKey); err != nil {
		return err
	}
	if err := checkKey("new", newKey); err != nil {
		return err
	}
	s, err := OpenWith(dir, Options{EncryptionKey: oldKey, GCInterval: -1})
	if err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("close store before re-keying: %w", err)
	}
	opt := badger.KeyRegistryOptions{Dir: dir, ReadOnly: true, EncryptionKey: oldKey}
	kr, err := badger.OpenKeyRegistry(opt)
	if err != nil {
		if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
			return fmt.Errorf("re-key %s: %w", dir, ErrWrongPassphrase)
		}
		return fmt.Errorf("re-key %s: read key registry: %w", dir, err)
	}
	defer kr.Close()
	opt.EncryptionKey = newKey
	if err := badger.WriteKeyRegistry(kr, opt); err != nil {
		return fmt.Errorf("re-key %s: write key registry: %w", dir, err)
	}
	return nil
}

// Encrypt copies the closed, plain store in src into a new store in dst
// encrypted with key (dst must not hold a store). The copy holds every
// key's latest value; src is not changed. The caller swaps the folders.
func Encrypt(src, dst string, key []byte) error {
	if err := checkKey("encryption", key); err != nil {
		return err
	}
	if _, exists, err := Encrypted(dst); err != nil || exists {
		return fmt.Errorf("encrypt into %s: a store is already there", dst)
	}
	in, err := OpenWith(src, Options{GCInterval: -1})
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := OpenWith(dst, Options{EncryptionKey: key, GCInterval: -1})
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := in.db.Backup(pw, 0)
		pw.CloseWithError(err)
		done <- err
	}()
	lerr := out.db.Load(pr, 256)
	pr.CloseWithError(errors.New("load stopped"))
	berr := <-done
	cerr := out.Close()
	switch {
	case berr != nil:
		return fmt.Errorf("encrypt: read %s: %w", src, berr)
	case lerr != nil:
		return fmt.Errorf("encrypt: write %s: %w", dst, lerr)
	case cerr != nil:
		return fmt.Errorf("encrypt: close %s: %w", dst, cerr)
	}
	return nil
}
