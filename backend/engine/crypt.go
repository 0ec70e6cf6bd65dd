package engine

// Encryption at rest: a library is encrypted with a key derived from a
// passphrase (store/passphrase.go: argon2id, salt and key check in
// keyparams.json beside the library folder). Config.Passphrase opens it;
// ChangePassphrase re-keys it; SetPassphrase encrypts a plain one.
//
// Changes are crash-safe through a second parameters file: the new
// parameters are written to keyparams.next.json first, then the library is
// switched to the new key (Badger's key registry rewritten, or the folders
// swapped), then keyparams.next.json is renamed over keyparams.json. At
// open, a passphrase is tried against both files; whichever opens the
// library wins and the other is dropped, so an interrupted change is
// either finished or forgotten, and the library always opens with one of
// the two passphrases.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"folio/backend/store"
)

// Errors of encrypted libraries.
var (
	// ErrLocked means the library is encrypted and no passphrase was given.
	ErrLocked = errors.New("the library is encrypted: enter its passphrase")
	// ErrWrongPassphrase means the passphrase does not open the library;
	// nothing was changed.
	ErrWrongPassphrase = store.ErrWrongPassphrase
)

// Files of an encrypted library, in the data folder.
const (
	libraryDir    = "library"
	keyParamsFile = "keyparams.json"
	keyParamsNext = "keyparams.next.json"
	encryptingDir = "library.encrypting" // SetPassphrase's encrypted copy
	plainDir      = "library.plain"      // the plain library while it is swapped out
)

