package pdf

import (
	"bytes"
	"strconv"
)

// This file is a lexer for content streams and CMaps. The library's own
// lexer (behind lpdf.Interpret) panics on legal input (odd-length hex
// strings, unknown escapes), loops forever on a hex string left open at the
// end of a stream, and cannot skip inline image data, so Folio reads the
// decoded stream bytes (lpdf.Value.Reader) with this one instead.

// kind is the type of an operand.
type kind uint8

const (
	kNull kind = iota
	kNum
	kStr
	kName
	kArray
	kDict // contents are not kept: content operators only need to skip them
	kBool
)

// operand is one operand of a content-stream operator.
type operand struct {
	kind kind
	num  float64
	str  string // string bytes, or a name without its slash
	arr  []operand
}

// lexer splits a content stream or CMap into operands and operators.
type lexer struct {
	data    []byte
	pos     int
	maxArgs int // operands kept per operator; 0 means 64
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// token kinds returned by next.
const (
	tEOF = iota
	tOperand
	tOp
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
)

// next returns the next token: an operand in *o, or an operator or
// delimiter in op.
func (l *lexer) next(o *operand) (tok int, op string) {
	l.skipSpace()
	if l.pos >= len(l.data) {
		return tEOF, ""
	}
	c := l.data[l.pos]
	switch c {
	case '(':
		l.pos++
		*o = operand{kind: kStr, str: l.literal()}
		return tOperand, ""
	case '<':
		if l.pos+1 < len(l.data) && l.data[l.pos+1] == '<' {
			l.pos += 2
			return tDictOpen, ""
		}
		l.pos++
		*o = operand{kind: kStr, str: l.hex()}
		return tOperand, ""
	case '>':
		l.pos++
		if l.pos < len(l.data) && l.data[l.pos] == '>' {
			l.pos++
			return tDictClose, ""
		}
		return l.next(o) // stray '>'
	case '[':
		l.pos++
		return tArrOpen, ""
	case ']':
		l.pos++
		return tArrClose, ""
	case '{', '}', ')':
		l.pos++
		return l.next(o) // not used in content streams
	case '/':
		l.pos++
		*o = operand{kind: kName, str: l.name()}
		return tOperand, ""
	}
	start := l.pos
	for l.pos < len(l.data) && !isWhite(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		l.pos++
	}
	word := l.data[start:l.pos]
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		if f, ok := parseNum(word); ok {
			*o = operand{kind: kNum, num: f}
			return tOperand, ""
		}
	}
	switch string(word) {
	case "true":
		*o = operand{kind: kBool, num: 1}
		return tOperand, ""
	case "false":
		*o = operand{kind: kBool}
		return tOperand, ""
	case "null":
		*o = operand{}
		return tOperand, ""
	}
	return tOp, string(word)
}

// parseNum parses a PDF number leniently ("--5", "5.", ".5", "1.2.3" as 1.2).
func parseNum(b []byte) (float64, bool) {
	neg := false
	i := 0
	for i < len(b) && (b[i] == '+' || b[i] == '-') {
		if b[i] == '-' {
			neg = !neg
		}
		i++
	}
	var v float64
	digits := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + float64(b[i]-'0')
		digits = true
	}
	if i < len(b) && b[i] == '.' {
		i++
		scale := 0.1
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			v += float64(b[i]-'0') * scale
			scale /= 10
			digits = true
		}
	}
	if !digits {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		// Not PDF syntax, but some producers write it.
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			return f, true
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// literal reads a (string) after its opening parenthesis.
func (l *lexer) literal() string {
	var out []byte
	depth := 1
	d := l.data
	for l.pos < len(d) {
		c := d[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return string(out)
			}
		case '\\':
			if l.pos >= len(d) {
				return string(out)
			}
			c = d[l.pos]
			l.pos++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(d) && d[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				x := int(c - '0')
				for k := 0; k < 2 && l.pos < len(d) && d[l.pos] >= '0' && d[l.pos] <= '7'; k++ {
					x = x*8 + int(d[l.pos]-'0')
					l.pos++
				}
				c = byte(x)
			}
			// Any other escaped character stands for itself.
		}
		out = append(out, c)
	}
	return string(out)
}

func unhexByte(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// hex reads a <hex string> after its opening bracket. Non-hex bytes are
// skipped and an odd final digit is followed by 0, as the spec says.
func (l *lexer) hex() string {
	var out []byte
	hi := -1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v := unhexByte(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return string(out)
}

// name reads a /name after its slash, decoding #xx escapes.
func (l *lexer) name() string {
	start := l.pos
	for l.pos < len(l.data) && !isWhite(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		l.pos++
	}
	raw := l.data[start:l.pos]
	if bytes.IndexByte(raw, '#') < 0 {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			h, lo := unhexByte(raw[i+1]), unhexByte(raw[i+2])
			if h >= 0 && lo >= 0 {
				out = append(out, byte(h<<4|lo))
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return string(out)
}

// maxNesting bounds array and dictionary nesting in operands.
const maxNesting = 32

// readOp reads operands up to the next operator and returns the operator
// with its operands (reusing args), or ok false at the end of the data.
func (l *lexer) readOp(args []operand) (op string, out []operand, ok bool) {
	out = args[:0]
	limit := l.maxArgs
	if limit <= 0 {
		limit = 64
	}
	var o operand
	for {
		tok, word := l.next(&o)
		switch tok {
		case tEOF:
			return "", out, false
		case tOp:
			return word, out, true
		case tOperand:
			if len(out) < limit {
				out = append(out, o)
			}
		case tArrOpen:
			a := l.array(0)
			if len(out) < limit {
				out = append(out, a)
			}
		case tDictOpen:
			l.skipDict(0)
			if len(out) < limit {
				out = append(out, operand{kind: kDict})
			}
		case tArrClose, tDictClose:
			// stray closer: ignore
		}
	}
}

// array reads the elements of an array after its '['.
func (l *lexer) array(depth int) operand {
	a := operand{kind: kArray}
	var o operand
	for {
		tok, _ := l.next(&o)
		switch tok {
		case tEOF, tArrClose:
			return a
		case tOperand:
			a.arr = append(a.arr, o)
		case tArrOpen:
			if depth >= maxNesting {
				return a
			}
			a.arr = append(a.arr, l.array(depth+1))
		case tDictOpen:
			if depth >= maxNesting {
				return a
			}
			l.skipDict(depth + 1)
		case tOp:
			// operators inside arrays are malformed; keep going
		}
	}
}

// skipDict skips a dictionary after its '<<'.
func (l *lexer) skipDict(depth int) {
	var o operand
	for {
		tok, _ := l.next(&o)
		switch tok {
		case tEOF, tDictClose:
			return
		case tArrOpen:
			if depth < maxNesting {
				l.array(depth + 1)
			}
		case tDictOpen:
			if depth < maxNesting {
				l.skipDict(depth + 1)
			}
		}
	}
}

// skipInlineImage skips an inline image's data after its ID operator, up to
// and including the EI operator. The data has no length, so the end is the
// first "EI" between white space.
func (l *lexer) skipInlineImage() {
	d := l.data
	if l.pos < len(d) && isWhite(d[l.pos]) {
		l.pos++
	}
	for i := l.pos; i+1 < len(d); i++ {
		if d[i] == 'E' && d[i+1] == 'I' && (i == l.pos || isWhite(d[i-1])) && (i+2 == len(d) || isWhite(d[i+2]) || isDelim(d[i+2])) {
			l.pos = i + 2
			return
		}
	}
	l.pos = len(d)
}
