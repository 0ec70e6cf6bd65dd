//go:build !linux && !darwin

package evaluate

// cpuNanos is unknown here.
func cpuNanos() int64 { return 0 }
