package encoder

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly micro-kernels.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func kern6x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int)

//go:noescape
func kern1x16AVX2(k int, a *float32, b *float32, c *float32)

func kern6x16(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	if !useAVX2 || k == 0 {
		kern6x16Go(k, a, lda, b, c, ldc)
		return
	}
	// Bounds the assembly relies on.
	_ = a[(mr-1)*lda+k-1]
	_ = b[k*panelW-1]
	_ = c[(mr-1)*ldc+panelW-1]
	kern6x16AVX2(k, &a[0], lda, &b[0], &c[0], ldc)
}

func kern1x16(k int, a []float32, b []float32, c []float32) {
	if !useAVX2 || k == 0 {
		kern1x16Go(k, a, b, c)
		return
	}
	_ = a[k-1]
	_ = b[k*panelW-1]
	_ = c[panelW-1]
	kern1x16AVX2(k, &a[0], &b[0], &c[0])
}
