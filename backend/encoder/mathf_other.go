//go:build !amd64

package encoder

// expShiftSum sets v[i] = exp((v[i]-shift)*scale) and returns their sum.
func expShiftSum(v []float32, shift, scale float32) float32 {
	var s float32
	for i, x := range v {
		e := expf((x - shift) * scale)
		v[i] = e
		s += e
	}
	return s
}

// geluErf applies GELU with erf (BERT's "gelu") in place.
func geluErf(v []float32) { geluErfGo(v) }

// maxf is the largest value of v (len(v) > 0).
func maxf(v []float32) float32 {
	m := v[0]
	for _, x := range v[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// addLayerNorm sets each row of x to LayerNorm(x + (t + bias)) (t nil: no
// residual); see addLayerNormGo.
func addLayerNorm(x, t, bias, g, b []float32, eps float32) { addLayerNormGo(x, t, bias, g, b, eps) }
