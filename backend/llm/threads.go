package llm

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
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

// FreeCores estimates how many CPUs other work leaves free right now: the
// CPU count less the runnable tasks other than the caller (procs_running of
// /proc/stat, averaged over five samples 2 ms apart). Without /proc it is
// the CPU count.
func FreeCores() int {
	n := runtime.NumCPU()
	sum, k := 0, 0
	for i := range 5 {
		if i > 0 {
			time.Sleep(2 * time.Millisecond)
		}
		r, ok := procsRunning()
		if !ok {
			return n
		}
		sum += r
		k++
	}
	others := float64(sum)/float64(k) - 1 // the caller itself
	free := int(float64(n) - others + 0.5)
	return max(0, min(free, n))
}

func procsRunning() (int, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "procs_running "); ok {
			r, err := strconv.Atoi(strings.TrimSpace(v))
			return r, err == nil
		}
	}
	return 0, false
}
