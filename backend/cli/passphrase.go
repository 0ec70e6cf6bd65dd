package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"folio/backend/engine"
)

// Environment variables that hold passphrases (for scripts; a file given
// with --passphrase-file is safer, since other processes of the same user
// can read a process's environment).
const (
	envPassphrase    = "FOLIO_PASSPHRASE"
	envNewPassphrase = "FOLIO_NEW_PASSPHRASE"
)

// readSecretFile reads a passphrase from a file: its first line.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read passphrase file: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// terminal returns stdin when it is a terminal Folio can read a passphrase
// from without echo.
func (c *command) terminal() (*os.File, bool) {
	f, ok := c.stdin.(*os.File)
	return f, ok && isTerminal(f)
}

// prompt asks for a passphrase on the terminal, without echo.
func (c *command) prompt(f *os.File, label string) (string, error) {
	restore, err := noEcho(f) // before the prompt, so nothing typed at it echoes
	if err != nil {
		return "", fmt.Errorf("turn the terminal's echo off: %w", err)
	}
	fmt.Fprint(c.stderr, label)
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		var b []byte
		one := make([]byte, 1)
		for {
			n, err := f.Read(one)
			if n == 1 && one[0] != '\n' {
				b = append(b, one[0])
				continue
			}
			if n == 1 || err != nil {
				if err == io.EOF && len(b) > 0 {
					err = nil
				}
				got <- line{strings.TrimSuffix(string(b), "\r"), err}
				return
			}
		}
	}()
	select {
	case l := <-got:
		restore()
		fmt.Fprintln(c.stderr)
		if l.err != nil {
			return "", fmt.Errorf("read passphrase: %w", l.err)
		}
		return l.s, nil
	case <-c.ctx.Done():
		restore() // Ctrl+C: put the echo back before leaving
		fmt.Fprintln(c.stderr)
		return "", c.ctx.Err()
	}
}

// passphrase is the library's passphrase: from --passphrase-file, else
// FOLIO_PASSPHRASE, else asked on the terminal.
func (c *command) passphrase() (string, error) {
	if c.passFile != "" {
		return readSecretFile(c.passFile)
	}
	if p, ok := os.LookupEnv(envPassphrase); ok {
		return p, nil
	}
	if f, ok := c.terminal(); ok {
		return c.prompt(f, "Passphrase for the library: ")
	}
	return "", fmt.Errorf("%w (give it with --passphrase-file FILE or %s)", engine.ErrLocked, envPassphrase)
}

// newPassphrase is a passphrase being set: from file, else env, else asked
// twice on the terminal.
func (c *command) newPassphrase(file, env string) (string, error) {
	var p string
	switch v, ok := os.LookupEnv(env); {
	case file != "":
		s, err := readSecretFile(file)
		if err != nil {
			return "", err
		}
		p = s
	case ok:
		p = v
	default:
		f, ok := c.terminal()
		if !ok {
			return "", fmt.Errorf("give the new passphrase with a file or %s (no terminal to ask on)", env)
		}
		s, err := c.prompt(f, "New passphrase: ")
		if err != nil {
			return "", err
		}
		again, err := c.prompt(f, "Again: ")
		if err != nil {
			return "", err
		}
		if s != again {
			return "", errors.New("the two passphrases differ")
		}
		p = s
	}
	if p == "" {
		return "", errors.New("the new passphrase is empty")
	}
	return p, nil
}

// unlocked returns c.cfg with the passphrase set when the library is
// encrypted; a plain library gets none (so FOLIO_PASSPHRASE set for another
// library does not matter).
func (c *command) unlocked() (engine.Config, error) {
	cfg := c.cfg
	enc, err := engine.Encrypted(cfg.DataDir)
	if err != nil || !enc {
		return cfg, err
	}
	if cfg.Passphrase, err = c.passphrase(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// windowConfig is the window's configuration: the passphrase when one was
// given by file or environment (the window asks for it otherwise).
func (c *command) windowConfig() (engine.Config, error) {
	if c.passFile == "" && os.Getenv(envPassphrase) == "" {
		return c.cfg, nil
	}
	return c.unlocked()
}

// passphraseCmd sets or changes the library's passphrase.
func (c *command) passphraseCmd(args []string) error {
	const use = "passphrase: usage: folio passphrase set [--new-passphrase-file FILE] | folio passphrase change [--new-passphrase-file FILE]"
	if len(args) == 0 || (args[0] != "set" && args[0] != "change") {
		return usageError{use}
	}
	fs := c.flags("passphrase " + args[0])
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from this file (else "+envNewPassphrase+", else asked)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return usageError{use}
	}
	dataDir := c.cfg.DataDir
	if dataDir == "" {
		d, err := engine.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = d
	}
	if args[0] == "set" {
		if enc, err := engine.Encrypted(dataDir); err != nil {
			return err
		} else if enc {
			return errors.New("the library is already encrypted: use `folio passphrase change`")
		}
		// For set, --passphrase-file and FOLIO_PASSPHRASE give the new
		// passphrase too.
		file, env := *newFile, envNewPassphrase
		if file == "" && os.Getenv(envNewPassphrase) == "" {
			file, env = c.passFile, envPassphrase
		}
		p, err := c.newPassphrase(file, env)
		if err != nil {
			return err
		}
		copied, err := engine.SetPassphrase(dataDir, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "the library in %s is encrypted; keep the passphrase safe: without it the library cannot be read\n", dataDir)
		if copied {
			fmt.Fprintln(c.stdout, "(the unencrypted files were deleted, but their contents may stay on the disk until overwritten)")
		}
		return nil
	}
	enc, err := engine.Encrypted(dataDir)
	if err != nil {
		return err
	}
	if !enc {
		return errors.New("the library is not encrypted: use `folio passphrase set`")
	}
	old, err := c.passphrase()
	if err != nil {
		return err
	}
	p, err := c.newPassphrase(*newFile, envNewPassphrase)
	if err != nil {
		return err
	}
	if err := engine.ChangePassphrase(dataDir, old, p); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "passphrase changed")
	return nil
}
