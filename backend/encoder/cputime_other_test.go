//go:build !unix

package encoder

import "time"

// cpuTime is not measured on this platform; benchmarks then report no
// CPU time per chunk.
func cpuTime() time.Duration { return 0 }
