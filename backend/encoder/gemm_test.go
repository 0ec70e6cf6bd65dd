package encoder

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"folio/backend/model/modeltest"
)

// naiveMatmulT is C[m×n] = A[m×k]·Wᵀ for W [n×k], accumulated in float64.
func naiveMatmulT(a []float32, m, k int, w []float32, n int) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for kk := 0; kk < k; kk++ {
				s += float64(a[i*k+kk]) * float64(w[j*k+kk])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// transpose returns the row-major rows×cols matrix w as cols×rows.
func transpose(w []float32, rows, cols int) []float32 {
	t := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = w[i*cols+j]
		}
	}
	return t
}

// checkClose fails when got and want differ by more than a tolerance that
// grows with k (float32 accumulation of k products of values in [-1,1]).
func checkClose(t *testing.T, what string, k int, got, want []float32) {
	t.Helper()
	tol := 1e-5 * float64(k+8)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%s: c[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// gemmShapes are m, n, k: odd sizes, panel edges, and MiniLM's layers
// (k=384 hidden, 1536 intermediate) with a token count that is not a
// multiple of any block size.
var gemmShapes = [][3]int{
	{1, 1, 1}, {7, 5, 13}, {5, 7, 3}, {6, 16, 8}, {13, 33, 17}, {100, 48, 64}, {97, 40, 384},
	{300, 1152, 384}, {300, 384, 384}, {300, 1536, 384}, {300, 384, 1536}, {2100, 40, 24},
}

// kernelVariant is one of the Go kernel's micro-kernel families.
type kernelVariant struct {
	name         string
	avx2, avx512 bool
}

// kernelVariants are the micro-kernels this CPU can run: plain Go always,
// AVX2 and AVX-512 where the CPU has them.
func kernelVariants() []kernelVariant {
	vs := []kernelVariant{{name: "generic"}}
	if useAVX2 {
		vs = append(vs, kernelVariant{name: "avx2", avx2: true})
	}
	if useAVX512 {
		vs = append(vs, kernelVariant{name: "avx512", avx2: true, avx512: true})
	}
	return vs
}

// withKernel runs fn with only the micro-kernels of v enabled.
func withKernel(v kernelVariant, fn func()) {
	saved, saved512 := useAVX2, useAVX512
	useAVX2, useAVX512 = v.avx2, v.avx512
	defer func() { useAVX2, useAVX512 = saved, saved512 }()
	fn()
}

// gemmBackends are the backends built in: the Go kernel, and OpenBLAS in
// cgo builds without the purego tag.
func gemmBackends() []string {
	if haveBLAS {
		return []string{"go", "openblas"}
	}
	return []string{"go"}
}

// withBackend runs fn with the backend named (as from gemmBackends) in place
// of the one chosen for the process.
func withBackend(name string, fn func()) {
	useBLAS() // settle the process's choice first
	saved := gemmSel.blas
	gemmSel.blas = name == "openblas"
	if gemmSel.blas {
		blasInit()
	}
	defer func() { gemmSel.blas = saved }()
	fn()
}

// TestGemmGoKernel checks the Go kernel with every micro-kernel this CPU
// has on B packed from rows (a torch weight) and from columns (row-major
// B). It runs in every build: it is the fallback and the reference the
// benchmarks use.
func TestGemmGoKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		a := randSlice(r, m*k)
		w := randSlice(r, n*k) // torch layout [n,k]
		want := naiveMatmulT(a, m, k, w, n)
		for _, v := range kernelVariants() {
			name := fmt.Sprintf("m=%d n=%d k=%d kernel=%s", m, n, k, v.name)
			withKernel(v, func() {
				b := newPacked(k, n)
				b.packRows(w, k)
				c := make([]float32, m*n)
				matmul(m, a, k, b, c, n, nil)
				// Same product with B given row-major (packCols of Wᵀ).
				b2 := newPacked(k, n)
				b2.packCols(transpose(w, n, k), n)
				c2 := make([]float32, m*n)
				matmul(m, a, k, b2, c2, n, nil)
				checkClose(t, name+" packRows", k, c, want)
				checkClose(t, name+" packCols", k, c2, want)
			})
		}
	}
}

