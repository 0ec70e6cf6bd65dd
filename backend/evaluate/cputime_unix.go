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

// childCPUNanos is the user+system CPU time of this process's children
// that have ended and been waited for, in nanoseconds.
func childCPUNanos() int64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
