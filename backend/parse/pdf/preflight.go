package pdf

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// preflight checks the file for what would make the library misbehave in
// ways no recover catches, and fails at once, saying what it found:
//   - a cross-reference chain whose /Prev comes round again (the library
//     follows it for ever): checkXrefChain;
//   - arrays and dictionaries nested deeper than maxObjectNesting (the library
//     reads them by recursion, and gives up silently): checkNesting;
//   - cross-reference sizes it would allocate without checking: an xref
//     subsection "start count" or an xref stream /Size far beyond what a
//     file of this size can hold makes it request gigabytes and die with a
//     fatal error.
func preflight(r io.ReaderAt, size int64) error {
	if err := checkXrefChain(r, size); err != nil {
		return err
	}
	if err := checkNesting(r, size); err != nil {
		return err
	}
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

// maxXrefSections bounds the cross-reference sections followed: a file has
// one per incremental save, a handful.
const maxXrefSections = 4096

// checkXrefChain follows the last startxref and each section's /Prev, as
// the library does, and fails when an offset comes round again.
func checkXrefChain(r io.ReaderAt, size int64) error {
	off, ok := lastStartxref(r, size)
	seen := map[int64]bool{}
	for ok && off >= 0 && off < size {
		if seen[off] {
			return fmt.Errorf("xref loop: the cross-reference chain comes back to byte %d (a /Prev points to a section already read)", off)
		}
		if seen[off] = true; len(seen) > maxXrefSections {
			return fmt.Errorf("more than %d cross-reference sections", maxXrefSections)
		}
		off, ok = prevSection(r, off, size)
	}
	return nil
}

// lastStartxref reads the offset after the last "startxref" in the file's
// last KiB.
func lastStartxref(r io.ReaderAt, size int64) (int64, bool) {
	n := min(size, 1024)
	tail := make([]byte, n)
	m, _ := r.ReadAt(tail, size-n)
	tail = tail[:m]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, false
	}
	v, _, ok := readUint(tail, i+len("startxref"))
	return v, ok
}

// prevSection returns the /Prev of the cross-reference section at off: the
// trailer's after an xref table, the stream dictionary's for an xref
// stream.
func prevSection(r io.ReaderAt, off, size int64) (int64, bool) {
	n := min(size-off, maxXrefWindow)
	data := make([]byte, n)
	m, _ := r.ReadAt(data, off)
	data = data[:m]
	var dict []byte
	if t := bytes.TrimLeft(data, " \t\r\n\f\x00"); bytes.HasPrefix(t, []byte("xref")) {
		i := bytes.Index(t, []byte("trailer"))
		if i < 0 {
			return 0, false
		}
		dict = t[i:]
		if j := bytes.Index(dict, []byte("startxref")); j >= 0 {
			dict = dict[:j]
		}
	} else {
		if j := bytes.Index(data, []byte("stream")); j >= 0 {
			dict = data[:j]
		} else {
			dict = data[:min(len(data), 64<<10)]
		}
	}
	for i := 0; ; {
		j := bytes.Index(dict[i:], []byte("/Prev"))
		if j < 0 {
			return 0, false
		}
		p := i + j + len("/Prev")
		if p < len(dict) && !isWhite(dict[p]) && !isDelim(dict[p]) {
			i = p // /PrevSomething
			continue
		}
		v, _, ok := readUint(dict, p)
		return v, ok
	}
}

// maxObjectNesting is how deeply arrays and dictionaries may nest in a file's
// objects. Real files nest a few levels; the library reads nesting by
// recursion, and past some depth it drops the object without a word.
const maxObjectNesting = 256

// checkNesting scans the file's object syntax (skipping comments, strings
// and stream data) and fails when arrays and dictionaries nest deeper than
// maxObjectNesting. Depth starts again at each endobj, so an unbalanced object
// cannot spill over into the next.
func checkNesting(r io.ReaderAt, size int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	var word []byte
	var pos int64
	depth := 0
	next := func() (byte, bool) {
		c, err := br.ReadByte()
		if err != nil {
			return 0, false
		}
		pos++
		return c, true
	}
	for {
		c, ok := next()
		if !ok {
			return nil
		}
		if !isWhite(c) && !isDelim(c) {
			if len(word) < 16 {
				word = append(word, c)
			}
			continue
		}
		switch string(word) {
		case "stream":
			// Skip the stream's data up to endstream.
			const end = "endstream"
			for k := 0; k < len(end); {
				b, ok := next()
				if !ok {
					return nil
				}
				switch {
				case b == end[k]:
					k++
				case b == end[0]:
					k = 1
				default:
					k = 0
				}
			}
		case "endobj":
			depth = 0
		}
		word = word[:0]
		switch c {
		case '%':
			for c != '\n' && c != '\r' {
				if c, ok = next(); !ok {
					return nil
				}
			}
		case '(':
			for level, esc := 1, false; level > 0; {
				b, ok := next()
				if !ok {
					return nil
				}
				switch {
				case esc:
					esc = false
				case b == '\\':
					esc = true
				case b == '(':
					level++
				case b == ')':
					level--
				}
			}
		case '<':
			b, ok := next()
			if !ok {
				return nil
			}
			if b == '<' {
				depth++
				break
			}
			for b != '>' {
				if b, ok = next(); !ok {
					return nil
				}
			}
		case '>':
			if b, err := br.Peek(1); err == nil && b[0] == '>' {
				next()
				depth = max(0, depth-1)
			}
		case '[':
			depth++
		case ']':
			depth = max(0, depth-1)
		}
		if depth > maxObjectNesting {
			return fmt.Errorf("nesting too deep: arrays and dictionaries nested more than %d levels (at byte %d)", maxObjectNesting, pos)
		}
	}
}
