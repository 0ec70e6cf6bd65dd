package model

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"folio/backend/core"
)

// DType is a safetensors element type name such as "F32".
type DType string

// The element types Folio can convert to float32. Other types (I64, ...) are
// listed by Names but Float32 refuses them.
const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
)

// maxHeaderLen bounds the JSON header; real headers are tens of kilobytes.
const maxHeaderLen = 100 << 20

// TensorInfo describes one tensor in a safetensors file. Begin and End are
// byte offsets relative to the start of the data section.
type TensorInfo struct {
	DType DType
	Shape []int
	Begin int64
	End   int64
}

// Elems is the number of elements (the product of Shape).
func (t TensorInfo) Elems() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

func dtypeSize(d DType) int {
	switch d {
	case "F64", "I64", "U64":
		return 8
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	}
	return 0
}

// Safetensors reads tensors from a .safetensors file. It holds the file open
// until Close; Float32 may be called from several goroutines at once.
type Safetensors struct {
	f         *os.File
	name      string
	dataStart int64
	tensors   map[string]TensorInfo
	// Metadata is the optional "__metadata__" string map of the header.
	Metadata map[string]string
}

// OpenSafetensors opens path and parses and checks its header: an 8-byte
// little-endian header length, a JSON header, then the raw data. Truncated
// files, absurd header sizes and tensors that overrun the data section are
// reported as errors wrapping core.ErrCorrupt.
func OpenSafetensors(path string) (*Safetensors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model: open weights: %w", err)
	}
	s, err := parseSafetensors(f, filepath.Base(path))
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func parseSafetensors(f *os.File, name string) (*Safetensors, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("model: stat %s: %w", name, err)
	}
	size := st.Size()
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("model: %s: %s: %w", name, fmt.Sprintf(format, args...), core.ErrCorrupt)
	}
	if size < 8 {
		return nil, corrupt("file is %d bytes, shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := f.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("model: read %s: %w", name, err)
	}
	hlen := binary.LittleEndian.Uint64(lenBuf[:])
	if hlen > maxHeaderLen {
		return nil, corrupt("header length %d is absurd (limit %d)", hlen, maxHeaderLen)
	}
	if int64(hlen) > size-8 {
		return nil, corrupt("header length %d exceeds file size %d (truncated?)", hlen, size)
	}
	hdr := make([]byte, hlen)
	if _, err := f.ReadAt(hdr, 8); err != nil {
		return nil, fmt.Errorf("model: read %s header: %w", name, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, corrupt("header is not valid JSON: %v", err)
	}
	s := &Safetensors{f: f, name: name, dataStart: 8 + int64(hlen), tensors: make(map[string]TensorInfo, len(raw))}
	dataLen := size - s.dataStart
	for k, v := range raw {
		if k == "__metadata__" {
			_ = json.Unmarshal(v, &s.Metadata) // metadata is informative only
			continue
		}
		var e struct {
			DType       DType   `json:"dtype"`
			Shape       []int64 `json:"shape"`
			DataOffsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, corrupt("tensor %q: bad entry: %v", k, err)
		}
		if len(e.DataOffsets) != 2 {
			return nil, corrupt("tensor %q: data_offsets has %d values, want 2", k, len(e.DataOffsets))
		}
		ti := TensorInfo{DType: e.DType, Begin: e.DataOffsets[0], End: e.DataOffsets[1]}
		if ti.Begin < 0 || ti.End < ti.Begin || ti.End > dataLen {
			return nil, corrupt("tensor %q: data [%d,%d) outside data section of %d bytes (truncated?)", k, ti.Begin, ti.End, dataLen)
		}
		elems := int64(1)
		for _, d := range e.Shape {
			if d < 0 || d > 1<<40 {
				return nil, corrupt("tensor %q: bad shape %v", k, e.Shape)
			}
			elems *= d
			if elems > 1<<40 {
				return nil, corrupt("tensor %q: shape %v too large", k, e.Shape)
			}
			ti.Shape = append(ti.Shape, int(d))
		}
		if es := dtypeSize(e.DType); es > 0 && elems*int64(es) != ti.End-ti.Begin {
			return nil, corrupt("tensor %q: %d bytes for shape %v of %s", k, ti.End-ti.Begin, e.Shape, e.DType)
		}
		s.tensors[k] = ti
	}
	return s, nil
}

// Close releases the file.
func (s *Safetensors) Close() error { return s.f.Close() }

// Names lists the tensor names in sorted order.
func (s *Safetensors) Names() []string {
	names := make([]string, 0, len(s.tensors))
	for k := range s.tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Info returns the header entry for name.
func (s *Safetensors) Info(name string) (TensorInfo, bool) {
	t, ok := s.tensors[name]
	return t, ok
}

// ErrNoTensor is wrapped by Float32 when a tensor is not in the file.
var ErrNoTensor = errors.New("tensor not found")

// Float32 reads tensor name and converts it to float32, returning the data in
// row-major order and its shape.
func (s *Safetensors) Float32(name string) ([]float32, []int, error) {
	t, ok := s.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("model: %s: %q: %w", s.name, name, ErrNoTensor)
	}
	out, err := readFloat32(s.f, s.dataStart+t.Begin, int64(t.Elems()), t.DType)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: tensor %q: %w", s.name, name, err)
	}
	return out, append([]int(nil), t.Shape...), nil
}

