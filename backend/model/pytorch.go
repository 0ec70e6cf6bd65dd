package model

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"folio/backend/core"
)

// This file reads pytorch_model.bin as torch.save has written it since
// PyTorch 1.6: a ZIP archive whose entries are
//
//	<archive>/data.pkl    a pickle (protocol 2) of the state dict
//	<archive>/data/<key>  one raw little-endian storage per key
//	<archive>/byteorder   "little" (absent in files from before PyTorch 2.1)
//	<archive>/version     the format version
//
// In data.pkl each tensor is torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks), and each
// storage a persistent id ('storage', torch.FloatStorage, '<key>', '<device>',
// numel). The pickle is read by a small interpreter that knows only the
// opcodes torch.save emits for a state dict and only an allow-list of
// globals, which it treats as markers: nothing from the file is ever
// executed. The older non-zip format is refused.

// maxPickleLen bounds data.pkl; a state dict's pickle is a few hundred bytes
// per tensor.
const maxPickleLen = 64 << 20

// Pytorch reads tensors from a pytorch_model.bin. Float32 may be called from
// several goroutines at once.
type Pytorch struct {
	r       io.ReaderAt
	c       io.Closer
	name    string
	tensors map[string]ptTensor
}

// ptTensor is one contiguous tensor: its bytes start at off in the file.
type ptTensor struct {
	dtype DType
	shape []int
	elems int64
	off   int64
}

// OpenPytorch opens a pytorch_model.bin written by torch.save (PyTorch 1.6
// or later) and checks its structure. Truncated or inconsistent files are
// reported as errors wrapping core.ErrCorrupt; the legacy non-zip format,
// pickles that use anything but a state dict's opcodes and globals, and
// non-contiguous tensors as errors wrapping ErrPytorchUnsupported.
func OpenPytorch(path string) (*Pytorch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model: open weights: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("model: stat %s: %w", path, err)
	}
	p, err := ReadPytorch(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	p.c = f
	return p, nil
}

// ReadPytorch is OpenPytorch over any io.ReaderAt of size bytes; name is used
// in errors. Close does not close r.
func ReadPytorch(r io.ReaderAt, size int64, name string) (*Pytorch, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("model: %s: %s: %w", name, fmt.Sprintf(format, args...), core.ErrCorrupt)
	}
	if err := sniffPytorch(r, size, name); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, corrupt("not a readable zip archive (truncated?): %v", err)
	}
	byName := make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	for _, f := range zr.File {
		byName[f.Name] = f
		if dir, base := pathSplit(f.Name); base == "data.pkl" && dir != "" && !strings.Contains(dir, "/") {
			if pkl != nil {
				return nil, corrupt("two data.pkl entries (%s and %s)", pkl.Name, f.Name)
			}
			pkl = f
		}
	}
	if pkl == nil {
		return nil, corrupt("no <archive>/data.pkl entry: not a torch.save checkpoint")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	if bo := byName[prefix+"byteorder"]; bo != nil {
		b, err := readEntry(bo, 16)
		if err != nil {
			return nil, corrupt("read byteorder: %v", err)
		}
		switch string(b) {
		case "little":
		case "big":
			return nil, fmt.Errorf("model: %s: big-endian checkpoint; convert it to %s: %w", name, SafetensorsFile, ErrPytorchUnsupported)
		default:
			return nil, corrupt("byteorder is %q", b)
		}
	}
	if pkl.UncompressedSize64 > maxPickleLen {
		return nil, corrupt("data.pkl is %d bytes (limit %d)", pkl.UncompressedSize64, maxPickleLen)
	}
	data, err := readEntry(pkl, maxPickleLen)
	if err != nil {
		return nil, corrupt("read data.pkl: %v", err)
	}
	top, err := unpickle(data)
	if err != nil {
		return nil, fmt.Errorf("model: %s: data.pkl: %w", name, err)
	}
	sd, ok := top.(*pdict)
	if !ok {
		return nil, corrupt("data.pkl holds %s, want a dict of tensors", typeName(top))
	}
	p := &Pytorch{r: r, name: name, tensors: make(map[string]ptTensor, len(sd.keys))}
	for _, k := range sd.keys {
		key, ok := k.(string)
		if !ok {
			return nil, corrupt("state dict key %v is %s, want a string", k, typeName(k))
		}
		tr, ok := sd.m[k].(*ptensor)
		if !ok {
			return nil, corrupt("state dict entry %q is %s, want a tensor", key, typeName(sd.m[k]))
		}
		t, err := tr.locate(byName[prefix+"data/"+tr.st.key], size)
		if err != nil {
			if errors.Is(err, ErrPytorchUnsupported) {
				return nil, fmt.Errorf("model: %s: tensor %q: %w", name, key, err)
			}
			return nil, corrupt("tensor %q: %v", key, err)
		}
		p.tensors[key] = t
	}
	return p, nil
}

