package main

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// threadCPU returns the calling thread's CPU time in seconds, as the
// hnswlib anchor measures its queries; lockThread pins the goroutine so
// the figure stays meaningful.
func threadCPU() float64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}

// processCPU returns the process's user+system CPU time in seconds (GC
// included).
func processCPU() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}

func lockThread()   { runtime.LockOSThread() }
func unlockThread() { runtime.UnlockOSThread() }