// TestGemmKernelEdges checks each micro-kernel family against the float64
// reference on the shapes at its edges: row counts around multiples of 6
// and 12 (the remainder rows), column counts around one and two panels
// (the odd last panel, the partial one), k of 1 to 3 (the unrolled loop's
// tail) and long k, with strided A and C whose padding must stay untouched,
// with a row range that starts inside the matrix, and with a bias on
// every other k.
func TestGemmKernelEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, m := range []int{1, 5, 6, 7, 11, 12, 13, 23, 25, 48, 49} {
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 80} {
			for _, k := range []int{1, 2, 3, 8, 33, 300} {
				lda, ldc := k+5, n+3
				a := randSlice(r, m*lda)
				w := randSlice(r, n*k)
				dense := make([]float32, m*k)
				for i := 0; i < m; i++ {
					copy(dense[i*k:(i+1)*k], a[i*lda:])
				}
				want := naiveMatmulT(dense, m, k, w, n)
				b := newPacked(k, n)
				b.packRows(w, k)
				withBias := k%2 == 1
				if withBias {
					bias := randSlice(r, n)
					b.setBias(bias)
					for i := range want {
						want[i] += bias[i%n]
					}
				}
				for _, v := range kernelVariants() {
					name := fmt.Sprintf("kernel=%s m=%d n=%d k=%d bias=%v", v.name, m, n, k, withBias)
					c := make([]float32, m*ldc)
					for i := range c {
						c[i] = 42
					}
					withKernel(v, func() {
						// Two calls, the second from a row inside the matrix.
						split := m / 3
						gemmRows(0, split, a, lda, b, c, ldc)
						gemmRows(split, m, a, lda, b, c, ldc)
					})
					got := make([]float32, m*n)
					for i := 0; i < m; i++ {
						copy(got[i*n:(i+1)*n], c[i*ldc:])
						for j := n; j < ldc; j++ {
							if c[i*ldc+j] != 42 {
								t.Fatalf("%s: padding c[%d][%d] = %v, want untouched 42", name, i, j, c[i*ldc+j])
							}
						}
					}
					checkClose(t, name, k, got, want)
				}
			}
		}
	}
}

// TestGemmKernelsAgree checks that the AVX-512 kernels give the AVX2
// kernel's results within float32 rounding on MiniLM's shapes, where the
// parity tests' tolerances were set with the AVX2 kernel.
func TestGemmKernelsAgree(t *testing.T) {
	if !useAVX512 {
		t.Skip("this CPU has no AVX-512")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, sh := range [][3]int{{300, 1152, 384}, {300, 384, 1536}, {256, 32, 256}} {
		m, n, k := sh[0], sh[1], sh[2]
		a := randSlice(r, m*k)
		b := newPacked(k, n)
		b.packRows(randSlice(r, n*k), k)
		var out [2][]float32
		for i, v := range []kernelVariant{{name: "avx2", avx2: true}, {name: "avx512", avx2: true, avx512: true}} {
			out[i] = make([]float32, m*n)
			withKernel(v, func() { matmul(m, a, k, b, out[i], n, nil) })
		}
		// Both sum each element's k products with FMAs in the same order,
		// so the results are the same bits.
		for i := range out[0] {
			if out[0][i] != out[1][i] {
				t.Fatalf("m=%d n=%d k=%d: c[%d] avx2 %v, avx512 %v", m, n, k, i, out[0][i], out[1][i])
			}
		}
	}
}

// TestGemmWeight checks every built-in backend's Linear product (the Go
// kernel, and OpenBLAS unless -tags purego / CGO_ENABLED=0) on strided
// operands, that
// the epilogue sees every row exactly once after its block is computed, and
// the FLOP count, with 1, 2 and 3 workers (the work splits differ).
func TestGemmWeight(t *testing.T) {
	for _, backend := range gemmBackends() {
		for _, procs := range []int{1, 2, 3} {
			withBackend(backend, func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				testGemmWeight(t, backend, procs)
			})
		}
	}
}

