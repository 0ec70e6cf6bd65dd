//go:build amd64 && !purego

package index

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA kernel when the CPU has both.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 is implemented in dot_amd64.s: the inner product of n float32s
// at a and b, 32 lanes per iteration, then 8, then one at a time.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dot is the inner product of a and b[:len(a)]; b must be at least as long
// as a.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	if len(a) == 0 {
		return 0
	}
	if useAVX2 {
		return dotAVX2(&a[0], &b[0], len(a))
	}
	return dotGo(a, b)
}