// sniffPytorch refuses files that are not ZIP archives, naming the legacy
// torch.save format when it sees it.
func sniffPytorch(r io.ReaderAt, size int64, name string) error {
	var head [512]byte
	n, err := r.ReadAt(head[:min(size, int64(len(head)))], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("model: read %s: %w", name, err)
	}
	b := head[:n]
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return nil
	case isLegacyPytorch(b):
		return fmt.Errorf("model: %s: legacy PyTorch format (torch.save before PyTorch 1.6, or with _use_new_zipfile_serialization=False); convert it to %s: %w",
			name, SafetensorsFile, ErrPytorchUnsupported)
	}
	return fmt.Errorf("model: %s: not a torch.save zip archive (%d bytes, starts %q): %w", name, size, b[:min(len(b), 8)], core.ErrCorrupt)
}

// isLegacyPytorch reports whether head (the start of a file) looks like the
// pre-1.6 torch.save layout: a pickle stream, or the even older tar.
func isLegacyPytorch(head []byte) bool {
	return (len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) ||
		(len(head) >= 262 && string(head[257:262]) == "ustar")
}

func pathSplit(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// readEntry reads a whole zip entry of at most limit bytes; the zip reader
// checks its size and CRC.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is %d bytes (limit %d)", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", f.Name, limit)
	}
	return b, nil
}

// locate checks the tensor against its storage entry and the file size.
func (t *ptensor) locate(f *zip.File, fileSize int64) (ptTensor, error) {
	st := t.st
	if f == nil {
		return ptTensor{}, fmt.Errorf("storage %q has no data/%s entry", st.key, st.key)
	}
	es := int64(dtypeSize(st.dtype))
	if f.Method != zip.Store {
		return ptTensor{}, fmt.Errorf("storage entry %s is compressed (method %d); torch.save stores storages uncompressed: %w", f.Name, f.Method, ErrPytorchUnsupported)
	}
	if f.CompressedSize64 != f.UncompressedSize64 || f.UncompressedSize64 > uint64(fileSize) {
		return ptTensor{}, fmt.Errorf("storage entry %s: bad sizes %d/%d in a %d-byte file", f.Name, f.CompressedSize64, f.UncompressedSize64, fileSize)
	}
	nbytes := int64(f.UncompressedSize64)
	if st.numel > nbytes/es || st.numel*es != nbytes {
		return ptTensor{}, fmt.Errorf("storage %q: %d elements of %s need %d bytes, entry has %d", st.key, st.numel, st.dtype, st.numel*es, nbytes)
	}
	start, err := f.DataOffset()
	if err != nil {
		return ptTensor{}, fmt.Errorf("storage entry %s: %v", f.Name, err)
	}
	if start < 0 || start > fileSize-nbytes {
		return ptTensor{}, fmt.Errorf("storage entry %s: %d bytes at offset %d overrun the %d-byte file (truncated?)", f.Name, nbytes, start, fileSize)
	}
	if len(t.shape) != len(t.stride) {
		return ptTensor{}, fmt.Errorf("shape %v and stride %v differ in length", t.shape, t.stride)
	}
	elems := int64(1)
	shape := make([]int, len(t.shape))
	for i, d := range t.shape {
		if d < 0 || d > 1<<40 {
			return ptTensor{}, fmt.Errorf("bad shape %v", t.shape)
		}
		elems *= d
		if elems > 1<<40 {
			return ptTensor{}, fmt.Errorf("shape %v too large", t.shape)
		}
		shape[i] = int(d)
	}
	if elems > 0 {
		want := int64(1)
		for i := len(t.shape) - 1; i >= 0; i-- {
			if t.shape[i] != 1 && t.stride[i] != want {
				return ptTensor{}, fmt.Errorf("non-contiguous tensor (shape %v, stride %v): %w", t.shape, t.stride, ErrPytorchUnsupported)
			}
			want *= t.shape[i]
		}
		if t.offset < 0 || t.offset > st.numel || elems > st.numel-t.offset {
			return ptTensor{}, fmt.Errorf("%d elements at storage offset %d overrun storage %q of %d elements", elems, t.offset, st.key, st.numel)
		}
	} else if t.offset < 0 || t.offset > st.numel {
		return ptTensor{}, fmt.Errorf("storage offset %d outside storage %q of %d elements", t.offset, st.key, st.numel)
	}
	return ptTensor{dtype: st.dtype, shape: shape, elems: elems, off: start + t.offset*es}, nil
}

