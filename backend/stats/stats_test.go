package stats

import "testing"

func TestQuantile(t *testing.T) {
	tests := []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{7}, 0.95, 7},
		{[]float64{3, 1, 2}, 0.5, 2},        // odd count: the middle one
		{[]float64{4, 1, 3, 2}, 0.5, 2.5},   // even count: the mean of the middle two
		{[]float64{1, 2, 3, 4, 5}, 0, 1},    // the minimum
		{[]float64{1, 2, 3, 4, 5}, 1, 5},    // the maximum
		{[]float64{1, 2, 3, 4, 5}, 0.25, 2}, // h = 1
		{[]float64{10, 20}, 0.95, 19.5},     // h = 0.95: 10 + 0.95·10
		{[]float64{1, 2, 3}, -1, 1},         // clamped
		{[]float64{1, 2, 3}, 2, 3},          // clamped
	}
	for _, tt := range tests {
		if got := Quantile(tt.xs, tt.q); got != tt.want {
			t.Errorf("Quantile(%v, %v) = %v, want %v", tt.xs, tt.q, got, tt.want)
		}
	}
	xs := []float64{3, 1, 2}
	if Median(xs) != 2 || xs[0] != 3 {
		t.Errorf("Median sorted its input or got it wrong: %v", xs)
	}
}
