package encoder

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"
)

// The matrix multiplies of bert.go go through weight.mul (a Linear layer,
// C = A·Wᵀ) and gemmScratch.mulNT / mulNN (the serial products inside
// attention). Each runs on one of two backends, the same for the whole
// process:
//
//   - "go": the kernel of gemm.go, its micro-kernel chosen by CPU features
//     (AVX-512 12×32 and 12×16, else AVX2+FMA 6×16, else plain Go); each
//     weight is packed once into panels.
//   - "openblas": OpenBLAS's cblas_sgemm through cgo (built with cgo and
//     without the purego tag), one BLAS thread per call; weights kept as
//     given.
//
// Which one is not a build decision: a distribution's OpenBLAS may pick a
// kernel far below the CPU's speed (Debian's 0.3.21 on a Sapphire Rapids
// Xeon reached a third of the Go kernel). At first use, before any weight
// is prepared, chooseGemm times both on one core on MiniLM's feed-forward
// shapes and keeps OpenBLAS only when it is at least blasMargin faster; the
// measurement costs a few tens of milliseconds once per process.
// FOLIO_GEMM=go or FOLIO_GEMM=openblas skips it.
//
// Work is split dynamically: parallelFor hands tasks (48-row blocks for the
// Go kernel, 64 to 512 rows per sgemm call, one (sequence, head) pair in
// attention) to GOMAXPROCS goroutines from an atomic counter, so a worker
// whose core is taken by another process holds up at most one task.

// GemmInfo says which matrix multiply the encoder uses and why.
type GemmInfo struct {
	// Backend is "go" or "openblas".
	Backend string `json:"backend"`
	// Kernel is the Go kernel's micro-kernel: "avx512 12x32", "avx2 6x16"
	// or "generic 6x16" (reported whichever backend won).
	Kernel string `json:"kernel"`
	// BLASCore is the kernel OpenBLAS picked and its version; "" when
	// OpenBLAS is not built in.
	BLASCore string `json:"blas_core,omitempty"`
	// GoGFLOPS and BLASGFLOPS are the speeds measured on one core when
	// choosing (0: not measured).
	GoGFLOPS   float64 `json:"go_gflops,omitempty"`
	BLASGFLOPS float64 `json:"blas_gflops,omitempty"`
	// Reason says how the backend was chosen.
	Reason string `json:"reason"`
}

// blasMargin is how much faster OpenBLAS must measure to be kept: the Go
// kernel's weights are packed once and its tasks are smaller, so a tie goes
// to it.
const blasMargin = 1.1

var gemmSel struct {
	once sync.Once
	blas bool
	info GemmInfo
}

// useBLAS says weights and attention products go to OpenBLAS.
func useBLAS() bool {
	gemmSel.once.Do(chooseGemm)
	return gemmSel.blas
}

// Gemm reports the backend chosen for this process, choosing it (and
// measuring both backends) if no encoder has been opened yet.
func Gemm() GemmInfo {
	gemmSel.once.Do(chooseGemm)
	return gemmSel.info
}

// goKernel names the Go kernel's micro-kernel on this CPU.
func goKernel() string {
	switch {
	case useAVX512:
		return "avx512 12x32"
	case useAVX2:
		return "avx2 6x16"
	}
	return "generic 6x16"
}

func chooseGemm() {
	info := GemmInfo{Backend: "go", Kernel: goKernel(), BLASCore: blasCore()}
	env := os.Getenv("FOLIO_GEMM")
	if env != "" && env != "go" && env != "openblas" {
		defer func() { gemmSel.info.Reason += fmt.Sprintf(" (FOLIO_GEMM=%q ignored: want go or openblas)", env) }()
	}
	switch {
	case !haveBLAS:
		info.Reason = "the only backend built in (purego or no cgo)"
		if env == "openblas" {
			info.Reason = "FOLIO_GEMM=openblas, but OpenBLAS is not built in"
		}
	case env == "go":
		info.Reason = "FOLIO_GEMM=go"
	case env == "openblas":
		info.Backend, info.Reason = "openblas", "FOLIO_GEMM=openblas"
	default:
		blasInit()
		info.GoGFLOPS, info.BLASGFLOPS = measureGemm()
		info.Reason = "measured faster on one core"
		if info.BLASGFLOPS >= blasMargin*info.GoGFLOPS {
			info.Backend = "openblas"
		}
	}
	gemmSel.blas = info.Backend == "openblas"
	gemmSel.info = info
}

