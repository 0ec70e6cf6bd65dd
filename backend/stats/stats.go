// Package stats holds the one rule by which Folio's measurements summarise
// a list of figures, so that a p50 or p95 means the same in every report.
package stats

import "slices"

// Quantile returns the q-quantile of xs (q in [0, 1]) by linear
// interpolation between the closest ranks: for sorted s of length n it is
// s[h] + (h - ⌊h⌋)·(s[⌊h⌋+1] - s[⌊h⌋]) with h = q·(n-1) (numpy's and R's
// default). xs is left unsorted. An empty list gives 0; q outside [0, 1]
// is clamped.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q = min(max(q, 0), 1)
	h := q * float64(len(s)-1)
	i := int(h)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}

// Median is Quantile(xs, 0.5): the middle figure, or the mean of the two
// middle ones.
func Median(xs []float64) float64 { return Quantile(xs, 0.5) }
