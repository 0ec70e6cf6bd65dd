//go:build !linux && !darwin

package encoder

// threadCPU reports 0: there is no per-thread CPU clock here, so
// Stats.GemmCPUNanos stays 0.
func threadCPU() int64 { return 0 }