// readFloat32 reads n elements of dtype (F32, F16 or BF16, little-endian)
// at off and converts them to float32. Both weight formats use it.
func readFloat32(r io.ReaderAt, off, n int64, dtype DType) ([]float32, error) {
	switch dtype {
	case F32, F16, BF16:
	default:
		return nil, fmt.Errorf("dtype %s is not supported; only F32, F16 and BF16 are", dtype)
	}
	es := int64(dtypeSize(dtype))
	buf := make([]byte, n*es)
	if _, err := r.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			err = core.ErrCorrupt
		}
		return nil, fmt.Errorf("read: %w", err)
	}
	out := make([]float32, n)
	switch dtype {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = BF16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
	}
	return out, nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value to float32.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: value = mant * 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToHalf converts f to binary16 (round to nearest even), for writing
// test fixtures.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if b&0x7fffffff >= 0x7f800000 { // inf/NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	if exp >= 0x1f {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++
	}
	return sign | uint16(r)
}

// BF16ToFloat32 converts a bfloat16 value to float32.
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBF16 converts f to bfloat16 with round to nearest even.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// Tensor is one tensor to write with WriteSafetensors.
type Tensor struct {
	Shape []int
	Data  []float32
}

// WriteSafetensors writes tensors to path in dtype (F32, F16 or BF16),
// temp-then-rename. It exists for test fixtures and conversions.
func WriteSafetensors(path string, tensors map[string]Tensor, dtype DType) error {
	es := 0
	switch dtype {
	case F32:
		es = 4
	case F16, BF16:
		es = 2
	default:
		return fmt.Errorf("model: write safetensors: unsupported dtype %s", dtype)
	}
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	type entry struct {
		DType       DType    `json:"dtype"`
		Shape       []int    `json:"shape"`
		DataOffsets [2]int64 `json:"data_offsets"`
	}
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for _, k := range names {
		t := tensors[k]
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("model: write safetensors: tensor %q: shape %v needs %d values, have %d", k, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		hdr[k] = entry{DType: dtype, Shape: shape, DataOffsets: [2]int64{off, off + int64(n*es)}}
		off += int64(n * es)
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("model: write safetensors: %w", err)
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	buf := make([]byte, 8, 8+len(hb)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(hb)))
	buf = append(buf, hb...)
	for _, k := range names {
		for _, v := range tensors[k].Data {
			switch dtype {
			case F32:
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			case F16:
				buf = binary.LittleEndian.AppendUint16(buf, Float32ToHalf(v))
			case BF16:
				buf = binary.LittleEndian.AppendUint16(buf, Float32ToBF16(v))
			}
		}
	}
	return writeFileAtomic(path, buf)
}

// writeFileAtomic writes data to a temporary file next to path, syncs it and
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("model: write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("model: write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("model: write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("model: write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("model: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
