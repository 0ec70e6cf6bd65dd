package encoder

import "unsafe"

//go:noescape
func expShiftSumAVX2(x *float32, n int, shift, scale float32) float32

//go:noescape
func geluErfAVX2(x *float32, n int)

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