// measureGemm times the Go kernel and OpenBLAS on one core, alternately, on
// the products of a MiniLM layer over two 128-token sequences: the
// feed-forward (384→1536 and 1536→384, split into tasks as weight.mul
// splits them) and attention's small ones (Q·Kᵀ and P·V for 12 heads of
// 32), where per-call costs show. It returns each backend's best speed in
// GFLOP/s over up to three rounds (one when a backend is more than twice as
// fast). Thread CPU time is used where the OS has it, so that a busy machine
// slows neither side's figure.
func measureGemm() (goGF, blasGF float64) {
	const (
		m, h, inter = 256, 384, 1536
		L, d, heads = 128, 32, 12
	)
	r := rand.New(rand.NewPCG(7, 8))
	a := randFloats(r, m*inter) // also Q|K|V rows, 3h of them used
	type shape struct {
		n, k int
		w    []float32
		p    *packed
	}
	shapes := []shape{{n: inter, k: h}, {n: h, k: inter}}
	flops := 0.0
	for i := range shapes {
		s := &shapes[i]
		s.w = randFloats(r, s.n*s.k)
		s.p = newPacked(s.k, s.n)
		s.p.packRows(s.w, s.k)
		flops += 2 * float64(m*s.n*s.k)
	}
	flops += float64(m/L*heads) * 2 * 2 * L * L * d
	c := make([]float32, m*inter)
	scores := make([]float32, L*L)
	var scratch packed
	// attention runs Q·Kᵀ and P·V over every (sequence, head) with nt and nn.
	attention := func(nt, nn func(q, k []float32)) {
		for s0 := 0; s0 < m; s0 += L {
			for hd := 0; hd < heads; hd++ {
				q := a[s0*3*h+hd*d:]
				nt(q, q[h:])
				nn(scores, q[2*h:])
			}
		}
	}
	goPass := func() {
		for _, s := range shapes {
			for r0 := 0; r0 < m; r0 += mc {
				gemmRows(r0, min(r0+mc, m), a, s.k, s.p, c, s.n)
			}
		}
		attention(func(q, k []float32) {
			scratch.reset(d, L)
			scratch.packRows(k, 3*h)
			gemmRows(0, L, q, 3*h, &scratch, scores, L)
		}, func(p, v []float32) {
			scratch.reset(L, d)
			scratch.packCols(v, 3*h)
			gemmRows(0, L, p, L, &scratch, c, h)
		})
	}
	blasPass := func() {
		for _, s := range shapes {
			for r0, rows := 0, blasTaskRows(m, 1); r0 < m; r0 += rows {
				blasSgemm(false, true, min(rows, m-r0), s.n, s.k, a[r0*s.k:], s.k, s.w, s.k, c[r0*s.n:], s.n)
			}
		}
		attention(func(q, k []float32) {
			blasSgemm(false, true, L, L, d, q, 3*h, k, 3*h, scores, L)
		}, func(p, v []float32) {
			blasSgemm(false, false, L, d, L, p, L, v, 3*h, c, h)
		})
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := func() int64 {
		if t := threadCPU(); t > 0 {
			return t
		}
		return time.Now().UnixNano()
	}
	best := func(cur float64, nanos int64) float64 { return max(cur, flops/float64(max(nanos, 1))) }
	for round := 0; round < 3; round++ {
		t0 := clock()
		goPass()
		t1 := clock()
		blasPass()
		t2 := clock()
		goGF, blasGF = best(goGF, t1-t0), best(blasGF, t2-t1)
		if goGF > 2*blasGF || blasGF > 2*goGF {
			break
		}
	}
	return goGF, blasGF
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// weight is a Linear layer's weight and optional bias: packed for the Go
// kernel (the AVX-512 kernel starts its sums from the bias), or kept in the
// Hugging Face layout [out×in] for OpenBLAS, which reads it transposed
// (CblasTrans; a transposed copy measured the same within noise).
type weight struct {
	p       *packed   // Go kernel; nil with OpenBLAS
	w       []float32 // OpenBLAS; nil with the Go kernel
	bias    []float32 // OpenBLAS: added before the epilogue; nil: none
	out, in int
}

// newWeight prepares w, a row-major [out×in] matrix (Hugging Face layout),
// and bias (len out, or nil for none) for mul on the chosen backend. With
// OpenBLAS it keeps w and bias: the caller must not modify them afterwards.
func newWeight(w, bias []float32, out, in int) *weight {
	_ = w[out*in-1]
	if bias != nil {
		_ = bias[out-1]
	}
	if useBLAS() {
		return &weight{w: w, bias: bias, out: out, in: in}
	}
	p := newPacked(in, out)
	p.packRows(w, in)
	p.setBias(bias)
	return &weight{p: p, out: out, in: in}
}

// mul computes C[m×out] = A[m×in]·Wᵀ + bias, rows of A at a[i*lda], rows of
// C at c[i*ldc], on up to GOMAXPROCS goroutines. epi (if not nil) runs on
// each finished block of rows [r0,r1), once per row, while it is still in
// cache. st (may be nil) counts the work.
func (w *weight) mul(st *gemmStats, m int, a []float32, lda int, c []float32, ldc int, epi func(r0, r1 int)) {
	if m <= 0 {
		return
	}
	if w.p != nil {
		matmulStats(st, m, a, lda, w.p, c, ldc, epi)
		return
	}
	workers := maxWorkers()
	if workers > 1 && m < workers*blasMinRows {
		// A short input (a query): split the columns of C, blocks of W's
		// rows a multiple of 16 wide, so no worker packs all of W; the
		// epilogue then runs once over all rows.
		cols := ((w.out+workers-1)/workers + 15) &^ 15
		tasks := (w.out + cols - 1) / cols
		parallelFor(tasks, func(_, t int) {
			n0 := t * cols
			n1 := min(n0+cols, w.out)
			tm := st.start()
			blasSgemm(false, true, m, n1-n0, w.in, a, lda, w.w[n0*w.in:], w.in, c[n0:], ldc)
			st.done(tm, m, n1-n0, w.in)
		})
		w.addBias(0, m, c, ldc)
		if epi != nil {
			epi(0, m)
		}
		return
	}
	rows := blasTaskRows(m, workers)
	parallelFor((m+rows-1)/rows, func(_, t int) {
		r0 := t * rows
		r1 := min(r0+rows, m)
		tm := st.start()
		blasSgemm(false, true, r1-r0, w.out, w.in, a[r0*lda:], lda, w.w, w.in, c[r0*ldc:], ldc)
		st.done(tm, r1-r0, w.out, w.in)
		w.addBias(r0, r1, c, ldc)
		if epi != nil {
			epi(r0, r1)
		}
	})
}

// addBias adds the OpenBLAS weight's bias, if any, to C's rows [r0,r1).
func (w *weight) addBias(r0, r1 int, c []float32, ldc int) {
	if w.bias != nil {
		addRowBias(r0, r1, w.bias, c, ldc)
	}
}

// Rows per sgemm call. Every call packs its share of W again (OpenBLAS has
// no pre-packed B), which costs about as much as 100 rows of multiply-adds,
// so calls must not be too short: on MiniLM's shapes 512-row calls reach
// ~90% of a 2048-row call's speed, 128-row calls ~85% (one core, EPYC Zen
// 4). blasTaskRows aims at four tasks per worker, so that a worker slowed
// by another process leaves the rest to the others, within those bounds.
const (
	blasMaxRows = 512
	blasMinRows = 64
)

func blasTaskRows(m, workers int) int {
	rows := (m + 4*workers - 1) / (4 * workers)
	rows = min(max(rows, blasMinRows), blasMaxRows)
	return (rows + 7) &^ 7
}

// gemmScratch is one worker's scratch for the serial products of
// attention: the packed B of the Go kernel (OpenBLAS reads operands in
// place).
type gemmScratch struct {
	b packed
}

// mulNT computes C[m×n] = A[m×k]·Bᵀ where B is n×k (rows at b[j*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNT(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	tm := st.start()
	if useBLAS() {
		blasSgemm(false, true, m, n, k, a, lda, b, ldb, c, ldc)
	} else {
		s.b.reset(k, n)
		s.b.packRows(b, ldb)
		gemmRows(0, m, a, lda, &s.b, c, ldc)
	}
	st.done(tm, m, n, k)
}

// mulNN computes C[m×n] = A[m×k]·B where B is k×n (rows at b[kk*ldb]), on
// the calling goroutine. Only columns [0,n) of each C row are written.
func (s *gemmScratch) mulNN(st *gemmStats, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	tm := st.start()
	if useBLAS() {
		blasSgemm(false, false, m, n, k, a, lda, b, ldb, c, ldc)
	} else {
		s.b.reset(k, n)
		s.b.packCols(b, ldb)
		gemmRows(0, m, a, lda, &s.b, c, ldc)
	}
	st.done(tm, m, n, k)
}