// Close releases the file (nothing for ReadPytorch's reader).
func (p *Pytorch) Close() error {
	if p.c == nil {
		return nil
	}
	return p.c.Close()
}

// Names lists the tensor names in sorted order.
func (p *Pytorch) Names() []string {
	names := make([]string, 0, len(p.tensors))
	for k := range p.tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// DType returns a tensor's element type and shape.
func (p *Pytorch) DType(name string) (DType, []int, bool) {
	t, ok := p.tensors[name]
	if !ok {
		return "", nil, false
	}
	return t.dtype, append([]int(nil), t.shape...), true
}

// Float32 reads tensor name and converts it to float32, returning the data in
// row-major order and its shape.
func (p *Pytorch) Float32(name string) ([]float32, []int, error) {
	t, ok := p.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("model: %s: %q: %w", p.name, name, ErrNoTensor)
	}
	out, err := readFloat32(p.r, t.off, t.elems, t.dtype)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: tensor %q: %w", p.name, name, err)
	}
	return out, append([]int(nil), t.shape...), nil
}

// ---------------------------------------------------------------- pickle

// The values the interpreter builds.
type (
	pmark   struct{}
	pglobal struct{ module, name string }
	ptuple  []any
	plist   struct{ items []any }
	// pdict is a dict or OrderedDict, keeping insertion order. Keys are
	// strings, integers, booleans or None.
	pdict struct {
		keys []any
		m    map[any]any
	}
	pstorage struct {
		dtype DType
		key   string
		numel int64
	}
	ptensor struct {
		st            *pstorage
		offset        int64
		shape, stride []int64
	}
)

// storageTypes maps torch's storage class names (the names torch.save still
// writes for typed storages) to element types.
var storageTypes = map[string]DType{
	"FloatStorage": F32, "HalfStorage": F16, "BFloat16Storage": BF16,
	"DoubleStorage": "F64", "LongStorage": "I64", "IntStorage": "I32",
	"ShortStorage": "I16", "CharStorage": "I8", "ByteStorage": "U8", "BoolStorage": "BOOL",
}

// allowedGlobal reports whether module.name may appear in a state dict
// pickle. Allowed globals are markers only; none is ever called.
func allowedGlobal(module, name string) bool {
	switch module {
	case "collections":
		return name == "OrderedDict"
	case "torch._utils":
		return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"
	case "torch":
		_, ok := storageTypes[name]
		return ok || name == "float32" || name == "float16" || name == "bfloat16"
	}
	return false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case bool:
		return "a boolean"
	case float64:
		return "a float"
	case ptuple:
		return "a tuple"
	case *plist:
		return "a list"
	case *pdict:
		return "a dict"
	case pglobal:
		return "a global"
	case *pstorage:
		return "a storage"
	case *ptensor:
		return "a tensor"
	case pmark:
		return "a mark"
	}
	return fmt.Sprintf("%T", v)
}

type unpickler struct {
	data     []byte
	pos      int
	op       byte
	opPos    int
	stack    []any
	marks    []int
	memo     map[uint32]any
	storages map[string]*pstorage
}

// errorf returns a pickle error at the current opcode, wrapping
// ErrPytorchUnsupported when unsupported is set and core.ErrCorrupt otherwise.
func (u *unpickler) errorf(unsupported bool, format string, args ...any) error {
	sentinel := core.ErrCorrupt
	if unsupported {
		sentinel = ErrPytorchUnsupported
	}
	return fmt.Errorf("offset %d, opcode %#02x: %s: %w", u.opPos, u.op, fmt.Sprintf(format, args...), sentinel)
}

