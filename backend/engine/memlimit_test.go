package engine

import (
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestMemLimitShareOfRAM(t *testing.T) {
	const meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
	tests := []struct {
		name  string
		env   string
		files map[string]string
		want  int64
	}{
		{"half of MemTotal", "", map[string]string{"/proc/meminfo": meminfo}, 8000000 << 10},
		{"GOMEMLIMIT set: untouched", "4GiB", map[string]string{"/proc/meminfo": meminfo}, 0},
		{"lower cgroup limit", "", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "2147483648\n"}, 1 << 30},
		{"cgroup without limit", "", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "max\n"}, 8000000 << 10},
		{"higher cgroup limit", "", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "99999999999999\n"}, 8000000 << 10},
		{"no /proc (macOS, Windows)", "", nil, 0},
		{"no MemTotal line", "", map[string]string{"/proc/meminfo": "MemFree: 5 kB\n"}, 0},
		{"garbled MemTotal", "", map[string]string{"/proc/meminfo": "MemTotal: lots kB\n"}, 0},
		{"unknown unit", "", map[string]string{"/proc/meminfo": "MemTotal: 5 MB\n"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "GOMEMLIMIT" {
					return tt.env
				}
				return ""
			}
			read := func(p string) ([]byte, error) {
				if s, ok := tt.files[p]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			}
			if got := memoryLimit(getenv, read); got != tt.want {
				t.Errorf("memoryLimit = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestMemLimitSetsTheRuntime checks that SetMemoryLimit applies what it
// reports (on this machine, with the real /proc/meminfo).
func TestMemLimitSetsTheRuntime(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	got := SetMemoryLimit()
	if got == 0 {
		if total := memTotal(os.ReadFile); total > 0 {
			t.Fatalf("SetMemoryLimit set nothing though /proc/meminfo says %d bytes", total)
		}
		t.Skip("no /proc/meminfo here: SetMemoryLimit leaves the limit alone")
	}
	if now := debug.SetMemoryLimit(-1); now != got {
		t.Errorf("runtime limit %d, SetMemoryLimit said %d", now, got)
	}
	if total := memTotal(os.ReadFile); got > total || got < total/4 {
		t.Errorf("limit %d is not about %.0f%% of MemTotal %d", got, MemoryShare*100, total)
	}
	t.Logf("memory limit %.1f GiB", float64(got)/math.Exp2(30))

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(prev)
	if got := SetMemoryLimit(); got != 0 || debug.SetMemoryLimit(-1) != prev {
		t.Errorf("with GOMEMLIMIT set, SetMemoryLimit set %d and changed the limit", got)
	}
}
