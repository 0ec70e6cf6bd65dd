//go:build linux || darwin

package encoder

import "golang.org/x/sys/unix"

// threadCPU is the CPU time of the calling OS thread in nanoseconds, or 0
// where the clock is unavailable. Callers lock the goroutine to its thread
// between two readings.
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}
