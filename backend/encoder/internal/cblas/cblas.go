//go:build cgo && !purego

package cblas

/*
#cgo pkg-config: openblas
#include <cblas.h>
*/
import "C"

import "sync"

var once sync.Once

// singleThread makes every sgemm run on its calling thread: OpenBLAS's own
// threads would fight the caller's goroutines for the cores.
func singleThread() { once.Do(func() { C.openblas_set_num_threads(1) }) }

// CoreName is the kernel OpenBLAS picked for this CPU ("Haswell",
// "SkylakeX", "Prescott"...), and its version and build options.
func CoreName() (core, config string) {
	return C.GoString(C.openblas_get_corename()), C.GoString(C.openblas_get_config())
}

// Init sets OpenBLAS to one thread. Sgemm calls it too; calling it early
// keeps the one-time cost out of the first multiply.
func Init() { singleThread() }

// Sgemm computes the row-major C[m×n] = op(A)·op(B), with op(A) m×k and
// op(B) k×n, on the calling thread. transA says A is stored k×m (row stride
// lda), transB that B is stored n×k (row stride ldb). Only columns [0,n) of
// the m rows of C (row stride ldc) are written. It is safe to call from
// several goroutines at once. The slices are bounds-checked here, so a wrong
// shape panics in Go rather than corrupting memory in C.
func Sgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	singleThread()
	ta, tb := C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans), C.enum_CBLAS_TRANSPOSE(C.CblasNoTrans)
	ar, ac := m, k // A as stored: rows, columns
	if transA {
		ta, ar, ac = C.enum_CBLAS_TRANSPOSE(C.CblasTrans), k, m
	}
	br, bc := k, n
	if transB {
		tb, br, bc = C.enum_CBLAS_TRANSPOSE(C.CblasTrans), n, k
	}
	if lda < ac || ldb < bc || ldc < n {
		panic("cblas: Sgemm: a leading dimension is shorter than a row")
	}
	_ = a[(ar-1)*lda+ac-1]
	_ = b[(br-1)*ldb+bc-1]
	_ = c[(m-1)*ldc+n-1]
	C.cblas_sgemm(C.CblasRowMajor, ta, tb,
		C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(&a[0]), C.blasint(lda),
		(*C.float)(&b[0]), C.blasint(ldb),
		0, (*C.float)(&c[0]), C.blasint(ldc))
}
