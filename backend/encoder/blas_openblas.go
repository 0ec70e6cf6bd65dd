//go:build cgo && !purego

package encoder

import "folio/backend/encoder/internal/cblas"

// gemmBackend names the GEMM built in: OpenBLAS's cblas_sgemm, on one BLAS
// thread per call (Folio runs the calls in parallel itself). Build with
// -tags purego, or CGO_ENABLED=0, for the Go kernel instead.
const gemmBackend = "openblas"

// Work split of weight.mul. Every sgemm call packs its whole share of the
// weight again (OpenBLAS has no pre-packed B), which costs about as much as
// 100 rows of multiply-adds, so calls must be tall: measured on MiniLM's
// shapes (one core, EPYC Zen 4), 512-row calls reach ~90% of a 2048-row
// call's speed, 128-row calls ~85%. Hence:
//   - m ≥ workers·blasMinRows: one row block per worker, at most blasRows
//     rows each (a 4096-token batch on 2 cores is 2 calls of 2048 rows);
//   - fewer rows (a short query): each worker takes a block of W's rows
//     (columns of C) for all m rows, so no worker packs all of W; the
//     epilogue then runs once over all rows.
const (
	blasRows    = 2048
	blasMinRows = 64
)

// weight is a Linear layer's weight, kept as Hugging Face stores it:
// row-major [out×in]; sgemm reads it transposed (CblasTrans). A transposed
// copy (CblasNoTrans) measured the same within noise (±3%) on these shapes.
type weight struct {
	w       []float32
	out, in int
}

// newWeight prepares w, a row-major [out×in] matrix (Hugging Face layout),
// for mul. It keeps w: the caller must not modify it afterwards.
func newWeight(w []float32, out, in int) *weight {
	cblas.Init()
	_ = w[out*in-1]
	return &weight{w: w, out: out, in: in}
}

// mul computes C[m×out] = A[m×in]·Wᵀ, rows of A at a[i*lda], rows of C at
// c[i*ldc], on up to GOMAXPROCS goroutines. epi (if not nil) runs on each
// finished block of rows [r0,r1), once per row. st (may be nil) counts the
// work.
func (w *weight) mul(st *gemmStats, m int, a []float32, lda int, c []float32, ldc int, epi func(r0, r1 int)) {
	if m <= 0 {
		return
	}
	workers := maxWorkers()
	if workers > 1 && m < workers*blasMinRows {
		// Split the columns of C: blocks of W's rows, a multiple of 16 wide.
		cols := ((w.out+workers-1)/workers + 15) &^ 15
		tasks := (w.out + cols - 1) / cols
		parallelFor(tasks, func(_, t int) {
			n0 := t * cols
			n1 := min(n0+cols, w.out)
			tm := st.start()
			cblas.Sgemm(false, true, m, n1-n0, w.in, a, lda, w.w[n0*w.in:], w.in, c[n0:], ldc)
			st.done(tm, m, n1-n0, w.in)
		})
		if epi != nil {
			epi(0, m)
		}
		return
	}
	tasks := max((m+blasRows-1)/blasRows, workers)
	rows := ((m+tasks-1)/tasks + 7) &^ 7
	tasks = (m + rows - 1) / rows
	parallelFor(tasks, func(_, t int) {
		r0 := t * rows
		r1 := min(r0+rows, m)
		tm := st.start()
		cblas.Sgemm(false, true, r1-r0, w.out, w.in, a[r0*lda:], lda, w.w, w.in, c[r0*ldc:], ldc)
		st.done(tm, r1-r0, w.out, w.in)
		if epi != nil {
			epi(r0, r1)
		}
	})
}

// gemmScratch is one worker's scratch for the serial products of attention;
// sgemm reads the operands in place and needs none.
type gemmScratch struct{}

// mulNT computes C[m×n] = A[m×k]·Bᵀ where B is n×k (rows at b[j*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNT(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	tm := st.start()
	cblas.Sgemm(false, true, m, n, k, a, lda, b, ldb, c, ldc)
	st.done(tm, m, n, k)
}

// mulNN computes C[m×n] = A[m×k]·B where B is k×n (rows at b[kk*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNN(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	tm := st.start()
	cblas.Sgemm(false, false, m, n, k, a, lda, b, ldb, c, ldc)
	st.done(tm, m, n, k)
}
