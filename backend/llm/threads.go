package llm

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// PhysicalCores counts the physical cores this process may use: the
// distinct (package, core) pairs of the CPUs in its affinity set, as Linux
// lists them under /sys; elsewhere, or when that fails, the logical CPU
// count. Hyper-threads share a core's arithmetic units, so a thread per
// logical CPU only adds contention for matrix work.
func PhysicalCores() int {
	n := runtime.NumCPU()
	if runtime.GOOS != "linux" {
		return max(n, 1)
	}
	cpus, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/topology/core_id")
	cores := map[string]bool{}
	for _, p := range cpus {
		core, err1 := os.ReadFile(p)
		pkg, err2 := os.ReadFile(filepath.Join(filepath.Dir(p), "physical_package_id"))
		if err1 != nil || err2 != nil {
			return max(n, 1)
		}
		cores[strings.TrimSpace(string(pkg))+"/"+strings.TrimSpace(string(core))] = true
	}
	if len(cores) == 0 {
		return max(n, 1)
	}
	// The affinity set may be smaller than the machine (containers, taskset).
	return max(min(len(cores), n), 1)
}
