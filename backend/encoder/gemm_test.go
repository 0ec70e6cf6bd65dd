package encoder

import (
	"math"
	"math/rand/v2"
	"testing"
)

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

func TestMatmul(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{1, 1, 1}, {5, 7, 3}, {6, 16, 8}, {13, 33, 17}, {100, 48, 64}, {97, 40, 384}} {
		m, n, k := sh[0], sh[1], sh[2]
		a := randSlice(r, m*k)
		w := randSlice(r, n*k) // torch layout [n,k]
		want := naiveMatmulT(a, m, k, w, n)
		for _, generic := range []bool{false, true} {
			saved := useAVX2
			if generic {
				useAVX2 = false
			}
			b := newPacked(k, n)
			b.packRows(w, k)
			c := make([]float32, m*n)
			matmul(m, a, k, b, c, n, nil)
			// Same product with B given row-major (packCols of Wᵀ).
			wt := make([]float32, k*n)
			for j := 0; j < n; j++ {
				for kk := 0; kk < k; kk++ {
					wt[kk*n+j] = w[j*k+kk]
				}
			}
			b2 := newPacked(k, n)
			b2.packCols(wt, n)
			c2 := make([]float32, m*n)
			matmul(m, a, k, b2, c2, n, nil)
			useAVX2 = saved
			for i := range want {
				if math.Abs(float64(c[i]-want[i])) > 1e-4 || math.Abs(float64(c2[i]-want[i])) > 1e-4 {
					t.Fatalf("m=%d n=%d k=%d generic=%v: c[%d] = %v / %v, want %v", m, n, k, generic, i, c[i], c2[i], want[i])
				}
			}
		}
	}
}

func BenchmarkGemm384x1536(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	m, k, n := 1536, 384, 1536
	a := randSlice(r, m*k)
	p := newPacked(k, n)
	p.packRows(randSlice(r, n*k), k)
	c := make([]float32, m*n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		matmul(m, a, k, p, c, n, nil)
	}
	b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