func testGemmWeight(t *testing.T, backend string, procs int) {
	r := rand.New(rand.NewPCG(3, 4))
	for si, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		withBias := si%2 == 0
		name := fmt.Sprintf("%s procs=%d m=%d n=%d k=%d bias=%v", backend, procs, m, n, k, withBias)
		lda, ldc := k+3, n+5 // strided rows; the padding must stay untouched
		a := randSlice(r, m*lda)
		w := randSlice(r, n*k)
		dense := make([]float32, m*k)
		for i := 0; i < m; i++ {
			copy(dense[i*k:(i+1)*k], a[i*lda:])
		}
		want := naiveMatmulT(dense, m, k, w, n)
		var bias []float32
		if withBias {
			bias = randSlice(r, n)
			for i := range want {
				want[i] += bias[i%n]
			}
		}
		wt := newWeight(w, bias, n, k)
		if (wt.p == nil) != (backend == "openblas") {
			t.Fatalf("%s: weight prepared for the other backend", name)
		}
		c := make([]float32, m*ldc)
		for i := range c {
			c[i] = 42
		}
		seen := make([]int, m) // rows the epilogue visited; written by one block each
		var st gemmStats
		wt.mul(&st, m, a, lda, c, ldc, func(r0, r1 int) {
			for i := r0; i < r1; i++ {
				seen[i]++
				// The block's product must be complete when epi runs.
				c[i*ldc+n-1] = -c[i*ldc+n-1]
			}
		})
		got := make([]float32, m*n)
		for i := 0; i < m; i++ {
			if seen[i] != 1 {
				t.Fatalf("%s: epilogue ran %d times on row %d, want 1", name, seen[i], i)
			}
			c[i*ldc+n-1] = -c[i*ldc+n-1]
			copy(got[i*n:(i+1)*n], c[i*ldc:])
			for j := n; j < ldc; j++ {
				if c[i*ldc+j] != 42 {
					t.Fatalf("%s: padding c[%d][%d] = %v, want untouched 42", name, i, j, c[i*ldc+j])
				}
			}
		}
		checkClose(t, name, k, got, want)
		if got, want := st.flops.Load(), int64(2*m*n*k); got != want {
			t.Errorf("%s: counted %d flops, want %d", name, got, want)
		}
		if st.calls.Load() < 1 || st.nanos.Load() < 0 {
			t.Errorf("%s: calls %d, nanos %d, want ≥ 1, ≥ 0", name, st.calls.Load(), st.nanos.Load())
		}
	}
}

// TestGemmAttention checks the serial products of attention, Q·Kᵀ (mulNT)
// and P·V (mulNN), on operands strided like the packed Q|K|V rows.
func TestGemmAttention(t *testing.T) {
	for _, backend := range gemmBackends() {
		withBackend(backend, func() { testGemmAttention(t, backend) })
	}
}

func testGemmAttention(t *testing.T, backend string) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][2]int{{1, 1}, {1, 8}, {7, 13}, {17, 32}, {256, 32}, {130, 64}} {
		L, d := sh[0], sh[1]
		name := fmt.Sprintf("%s L=%d d=%d", backend, L, d)
		ld := 3*d + 2
		qkv := randSlice(r, L*ld)
		q, k, v := qkv, qkv[d:], qkv[2*d+1:]
		dense := func(s []float32) []float32 { // L×d copy of a strided operand
			out := make([]float32, L*d)
			for i := 0; i < L; i++ {
				copy(out[i*d:(i+1)*d], s[i*ld:])
			}
			return out
		}
		var g gemmScratch
		var st gemmStats
		for pass := 0; pass < 2; pass++ { // the second pass reuses the scratch
			scores := make([]float32, L*L)
			g.mulNT(&st, L, L, d, q, ld, k, ld, scores, L)
			checkClose(t, name+" Q·Kᵀ", d, scores, naiveMatmulT(dense(q), L, d, dense(k), L))

			ldc := d + 1
			c := make([]float32, L*ldc)
			g.mulNN(&st, L, d, L, scores, L, v, ld, c, ldc)
			got := make([]float32, L*d)
			for i := 0; i < L; i++ {
				copy(got[i*d:(i+1)*d], c[i*ldc:])
				if c[i*ldc+d] != 0 {
					t.Fatalf("%s: P·V wrote past column %d", name, d)
				}
			}
			checkClose(t, name+" P·V", L, got, naiveMatmulT(scores, L, L, transpose(dense(v), L, d), d))
		}
		if got, want := st.flops.Load(), int64(2*2*(L*L*d+L*d*L)); got != want {
			t.Errorf("%s: counted %d flops, want %d", name, got, want)
		}
	}
}

// TestGemmStats checks Encoder.Stats against the FLOPs of the forward pass
// of a tiny model, and ResetStats.
func TestGemmStats(t *testing.T) {
	dir := t.TempDir()
	o := modeltest.Tiny{Seed: 9} // defaults: H 32, 4 heads, I 64, 2 layers
	if _, err := modeltest.Write(dir, o); err != nil {
		t.Fatal(err)
	}
	enc, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st := enc.Stats(); st.GemmFlops != 0 || st.GemmCalls != 0 || st.GemmBackend != Gemm().Backend {
		t.Fatalf("fresh Stats = %+v, want zero counts, backend %q", st, Gemm().Backend)
	}
	texts := []string{"the cat sat on the mat", "hello world", "dogs running"}
	t0 := time.Now()
	if _, err := enc.Embed(context.Background(), texts); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(t0)
	const H, I, layers = 32, 64, 2
	var want int64
	for _, s := range texts {
		L := int64(len(enc.Tokenize(s)))
		linear := 2 * L * (3*H*H + H*H + 2*H*I)
		attn := 2 * 2 * L * L * H // Q·Kᵀ and P·V over all heads
		want += layers * (linear + attn)
	}
	st := enc.Stats()
	if st.GemmFlops != want {
		t.Errorf("GemmFlops = %d, want %d", st.GemmFlops, want)
	}
	// Summed over goroutines, GEMM time cannot exceed wall time × workers.
	if st.GemmNanos <= 0 || st.GemmNanos > int64(elapsed)*int64(maxWorkers()) {
		t.Errorf("GemmNanos = %d, want in (0, %d]", st.GemmNanos, int64(elapsed)*int64(maxWorkers()))
	}
	enc.ResetStats()
	if st := enc.Stats(); st.GemmFlops != 0 || st.GemmNanos != 0 || st.GemmCalls != 0 {
		t.Errorf("after ResetStats: %+v, want zero counts", st)
	}
}

