//go:build !amd64 || purego

package index

// dot is the inner product of a and b[:len(a)]; b must be at least as long
// as a.
func dot(a, b []float32) float32 { return dotGo(a, b) }
