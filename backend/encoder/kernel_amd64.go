package encoder

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects the AVX2+FMA assembly: the 6×16 GEMM micro-kernel and the
// vectorised exp, erf, max and LayerNorm of mathf_amd64.s.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 selects the AVX-512 GEMM micro-kernels (12×32 and 12×16) over
// the AVX2 one. x/sys/cpu reports AVX512F only when the OS saves the ZMM
// registers.
var useAVX512 = cpu.X86.HasAVX512F && useAVX2

//go:noescape
func kern6x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int)

//go:noescape
func kern1x16AVX2(k int, a *float32, b *float32, c *float32)

//go:noescape
func kern12x32AVX512(k int, a *float32, lda int, b *float32, bnext int, bias *float32, c *float32, ldc int)

//go:noescape
func kern12x16AVX512(k int, a *float32, lda int, b *float32, bias *float32, c *float32, ldc int)

func kern6x16(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	if !useAVX2 || k == 0 {
		kern6x16Go(k, a, lda, b, c, ldc)
		return
	}
	// Bounds the assembly relies on.
	_ = a[(mr-1)*lda+k-1]
	_ = b[k*panelW-1]
	_ = c[(mr-1)*ldc+panelW-1]
	kern6x16AVX2(k, &a[0], lda, &b[0], &c[0], ldc)
}

func kern1x16(k int, a []float32, b []float32, c []float32) {
	if !useAVX2 || k == 0 {
		kern1x16Go(k, a, b, c)
		return
	}
	_ = a[k-1]
	_ = b[k*panelW-1]
	_ = c[panelW-1]
	kern1x16AVX2(k, &a[0], &b[0], &c[0])
}

// mrWide is the rows of the AVX-512 micro-kernels; mc is a multiple of it.
const mrWide = 12

// rowsPool holds scratch for the last rows of a block, copied and padded
// with zeros to mrWide rows.
var rowsPool sync.Pool // of *[]float32

// gemmRowsWide is gemmRows with the AVX-512 kernels: 12 rows by two
// panels (32 columns) at a time, the odd last panel 16 wide, starting from
// b's bias. Blocks at the edges (fewer than 12 rows, fewer than 32 columns)
// are computed in full from zero-padded copies and only their valid part is
// written to C.
func gemmRowsWide(r0, r1, p0, p1 int, a []float32, lda int, b *packed, c []float32, ldc int) {
	k := b.k
	if k == 0 {
		j0, j1 := p0*panelW, min(p1*panelW, b.n)
		for i := r0; i < r1 && j0 < j1; i++ {
			clear(c[i*ldc+j0 : i*ldc+j1])
		}
		addBiasTile(r0, r1, p0, p1, b, c, ldc)
		return
	}
	var tmp [mrWide * 2 * panelW]float32
	var pad *[]float32
	for i := r0; i < r1; i += mrWide {
		rows := min(mrWide, r1-i)
		ap, ld := a[i*lda:], lda
		if rows < mrWide {
			if pad == nil {
				pad, _ = rowsPool.Get().(*[]float32)
				if pad == nil {
					pad = new([]float32)
				}
				if cap(*pad) < mrWide*k {
					*pad = make([]float32, mrWide*k)
				}
			}
			ap, ld = (*pad)[:mrWide*k], k
			for r := 0; r < mrWide; r++ {
				if r < rows {
					copy(ap[r*k:(r+1)*k], a[(i+r)*lda:(i+r)*lda+k])
				} else {
					clear(ap[r*k : (r+1)*k])
				}
			}
		}
		_ = ap[(mrWide-1)*ld+k-1]
		for pi := p0; pi < p1; pi += 2 {
			j0 := pi * panelW
			two := pi+1 < p1
			w := panelW
			if two {
				w = 2 * panelW
			}
			cols := min(w, b.n-j0)
			bp := b.data[pi*k*panelW:]
			_ = bp[k*w-1]
			var bias *float32
			if b.bias != nil {
				_ = b.bias[j0+w-1] // padded to whole panels
				bias = &b.bias[j0]
			}
			if rows == mrWide && cols == w {
				dst := c[i*ldc+j0:]
				_ = dst[(mrWide-1)*ldc+w-1]
				if two {
					kern12x32AVX512(k, &ap[0], ld, &bp[0], k*panelW, bias, &dst[0], ldc)
				} else {
					kern12x16AVX512(k, &ap[0], ld, &bp[0], bias, &dst[0], ldc)
				}
				continue
			}
			if two {
				kern12x32AVX512(k, &ap[0], ld, &bp[0], k*panelW, bias, &tmp[0], 2*panelW)
			} else {
				kern12x16AVX512(k, &ap[0], ld, &bp[0], bias, &tmp[0], 2*panelW)
			}
			for r := 0; r < rows; r++ {
				copy(c[(i+r)*ldc+j0:(i+r)*ldc+j0+cols], tmp[r*2*panelW:])
			}
		}
	}
	if pad != nil {
		rowsPool.Put(pad)
	}
}
