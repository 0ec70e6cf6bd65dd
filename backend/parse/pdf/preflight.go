package pdf

import (
	"bytes"
	"fmt"
	"io"
)

// preflight scans the file for cross-reference sizes the library would
// allocate without checking: an xref subsection "start count" or an xref
// stream /Size far beyond what a file of this size can hold makes it
// request gigabytes and die with a fatal error that recover cannot catch.
func preflight(r io.ReaderAt, size int64) error {
	limit := size + 100000
	const chunk = 1 << 20
	const overlap = 64
	buf := make([]byte, chunk+overlap)
	for off := int64(0); off < size; off += chunk {
		n, err := r.ReadAt(buf, off)
		if n <= 0 {
			if err != nil && err != io.EOF {
				return err
			}
			break
		}
		data := buf[:n]
		for _, kw := range []string{"xref", "/Size"} {
			for i := 0; ; {
				j := bytes.Index(data[i:], []byte(kw))
				if j < 0 {
					break
				}
				p := i + j + len(kw)
				i = p
				if off+int64(p-len(kw)) >= off+chunk {
					break // the next chunk sees it
				}
				if kw == "xref" {
					if err := checkXrefTable(r, off+int64(p), size, limit); err != nil {
						return err
					}
					continue
				}
				a, _, ok := readUint(data, p)
				if ok && a > limit {
					return fmt.Errorf("cross-reference stream claims %d objects in a %d-byte file", a, size)
				}
			}
		}
	}
	return nil
}

// readUint skips white space and reads a decimal number at data[p:].
func readUint(data []byte, p int) (int64, int, bool) {
	for p < len(data) && isWhite(data[p]) {
		p++
	}
	start := p
	var v int64
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		if v > 1<<50 {
			return v, p, true
		}
		v = v*10 + int64(data[p]-'0')
		p++
	}
	return v, p, p > start
}

// maxXrefWindow bounds the bytes of one xref table that preflight reads.
const maxXrefWindow = 32 << 20

// checkXrefTable reads the xref table starting at off (after the keyword)
// as the library does, subsection header, entries, next header..., and
// fails if a subsection reaches beyond limit objects.
func checkXrefTable(r io.ReaderAt, off, size, limit int64) error {
	n := min(size-off, maxXrefWindow)
	if n <= 0 {
		return nil
	}
	data := make([]byte, n)
	m, _ := r.ReadAt(data, off)
	l := &lexer{data: data[:m]}
	var o operand
	for {
		if tok, _ := l.next(&o); tok != tOperand || o.kind != kNum {
			return nil
		}
		start := o.num
		if tok, _ := l.next(&o); tok != tOperand || o.kind != kNum {
			return nil
		}
		count := o.num
		if start < 0 || count < 0 || start+count > float64(limit) {
			return fmt.Errorf("cross-reference table claims %.0f objects in a %d-byte file", start+count, size)
		}
		for i := 0; i < int(count); i++ {
			for k := 0; k < 3; k++ {
				if tok, _ := l.next(&o); tok == tEOF {
					return nil
				}
			}
		}
	}
}
