//go:build linux || darwin

package evaluate

import "golang.org/x/sys/unix"

// cpuNanos is this process's user+system CPU time in nanoseconds.
func cpuNanos() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