// unpickle interprets data (the opcodes torch.save emits for a state dict)
// and returns the pickled object.
func unpickle(data []byte) (any, error) {
	u := &unpickler{data: data, memo: map[uint32]any{}, storages: map[string]*pstorage{}}
	for {
		if u.pos >= len(u.data) {
			return nil, u.errorf(false, "pickle ends without STOP (truncated?)")
		}
		u.opPos, u.op = u.pos, u.data[u.pos]
		u.pos++
		done, err := u.step()
		if err != nil {
			return nil, err
		}
		if done {
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, u.errorf(false, "STOP with %d values on the stack", len(u.stack))
			}
			return u.stack[0], nil
		}
	}
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, u.errorf(false, "needs %d bytes, %d left (truncated?)", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

// uint reads an n-byte little-endian unsigned integer (n at most 8): the
// arguments of most opcodes.
func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.take(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// argBytes is the width of the integer argument of the opcodes whose
// short and long forms differ only in it.
func argBytes(op byte) int {
	switch op {
	case 'K', 'q', 'h', 0x8c: // BININT1, BINPUT, BINGET, SHORT_BINUNICODE
		return 1
	case 'M': // BININT2
		return 2
	}
	return 4 // BININT, LONG_BINPUT, LONG_BINGET, BINUNICODE
}

func (u *unpickler) line() (string, error) {
	i := bytes.IndexByte(u.data[u.pos:min(len(u.data), u.pos+256)], '\n')
	if i < 0 {
		return "", u.errorf(false, "no newline within 256 bytes")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.errorf(false, "stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.errorf(false, "stack underflow")
	}
	return u.stack[n-1], nil
}

// popMark pops everything above the latest MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.errorf(false, "no MARK")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) popN(n int) ([]any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack)-floor < n {
		return nil, u.errorf(false, "stack underflow")
	}
	items := append([]any(nil), u.stack[len(u.stack)-n:]...)
	u.stack = u.stack[:len(u.stack)-n]
	return items, nil
}

func hashable(k any) bool {
	switch k.(type) {
	case nil, string, int64, bool:
		return true
	}
	return false
}

func (u *unpickler) setItems(d any, kv []any) error {
	dict, ok := d.(*pdict)
	if !ok {
		return u.errorf(false, "SETITEM on %s", typeName(d))
	}
	if len(kv)%2 != 0 {
		return u.errorf(false, "odd number of SETITEMS values")
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i]
		if !hashable(k) {
			return u.errorf(true, "dict key is %s", typeName(k))
		}
		if _, dup := dict.m[k]; !dup {
			dict.keys = append(dict.keys, k)
		}
		dict.m[k] = kv[i+1]
	}
	return nil
}

func (u *unpickler) pushGlobal(module, name string) error {
	if !allowedGlobal(module, name) {
		return u.errorf(true, "refusing pickle global %s.%s (only a state dict's torch and collections names are allowed)", module, name)
	}
	u.push(pglobal{module, name})
	return nil
}

func (u *unpickler) memoPut(idx uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[idx] = v
	return nil
}

func (u *unpickler) memoGet(idx uint32) error {
	v, ok := u.memo[idx]
	if !ok {
		return u.errorf(false, "memo %d not set", idx)
	}
	u.push(v)
	return nil
}

