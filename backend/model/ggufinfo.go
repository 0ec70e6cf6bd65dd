package model

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GGUFInfo is what a GGUF file's header says about the model: enough to
// tell its size in memory without loading it.
//
// Invariants (ReadGGUF): every tensor lies inside the file (a truncated or
// padded-short file is refused, naming the tensor), WeightBytes is the sum
// of the tensors' sizes as ggml lays them out (blocks of the tensor's type),
// which is what llama.cpp's llama_model_size reports, and the architecture
// numbers are the file's own `<arch>.*` keys, with llama.cpp's defaults
// where a key is optional (key and value length: embedding / heads; KV
// heads: heads).
type GGUFInfo struct {
	Version      uint32
	Arch         string // general.architecture
	Name         string // general.name, or ""
	Tensors      int
	WeightBytes  int64 // the tensors' data
	FileBytes    int64
	ContextTrain int // <arch>.context_length
	Layers       int // <arch>.block_count
	Embedding    int // <arch>.embedding_length
	Heads        int // <arch>.attention.head_count
	HeadsKV      int // <arch>.attention.head_count_kv
	KeyLength    int // <arch>.attention.key_length
	ValueLength  int // <arch>.attention.value_length
	ChatTemplate bool
}

// ErrNotGGUF is wrapped when a file is not a GGUF model Folio can read:
// wrong magic or version, a header that does not parse, or tensors that
// reach past the end of the file.
var ErrNotGGUF = errors.New("not a usable GGUF model")

// KVCacheBytes is the memory of the KV cache at a context of nCtx tokens
// (capped at the model's training context): per layer and token, the keys
// (HeadsKV × KeyLength values) and values (HeadsKV × ValueLength), each
// an F16 (2 bytes), llama.cpp's default cache type.
func (g GGUFInfo) KVCacheBytes(nCtx int) int64 {
	if g.ContextTrain > 0 && nCtx > g.ContextTrain {
		nCtx = g.ContextTrain
	}
	return int64(nCtx) * int64(g.Layers) * int64(g.HeadsKV) * int64(g.KeyLength+g.ValueLength) * 2
}

// MemoryBytes is the memory the model needs loaded with a context of nCtx
// tokens: its weights plus the KV cache. llama.cpp's compute buffers (a few
// MB to tens of MB, by batch size) come on top.
func (g GGUFInfo) MemoryBytes(nCtx int) int64 { return g.WeightBytes + g.KVCacheBytes(nCtx) }

// ggmlTypes gives, for each ggml tensor type (ggml.h's enum ggml_type),
// its block size in elements and the bytes of one block.
var ggmlTypes = map[uint32][2]int64{
	0: {1, 4}, 1: {1, 2}, 2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24}, 8: {32, 34}, 9: {32, 36},
	10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176}, 14: {256, 210}, 15: {256, 292},
	16: {256, 66}, 17: {256, 74}, 18: {256, 98}, 19: {256, 50}, 20: {32, 18}, 21: {256, 110},
	22: {256, 82}, 23: {256, 136}, 24: {1, 1}, 25: {1, 2}, 26: {1, 4}, 27: {1, 8}, 28: {1, 8},
	29: {256, 56}, 30: {1, 2}, 34: {256, 54}, 35: {256, 66}, 39: {32, 17},
}

// maxGGUFString bounds one string in a header (a chat template is a few
// KB; a tokenizer's merges are many short strings).
const maxGGUFString = 1 << 24

