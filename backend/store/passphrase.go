package store

// Passphrases. The store's master key is derived from the person's
// passphrase with argon2id; the salt and parameters are kept next to the
// library (KeyParams, a small JSON file), with a key-check value so a
// wrong passphrase is reported before Badger is opened. The passphrase
// itself is never stored.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new passphrases: 3 passes over 64 MiB with 2
// threads (RFC 9106's second recommended option, with 2 lanes).
const (
	KDFTime    = 3
	KDFMemory  = 64 << 10 // KiB
	KDFThreads = 2
	saltSize   = 16
)

// keyCheckLabel is what the key-check value authenticates.
const keyCheckLabel = "folio key check v1"

// KeyParams is how a library's key is derived from its passphrase.
type KeyParams struct {
	KDF       string `json:"kdf"` // "argon2id"
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	Salt      []byte `json:"salt"`
	// Check is HMAC-SHA256(key, keyCheckLabel): it tells a wrong
	// passphrase without opening the store, and reveals nothing of the key.
	Check []byte `json:"check"`
}

// NewKeyParams derives a key from passphrase with a fresh random salt and
// the default parameters.
func NewKeyParams(passphrase string) (KeyParams, []byte, error) {
	if passphrase == "" {
		return KeyParams{}, nil, errors.New("the passphrase is empty")
	}
	p := KeyParams{KDF: "argon2id", Time: KDFTime, MemoryKiB: KDFMemory, Threads: KDFThreads, Salt: make([]byte, saltSize)}
	if _, err := rand.Read(p.Salt); err != nil {
		return KeyParams{}, nil, fmt.Errorf("random salt: %w", err)
	}
	key := p.derive(passphrase)
	p.Check = keyCheck(key)
	return p, key, nil
}

func (p KeyParams) derive(passphrase string) []byte {
	return argon2.IDKey([]byte(passphrase), p.Salt, p.Time, p.MemoryKiB, p.Threads, KeySize)
}

func keyCheck(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(keyCheckLabel))
	return m.Sum(nil)
}

// validate refuses parameters that are not ours or would make derivation
// absurdly slow or weak (a damaged or hostile file).
func (p KeyParams) validate() error {
	switch {
	case p.KDF != "argon2id":
		return fmt.Errorf("key derivation %q is not argon2id", p.KDF)
	case p.Time < 1 || p.Time > 100, p.MemoryKiB < 8<<10 || p.MemoryKiB > 4<<20, p.Threads < 1:
		return fmt.Errorf("argon2id parameters time=%d memory=%d KiB threads=%d are out of range", p.Time, p.MemoryKiB, p.Threads)
	case len(p.Salt) < saltSize:
		return fmt.Errorf("salt is %d bytes, want at least %d", len(p.Salt), saltSize)
	case len(p.Check) != sha256.Size:
		return fmt.Errorf("key check is %d bytes, want %d", len(p.Check), sha256.Size)
	}
	return nil
}

// Key derives the key for passphrase, or returns ErrWrongPassphrase when
// the key-check value does not match.
func (p KeyParams) Key(passphrase string) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("key parameters: %w", err)
	}
	key := p.derive(passphrase)
	if !hmac.Equal(keyCheck(key), p.Check) {
		return nil, ErrWrongPassphrase
	}
	return key, nil
}

// ReadKeyParams reads a key-parameters file; found is false when there is
// none.
func ReadKeyParams(path string) (p KeyParams, found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("read key parameters: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, true, fmt.Errorf("read key parameters %s: %w", path, err)
	}
	if err := p.validate(); err != nil {
		return p, true, fmt.Errorf("read key parameters %s: %w", path, err)
	}
	return p, true, nil
}

// WriteKeyParams writes p to path, mode 0600: into a temporary file in the
// same folder, synced, then renamed over path, and the folder synced.
func WriteKeyParams(path string, p KeyParams) (err error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	if _, err = f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write key parameters: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir flushes a folder's entries (renames) to disk. Windows cannot
// sync a folder; there it does nothing.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isSyncUnsupported(err) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// isSyncUnsupported reports an error from syncing a folder on a system
// that does not allow it (Windows).
func isSyncUnsupported(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && filepath.Separator == '\\'
}
