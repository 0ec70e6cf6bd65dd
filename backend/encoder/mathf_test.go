package encoder

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
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

// layerNormRef is LayerNorm(x + (t + bias)) in float64 from the float32
// inputs (the residual sum itself rounded to float32, as the kernels do).
func layerNormRef(x, t, bias, g, b []float32, eps float32) []float64 {
	h := len(g)
	out := make([]float64, len(x))
	for off := 0; off+h <= len(x); off += h {
		row := make([]float64, h)
		for j := range row {
			v := x[off+j]
			if t != nil {
				v += t[off+j] + bias[j]
			}
			row[j] = float64(v)
		}
		var s, ss float64
		for _, v := range row {
			s += v
		}
		mean := s / float64(h)
		for _, v := range row {
			ss += (v - mean) * (v - mean)
		}
		inv := 1 / math.Sqrt(ss/float64(h)+float64(eps))
		for j, v := range row {
			out[off+j] = (v-mean)*inv*float64(g[j]) + float64(b[j])
		}
	}
	return out
}

// TestLayerNormKernels checks the AVX2 LayerNorm (with and without the fused
// residual) against the portable one and a float64 reference, on every
// width 1..70 and 384 (tails of every length), including rows with a large
// common offset. A partial row after the last whole one must stay as it was.
func TestLayerNormKernels(t *testing.T) {
	if !useAVX2 {
		t.Log("no AVX2/FMA here: only the portable kernel is checked")
	}
	const rows, eps = 3, 1e-12
	widths := []int{384}
	for h := 1; h <= 70; h++ {
		widths = append(widths, h)
	}
	dists := []struct {
		name         string
		mean, spread float32
		outliers     bool
	}{
		{"unit", 0, 1, false},
		{"offset1e3", 1e3, 1, false},
		{"offset-1e3wide", -1e3, 30, false},
		{"outliers", 0.1, 0.5, true},
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, h := range widths {
		for _, d := range dists {
			for _, residual := range []bool{false, true} {
				name := fmt.Sprintf("h=%d/%s/residual=%v", h, d.name, residual)
				x := make([]float32, rows*h+h/2) // a partial row at the end
				for i := range x {
					x[i] = d.mean + d.spread*float32(r.NormFloat64())
					if d.outliers && i%17 == 3 {
						x[i] *= 40
					}
				}
				g, b := make([]float32, h), make([]float32, h)
				for j := range g {
					g[j] = 0.5 + r.Float32()
					b[j] = r.Float32() - 0.5
				}
				var tr, bias []float32
				if residual {
					tr, bias = make([]float32, len(x)), make([]float32, h)
					for i := range tr {
						tr[i] = d.spread * float32(r.NormFloat64())
					}
					for j := range bias {
						bias[j] = 0.1 * float32(r.NormFloat64())
					}
				}
				want := layerNormRef(x, tr, bias, g, b, eps)
				fast := append([]float32(nil), x...)
				slow := append([]float32(nil), x...)
				addLayerNorm(fast, tr, bias, g, b, eps)
				addLayerNormGo(slow, tr, bias, g, b, eps)
				for i := range rows * h {
					tol := 1e-5 * max(1, math.Abs(want[i]))
					if math.Abs(float64(fast[i])-float64(slow[i])) > tol {
						t.Fatalf("%s: [%d] AVX2 %v, Go %v", name, i, fast[i], slow[i])
					}
					if math.Abs(float64(fast[i])-want[i]) > tol {
						t.Fatalf("%s: [%d] AVX2 %v, float64 reference %v", name, i, fast[i], want[i])
					}
					if math.Abs(float64(slow[i])-want[i]) > tol {
						t.Fatalf("%s: [%d] Go %v, float64 reference %v", name, i, slow[i], want[i])
					}
				}
				for i := rows * h; i < len(x); i++ {
					if fast[i] != x[i] || slow[i] != x[i] {
						t.Fatalf("%s: partial row [%d] changed: %v, %v, want %v", name, i, fast[i], slow[i], x[i])
					}
				}
			}
		}
	}
}

// TestLayerNormWrapper checks layerNorm is addLayerNorm without a residual,
// and that an empty width leaves x alone.
func TestLayerNormWrapper(t *testing.T) {
	x := []float32{1, 2, 3, 4, 10, 20, 30, 40}
	g := []float32{1, 1, 1, 1}
	b := []float32{0, 0, 0, 0}
	got := append([]float32(nil), x...)
	layerNorm(got, g, b, 1e-5)
	want := layerNormRef(x, nil, nil, g, b, 1e-5)
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Errorf("layerNorm[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	y := []float32{1, 2}
	layerNorm(y, nil, nil, 1e-5)
	if y[0] != 1 || y[1] != 2 {
		t.Errorf("layerNorm with width 0 changed x to %v", y)
	}
}

// BenchmarkLayerNorm384 times LayerNorm over one 256-token chunk of
// MiniLM width: "plain" is the embeddings' LayerNorm, "residual" the
// layers' x += t + bias then LayerNorm (the Go reference is bert.go's
// former loop with i%H followed by the scalar LayerNorm). Each iteration
// runs the AVX2 kernel and the Go one; x-vs-go is the speed-up.
func BenchmarkLayerNorm384(b *testing.B) {
	if !useAVX2 {
		b.Skip("no AVX2/FMA on this CPU")
	}
	const rows, h = 256, 384
	r := rand.New(rand.NewPCG(1, 2))
	x0, t := randSlice(r, rows*h), randSlice(r, rows*h)
	g, beta, bias := randSlice(r, h), randSlice(r, h), randSlice(r, h)
	for _, residual := range []bool{false, true} {
		name := "plain"
		if residual {
			name = "residual"
		}
		b.Run(name, func(b *testing.B) {
			xa := append([]float32(nil), x0...)
			xg := append([]float32(nil), x0...)
			var tA, tG time.Duration
			for b.Loop() {
				t0 := time.Now()
				if residual {
					addLayerNorm(xa, t, bias, g, beta, 1e-12)
				} else {
					addLayerNorm(xa, nil, nil, g, beta, 1e-12)
				}
				t1 := time.Now()
				if residual {
					for i := range xg {
						xg[i] += t[i] + bias[i%h]
					}
				}
				addLayerNormGo(xg, nil, nil, g, beta, 1e-12)
				tA += t1.Sub(t0)
				tG += time.Since(t1)
			}
			n := float64(b.N * rows)
			b.ReportMetric(float64(tA.Nanoseconds())/n, "ns/row-avx2")
			b.ReportMetric(float64(tG.Nanoseconds())/n, "ns/row-go")
			b.ReportMetric(tG.Seconds()/tA.Seconds(), "x-vs-go")
		})
	}
}