func resolveDataDir(dataDir string) (string, error) {
	if dataDir != "" {
		return dataDir, nil
	}
	return DefaultDataDir()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Encrypted reports whether the library in dataDir ("" for the default) is
// encrypted, so a passphrase is needed to open it.
func Encrypted(dataDir string) (bool, error) {
	dataDir, err := resolveDataDir(dataDir)
	if err != nil {
		return false, err
	}
	if err := recoverSwap(dataDir); err != nil {
		return false, err
	}
	if exists(filepath.Join(dataDir, keyParamsFile)) || exists(filepath.Join(dataDir, keyParamsNext)) {
		return true, nil
	}
	enc, _, err := store.Encrypted(filepath.Join(dataDir, libraryDir))
	return enc, err
}

// recoverSwap finishes or undoes a SetPassphrase interrupted while it
// swapped the plain library for its encrypted copy.
func recoverSwap(dataDir string) error {
	lib := filepath.Join(dataDir, libraryDir)
	enc := filepath.Join(dataDir, encryptingDir)
	plain := filepath.Join(dataDir, plainDir)
	next := filepath.Join(dataDir, keyParamsNext)
	if !exists(plain) && !exists(enc) {
		return nil
	}
	if !exists(lib) && exists(plain) {
		// Stopped between the two renames.
		from := plain // back
		if exists(enc) && exists(next) {
			from = enc // forward: the copy was complete before the swap began
		}
		if err := os.Rename(from, lib); err != nil {
			return fmt.Errorf("finish encrypting the library: %w", err)
		}
	}
	if exists(plain) {
		// Both renames done: commit the new parameters, drop the plain copy.
		if exists(next) {
			if err := commitNext(dataDir); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(plain); err != nil {
			return fmt.Errorf("remove the unencrypted library: %w", err)
		}
	}
	if exists(enc) {
		// A copy that was never swapped in: the library is still plain.
		if err := os.RemoveAll(enc); err != nil {
			return fmt.Errorf("remove an unfinished encrypted copy: %w", err)
		}
		if !exists(filepath.Join(dataDir, keyParamsFile)) {
			_ = os.Remove(next)
		}
	}
	return store.SyncDir(dataDir)
}

func commitNext(dataDir string) error {
	if err := os.Rename(filepath.Join(dataDir, keyParamsNext), filepath.Join(dataDir, keyParamsFile)); err != nil {
		return fmt.Errorf("save the new key parameters: %w", err)
	}
	return store.SyncDir(dataDir)
}

// openStore opens the library's store in dataDir with passphrase ("" for a
// plain library). A passphrase on a library that does not exist yet
// creates it encrypted.
func openStore(dataDir, passphrase string) (*store.Store, error) {
	if err := recoverSwap(dataDir); err != nil {
		return nil, err
	}
	dir := filepath.Join(dataDir, libraryDir)
	curPath, nextPath := filepath.Join(dataDir, keyParamsFile), filepath.Join(dataDir, keyParamsNext)
	cur, hasCur, err := store.ReadKeyParams(curPath)
	if err != nil {
		return nil, err
	}
	next, hasNext, err := store.ReadKeyParams(nextPath)
	if err != nil && !hasCur {
		return nil, err
	}
	hasNext = hasNext && err == nil // a damaged next file is a change that never happened
	if !hasCur && !hasNext {
		if passphrase == "" {
			st, err := store.OpenWith(dir, store.Options{})
			if errors.Is(err, store.ErrEncrypted) {
				return nil, fmt.Errorf("%w, but its key parameters (%s) are missing: it cannot be opened", ErrLocked, curPath)
			}
			return st, err
		}
		if _, found, err := store.Encrypted(dir); err != nil || found {
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: encrypt it with `folio passphrase set` first", store.ErrNotEncrypted)
		}
		p, key, err := store.NewKeyParams(passphrase)
		if err != nil {
			return nil, err
		}
		if err := store.WriteKeyParams(curPath, p); err != nil {
			return nil, err
		}
		return store.OpenWith(dir, store.Options{EncryptionKey: key})
	}
	if passphrase == "" {
		return nil, ErrLocked
	}
	type candidate struct {
		p      store.KeyParams
		isNext bool
	}
	var cands []candidate
	if hasCur {
		cands = append(cands, candidate{cur, false})
	}
	if hasNext {
		cands = append(cands, candidate{next, true})
	}
	for _, c := range cands {
		key, err := c.p.Key(passphrase)
		if errors.Is(err, store.ErrWrongPassphrase) {
			continue
		}
		if err != nil {
			return nil, err
		}
		st, err := store.OpenWith(dir, store.Options{EncryptionKey: key})
		if errors.Is(err, store.ErrWrongPassphrase) {
			continue // the key check matched but Badger's registry is under the other key
		}
		if err != nil {
			return nil, err
		}
		if c.isNext {
			err = commitNext(dataDir)
		} else if hasNext {
			err = os.Remove(nextPath)
		}
		if err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("open the library in %s: %w", dataDir, ErrWrongPassphrase)
}

// ChangePassphrase re-keys the closed, encrypted library in dataDir ("" for
// the default): the data keys are encrypted again under a key derived from
// newPass with a new salt. A wrong oldPass gives ErrWrongPassphrase and
// changes nothing.
func ChangePassphrase(dataDir, oldPass, newPass string) error {
	dataDir, err := resolveDataDir(dataDir)
	if err != nil {
		return err
	}
	if newPass == "" {
		return errors.New("the new passphrase is empty")
	}
	enc, err := Encrypted(dataDir)
	if err != nil {
		return err
	}
	if !enc {
		return fmt.Errorf("%w: set a passphrase with `folio passphrase set`", store.ErrNotEncrypted)
	}
	// Opening checks oldPass both ways, finishes an interrupted change and
	// fails while the library is open elsewhere.
	st, err := openStore(dataDir, oldPass)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	cur, _, err := store.ReadKeyParams(filepath.Join(dataDir, keyParamsFile))
	if err != nil {
		return err
	}
	oldKey, err := cur.Key(oldPass)
	if err != nil {
		return err
	}
	p, newKey, err := store.NewKeyParams(newPass)
	if err != nil {
		return err
	}
	if err := store.WriteKeyParams(filepath.Join(dataDir, keyParamsNext), p); err != nil {
		return err
	}
	// From here keyparams.next.json stays until the change is committed: if
	// Rekey fails half-way, opening with either passphrase sorts it out.
	if err := store.Rekey(filepath.Join(dataDir, libraryDir), oldKey, newKey); err != nil {
		return err
	}
	return commitNext(dataDir)
}

// SetPassphrase encrypts the closed, plain library in dataDir ("" for the
// default) with a key derived from passphrase. A library not created yet
// is simply created encrypted at its next open; an existing one is copied
// into a new encrypted store, which then replaces it. The unencrypted
// files are deleted, but (as with any deletion) their contents may stay
// on the disk until overwritten. copied reports that an existing library
// was copied (false: none existed yet).
func SetPassphrase(dataDir, passphrase string) (copied bool, err error) {
	dataDir, err = resolveDataDir(dataDir)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return false, fmt.Errorf("create data folder: %w", err)
	}
	enc, err := Encrypted(dataDir)
	if err != nil {
		return false, err
	}
	if enc {
		return false, errors.New("the library is already encrypted: change its passphrase with `folio passphrase change`")
	}
	p, key, err := store.NewKeyParams(passphrase)
	if err != nil {
		return false, err
	}
	lib := filepath.Join(dataDir, libraryDir)
	if _, found, err := store.Encrypted(lib); err != nil {
		return false, err
	} else if !found {
		return false, store.WriteKeyParams(filepath.Join(dataDir, keyParamsFile), p)
	}
	encDir, plain := filepath.Join(dataDir, encryptingDir), filepath.Join(dataDir, plainDir)
	if err := store.Encrypt(lib, encDir, key); err != nil {
		os.RemoveAll(encDir)
		return false, err
	}
	if err := store.WriteKeyParams(filepath.Join(dataDir, keyParamsNext), p); err != nil {
		os.RemoveAll(encDir)
		return false, err
	}
	if err := os.Rename(lib, plain); err != nil {
		return false, fmt.Errorf("swap in the encrypted library: %w", err)
	}
	if err := os.Rename(encDir, lib); err != nil {
		return false, fmt.Errorf("swap in the encrypted library: %w", err)
	}
	if err := store.SyncDir(dataDir); err != nil {
		return false, err
	}
	return true, recoverSwap(dataDir) // commits keyparams.next.json, removes the plain copy
}
