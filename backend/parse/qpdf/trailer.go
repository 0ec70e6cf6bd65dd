package qpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// maxPatchBytes is the largest file for which Rewrite builds a missing
// trailer (the file is read into memory to do it).
const maxPatchBytes = 256 << 20

var (
	objRE     = regexp.MustCompile(`(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj\b`)
	catalogRE = regexp.MustCompile(`/Type[ \t\r\n\f\x00]*/Catalog\b`)
	rootRE    = regexp.MustCompile(`/Root[ \t\r\n\f\x00]+(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+R\b`)
)

// ref is an indirect object reference.
type ref struct{ num, gen int }

func (r ref) String() string { return fmt.Sprintf("%d %d R", r.num, r.gen) }

// rootCandidates returns, most likely first and at most max of them, the
// objects that could be the document catalog of a PDF whose trailer is
// lost: objects whose dictionary says /Type /Catalog (the last one first,
// as later revisions come later), then the targets of /Root entries left in
// old trailers or cross-reference stream dictionaries.
func rootCandidates(data []byte, max int) []ref {
	var out []ref
	add := func(r ref) {
		for _, have := range out {
			if have == r {
				return
			}
		}
		if len(out) < max {
			out = append(out, r)
		}
	}
	objs := objRE.FindAllSubmatchIndex(data, -1)
	for i := len(objs) - 1; i >= 0; i-- {
		start, end := objs[i][1], len(data)
		if i+1 < len(objs) {
			end = objs[i+1][0]
		}
		body := data[start:end]
		if j := bytes.Index(body, []byte("endobj")); j >= 0 {
			body = body[:j]
		}
		if catalogRE.Match(body) {
			if r, ok := parseRef(data, objs[i][2:6]); ok {
				add(r)
			}
		}
	}
	roots := rootRE.FindAllSubmatchIndex(data, -1)
	for i := len(roots) - 1; i >= 0; i-- {
		if r, ok := parseRef(data, roots[i][2:6]); ok {
			add(r)
		}
	}
	return out
}

func parseRef(data []byte, idx []int) (ref, bool) {
	num, err1 := strconv.Atoi(string(data[idx[0]:idx[1]]))
	gen, err2 := strconv.Atoi(string(data[idx[2]:idx[3]]))
	if err1 != nil || err2 != nil || num <= 0 {
		return ref{}, false
	}
	return ref{num, gen}, true
}

// withTrailer returns data followed by a trailer naming root and a
// startxref of 0. The bad startxref sends qpdf straight to recovery, which
// scans the file for objects and for a "trailer" keyword, and finds this
// one when the file has no other.
func withTrailer(data []byte, root ref) []byte {
	out := make([]byte, 0, len(data)+64)
	out = append(out, data...)
	return fmt.Appendf(out, "\ntrailer\n<< /Root %s >>\nstartxref\n0\n%%%%EOF\n", root)
}
