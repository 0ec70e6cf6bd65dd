//go:build !amd64

package encoder

// useAVX2 and useAVX512 are always false off amd64.
var (
	useAVX2   = false
	useAVX512 = false
)

func kern6x16(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	kern6x16Go(k, a, lda, b, c, ldc)
}

func kern1x16(k int, a []float32, b []float32, c []float32) { kern1x16Go(k, a, b, c) }

// gemmRowsWide is never called off amd64 (useAVX512 is false).
func gemmRowsWide(r0, r1, p0, p1 int, a []float32, lda int, b *packed, c []float32, ldc int) {
	gemmRowsNarrow(r0, r1, p0, p1, a, lda, b, c, ldc)
}
