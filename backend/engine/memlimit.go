package engine

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// MemoryShare is the share of the machine's memory SetMemoryLimit gives
// Folio when GOMEMLIMIT is not set.
const MemoryShare = 0.5

// SetMemoryLimit sets the Go runtime's soft memory limit to MemoryShare of
// the memory available to the process: physical memory (MemTotal in
// /proc/meminfo), or a lower cgroup v2 limit (/sys/fs/cgroup/memory.max).
// It does nothing when the GOMEMLIMIT environment variable is set (the
// runtime applied it already) or when the memory size cannot be read (not
// Linux): the limit then stays as it was. It returns the limit it set, or 0
// when it set none.
func SetMemoryLimit() int64 {
	limit := memoryLimit(os.Getenv, os.ReadFile)
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return limit
}

// memoryLimit computes SetMemoryLimit's limit from the environment and the
// files it reads (injected for tests); 0 means none.
func memoryLimit(getenv func(string) string, readFile func(string) ([]byte, error)) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	total := memTotal(readFile)
	if total <= 0 {
		return 0
	}
	if b, err := readFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < total {
			total = n // "max" (no limit) does not parse
		}
	}
	return int64(float64(total) * MemoryShare)
}

// memTotal reads MemTotal from /proc/meminfo, in bytes; 0 when unknown.
func memTotal(readFile func(string) ([]byte, error)) int64 {
	b, err := readFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "MemTotal:" {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n <= 0 {
			return 0
		}
		if len(f) < 3 || f[2] != "kB" {
			return 0 // the kernel always says kB; anything else is not meminfo
		}
		return n << 10
	}
	return 0
}
