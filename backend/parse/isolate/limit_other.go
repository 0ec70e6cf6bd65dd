//go:build !linux

package isolate

// limitAddressSpace is a no-op where RLIMIT_AS is not enforced; the child
// still runs with a Go memory limit (debug.SetMemoryLimit) and the parent's
// timeout.
func limitAddressSpace(limit int64) error { return nil }

func selfPeakRSS() int64 { return 0 }
