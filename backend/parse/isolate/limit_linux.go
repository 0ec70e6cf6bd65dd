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

// selfPeakRSS is the most memory this process has held resident since it
// started (VmHWM), in bytes, or 0. Unlike the rusage a parent gets from
// wait4, it does not count the parent's memory the child was forked with.
func selfPeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
