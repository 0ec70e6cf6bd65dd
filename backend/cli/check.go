package cli

import (
	"errors"
	"fmt"

	"folio/backend/engine"
)

// errFound makes check exit with 1 once it has printed what is wrong.
var errFound = errors.New("the library has problems; run folio repair to read the damaged files again")

// check reads back everything the library stores and prints what is
// wrong; it exits 1 when anything is.
func (c *command) check(args []string) (err error) {
	fs := c.flags("check")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{"usage: folio check [--json]"}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	rep, err := eng.Check(c.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else {
		c.printCheck(rep)
	}
	if !rep.OK() {
		return errFound
	}
	return nil
}

// printCheck prints a check's findings, one line each.
func (c *command) printCheck(rep engine.CheckReport) {
	fmt.Fprintf(c.stdout, "%d file records, %d indexed files read back: %d problems, %d damaged blocks, %d documents without a file record\n",
		rep.Files, rep.Checked, len(rep.Problems), len(rep.Damaged), rep.Orphans)
	for _, d := range rep.Damaged {
		fmt.Fprintf(c.stdout, "damaged  %s\n", d)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(c.stdout, "damaged  %s: %s: %s\n", p.Path, p.What, p.Reason)
	}
	if len(rep.Damaged) > 0 && len(rep.Problems) == 0 {
		fmt.Fprintln(c.stdout, "every file the damaged blocks held reads back whole (read again); the blocks stay in their tables until the database rewrites them")
	}
}

// repair reads the files a check finds damaged again from their originals.
func (c *command) repair(args []string) (err error) {
	fs := c.flags("repair")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{"usage: folio repair [--json]"}
	}
	eng, err := c.open()
	if err != nil {
		return err
	}
	defer closeLibrary(eng, &err)
	bar := newProgressLine(c.stderr)
	found, rep, err := eng.Repair(c.ctx, bar.update)
	bar.done()
	for _, fe := range rep.Errors {
		fmt.Fprintf(c.stderr, "failed: %s: %s\n", fe.Path, fe.Reason)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		if err := c.printJSON(struct {
			Found engine.CheckReport `json:"found"`
			Index engine.IndexReport `json:"index"`
		}{found, rep}); err != nil {
			return err
		}
	} else {
		c.printCheck(found)
		fmt.Fprintf(c.stdout, "read again: %s\n", summary(rep))
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d damaged files could not be read again", rep.Failed)
	}
	return nil
}
