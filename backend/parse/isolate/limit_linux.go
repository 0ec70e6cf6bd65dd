package isolate

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// limitAddressSpace caps the growth of the process's virtual address space
// at limit bytes beyond what it has mapped now (RLIMIT_AS). Counting from the
// current size keeps race-detector binaries, which reserve terabytes of
// shadow memory at start-up, working.
func limitAddressSpace(limit int64) error {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return fmt.Errorf("empty /proc/self/statm")
	}
	pages, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return fmt.Errorf("reading /proc/self/statm: %w", err)
	}
	want := pages*uint64(os.Getpagesize()) + uint64(limit)
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &rl); err != nil {
		return err
	}
	if want < rl.Cur {
		rl.Cur = want
	}
	return unix.Setrlimit(unix.RLIMIT_AS, &rl)
}
