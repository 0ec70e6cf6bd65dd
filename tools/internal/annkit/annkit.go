// Package annkit reads the files of the shared ANN benchmark kit
// (../shared/bench/ann): float32 vectors and int32 ground-truth ids, both
// little-endian and row-major.
package annkit

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// Dim is the dimension of the kit's vectors.
const Dim = 384

// ReadF32 reads the first rows vectors of a .f32 file.
func ReadF32(path string, rows int) ([]float32, error) {
	b, err := readPrefix(path, rows*Dim*4)
	if err != nil {
		return nil, err
	}
	out := make([]float32, rows*Dim)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
	}
	return out, nil
}

// ReadI32 reads the first cnt ids of a .i32 file.
func ReadI32(path string, cnt int) ([]int32, error) {
	b, err := readPrefix(path, cnt*4)
	if err != nil {
		return nil, err
	}
	out := make([]int32, cnt)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[i*4:]))
	}
	return out, nil
}

func readPrefix(path string, size int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open kit data: %w", err)
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read %s: want %d bytes: %w", path, size, err)
	}
	return b, nil
}