// ReadGGUF reads the header of the GGUF file path: its metadata and tensor
// table. The error names the file and the reason.
func ReadGGUF(path string) (GGUFInfo, error) {
	var info GGUFInfo
	if err := CheckGGUF(path); err != nil {
		return info, err
	}
	f, err := os.Open(path)
	if err != nil {
		return info, fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return info, fmt.Errorf("model: %w", err)
	}
	info.FileBytes = st.Size()
	r := &ggufReader{r: bufio.NewReaderSize(f, 1<<16)}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("model: %s: %s: %w", path, fmt.Sprintf(format, a...), ErrNotGGUF)
	}
	r.skip(4)
	info.Version = r.u32()
	nTensors, nKV := r.u64(), r.u64()
	if r.err != nil {
		return info, bad("header cut short")
	}
	if nTensors > 1<<20 || nKV > 1<<20 {
		return info, bad("implausible counts (%d tensors, %d keys)", nTensors, nKV)
	}
	ints := map[string]int64{}
	strs := map[string]string{}
	for i := uint64(0); i < nKV && r.err == nil; i++ {
		key := r.str()
		typ := r.u32()
		if typ == 8 {
			strs[key] = r.str()
		} else if v, ok := r.scalar(typ); ok {
			ints[key] = v
		} else {
			r.value(typ)
		}
	}
	if r.err != nil {
		return info, bad("metadata does not parse (%v)", r.err)
	}
	type tensor struct {
		name      string
		off, size int64
	}
	tensors := make([]tensor, 0, nTensors)
	for i := uint64(0); i < nTensors && r.err == nil; i++ {
		name := r.str()
		nd := r.u32()
		if nd > 8 {
			return info, bad("tensor %q has %d dimensions", name, nd)
		}
		elems := int64(1)
		for range nd {
			d := r.u64()
			if d > math.MaxInt32 {
				return info, bad("tensor %q has a dimension of %d", name, d)
			}
			elems *= int64(d)
		}
		typ := r.u32()
		off := r.u64()
		bs, ok := ggmlTypes[typ]
		if !ok && r.err == nil {
			return info, bad("tensor %q has type %d, which this version of Folio does not know", name, typ)
		}
		if elems%bs[0] != 0 {
			return info, bad("tensor %q: %d elements is not whole blocks of %d", name, elems, bs[0])
		}
		tensors = append(tensors, tensor{name, int64(off), elems / bs[0] * bs[1]})
	}
	if r.err != nil {
		return info, bad("tensor table does not parse (%v)", r.err)
	}
	align := ints["general.alignment"]
	if align <= 0 {
		align = 32
	}
	data := (r.n + align - 1) / align * align
	sort.Slice(tensors, func(i, j int) bool { return tensors[i].off < tensors[j].off })
	for _, t := range tensors {
		if t.off < 0 || data+t.off+t.size > info.FileBytes {
			return info, bad("truncated: tensor %q needs bytes up to %d, the file has %d", t.name, data+t.off+t.size, info.FileBytes)
		}
		info.WeightBytes += t.size
	}
	info.Tensors = len(tensors)
	info.Arch = strs["general.architecture"]
	info.Name = strs["general.name"]
	_, info.ChatTemplate = strs["tokenizer.chat_template"]
	if info.Arch == "" {
		return info, bad("no general.architecture")
	}
	a := info.Arch + "."
	info.ContextTrain = int(ints[a+"context_length"])
	info.Layers = int(ints[a+"block_count"])
	info.Embedding = int(ints[a+"embedding_length"])
	info.Heads = int(ints[a+"attention.head_count"])
	info.HeadsKV = int(ints[a+"attention.head_count_kv"])
	if info.HeadsKV == 0 {
		info.HeadsKV = info.Heads
	}
	info.KeyLength = int(ints[a+"attention.key_length"])
	info.ValueLength = int(ints[a+"attention.value_length"])
	if info.Heads > 0 {
		if info.KeyLength == 0 {
			info.KeyLength = info.Embedding / info.Heads
		}
		if info.ValueLength == 0 {
			info.ValueLength = info.Embedding / info.Heads
		}
	}
	return info, nil
}

// ggufReader reads GGUF's little-endian values, keeping the first error
// and the offset.
type ggufReader struct {
	r   *bufio.Reader
	n   int64
	err error
	buf [8]byte
}

func (r *ggufReader) read(k int) []byte {
	if r.err != nil {
		return r.buf[:k]
	}
	_, r.err = io.ReadFull(r.r, r.buf[:k])
	r.n += int64(k)
	return r.buf[:k]
}

