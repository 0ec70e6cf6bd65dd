//go:build cgo

package qpdf

/*
#cgo pkg-config: libqpdf
#include <stdlib.h>
#include <qpdf/qpdf-c.h>
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"folio/backend/core"
	"folio/backend/parse"
)

// Available reports whether this build has qpdf. It is true with cgo.
func Available() bool { return true }

// LibraryVersion returns the version of the linked qpdf library, such as
// "11.3.0".
func LibraryVersion() string { return C.GoString(C.qpdf_get_qpdf_version()) }

// handle owns one qpdf_data. qpdf's handles are not thread-safe; a handle
// never leaves the goroutine that made it.
type handle struct {
	q     C.qpdf_data
	mem   unsafe.Pointer // C copy of the input for qpdf_read_memory, or nil
	notes []string       // repairs made here, reported before qpdf's warnings
}

func newHandle() *handle {
	h := &handle{q: C.qpdf_init()}
	// Errors are read through qpdf_get_error and warnings through
	// qpdf_next_warning; neither goes to stderr.
	C.qpdf_silence_errors(h.q)
	C.qpdf_set_suppress_warnings(h.q, C.QPDF_TRUE)
	C.qpdf_set_attempt_recovery(h.q, C.QPDF_TRUE)
	return h
}

func (h *handle) close() {
	if h.q != nil {
		// qpdf_cleanup prints an error nobody retrieved to stderr.
		h.takeError()
		C.qpdf_cleanup(&h.q)
		h.q = nil
	}
	if h.mem != nil {
		// After qpdf_cleanup: qpdf reads from this buffer until then.
		C.free(h.mem)
		h.mem = nil
	}
}

// qpdfError is the error qpdf reported for the last call.
type qpdfError struct {
	code C.enum_qpdf_error_code_e
	msg  string // detail, prefixed with the file offset when qpdf gave one
}

// takeError returns and clears the pending error, or nil.
func (h *handle) takeError() *qpdfError {
	if C.qpdf_has_error(h.q) == C.QPDF_FALSE {
		return nil
	}
	e := C.qpdf_get_error(h.q)
	if e == nil {
		return nil
	}
	return h.describe(e)
}

func (h *handle) describe(e C.qpdf_error) *qpdfError {
	msg := C.GoString(C.qpdf_get_error_message_detail(h.q, e))
	if msg == "" {
		msg = C.GoString(C.qpdf_get_error_full_text(h.q, e))
	}
	if pos := uint64(C.qpdf_get_error_file_position(h.q, e)); pos > 0 {
		msg = fmt.Sprintf("offset %d: %s", pos, msg)
	}
	return &qpdfError{code: C.qpdf_get_error_code(h.q, e), msg: msg}
}

// drainWarnings moves qpdf's pending warnings into r.
func (h *handle) drainWarnings(r *Result) {
	for C.qpdf_more_warnings(h.q) != C.QPDF_FALSE {
		w := C.qpdf_next_warning(h.q)
		if w == nil {
			break
		}
		r.addWarning(strings.TrimSpace(C.GoString(C.qpdf_get_error_full_text(h.q, w))))
	}
}

// read opens path with password on a fresh handle. On failure the handle is
// already closed.
func read(path, password string) (*handle, *qpdfError) {
	h := newHandle()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cpw := C.CString(password)
	defer C.free(unsafe.Pointer(cpw))
	if C.qpdf_read(h.q, cpath, cpw)&C.QPDF_ERRORS != 0 {
		e := h.errorOr("qpdf_read failed without an error")
		h.close()
		return nil, e
	}
	return h, nil
}

// readMemory is read for a file already in memory; desc names it in
// qpdf's messages. qpdf reads from a C copy of data that the handle owns.
func readMemory(desc string, data []byte, password string) (*handle, *qpdfError) {
	h := newHandle()
	h.mem = C.CBytes(data)
	cdesc := C.CString(desc)
	defer C.free(unsafe.Pointer(cdesc))
	cpw := C.CString(password)
	defer C.free(unsafe.Pointer(cpw))
	if C.qpdf_read_memory(h.q, cdesc, (*C.char)(h.mem), C.ulonglong(len(data)), cpw)&C.QPDF_ERRORS != 0 {
		e := h.errorOr("qpdf_read_memory failed without an error")
		h.close()
		return nil, e
	}
	return h, nil
}

// open reads path, trying each spelling of password (see
// passwordCandidates). The error wraps core.ErrEncrypted when no candidate
// opens the file and core.ErrCorrupt when qpdf cannot read it.
func open(path, password string) (*handle, error) {
	for _, pw := range passwordCandidates(password) {
		h, e := read(path, pw)
		if e == nil {
			// qpdf reads lazily: a file can open and still have no
			// catalog, which only the write would find out.
			if e = h.checkRoot(); e == nil {
				return h, nil
			}
			h.close()
		}
		if e.code == C.qpdf_e_password {
			continue
		}
		if lostTrailer(e) {
			if h := readWithTrailer(path, pw); h != nil {
				return h, nil
			}
		}
		return nil, e.wrap(path)
	}
	if password == "" {
		return nil, fmt.Errorf("qpdf %s: %w", path, core.ErrEncrypted)
	}
	return nil, fmt.Errorf("qpdf %s: %w: wrong password", path, core.ErrEncrypted)
}

// checkRoot fails unless the trailer's /Root is a dictionary.
func (h *handle) checkRoot() *qpdfError {
	root := C.qpdf_get_root(h.q)
	if e := h.takeError(); e != nil {
		return e
	}
	if C.qpdf_oh_is_dictionary(h.q, root) == C.QPDF_FALSE {
		return &qpdfError{code: C.qpdf_e_damaged_pdf, msg: "unable to find /Root dictionary"}
	}
	return nil
}

// lostTrailer reports whether e is qpdf 11.3 giving up on a file whose
// trailer (or its /Root) it cannot find, typically one whose only trailer
// was a cross-reference stream that recovery does not read.
func lostTrailer(e *qpdfError) bool {
	return e.code == C.qpdf_e_damaged_pdf &&
		(strings.Contains(e.msg, "unable to find trailer dictionary") ||
			strings.Contains(e.msg, "unable to find /Root dictionary"))
}

// readWithTrailer retries a file qpdf found no usable trailer in, with a
// trailer appended for each likely document catalog in turn (see
// rootCandidates). It returns nil when none of them opens.
func readWithTrailer(path, password string) *handle {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > maxPatchBytes {
		return nil
	}
	f, err := parse.OpenFile(path)
	if err != nil {
		return nil
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil
	}
	for _, root := range rootCandidates(data, 3) {
		h, e := readMemory(path, withTrailer(data, root), password)
		if e != nil {
			continue
		}
		if h.checkRoot() != nil {
			h.close()
			continue
		}
		// A candidate that is not really the catalog gives no pages.
		n := C.qpdf_get_num_pages(h.q)
		if e := h.takeError(); e != nil || n <= 0 {
			h.close()
			continue
		}
		h.notes = append(h.notes, fmt.Sprintf("%s: no usable trailer; rebuilt one with /Root %s", path, root))
		return h
	}
	return nil
}

// wrap turns e into an error for path: a password failure or unsupported
// encryption is core.ErrEncrypted, an I/O failure on the output (disk full,
// quota, I/O error) a plain error, everything else core.ErrCorrupt. qpdf
// reports both I/O failures and C++ runtime errors (an integer overflow
// while parsing) as qpdf_e_system, so the I/O ones are told apart by their
// strerror text; Rewrite has already checked that the input can be opened.
func (e *qpdfError) wrap(path string) error {
	switch {
	case e.code == C.qpdf_e_password,
		e.code == C.qpdf_e_unsupported && strings.Contains(strings.ToLower(e.msg), "encrypt"):
		return fmt.Errorf("qpdf %s: %w: %s", path, core.ErrEncrypted, e.msg)
	case e.code == C.qpdf_e_system && isIOFailure(e.msg):
		return fmt.Errorf("qpdf %s: %s", path, e.msg)
	default:
		return fmt.Errorf("qpdf %s: %w: %s", path, core.ErrCorrupt, e.msg)
	}
}

// ioFailures are the strerror texts of failures that say nothing about
// the PDF.
var ioFailures = []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EIO, syscall.EACCES,
	syscall.EROFS, syscall.ENOENT, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM}

func isIOFailure(msg string) bool {
	for _, errno := range ioFailures {
		if strings.Contains(msg, errno.Error()) {
			return true
		}
	}
	return false
}

// Rewrite reads the PDF at in, decrypting it with password and repairing
// what qpdf can repair, and writes a classic, unencrypted PDF 1.7 to out:
// no object streams or cross-reference streams, streams with
// general-purpose filters decoded and re-compressed as plain Flate, other
// streams (images) unchanged. out is written through a temporary file in its
// folder and renamed into place, with mode 0600 (it may be the decrypted
// copy of a protected file).
//
// password may be empty; files whose user password is empty (including
// owner-password-only files) open without one, and such a file also opens
// when a wrong password is given. Non-ASCII passwords are tried as UTF-8, after
// SASLprep and in PDFDocEncoding.
//
// Errors: a file that needs a password it was not given (or a wrong one)
// wraps core.ErrEncrypted; one qpdf cannot read or write wraps
// core.ErrCorrupt with qpdf's message; a missing input is an *fs.PathError
// naming it; a done ctx returns ctx.Err(). The qpdf calls themselves cannot
// be interrupted: ctx is checked before reading, before writing and after
// writing.
func Rewrite(ctx context.Context, in, out, password string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("qpdf %s: %w", in, err)
	}
	if err := checkReadable(in); err != nil {
		return Result{}, err
	}

	// Not required by qpdf, but keeps one handle's calls on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	h, err := open(in, password)
	if err != nil {
		return Result{}, err
	}
	defer h.close()

	var res Result
	for _, n := range h.notes {
		res.addWarning(n)
	}
	res.Version = C.GoString(C.qpdf_get_pdf_version(h.q))
	res.Encrypted = C.qpdf_is_encrypted(h.q) != C.QPDF_FALSE
	h.drainWarnings(&res)
	// Walking the page tree before writing lets qpdf repair what it can
	// there (it fixes some malformed /Kids as it goes). A tree it cannot
	// walk (a /Kids loop) is not fatal: the file is still written.
	res.Pages = int(C.qpdf_get_num_pages(h.q))
	if e := h.takeError(); e != nil || res.Pages < 0 {
		res.Pages = -1
		if e != nil {
			res.addWarning("counting pages: " + e.msg)
		}
	}

	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("qpdf %s: %w", in, err)
	}

	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".qpdf-*")
	if err != nil {
		return Result{}, fmt.Errorf("qpdf %s: %w", in, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmpName)
		}
	}()

	if e := h.fixTrailer(); e != nil {
		return Result{}, e.wrap(in)
	}
	if err := h.write(tmpName); err != nil {
		return Result{}, err.wrap(in)
	}
	h.drainWarnings(&res)

	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("qpdf %s: %w", in, err)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return Result{}, fmt.Errorf("qpdf %s: %w", in, err)
	}
	renamed = true
	return res, nil
}

// checkReadable fails with an error naming path when it cannot be opened
// for reading or is a directory, so that qpdf's own open errors need no
// translation.
func checkReadable(path string) error {
	f, err := parse.OpenFile(path)
	if err != nil {
		return fmt.Errorf("qpdf: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("qpdf: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("qpdf %s: is a directory", path)
	}
	return nil
}

// fixTrailer mends two things recovery can leave in the trailer that
// qpdf writes out as they are but readers reject: a missing /Size (qpdf's
// writer fills in the real value, but only replaces an entry that exists)
// and a direct /Root dictionary, which is made an indirect object.
func (h *handle) fixTrailer() *qpdfError {
	trailer := C.qpdf_get_trailer(h.q)
	size := C.CString("/Size")
	defer C.free(unsafe.Pointer(size))
	if C.qpdf_oh_has_key(h.q, trailer, size) == C.QPDF_FALSE {
		C.qpdf_oh_replace_key(h.q, trailer, size, C.qpdf_oh_new_integer(h.q, 0))
	}
	root := C.CString("/Root")
	defer C.free(unsafe.Pointer(root))
	if r := C.qpdf_oh_get_key(h.q, trailer, root); C.qpdf_oh_is_indirect(h.q, r) == C.QPDF_FALSE &&
		C.qpdf_oh_is_dictionary(h.q, r) != C.QPDF_FALSE {
		C.qpdf_oh_replace_key(h.q, trailer, root, C.qpdf_make_indirect_object(h.q, r))
	}
	return h.takeError()
}

// write writes the open file to path with Rewrite's settings.
func (h *handle) write(path string) *qpdfError {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if C.qpdf_init_write(h.q, cpath)&C.QPDF_ERRORS != 0 {
		return h.errorOr("qpdf_init_write failed")
	}
	// Write parameters are reset by qpdf_init_write, so they follow it.
	C.qpdf_set_preserve_encryption(h.q, C.QPDF_FALSE)
	C.qpdf_set_object_stream_mode(h.q, C.qpdf_o_disable)
	// s_compress decodes general-purpose filters (qpdf_dl_generalized) and
	// compresses with plain Flate, the one filter every reader handles;
	// specialised filters (DCT, JBIG2, JPX, CCITT) are kept as they are.
	C.qpdf_set_stream_data_mode(h.q, C.qpdf_s_compress)
	C.qpdf_set_linearization(h.q, C.QPDF_FALSE)
	// An end-of-line before endstream, as the PDF spec asks (not part of
	// the stream data): some readers look for it.
	C.qpdf_set_newline_before_endstream(h.q, C.QPDF_TRUE)
	cv := C.CString("1.7")
	defer C.free(unsafe.Pointer(cv))
	C.qpdf_force_pdf_version(h.q, cv)
	if e := h.takeError(); e != nil {
		return e
	}
	if C.qpdf_write(h.q)&C.QPDF_ERRORS != 0 {
		return h.errorOr("qpdf_write failed")
	}
	return nil
}

func (h *handle) errorOr(msg string) *qpdfError {
	if e := h.takeError(); e != nil {
		return e
	}
	return &qpdfError{code: C.qpdf_e_internal, msg: msg}
}

// inspect opens path with password and reports whether it is encrypted, its
// version and its page count (-1 when the tree cannot be walked). Tests use
// it to check Rewrite's output.
func inspect(path, password string) (encrypted bool, version string, pages int, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h, err := open(path, password)
	if err != nil {
		return false, "", 0, err
	}
	defer h.close()
	encrypted = C.qpdf_is_encrypted(h.q) != C.QPDF_FALSE
	version = C.GoString(C.qpdf_get_pdf_version(h.q))
	pages = int(C.qpdf_get_num_pages(h.q))
	if h.takeError() != nil {
		pages = -1
	}
	return encrypted, version, pages, nil
}
