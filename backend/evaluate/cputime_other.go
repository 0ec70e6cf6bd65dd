//go:build !linux && !darwin

package evaluate

// cpuNanos is unknown here.
func cpuNanos() int64 { return 0 }

// childCPUNanos is unknown here.
func childCPUNanos() int64 { return 0 }
