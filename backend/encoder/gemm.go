package encoder

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The Go GEMM (C = A·B in float32; backend.go chooses between it and
// OpenBLAS). B is packed once into panels of panelW columns: panel p holds
// B[0:k, p*16:(p+1)*16] row after row, so the micro-kernel streams it
// linearly while A rows are read in place (any row stride). The
// micro-kernel, chosen by CPU features, computes a 12×32 block of C (two
// panels; AVX-512), or a 6×16 block (AVX2+FMA assembly on amd64, plain Go
// elsewhere), over all of k in registers.

const (
	panelW = 16 // columns per packed panel
	mr     = 6  // rows per micro-kernel call
	mc     = 48 // rows per parallel task (a multiple of mr and mrWide)
)

// packed is a k×n matrix in panel layout; columns n..npad-1 are zero.
// bias, if not nil, is added to every row of a product with it (np*panelW
// long, zero past n).
type packed struct {
	k, n, np int // np = number of panels
	data     []float32
	bias     []float32
}

// setBias makes products with p add bias (len p.n) to every row; nil
// removes it.
func (p *packed) setBias(bias []float32) {
	if bias == nil {
		p.bias = nil
		return
	}
	p.bias = make([]float32, p.np*panelW)
	copy(p.bias, bias[:p.n])
}

// addBiasRows adds b's bias, if any, to columns [0,b.n) of C's rows
// [r0,r1): the epilogue of the kernels that do not start from it.
func addBiasRows(r0, r1 int, b *packed, c []float32, ldc int) {
	addBiasTile(r0, r1, 0, b.np, b, c, ldc)
}

// addBiasTile is addBiasRows on the columns of panels [p0,p1) only.
func addBiasTile(r0, r1, p0, p1 int, b *packed, c []float32, ldc int) {
	if b.bias == nil {
		return
	}
	j0, j1 := p0*panelW, min(p1*panelW, b.n)
	if j0 < j1 {
		addRowBias(r0, r1, b.bias[j0:j1], c[j0:], ldc)
	}
}

// addRowBias adds bias to columns [0,len(bias)) of C's rows [r0,r1).
func addRowBias(r0, r1 int, bias, c []float32, ldc int) {
	for i := r0; i < r1; i++ {
		row := c[i*ldc : i*ldc+len(bias)]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

func newPacked(k, n int) *packed {
	np := (n + panelW - 1) / panelW
	return &packed{k: k, n: n, np: np, data: make([]float32, np*k*panelW)}
}

// reset resizes p for k×n, reusing its storage when large enough.
func (p *packed) reset(k, n int) {
	p.k, p.n = k, n
	p.np = (n + panelW - 1) / panelW
	need := p.np * k * panelW
	if cap(p.data) < need {
		p.data = make([]float32, need)
	}
	p.data = p.data[:need]
}

// packRows fills p with B[kk][j] = src[j*ld+kk], for a source whose rows are
// B's columns: a torch Linear weight [out=n, in=k], or the keys of an
// attention head (Q·Kᵀ).
func (p *packed) packRows(src []float32, ld int) {
	for pi := 0; pi < p.np; pi++ {
		dst := p.data[pi*p.k*panelW : (pi+1)*p.k*panelW]
		for jj := 0; jj < panelW; jj++ {
			j := pi*panelW + jj
			if j >= p.n {
				for kk := 0; kk < p.k; kk++ {
					dst[kk*panelW+jj] = 0
				}
				continue
			}
			row := src[j*ld : j*ld+p.k]
			for kk, v := range row {
				dst[kk*panelW+jj] = v
			}
		}
	}
}

// packCols fills p with B[kk][j] = src[kk*ld+j]: a row-major k×n source, such
// as the values of an attention head.
func (p *packed) packCols(src []float32, ld int) {
	for pi := 0; pi < p.np; pi++ {
		dst := p.data[pi*p.k*panelW : (pi+1)*p.k*panelW]
		j0 := pi * panelW
		w := min(panelW, p.n-j0)
		for kk := 0; kk < p.k; kk++ {
			d := dst[kk*panelW : kk*panelW+panelW]
			copy(d, src[kk*ld+j0:kk*ld+j0+w])
			for jj := w; jj < panelW; jj++ {
				d[jj] = 0
			}
		}
	}
}

// gemmRows computes rows [r0,r1) of C = A·B (+ b's bias). A row i starts
// at a[i*lda]; C row i at c[i*ldc]. Only columns [0,b.n) of C are written. It runs the
// AVX-512 kernels where the CPU has them, else the 6×16 ones.
func gemmRows(r0, r1 int, a []float32, lda int, b *packed, c []float32, ldc int) {
	gemmTile(r0, r1, 0, b.np, a, lda, b, c, ldc)
}

// gemmTile is gemmRows on the columns of panels [p0,p1) only; p0 is even.
func gemmTile(r0, r1, p0, p1 int, a []float32, lda int, b *packed, c []float32, ldc int) {
	if useAVX512 {
		gemmRowsWide(r0, r1, p0, p1, a, lda, b, c, ldc)
		return
	}
	gemmRowsNarrow(r0, r1, p0, p1, a, lda, b, c, ldc)
}

// gemmRowsNarrow is gemmRows with the 6×16 micro-kernels (AVX2 assembly,
// or Go), the bias added afterwards.
func gemmRowsNarrow(r0, r1, p0, p1 int, a []float32, lda int, b *packed, c []float32, ldc int) {
	var tmp [mr * panelW]float32
	k := b.k
	for pi := p0; pi < p1; pi++ {
		bp := b.data[pi*k*panelW : (pi+1)*k*panelW]
		j0 := pi * panelW
		full := j0+panelW <= b.n
		i := r0
		for ; i+mr <= r1; i += mr {
			if full {
				kern6x16(k, a[i*lda:], lda, bp, c[i*ldc+j0:], ldc)
				continue
			}
			kern6x16(k, a[i*lda:], lda, bp, tmp[:], panelW)
			for r := 0; r < mr; r++ {
				copy(c[(i+r)*ldc+j0:(i+r)*ldc+b.n], tmp[r*panelW:])
			}
		}
		for ; i < r1; i++ {
			if full {
				kern1x16(k, a[i*lda:], bp, c[i*ldc+j0:])
				continue
			}
			kern1x16(k, a[i*lda:], bp, tmp[:])
			copy(c[i*ldc+j0:i*ldc+b.n], tmp[:])
		}
	}
	addBiasTile(r0, r1, p0, p1, b, c, ldc)
}

// kern6x16Go and kern1x16Go are the portable micro-kernels.
func kern6x16Go(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	for r := 0; r < mr; r++ {
		kern1x16Go(k, a[r*lda:], b, c[r*ldc:])
	}
}

func kern1x16Go(k int, a []float32, b []float32, c []float32) {
	var acc [panelW]float32
	a = a[:k]
	b = b[:k*panelW]
	for kk, av := range a {
		bb := b[kk*panelW : kk*panelW+panelW : kk*panelW+panelW]
		acc[0] += av * bb[0]
		acc[1] += av * bb[1]
		acc[2] += av * bb[2]
		acc[3] += av * bb[3]
		acc[4] += av * bb[4]
		acc[5] += av * bb[5]
		acc[6] += av * bb[6]
		acc[7] += av * bb[7]
		acc[8] += av * bb[8]
		acc[9] += av * bb[9]
		acc[10] += av * bb[10]
		acc[11] += av * bb[11]
		acc[12] += av * bb[12]
		acc[13] += av * bb[13]
		acc[14] += av * bb[14]
		acc[15] += av * bb[15]
	}
	copy(c[:panelW], acc[:])
}

// parallelFor runs fn(worker, task) for task in [0,n) on up to GOMAXPROCS
// goroutines; worker is in [0, workers) and identifies per-worker scratch.
func parallelFor(n int, fn func(worker, task int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for t := 0; t < n; t++ {
			fn(0, t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				t := int(next.Add(1) - 1)
				if t >= n {
					return
				}
				fn(w, t)
			}
		}(w)
	}
	wg.Wait()
}

// maxWorkers is how many workers parallelFor may use.
func maxWorkers() int { return runtime.GOMAXPROCS(0) }

// matmul computes C = A·B (+ epilogue) over all m rows in parallel. After
// each block of rows [r0,r1) is computed, epi (if not nil) runs on it while
// it is still in cache.
func matmul(m int, a []float32, lda int, b *packed, c []float32, ldc int, epi func(r0, r1 int)) {
	matmulStats(nil, m, a, lda, b, c, ldc, epi)
}

// matmulStats is matmul that counts its GEMM work in st (which may be nil).
func matmulStats(st *gemmStats, m int, a []float32, lda int, b *packed, c []float32, ldc int, epi func(r0, r1 int)) {
	rowTasks := (m + mc - 1) / mc
	// Few rows (a short query): also split the columns, in whole panel
	// pairs, so that every worker has a share; the worker that finishes a
	// row block's last tile runs its epilogue.
	pairs := (b.np + 1) / 2
	colTasks := 1
	if w := maxWorkers(); rowTasks < 2*w && pairs > 1 {
		colTasks = min((2*w+rowTasks-1)/rowTasks, pairs)
	}
	per := (pairs + colTasks - 1) / colTasks // panel pairs per tile
	colTasks = (pairs + per - 1) / per
	var left []atomic.Int32 // tiles of each row block not yet done
	if colTasks > 1 && epi != nil {
		left = make([]atomic.Int32, rowTasks)
		for i := range left {
			left[i].Store(int32(colTasks))
		}
	}
	parallelFor(rowTasks*colTasks, func(_, t int) {
		rb, cb := t/colTasks, t%colTasks
		r0, r1 := rb*mc, min((rb+1)*mc, m)
		p0, p1 := 2*cb*per, min(2*(cb+1)*per, b.np)
		tm := st.start()
		gemmTile(r0, r1, p0, p1, a, lda, b, c, ldc)
		st.done(tm, r1-r0, min(p1*panelW, b.n)-p0*panelW, b.k)
		if epi != nil && (left == nil || left[rb].Add(-1) == 0) {
			epi(r0, r1)
		}
	})
}

// gemmStats counts the work done inside GEMM calls; it is safe for
// concurrent use (atomic counters). A nil *gemmStats counts nothing.
type gemmStats struct {
	flops, nanos, cpu, calls atomic.Int64
}

// gemmTimer is the clock readings at the start of one GEMM call.
type gemmTimer struct {
	t0  time.Time
	cpu int64
}

// start begins timing a GEMM call. It pins the goroutine to its OS thread
// so that the thread CPU clock read by done belongs to the same thread;
// done must follow on the same goroutine.
func (s *gemmStats) start() gemmTimer {
	if s == nil {
		return gemmTimer{}
	}
	runtime.LockOSThread()
	return gemmTimer{t0: time.Now(), cpu: threadCPU()}
}

// done records one m×n×k product timed from tm.
func (s *gemmStats) done(tm gemmTimer, m, n, k int) {
	if s == nil {
		return
	}
	cpu := threadCPU() - tm.cpu
	d := time.Since(tm.t0)
	runtime.UnlockOSThread()
	s.flops.Add(2 * int64(m) * int64(n) * int64(k))
	s.nanos.Add(int64(d))
	s.cpu.Add(cpu)
	s.calls.Add(1)
}

// Stats counts the matrix multiplies an Encoder has run since Open or the
// last ResetStats: the Linear layers and the attention products.
//
// GemmFlops/GemmCPUNanos is the GEMM speed of one busy core in FLOP/s, and
// GemmCPUNanos divided by the process CPU time over the same interval is
// the share of the work spent in GEMM; both hold on a loaded machine.
// GemmNanos is wall-clock time inside GEMM calls, summed over the
// goroutines that ran them at the same time: it also counts time the thread
// waited for a core, so it exceeds GemmCPUNanos when the machine is busy.
type Stats struct {
	// GemmBackend is the GEMM backend chosen (see Gemm): "openblas" or
	// "go".
	GemmBackend string
	// GemmFlops is 2·m·n·k summed over every GEMM call.
	GemmFlops int64
	// GemmNanos is the wall time spent inside GEMM calls, summed over
	// goroutines.
	GemmNanos int64
	// GemmCPUNanos is the thread CPU time spent inside GEMM calls, summed
	// over threads (0 where the OS has no per-thread clock: not Linux or
	// macOS).
	GemmCPUNanos int64
	// GemmCalls is the number of GEMM calls (row blocks count separately).
	GemmCalls int64
}

// Stats returns the GEMM counters. It is safe to call during Embed.
func (e *Encoder) Stats() Stats {
	st := &e.net.stats
	return Stats{
		GemmBackend:  Gemm().Backend,
		GemmFlops:    st.flops.Load(),
		GemmNanos:    st.nanos.Load(),
		GemmCPUNanos: st.cpu.Load(),
		GemmCalls:    st.calls.Load(),
	}
}

// ResetStats sets the GEMM counters to zero.
func (e *Encoder) ResetStats() {
	st := &e.net.stats
	st.flops.Store(0)
	st.nanos.Store(0)
	st.cpu.Store(0)
	st.calls.Store(0)
}