// step runs one opcode; it reports true at STOP.
func (u *unpickler) step() (bool, error) {
	switch u.op {
	case 0x80: // PROTO
		v, err := u.uint(1)
		if err != nil {
			return false, err
		}
		if v < 2 || v > 5 {
			return false, u.errorf(true, "pickle protocol %d", v)
		}
	case 0x95: // FRAME (protocol 4): a length hint only
		if _, err := u.take(8); err != nil {
			return false, err
		}
	case '.': // STOP
		return true, nil
	case '(': // MARK
		u.marks = append(u.marks, len(u.stack))
	case '}': // EMPTY_DICT
		u.push(&pdict{m: map[any]any{}})
	case ']': // EMPTY_LIST
		u.push(&plist{})
	case ')': // EMPTY_TUPLE
		u.push(ptuple{})
	case 'N': // NONE
		u.push(nil)
	case 0x88: // NEWTRUE
		u.push(true)
	case 0x89: // NEWFALSE
		u.push(false)
	case 'K', 'M': // BININT1, BININT2 (unsigned)
		v, err := u.uint(argBytes(u.op))
		if err != nil {
			return false, err
		}
		u.push(int64(v))
	case 'J': // BININT (signed)
		v, err := u.uint(4)
		if err != nil {
			return false, err
		}
		u.push(int64(int32(v)))
	case 0x8a: // LONG1
		n, err := u.uint(1)
		if err != nil {
			return false, err
		}
		if n > 8 {
			return false, u.errorf(true, "%d-byte integer", n)
		}
		v, err := u.uint(int(n))
		if err != nil {
			return false, err
		}
		if n > 0 && n < 8 && v>>(8*n-1)&1 != 0 { // sign-extend
			v |= ^uint64(0) << (8 * n)
		}
		u.push(int64(v))
	case 'G': // BINFLOAT
		b, err := u.take(8)
		if err != nil {
			return false, err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X', 0x8c: // BINUNICODE, SHORT_BINUNICODE
		n, err := u.uint(argBytes(u.op))
		if err != nil {
			return false, err
		}
		if n > uint64(len(u.data)) {
			return false, u.errorf(false, "string of %d bytes in a %d-byte pickle", n, len(u.data))
		}
		b, err := u.take(int(n))
		if err != nil {
			return false, err
		}
		u.push(string(b))
	case 'q', 'r': // BINPUT, LONG_BINPUT
		i, err := u.uint(argBytes(u.op))
		if err != nil {
			return false, err
		}
		return false, u.memoPut(uint32(i))
	case 0x94: // MEMOIZE (protocol 4)
		return false, u.memoPut(uint32(len(u.memo)))
	case 'h', 'j': // BINGET, LONG_BINGET
		i, err := u.uint(argBytes(u.op))
		if err != nil {
			return false, err
		}
		return false, u.memoGet(uint32(i))
	case 'c': // GLOBAL
		module, err := u.line()
		if err != nil {
			return false, err
		}
		name, err := u.line()
		if err != nil {
			return false, err
		}
		return false, u.pushGlobal(module, name)
	case 0x93: // STACK_GLOBAL (protocol 4)
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		module, ok1 := v[0].(string)
		name, ok2 := v[1].(string)
		if !ok1 || !ok2 {
			return false, u.errorf(false, "STACK_GLOBAL needs two strings")
		}
		return false, u.pushGlobal(module, name)
	case 't': // TUPLE
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(ptuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		items, err := u.popN(int(u.op-0x85) + 1)
		if err != nil {
			return false, err
		}
		u.push(ptuple(items))
	case 'a': // APPEND
		v, err := u.pop()
		if err != nil {
			return false, err
		}
		l, err := u.top()
		if err != nil {
			return false, err
		}
		pl, ok := l.(*plist)
		if !ok {
			return false, u.errorf(false, "APPEND to %s", typeName(l))
		}
		pl.items = append(pl.items, v)
	case 'e': // APPENDS
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		l, err := u.top()
		if err != nil {
			return false, err
		}
		pl, ok := l.(*plist)
		if !ok {
			return false, u.errorf(false, "APPENDS to %s", typeName(l))
		}
		pl.items = append(pl.items, items...)
	case 's': // SETITEM
		kv, err := u.popN(2)
		if err != nil {
			return false, err
		}
		d, err := u.top()
		if err != nil {
			return false, err
		}
		return false, u.setItems(d, kv)
	case 'u': // SETITEMS
		kv, err := u.popMark()
		if err != nil {
			return false, err
		}
		d, err := u.top()
		if err != nil {
			return false, err
		}
		return false, u.setItems(d, kv)
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		st, err := u.storage(pid)
		if err != nil {
			return false, err
		}
		u.push(st)
	case 'R': // REDUCE
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		r, err := u.reduce(v[0], v[1])
		if err != nil {
			return false, err
		}
		u.push(r)
	case 'b': // BUILD
		state, err := u.pop()
		if err != nil {
			return false, err
		}
		inst, err := u.top()
		if err != nil {
			return false, err
		}
		// An OrderedDict's state is its __dict__ (a state dict's _metadata):
		// irrelevant to the tensors.
		if _, ok := inst.(*pdict); !ok {
			return false, u.errorf(true, "BUILD on %s", typeName(inst))
		}
		if _, ok := state.(*pdict); !ok && state != nil {
			return false, u.errorf(true, "BUILD with %s", typeName(state))
		}
	default:
		return false, u.errorf(true, "unsupported pickle opcode (a state dict saved by torch.save uses none)")
	}
	return false, nil
}

// storage turns a persistent id ('storage', torch.XStorage, key, location,
// numel) into a storage reference, the same one for the same key.
func (u *unpickler) storage(pid any) (*pstorage, error) {
	t, ok := pid.(ptuple)
	if !ok || len(t) != 5 {
		return nil, u.errorf(true, "persistent id is %s, want a 5-tuple", typeName(pid))
	}
	kind, _ := t[0].(string)
	cls, ok1 := t[1].(pglobal)
	key, ok2 := t[2].(string)
	_, ok3 := t[3].(string)
	numel, ok4 := t[4].(int64)
	if kind != "storage" || !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, u.errorf(true, "persistent id is not ('storage', type, key, location, numel)")
	}
	dt, ok := storageTypes[cls.name]
	if cls.module != "torch" || !ok {
		return nil, u.errorf(true, "persistent id storage type %s.%s", cls.module, cls.name)
	}
	if numel < 0 {
		return nil, u.errorf(false, "storage %q has %d elements", key, numel)
	}
	if old, ok := u.storages[key]; ok {
		if old.dtype != dt || old.numel != numel {
			return nil, u.errorf(false, "storage %q declared as %d %s and %d %s", key, old.numel, old.dtype, numel, dt)
		}
		return old, nil
	}
	st := &pstorage{dtype: dt, key: key, numel: numel}
	u.storages[key] = st
	return st, nil
}

func ints(v any) ([]int64, bool) {
	t, ok := v.(ptuple)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(t))
	for i, x := range t {
		if out[i], ok = x.(int64); !ok {
			return nil, false
		}
	}
	return out, true
}

