//go:build !race

package testenv

// Race reports whether the race detector is on: tests shrink their data
// under it.
const Race = false
