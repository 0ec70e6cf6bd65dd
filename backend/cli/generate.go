package cli

import (
	"fmt"
	"strings"

	"folio/backend/core"
	"folio/backend/engine"
	"folio/backend/model"
)

// isGGUF reports whether path is a GGUF model file (for models install).
func isGGUF(path string) bool {
	return strings.EqualFold(strings.TrimSpace(path[max(0, len(path)-5):]), ".gguf") || model.CheckGGUF(path) == nil
}

// installGGUF installs a generator model file into the library.
func (c *command) installGGUF(path, name string) error {
	dest, err := model.InstallGGUF(c.ctx, path, c.dataDir(), name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "installed %s\nAnswers are now written by this model (folio ask --no-generate gives the extracted answer).\n", dest)
	return nil
}

// answer asks q: with the generator when one is set up and generate is
// set, streaming its text to stdout when stream is set, else extracted.
// streamed reports whether the answer's text is already on stdout.
func (c *command) answer(eng *engine.Engine, q string, f engine.Filter, generate, stream bool) (ans core.Answer, streamed bool, err error) {
	if !generate {
		ans, err = eng.Ask(c.ctx, q, f)
		return ans, false, err
	}
	wrote := false
	onDelta := func(s string) {
		if stream {
			fmt.Fprint(c.stdout, s)
			wrote = true
		}
	}
	ans, err = eng.AskStream(c.ctx, q, f, nil, onDelta)
	if err != nil {
		if wrote {
			fmt.Fprintln(c.stdout)
		}
		return ans, false, err
	}
	if ans.Notice != "" {
		if wrote {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintln(c.stderr, "("+ans.Notice+")")
		return ans, false, nil
	}
	if wrote {
		fmt.Fprintln(c.stdout)
	}
	return ans, wrote, nil
}

// dataDir is the library folder: --data, else the default ("" if none).
func (c *command) dataDir() string {
	if c.cfg.DataDir != "" {
		return c.cfg.DataDir
	}
	d, _ := engine.DefaultDataDir()
	return d
}
