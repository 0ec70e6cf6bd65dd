//go:build !cgo || purego

package encoder

// haveBLAS says OpenBLAS is linked in; this build (purego, or no cgo) has
// only the Go kernel.
const haveBLAS = false

func blasInit() {}

// blasSgemm is never called: backend() never chooses BLAS in this build.
func blasSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	panic("encoder: OpenBLAS is not built in")
}

func blasCore() string { return "" }
