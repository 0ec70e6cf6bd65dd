//go:build cgo && !purego

package encoder

import (
	"strings"

	"folio/backend/encoder/internal/cblas"
)

// haveBLAS says OpenBLAS is linked in: backend.go times it against the Go
// kernel at first use and keeps the faster. Build with -tags purego, or
// CGO_ENABLED=0, to leave it out.
const haveBLAS = true

// blasInit sets OpenBLAS to one thread per call (Folio splits the work).
func blasInit() { cblas.Init() }

// blasSgemm is cblas.Sgemm: row-major C = op(A)·op(B) on the calling thread.
func blasSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	cblas.Sgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// blasCore names the kernel OpenBLAS picked for this CPU and its version,
// e.g. "Haswell, OpenBLAS 0.3.21".
func blasCore() string {
	core, cfg := cblas.CoreName()
	if f := strings.Fields(cfg); len(f) >= 2 {
		return core + ", " + f[0] + " " + f[1]
	}
	return core
}
