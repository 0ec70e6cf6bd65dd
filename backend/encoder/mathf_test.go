package encoder

import (
	"math"
	"testing"
)

func TestExpfErff(t *testing.T) {
	var maxRel, maxAbs float64
	for x := -80.0; x <= 80; x += 0.0137 {
		got := float64(expf(float32(x)))
		want := math.Exp(float64(float32(x)))
		maxRel = max(maxRel, math.Abs(got-want)/want)
	}
	for x := -6.0; x <= 6; x += 0.001 {
		got := float64(erff(float32(x)))
		maxAbs = max(maxAbs, math.Abs(got-math.Erf(float64(float32(x)))))
	}
	if maxRel > 1e-6 {
		t.Errorf("expf max relative error %g, want ≤ 1e-6", maxRel)
	}
	if maxAbs > 1e-6 {
		t.Errorf("erff max absolute error %g, want ≤ 1e-6", maxAbs)
	}
	if expf(-100) != 0 || !math.IsInf(float64(expf(100)), 1) {
		t.Error("expf limits wrong")
	}
	t.Logf("expf rel err %g, erff abs err %g", maxRel, maxAbs)
}

func TestVectorMath(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 64, 67} {
		v := make([]float32, n)
		g := make([]float32, n)
		for i := range v {
			v[i] = float32(i%23)*0.7 - 8
			g[i] = v[i]
		}
		want := make([]float64, n)
		var wsum float64
		for i, x := range v {
			want[i] = math.Exp(float64((x - 2) * 0.5))
			wsum += want[i]
		}
		sum := expShiftSum(v, 2, 0.5)
		if math.Abs(float64(sum)-wsum)/wsum > 1e-5 {
			t.Errorf("n=%d: sum %v, want %v", n, sum, wsum)
		}
		for i := range v {
			if math.Abs(float64(v[i])-want[i])/want[i] > 1e-6 {
				t.Fatalf("n=%d: exp[%d] = %v, want %v", n, i, v[i], want[i])
			}
		}
		geluErf(g)
		for i, x := range g {
			in := float64(float32(i%23)*0.7 - 8)
			w := 0.5 * in * (1 + math.Erf(in/math.Sqrt2))
			if math.Abs(float64(x)-w) > 2e-6*max(1, math.Abs(w)) {
				t.Fatalf("n=%d: gelu(%v) = %v, want %v", n, in, x, w)
			}
		}
	}
}

func TestSoftmaxMax(t *testing.T) {
	for _, n := range []int{1, 5, 8, 13, 40} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((i*7)%11) - 3
		}
		v[n/2] = 9
		if m := maxf(v); m != 9 {
			t.Errorf("n=%d: maxf = %v, want 9", n, m)
		}
		softmax(v, 0.5)
		var s float64
		for _, x := range v {
			s += float64(x)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("n=%d: softmax sums to %v", n, s)
		}
	}
}