// reduce applies an allowed global to its arguments, building the value the
// real function would return; anything else is refused.
func (u *unpickler) reduce(fn, argv any) (any, error) {
	g, ok := fn.(pglobal)
	if !ok {
		return nil, u.errorf(true, "REDUCE calls %s", typeName(fn))
	}
	args, ok := argv.(ptuple)
	if !ok {
		return nil, u.errorf(false, "REDUCE arguments are %s", typeName(argv))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, u.errorf(true, "OrderedDict with %d arguments", len(args))
		}
		return &pdict{m: map[any]any{}}, nil
	case "torch._utils._rebuild_tensor_v2":
		// (storage, storage_offset, size, stride, requires_grad,
		// backward_hooks[, metadata])
		if len(args) != 6 && len(args) != 7 {
			return nil, u.errorf(false, "_rebuild_tensor_v2 with %d arguments", len(args))
		}
		st, ok := args[0].(*pstorage)
		off, ok2 := args[1].(int64)
		shape, ok3 := ints(args[2])
		stride, ok4 := ints(args[3])
		if !ok || !ok2 || !ok3 || !ok4 {
			return nil, u.errorf(false, "_rebuild_tensor_v2 arguments are not (storage, int, ints, ints, ...)")
		}
		return &ptensor{st: st, offset: off, shape: shape, stride: stride}, nil
	case "torch._utils._rebuild_parameter":
		// (data, requires_grad, backward_hooks)
		if len(args) != 3 {
			return nil, u.errorf(false, "_rebuild_parameter with %d arguments", len(args))
		}
		t, ok := args[0].(*ptensor)
		if !ok {
			return nil, u.errorf(false, "_rebuild_parameter of %s", typeName(args[0]))
		}
		return t, nil
	}
	return nil, u.errorf(true, "refusing to call %s.%s", g.module, g.name)
}

// ---------------------------------------------------------------- writer

