//go:build !cgo || purego

package encoder

// gemmBackend names the GEMM built in: the Go/assembly kernel of gemm.go.
const gemmBackend = "go"

// weight is a Linear layer's weight [out×in], packed for the Go kernel.
type weight struct {
	p *packed
}

// newWeight prepares w, a row-major [out×in] matrix (Hugging Face layout),
// for mul. It does not keep w.
func newWeight(w []float32, out, in int) *weight {
	p := newPacked(in, out)
	p.packRows(w, in)
	return &weight{p: p}
}

// mul computes C[m×out] = A[m×in]·Wᵀ, rows of A at a[i*lda], rows of C at
// c[i*ldc], in row blocks on up to GOMAXPROCS goroutines. epi (if not nil)
// runs on each finished block [r0,r1) while it is still in cache. st (may be
// nil) counts the work.
func (w *weight) mul(st *gemmStats, m int, a []float32, lda int, c []float32, ldc int, epi func(r0, r1 int)) {
	matmulStats(st, m, a, lda, w.p, c, ldc, epi)
}

// gemmScratch is one worker's scratch for the serial products of attention.
type gemmScratch struct {
	b packed
}

// mulNT computes C[m×n] = A[m×k]·Bᵀ where B is n×k (rows at b[j*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNT(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tm := st.start()
	s.b.reset(k, n)
	s.b.packRows(b, ldb)
	gemmRows(0, m, a, lda, &s.b, c, ldc)
	st.done(tm, m, n, k)
}

// mulNN computes C[m×n] = A[m×k]·B where B is k×n (rows at b[kk*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNN(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	tm := st.start()
	s.b.reset(k, n)
	s.b.packCols(b, ldb)
	gemmRows(0, m, a, lda, &s.b, c, ldc)
	st.done(tm, m, n, k)
}