func (r *ggufReader) skip(k int64) {
	if r.err != nil {
		return
	}
	var d int64
	d, r.err = io.CopyN(io.Discard, r.r, k)
	r.n += d
}

func (r *ggufReader) u32() uint32 { return binary.LittleEndian.Uint32(r.read(4)) }
func (r *ggufReader) u64() uint64 { return binary.LittleEndian.Uint64(r.read(8)) }

func (r *ggufReader) str() string {
	n := r.u64()
	if r.err != nil {
		return ""
	}
	if n > maxGGUFString {
		r.err = fmt.Errorf("a string of %d bytes", n)
		return ""
	}
	b := make([]byte, n)
	_, r.err = io.ReadFull(r.r, b)
	r.n += int64(n)
	return string(b)
}

// ggufScalarSize is the size of GGUF's fixed-size value types.
var ggufScalarSize = map[uint32]int{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// scalar reads an integer value (ok false for other types, nothing read).
func (r *ggufReader) scalar(typ uint32) (int64, bool) {
	switch typ {
	case 0, 7:
		return int64(r.read(1)[0]), true
	case 1:
		return int64(int8(r.read(1)[0])), true
	case 2:
		return int64(binary.LittleEndian.Uint16(r.read(2))), true
	case 3:
		return int64(int16(binary.LittleEndian.Uint16(r.read(2)))), true
	case 4:
		return int64(r.u32()), true
	case 5:
		return int64(int32(r.u32())), true
	case 10, 11:
		return int64(r.u64()), true
	}
	return 0, false
}

// value skips a value of any type.
func (r *ggufReader) value(typ uint32) {
	switch {
	case typ == 8:
		n := r.u64()
		if n > maxGGUFString && r.err == nil {
			r.err = fmt.Errorf("a string of %d bytes", n)
		}
		r.skip(int64(n))
	case typ == 9:
		et, n := r.u32(), r.u64()
		if r.err != nil {
			return
		}
		if sz, ok := ggufScalarSize[et]; ok {
			if n > 1<<32 {
				r.err = fmt.Errorf("an array of %d values", n)
				return
			}
			r.skip(int64(n) * int64(sz))
			return
		}
		if n > 1<<24 {
			r.err = fmt.Errorf("an array of %d values", n)
			return
		}
		for i := uint64(0); i < n && r.err == nil; i++ {
			r.value(et)
		}
	default:
		sz, ok := ggufScalarSize[typ]
		if !ok {
			if r.err == nil {
				r.err = fmt.Errorf("value type %d", typ)
			}
			return
		}
		r.skip(int64(sz))
	}
}

// WeightElems counts the values in the weights of the model folder dir
// (model.safetensors or pytorch_model.bin, as OpenWeights picks), from the
// tensors' shapes, without reading the data.
func WeightElems(dir string) (int64, error) {
	if p := filepath.Join(dir, SafetensorsFile); isFile(p) {
		s, err := OpenSafetensors(p)
		if err != nil {
			return 0, err
		}
		defer s.Close()
		var n int64
		for _, name := range s.Names() {
			t, _ := s.Info(name)
			n += int64(t.Elems())
		}
		return n, nil
	}
	if p := filepath.Join(dir, PytorchFile); isFile(p) {
		pt, err := OpenPytorch(p)
		if err != nil {
			return 0, err
		}
		defer pt.Close()
		var n int64
		for _, name := range pt.Names() {
			_, shape, _ := pt.DType(name)
			e := int64(1)
			for _, d := range shape {
				e *= int64(d)
			}
			n += e
		}
		return n, nil
	}
	return 0, fmt.Errorf("model: %s: no weights (%s or %s): %w", dir, SafetensorsFile, PytorchFile, ErrMissingFile)
}

// DirBytes is the size on disk of the regular files under dir.
func DirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
		return nil
	})
	return n
}
