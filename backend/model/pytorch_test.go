package model_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/model"
	"folio/backend/model/modeltest"
)

// The fixtures in testdata come from scripts/fixtures/gen_pytorch_bin.py:
// small.bin reproduces torch.save's layout with the Python standard library,
// small_torch.bin is the same state dict through the real torch.save, and
// small.json holds the expected values.

type wantTensor struct {
	Shape  []int     `json:"shape"`
	Values []float32 `json:"values"`
	DType  string    `json:"dtype"`
}

func loadSmallWant(t *testing.T) map[string]wantTensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "small.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]wantTensor
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestPytorchFixtures(t *testing.T) {
	want := loadSmallWant(t)
	wantNames := make([]string, 0, len(want))
	for k := range want {
		wantNames = append(wantNames, k)
	}
	sort.Strings(wantNames)
	for _, file := range []string{"small.bin", "small_torch.bin"} {
		t.Run(file, func(t *testing.T) {
			p, err := model.OpenPytorch(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if got := p.Names(); !slices.Equal(got, wantNames) {
				t.Errorf("Names = %v, want %v", got, wantNames)
			}
			for name, w := range want {
				got, shape, err := p.Float32(name)
				if w.DType == "I64" {
					if err == nil || !strings.Contains(err.Error(), "I64") {
						t.Errorf("%s: err = %v, want an I64 refusal", name, err)
					}
					if dt, shape, ok := p.DType(name); !ok || dt != "I64" || !slices.Equal(shape, w.Shape) {
						t.Errorf("%s: DType = %s %v %v, want I64 %v", name, dt, shape, ok, w.Shape)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if !slices.Equal(shape, w.Shape) {
					t.Errorf("%s: shape %v, want %v", name, shape, w.Shape)
				}
				if len(got) != len(w.Values) || (len(got) > 0 && !slices.Equal(got, w.Values)) {
					t.Errorf("%s: values %v, want %v", name, got, w.Values)
				}
			}
			if _, _, err := p.Float32("nope"); !errors.Is(err, model.ErrNoTensor) {
				t.Errorf("missing tensor: err = %v, want ErrNoTensor", err)
			}
		})
	}
}

// The stdlib fixture and the real torch.save file load identically.
func TestPytorchFixturesAgree(t *testing.T) {
	a, err := model.OpenPytorch(filepath.Join("testdata", "small.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := model.OpenPytorch(filepath.Join("testdata", "small_torch.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	assertSameWeights(t, a, b, false)
}

// assertSameWeights checks a and b hold the same tensors, bit for bit; with
// subset, b may lack some of a's.
func assertSameWeights(t *testing.T, a, b model.Weights, subset bool) {
	t.Helper()
	if !subset && !slices.Equal(a.Names(), b.Names()) {
		t.Fatalf("names differ:\n%v\n%v", a.Names(), b.Names())
	}
	floats := 0
	for _, name := range b.Names() {
		va, sa, errA := a.Float32(name)
		vb, sb, errB := b.Float32(name)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: errors differ: %v / %v", name, errA, errB)
			continue
		}
		if errA != nil {
			continue
		}
		floats++
		if !slices.Equal(sa, sb) {
			t.Errorf("%s: shapes %v / %v", name, sa, sb)
		}
		if len(va) != len(vb) {
			t.Errorf("%s: %d / %d values", name, len(va), len(vb))
			continue
		}
		for i := range va {
			if math.Float32bits(va[i]) != math.Float32bits(vb[i]) {
				t.Errorf("%s[%d]: %v / %v", name, i, va[i], vb[i])
				break
			}
		}
	}
	if floats == 0 {
		t.Error("no float tensor compared")
	}
}

// The tiny random BERT written as pytorch_model.bin loads with the same
// values as its model.safetensors, and a folder with only the .bin
// validates, installs and opens.
func TestPytorchTinyBert(t *testing.T) {
	for _, dt := range []model.DType{model.F32, model.F16, model.BF16} {
		t.Run(string(dt), func(t *testing.T) {
			dir := t.TempDir()
			want, err := modeltest.Write(dir, modeltest.Tiny{DType: dt, Prefix: "bert.", Format: modeltest.Both})
			if err != nil {
				t.Fatal(err)
			}
			w, err := model.OpenWeights(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := w.(*model.Safetensors); !ok {
				t.Errorf("OpenWeights with both files = %T, want *model.Safetensors", w)
			}
			defer w.Close()
			p, err := model.OpenPytorch(filepath.Join(dir, model.PytorchFile))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			assertSameWeights(t, w, p, false)
			for name, tt := range want {
				got, shape, err := p.Float32("bert." + name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(shape, tt.Shape) || !slices.Equal(got, tt.Data) {
					t.Errorf("%s: shape %v, want %v, or data differs", name, shape, tt.Shape)
				}
			}
			assertAligned(t, filepath.Join(dir, model.PytorchFile))
		})
	}

	src := t.TempDir()
	want, err := modeltest.Write(src, modeltest.Tiny{Format: modeltest.Pytorch})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, model.SafetensorsFile)); err == nil {
		t.Error("Format Pytorch wrote model.safetensors")
	}
	if err := model.Validate(src); err != nil {
		t.Fatalf("Validate .bin-only folder: %v", err)
	}
	installed, err := model.Install(context.Background(), src, t.TempDir(), "tiny-bin")
	if err != nil {
		t.Fatalf("Install .bin-only folder: %v", err)
	}
	w, err := model.OpenWeights(installed)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, ok := w.(*model.Pytorch); !ok {
		t.Errorf("OpenWeights with only the .bin = %T, want *model.Pytorch", w)
	}
	got, _, err := w.Float32("embeddings.word_embeddings.weight")
	if err != nil || !slices.Equal(got, want["embeddings.word_embeddings.weight"].Data) {
		t.Errorf("word embeddings from the installed .bin differ (err %v)", err)
	}
}

// assertAligned checks every entry's data starts on a 64-byte boundary, as
// torch.save writes them.
func assertAligned(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil || off%64 != 0 || f.Method != zip.Store {
			t.Errorf("%s: data offset %d (err %v), method %d; want stored at a multiple of 64", f.Name, off, err, f.Method)
		}
	}
}

type entry struct {
	name string
	data []byte
}

func readEntries(t testing.TB, path string) []entry {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []entry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{f.Name, b})
	}
	return out
}

// zipEntries writes entries stored (or deflated when deflate names them).
func zipEntries(t testing.TB, es []entry, deflate string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		m := zip.Store
		if e.name == deflate {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edited returns small.bin's entries with edit applied to each; edit
// returning nil drops the entry.
func edited(t *testing.T, edit func(name string, data []byte) []byte) []entry {
	var out []entry
	for _, e := range readEntries(t, filepath.Join("testdata", "small.bin")) {
		if d := edit(e.name, e.data); d != nil {
			out = append(out, entry{e.name, d})
		}
	}
	return out
}

func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(b, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times in data.pkl, want 1", old, n)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

func TestPytorchBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "small.bin"))
	if err != nil {
		t.Fatal(err)
	}
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pkl := func(edit func([]byte) []byte) []byte {
		return zipEntries(t, edited(t, func(name string, d []byte) []byte {
			if name == "archive/data.pkl" {
				return edit(d)
			}
			return d
		}), "")
	}
	unsupported := model.ErrPytorchUnsupported
	tests := []struct {
		name     string
		data     []byte
		sentinel error
		want     string
	}{
		{"empty", nil, core.ErrCorrupt, "not a torch.save zip"},
		{"text", []byte("version https://git-lfs.github.com/spec/v1\n"), core.ErrCorrupt, "not a torch.save zip"},
		{"truncated to 100 bytes", good[:100], core.ErrCorrupt, "not a readable zip"},
		{"truncated by half", good[:len(good)/2], core.ErrCorrupt, "not a readable zip"},
		{"truncated end record", good[:len(good)-10], core.ErrCorrupt, "not a readable zip"},
		{"legacy format", fixture("legacy.bin"), unsupported, "legacy PyTorch format"},
		{"legacy tar", append(make([]byte, 257), "ustar\x0000"...), unsupported, "legacy PyTorch format"},
		{"os.system global", fixture("evil_global.bin"), unsupported, "os.system"},
		{"non-contiguous", fixture("noncontig.bin"), unsupported, "non-contiguous"},
		{"no data.pkl", zipEntries(t, edited(t, func(n string, d []byte) []byte {
			if strings.HasSuffix(n, "data.pkl") {
				return nil
			}
			return d
		}), ""), core.ErrCorrupt, "no <archive>/data.pkl"},
		{"missing storage", zipEntries(t, edited(t, func(n string, d []byte) []byte {
			if n == "archive/data/3" {
				return nil
			}
			return d
		}), ""), core.ErrCorrupt, `no data/3 entry`},
		{"short storage", zipEntries(t, edited(t, func(n string, d []byte) []byte {
			if n == "archive/data/0" {
				return d[:20]
			}
			return d
		}), ""), core.ErrCorrupt, "need 24 bytes, entry has 20"},
		{"compressed storage", zipEntries(t, edited(t, func(n string, d []byte) []byte { return d }), "archive/data/0"), unsupported, "compressed"},
		{"big endian", zipEntries(t, edited(t, func(n string, d []byte) []byte {
			if strings.HasSuffix(n, "byteorder") {
				return []byte("big")
			}
			return d
		}), ""), unsupported, "big-endian"},
		// tied.view: storage offset 4, shape (2, 3) in a 10-element storage.
		{"offset overrun", pkl(func(b []byte) []byte { return replaceOnce(t, b, "K\x04K\x02K\x03\x86", "K\x05K\x02K\x03\x86") }),
			core.ErrCorrupt, "6 elements at storage offset 5 overrun"},
		{"numel lie", pkl(func(b []byte) []byte { return replaceOnce(t, b, "q\x07K\x06t", "q\x07K\x07t") }),
			core.ErrCorrupt, "7 elements of F32 need 28 bytes, entry has 24"},
		{"truncated pickle", pkl(func(b []byte) []byte { return b[:len(b)/2] }), core.ErrCorrupt, "truncated"},
		{"unknown opcode", pkl(func([]byte) []byte { return []byte("\x80\x02i.") }), unsupported, "unsupported pickle opcode"},
		{"builtins global", pkl(func(b []byte) []byte {
			return replaceOnce(t, b, "ccollections\nOrderedDict\n", "cbuiltins\nexec\n")
		}), unsupported, "builtins.exec"},
		{"not a dict", pkl(func([]byte) []byte { return []byte("\x80\x02K\x01.") }), core.ErrCorrupt, "holds an integer"},
		{"unhashable key", pkl(func([]byte) []byte { return []byte("\x80\x02}q\x00)K\x01s.") }), unsupported, "dict key is a tuple"},
		{"stack underflow", pkl(func([]byte) []byte { return []byte("\x80\x02(R.") }), core.ErrCorrupt, "stack underflow"},
		{"missing memo", pkl(func([]byte) []byte { return []byte("\x80\x02h\x07.") }), core.ErrCorrupt, "memo 7 not set"},
		{"huge string", pkl(func([]byte) []byte { return []byte("\x80\x02X\xff\xff\xff\xff.") }), core.ErrCorrupt, "string of 4294967295 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), model.PytorchFile)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := model.OpenPytorch(p)
			if err == nil {
				w.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v\nwant %v containing %q and the path", err, tc.sentinel, tc.want)
			}
		})
	}
}

