package encoder

import "math"

// expf is a float32 e^x (Cephes expf: range reduction and a degree-6
// polynomial; relative error about 2e-7). Inputs below -87.3 give 0.
func expf(x float32) float32 {
	if x > 88.7 {
		return float32(math.Inf(1))
	}
	if x < -87.3 {
		return 0
	}
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	fx := x*log2e + 0.5
	n := float32(math.Floor(float64(fx)))
	r := x - n*c1 - n*c2
	z := r * r
	y := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y = y*z + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// erff is a float32 erf (a rational approximation on [-4,4], as in Eigen;
// absolute error below 1e-6).
func erff(a float32) float32 {
	x := min(max(a, -4), 4)
	x2 := x * x
	p := x2*-2.72614225801306e-10 + 2.77068142495902e-08
	p = x2*p + -2.10102402082508e-06
	p = x2*p + -5.69250639462346e-05
	p = x2*p + -7.34990630326855e-04
	p = x2*p + -2.95459980854025e-03
	p = x2*p + -1.60960333262415e-02
	p = x * p
	q := x2*-1.45660718464996e-05 + -2.13374055278905e-04
	q = x2*q + -1.68282697438203e-03
	q = x2*q + -7.37332916720468e-03
	q = x2*q + -1.42647390514189e-02
	return p / q
}

// geluErfGo is the portable GELU with erf.
func geluErfGo(v []float32) {
	for i, x := range v {
		v[i] = 0.5 * x * (1 + erff(x*0.70710678118654752))
	}
}

// geluTanh applies the tanh approximation of GELU ("gelu_new") in place.
func geluTanh(v []float32) {
	for i, x := range v {
		u := 0.7978845608028654 * (x + 0.044715*x*x*x)
		// tanh(u) = 1 - 2/(e^{2u}+1)
		t := 1 - 2/(expf(2*u)+1)
		v[i] = 0.5 * x * (1 + t)
	}
}

func relu(v []float32) {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
}

// softmax sets v to softmax(v·scale) in place (scale > 0; numerically
// stable).
func softmax(v []float32, scale float32) {
	inv := 1 / expShiftSum(v, maxf(v), scale)
	for i := range v {
		v[i] *= inv
	}
}

// layerNorm normalises each of the rows of x (length len(g)) in place:
// x = (x-mean)·rstd·g + b, rstd = 1/sqrt(var+eps), as PyTorch's LayerNorm.
func layerNorm(x []float32, g, b []float32, eps float32) {
	addLayerNorm(x, nil, nil, g, b, eps)
}

// addLayerNormGo is the portable addLayerNorm: each row of x (length
// len(g)) becomes LayerNorm(x + (t + bias)), where t has x's layout and
// bias is one row; t == nil means no residual (bias is then unused).
//
// Mean and variance are two float32 passes (mean, then the sum of squared
// deviations), both taken relative to the row's first value: x-x0 is exact
// for values of similar magnitude, so a large common offset costs no
// precision. The AVX2 kernel follows the same steps.
func addLayerNormGo(x, t, bias, g, b []float32, eps float32) {
	h := len(g)
	if h == 0 {
		return
	}
	b = b[:h]
	fh := float32(h)
	for off := 0; off+h <= len(x); off += h {
		row := x[off : off+h]
		if t != nil {
			tr, br := t[off:off+h], bias[:h]
			for j := range row {
				row[j] += tr[j] + br[j]
			}
		}
		x0 := row[0]
		var s float32
		for _, v := range row {
			s += v - x0
		}
		m := s / fh // mean - x0
		var ss float32
		for _, v := range row {
			d := (v - x0) - m
			ss += d * d
		}
		inv := float32(1 / math.Sqrt(float64(ss/fh+eps)))
		for i, v := range row {
			row[i] = ((v-x0)-m)*inv*g[i] + b[i]
		}
	}
}
