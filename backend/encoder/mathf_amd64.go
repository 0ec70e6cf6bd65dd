package encoder

import "unsafe"

//go:noescape
func expShiftSumAVX2(x *float32, n int, shift, scale float32) float32

//go:noescape
func geluErfAVX2(x *float32, n int)

//go:noescape
func layerNormAVX2(x, t, bias *float32, rows int, gamma, beta *float32, h int, fh, eps float32)

//go:noescape
func maxAVX2(x *float32, n int) float32

// maxf is the largest value of v (len(v) > 0).
func maxf(v []float32) float32 {
	n8 := 0
	m := v[0]
	if useAVX2 && len(v) >= 8 {
		n8 = len(v) &^ 7
		m = maxAVX2(unsafe.SliceData(v), n8)
	}
	for _, x := range v[n8:] {
		if x > m {
			m = x
		}
	}
	return m
}

// expShiftSum sets v[i] = exp((v[i]-shift)*scale) and returns their sum.
func expShiftSum(v []float32, shift, scale float32) float32 {
	n8 := 0
	var s float32
	if useAVX2 && len(v) >= 8 {
		n8 = len(v) &^ 7
		s = expShiftSumAVX2(unsafe.SliceData(v), n8, shift, scale)
	}
	for i := n8; i < len(v); i++ {
		e := expf((v[i] - shift) * scale)
		v[i] = e
		s += e
	}
	return s
}

// geluErf applies GELU with erf (BERT's "gelu") in place.
func geluErf(v []float32) {
	n8 := 0
	if useAVX2 && len(v) >= 8 {
		n8 = len(v) &^ 7
		geluErfAVX2(unsafe.SliceData(v), n8)
	}
	geluErfGo(v[n8:])
}

// addLayerNorm sets each row of x (length len(g)) to LayerNorm(x + (t +
// bias)) in place; t == nil means no residual. See addLayerNormGo for the
// numerics, which the AVX2 kernel shares.
func addLayerNorm(x, t, bias, g, b []float32, eps float32) {
	h := len(g)
	rows := 0
	if h > 0 {
		rows = len(x) / h
	}
	if !useAVX2 || rows == 0 {
		addLayerNormGo(x, t, bias, g, b, eps)
		return
	}
	// Bounds the assembly relies on.
	_ = b[h-1]
	var tp, bp *float32
	if t != nil {
		_ = t[rows*h-1]
		_ = bias[h-1]
		tp, bp = &t[0], &bias[0]
	}
	layerNormAVX2(&x[0], tp, bp, rows, &g[0], &b[0], h, float32(h), eps)
}