// A folder whose only weights are a legacy .bin is refused up front, asking
// for model.safetensors.
func TestPytorchLegacyFolder(t *testing.T) {
	dir := t.TempDir()
	if _, err := modeltest.Write(dir, modeltest.Tiny{}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, model.SafetensorsFile))
	legacy, err := os.ReadFile(filepath.Join("testdata", "legacy.bin"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, model.PytorchFile), legacy, 0o644)
	for name, err := range map[string]error{
		"Validate":    model.Validate(dir),
		"OpenWeights": func() error { _, err := model.OpenWeights(dir); return err }(),
	} {
		if !errors.Is(err, model.ErrPytorchUnsupported) || !strings.Contains(err.Error(), model.SafetensorsFile) ||
			!strings.Contains(err.Error(), filepath.Join(dir, model.PytorchFile)) {
			t.Errorf("%s: err = %v, want ErrPytorchUnsupported naming the file and %s", name, err, model.SafetensorsFile)
		}
	}
}

// FuzzPickle runs the pickle interpreter (and the tensor checks after it)
// on arbitrary data.pkl contents, next to small.bin's storages.
func FuzzPickle(f *testing.F) {
	var storages []entry
	for _, e := range readEntries(f, filepath.Join("testdata", "small.bin")) {
		if strings.HasSuffix(e.name, "data.pkl") {
			f.Add(e.data)
		} else {
			storages = append(storages, e)
		}
	}
	for _, name := range []string{"small_torch.bin", "evil_global.bin", "noncontig.bin"} {
		for _, e := range readEntries(f, filepath.Join("testdata", name)) {
			if strings.HasSuffix(e.name, "data.pkl") {
				f.Add(e.data)
			}
		}
	}
	f.Add([]byte("\x80\x02}q\x00(X\x01\x00\x00\x00a\x8a\x02\xff\x7fN\x88\x89G?\xf0\x00\x00\x00\x00\x00\x00]e\x85\x86\x87u."))
	f.Fuzz(func(t *testing.T, pkl []byte) {
		es := append([]entry{{"archive/data.pkl", pkl}}, storages...)
		b := zipEntries(t, es, "")
		p, err := model.ReadPytorch(bytes.NewReader(b), int64(len(b)), "fuzz.bin")
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) && !errors.Is(err, model.ErrPytorchUnsupported) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrPytorchUnsupported: %v", err)
			}
			return
		}
		for _, name := range p.Names() {
			p.Float32(name)
		}
	})
}

// FuzzPytorchFile runs the whole reader (zip, pickle, tensor checks, reads)
// on arbitrary files, seeded with the fixtures.
func FuzzPytorchFile(f *testing.F) {
	for _, name := range []string{"small.bin", "small_torch.bin", "legacy.bin", "evil_global.bin", "noncontig.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := model.ReadPytorch(bytes.NewReader(b), int64(len(b)), "fuzz.bin")
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) && !errors.Is(err, model.ErrPytorchUnsupported) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrPytorchUnsupported: %v", err)
			}
			return
		}
		for _, name := range p.Names() {
			p.Float32(name)
		}
	})
}