// WritePytorch writes tensors to path as torch.save (PyTorch >= 1.6) would
// write a state dict of them in dtype (F32, F16 or BF16): a zip archive of
// stored, 64-byte aligned entries, named in sorted order. It writes
// temp-then-rename, for test fixtures and conversions.
func WritePytorch(path string, tensors map[string]Tensor, dtype DType) error {
	var class string
	switch dtype {
	case F32:
		class = "FloatStorage"
	case F16:
		class = "HalfStorage"
	case BF16:
		class = "BFloat16Storage"
	default:
		return fmt.Errorf("model: write pytorch: unsupported dtype %s", dtype)
	}
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		names = append(names, k)
	}
	sort.Strings(names)

	var pk pickleWriter
	pk.op(0x80, 2)
	pk.global("collections", "OrderedDict") // memo 0
	pk.put()
	pk.op(')', 'R')
	pk.put()
	pk.op('(')
	storages := make([][]byte, 0, len(names))
	rebuild := -1
	for i, k := range names {
		t := tensors[k]
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("model: write pytorch: tensor %q: shape %v needs %d values, have %d", k, t.Shape, n, len(t.Data))
		}
		pk.str(k)
		if rebuild < 0 {
			pk.global("torch._utils", "_rebuild_tensor_v2")
			rebuild = pk.put()
		} else {
			pk.get(rebuild)
		}
		pk.op('(', '(')
		pk.str("storage")
		pk.global("torch", class)
		pk.str(fmt.Sprint(i))
		pk.str("cpu")
		pk.int(int64(n))
		pk.op('t', 'Q')
		pk.int(0)
		stride := make([]int, len(t.Shape))
		acc := 1
		for j := len(t.Shape) - 1; j >= 0; j-- {
			stride[j] = acc
			acc *= t.Shape[j]
		}
		for _, dims := range [][]int{t.Shape, stride} {
			pk.op('(')
			for _, d := range dims {
				pk.int(int64(d))
			}
			pk.op('t')
		}
		pk.op(0x89) // requires_grad=False
		pk.get(0)   // backward_hooks=OrderedDict()
		pk.op(')', 'R', 't', 'R')

		var raw []byte
		for _, v := range t.Data {
			switch dtype {
			case F32:
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
			case F16:
				raw = binary.LittleEndian.AppendUint16(raw, Float32ToHalf(v))
			case BF16:
				raw = binary.LittleEndian.AppendUint16(raw, Float32ToBF16(v))
			}
		}
		storages = append(storages, raw)
	}
	pk.op('u', '.')

	archive := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) error {
		if err := zw.Flush(); err != nil {
			return err
		}
		name = archive + "/" + name
		start := buf.Len() + 30 + len(name) + 4
		pad := (64 - start%64) % 64
		extra := append([]byte{'F', 'B', byte(pad), byte(pad >> 8)}, bytes.Repeat([]byte{'Z'}, pad)...)
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Store, Extra: extra, CRC32: crc32.ChecksumIEEE(data),
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data)),
		})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	err := add("data.pkl", pk.b)
	if err == nil {
		err = add("byteorder", []byte("little"))
	}
	for i := 0; err == nil && i < len(storages); i++ {
		err = add(fmt.Sprintf("data/%d", i), storages[i])
	}
	if err == nil {
		err = add("version", []byte("3\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return fmt.Errorf("model: write pytorch: %w", err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// pickleWriter emits protocol-2 opcodes as Python's pickle does.
type pickleWriter struct {
	b    []byte
	memo int
}

func (w *pickleWriter) op(ops ...byte) { w.b = append(w.b, ops...) }

func (w *pickleWriter) global(module, name string) {
	w.b = append(w.b, 'c')
	w.b = append(w.b, module+"\n"+name+"\n"...)
}

func (w *pickleWriter) str(s string) {
	w.b = append(w.b, 'X')
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(s)))
	w.b = append(w.b, s...)
}

func (w *pickleWriter) int(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		w.b = append(w.b, 'K', byte(v))
	case v >= 0 && v < 1<<16:
		w.b = append(w.b, 'M')
		w.b = binary.LittleEndian.AppendUint16(w.b, uint16(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		w.b = append(w.b, 'J')
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(int32(v)))
	default:
		w.b = append(w.b, 0x8a, 8)
		w.b = binary.LittleEndian.AppendUint64(w.b, uint64(v))
	}
}

// put memoizes the top of the stack and returns its index.
func (w *pickleWriter) put() int {
	i := w.memo
	w.memo++
	if i < 256 {
		w.b = append(w.b, 'q', byte(i))
	} else {
		w.b = append(w.b, 'r')
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(i))
	}
	return i
}

func (w *pickleWriter) get(i int) {
	if i < 256 {
		w.b = append(w.b, 'h', byte(i))
	} else {
		w.b = append(w.b, 'j')
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(i))
	}
}
