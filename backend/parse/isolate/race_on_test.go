//go:build race

package isolate

// raceEnabled: the child is this race-instrumented test binary, which runs
// the library's glyph path about 10x slower.
const raceEnabled = true