// gemmLayerShapes are the products of one MiniLM layer over a batch of 2048
// tokens: Q|K|V, attention output, FF1, FF2 (name, n, k).
var gemmLayerShapes = []struct {
	name string
	n, k int
}{
	{"qkv", 1152, 384}, {"out", 384, 384}, {"ff1", 1536, 384}, {"ff2", 384, 1536},
}

// BenchmarkGemmLayer times every backend built in (OpenBLAS unless purego)
// and every micro-kernel of the Go kernel this CPU has, in the same run, on
// MiniLM's layer shapes with GOMAXPROCS workers. It reports GFLOP/s over
// wall time (all workers) and per core over process CPU time, which holds
// on a loaded machine.
func BenchmarkGemmLayer(b *testing.B) {
	const m = 2048
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range gemmLayerShapes {
		a := randSlice(r, m*sh.k)
		w := randSlice(r, sh.n*sh.k)
		c := make([]float32, m*sh.n)
		type variant struct {
			name string
			run  func(fn func())
		}
		var vs []variant
		for _, v := range kernelVariants() {
			vs = append(vs, variant{"go-" + v.name, func(fn func()) {
				withBackend("go", func() { withKernel(v, fn) })
			}})
		}
		if haveBLAS {
			vs = append(vs, variant{"openblas", func(fn func()) { withBackend("openblas", fn) }})
		}
		for _, v := range vs {
			b.Run(fmt.Sprintf("%s_%dx%dx%d/%s", sh.name, m, sh.k, sh.n, v.name), func(b *testing.B) {
				v.run(func() {
					wt := newWeight(w, nil, sh.n, sh.k)
					var wall, cpu time.Duration
					for b.Loop() {
						t0, c0 := time.Now(), cpuTime()
						wt.mul(nil, m, a, sh.k, c, sh.n, nil)
						wall += time.Since(t0)
						cpu += cpuTime() - c0
					}
					gf := float64(2*m*sh.n*sh.k) * float64(b.N) / 1e9
					b.ReportMetric(gf/wall.Seconds(), "GFLOP/s")
					b.ReportMetric(gf/cpu.Seconds(), "GFLOP/s/core")
				})
			})
		}
	}
}

// TestGemmChoice checks that the backend chosen for the process follows
// from the figures measured (or from FOLIO_GEMM), and logs them.
func TestGemmChoice(t *testing.T) {
	t0 := time.Now()
	g := Gemm() // measures here when it is the first use in the process
	t.Logf("%+v (%v)", g, time.Since(t0))
	if g.Kernel != goKernel() {
		t.Errorf("Kernel = %q, want %q", g.Kernel, goKernel())
	}
	switch {
	case !haveBLAS:
		if g.Backend != "go" || g.BLASCore != "" {
			t.Errorf("without OpenBLAS: %+v, want backend go and no BLAS core", g)
		}
	case os.Getenv("FOLIO_GEMM") == "go" || os.Getenv("FOLIO_GEMM") == "openblas":
		if g.Backend != os.Getenv("FOLIO_GEMM") {
			t.Errorf("FOLIO_GEMM=%s but backend %q", os.Getenv("FOLIO_GEMM"), g.Backend)
		}
	default:
		if !(g.GoGFLOPS > 0 && g.BLASGFLOPS > 0) {
			t.Fatalf("measured %+v, want both speeds > 0", g)
		}
		want := "go"
		if g.BLASGFLOPS >= blasMargin*g.GoGFLOPS {
			want = "openblas"
		}
		if g.Backend != want || useBLAS() != (want == "openblas") {
			t.Errorf("chose %q (useBLAS %v) from %+v, want %q", g.Backend, useBLAS(), g, want)
		}
	}
}
