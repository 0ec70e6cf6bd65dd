//go:build cgo && !purego

package cblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemm checks the four transpose combinations on strided operands
// against a float64 reference, and that C's padding columns stay untouched.
func TestSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{1, 1, 1}, {7, 5, 13}, {33, 17, 64}, {0, 3, 2}, {3, 4, 0}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				name := fmt.Sprintf("m=%d n=%d k=%d transA=%v transB=%v", m, n, k, ta, tb)
				// at(i,kk) and bt(kk,j) read op(A) and op(B) from storage.
				ar, ac := m, k
				if ta {
					ar, ac = k, m
				}
				br, bc := k, n
				if tb {
					br, bc = n, k
				}
				lda, ldb, ldc := ac+2, bc+1, n+3
				a := make([]float32, max(ar*lda, 1))
				b := make([]float32, max(br*ldb, 1))
				for i := range a {
					a[i] = r.Float32()*2 - 1
				}
				for i := range b {
					b[i] = r.Float32()*2 - 1
				}
				at := func(i, kk int) float64 {
					if ta {
						return float64(a[kk*lda+i])
					}
					return float64(a[i*lda+kk])
				}
				bt := func(kk, j int) float64 {
					if tb {
						return float64(b[j*ldb+kk])
					}
					return float64(b[kk*ldb+j])
				}
				c := make([]float32, max(m*ldc, 1))
				for i := range c {
					c[i] = 7
				}
				Sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < ldc; j++ {
						got := float64(c[i*ldc+j])
						want := 7.0 // padding
						if j < n {
							want = 0
							for kk := 0; kk < k; kk++ {
								want += at(i, kk) * bt(kk, j)
							}
						}
						if math.Abs(got-want) > 1e-4 {
							t.Fatalf("%s: c[%d][%d] = %v, want %v", name, i, j, got, want)
						}
					}
				}
			}
		}
	}
}
