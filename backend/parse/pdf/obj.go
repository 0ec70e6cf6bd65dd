package pdf

import (
	"fmt"
	"io"
	"reflect"

	lpdf "github.com/ledongthuc/pdf"
)

// objKey identifies the indirect object a Value was read from (the library
// keeps it unexported): a direct object nested in another carries its
// container's number.
type objKey struct {
	id  uint32
	gen uint16
}

// ptrField is the index of lpdf.Value's unexported ptr field, or -1.
var ptrField = func() int {
	t := reflect.TypeOf(lpdf.Value{})
	f, ok := t.FieldByName("ptr")
	if !ok || f.Type.Kind() != reflect.Struct || f.Type.NumField() < 2 {
		return -1
	}
	return f.Index[0]
}()

// keyOf returns the object a Value came from, or false when the library
// does not expose it (a future version changed its fields).
func keyOf(v lpdf.Value) (objKey, bool) {
	if ptrField < 0 {
		return objKey{}, false
	}
	p := reflect.ValueOf(v).Field(ptrField)
	id, gen := p.Field(0), p.Field(1)
	if !id.CanUint() || !gen.CanUint() {
		return objKey{}, false
	}
	return objKey{uint32(id.Uint()), uint16(gen.Uint())}, true
}

// num returns a numeric Value as float64 (0 for anything else).
func num(v lpdf.Value) float64 {
	switch v.Kind() {
	case lpdf.Integer:
		return float64(v.Int64())
	case lpdf.Real:
		return v.Float64()
	}
	return 0
}

// isNum reports whether v is a number.
func isNum(v lpdf.Value) bool { k := v.Kind(); return k == lpdf.Integer || k == lpdf.Real }

// rectOf reads a rectangle array [x0 y0 x1 y1], normalised.
func rectOf(v lpdf.Value) (r [4]float64, ok bool) {
	if v.Kind() != lpdf.Array || v.Len() < 4 {
		return r, false
	}
	for i := 0; i < 4; i++ {
		e := v.Index(i)
		if !isNum(e) {
			return r, false
		}
		r[i] = num(e)
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, true
}

// matrixOf reads a 6-number matrix array.
func matrixOf(v lpdf.Value) (m matrix, ok bool) {
	if v.Kind() != lpdf.Array || v.Len() < 6 {
		return identity, false
	}
	for i := 0; i < 6; i++ {
		e := v.Index(i)
		if !isNum(e) {
			return identity, false
		}
		m[i] = num(e)
	}
	return m, true
}

// errStreamTooLarge is returned when a stream decodes to more than the limit.
var errStreamTooLarge = fmt.Errorf("stream larger than the limit")

// streamBytes returns the decoded data of a stream, at most limit bytes.
// Library panics (unknown filters, corrupt data) become errors.
func streamBytes(v lpdf.Value, limit int64) (data []byte, err error) {
	crash := safely(func() {
		if v.Kind() != lpdf.Stream {
			err = fmt.Errorf("not a stream")
			return
		}
		rc := v.Reader()
		defer rc.Close()
		// Read in steps so that a panic midway keeps what was decoded.
		buf := make([]byte, 32<<10)
		for {
			n, rerr := rc.Read(buf)
			data = append(data, buf[:n]...)
			if int64(len(data)) > limit {
				data, err = data[:limit], errStreamTooLarge
				return
			}
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				err = rerr
				return
			}
		}
	})
	if crash != nil {
		err = crash
	}
	if err != nil && len(data) == 0 {
		return nil, err
	}
	// Keep what was decoded before an error (truncated Flate data is common).
	return data, err
}
