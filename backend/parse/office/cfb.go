package office

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/richardlehane/mscfb"

	"folio/backend/core"
	"folio/backend/parse"
)

// classifyCFB looks inside an OLE2 compound file and returns the error that
// describes it: core.ErrEncrypted for password-protected OOXML packages and
// legacy files with their encryption flag set, core.ErrUnsupported for other
// legacy binary documents, core.ErrCorrupt for an unreadable container.
func classifyCFB(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parse %s: %w: compound file reader crashed: %v", path, core.ErrCorrupt, r)
		}
	}()
	f, err := parse.OpenFile(path)
	if err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	defer f.Close()
	reason, err := inspectCFB(f)
	if err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return fmt.Errorf("parse %s: %w", path, reason)
}

// cfbInfo is what classification needs from a compound file: the names of
// its root-level streams and the first bytes of the streams that carry
// encryption flags.
type cfbInfo struct {
	streams  map[string]bool
	wordHead []byte // WordDocument: the start of the FIB
	pptUser  []byte // Current User: the CurrentUserAtom
	workbook []byte // Workbook or Book: the first records
}

// inspectCFB classifies the compound file read from ra. The returned reason
// wraps a core sentinel; err is set only when the container is unreadable.
func inspectCFB(ra io.ReaderAt) (reason, err error) {
	r, err := mscfb.New(ra)
	if err != nil {
		return nil, fmt.Errorf("%w: unreadable OLE2 compound file: %v", core.ErrCorrupt, err)
	}
	info := cfbInfo{streams: map[string]bool{}}
	entries := 0
	for e, nerr := r.Next(); nerr == nil; e, nerr = r.Next() {
		if entries++; entries > 100000 {
			return nil, fmt.Errorf("%w: too many entries in the OLE2 compound file", core.ErrTooLarge)
		}
		if len(e.Path) != 0 {
			continue // only root-level streams matter
		}
		info.streams[e.Name] = true
		switch e.Name {
		case "WordDocument":
			info.wordHead = readStream(e, 32)
		case "Current User":
			info.pptUser = readStream(e, 64)
		case "Workbook", "Book":
			info.workbook = readStream(e, 64<<10)
		}
	}
	return classifyStreams(info), nil
}

// classifyStreams names what a compound file holds, as an error wrapping
// core.ErrEncrypted, core.ErrUnsupported or core.ErrCorrupt.
func classifyStreams(info cfbInfo) error {
	s := info.streams
	switch {
	case s["EncryptedPackage"] || s["EncryptionInfo"]:
		return fmt.Errorf("%w: encrypted Office Open XML package", core.ErrEncrypted)
	case s["WordDocument"]:
		if wordEncrypted(info.wordHead) {
			return fmt.Errorf("%w: password-protected Word 97-2003 document", core.ErrEncrypted)
		}
		return fmt.Errorf("%w: legacy Word 97-2003 .doc format is not supported; save it as .docx", core.ErrUnsupported)
	case s["PowerPoint Document"]:
		if s["EncryptedSummary"] || pptUserEncrypted(info.pptUser) {
			return fmt.Errorf("%w: password-protected PowerPoint 97-2003 presentation", core.ErrEncrypted)
		}
		return fmt.Errorf("%w: legacy PowerPoint 97-2003 .ppt format is not supported; save it as .pptx", core.ErrUnsupported)
	case s["Workbook"] || s["Book"]:
		if xlsFilePass(info.workbook) {
			return fmt.Errorf("%w: password-protected Excel 97-2003 workbook", core.ErrEncrypted)
		}
		return fmt.Errorf("%w: legacy Excel 97-2003 .xls format is not supported; save it as .xlsx", core.ErrUnsupported)
	case len(s) == 0:
		return fmt.Errorf("%w: OLE2 compound file with no streams", core.ErrCorrupt)
	}
	return fmt.Errorf("%w: OLE2 compound file that holds no Office document this parser reads", core.ErrUnsupported)
}

// wordEncrypted reads the FIB: flags at 0x0A, fEncrypted is bit 0x0100.
func wordEncrypted(fib []byte) bool {
	return len(fib) >= 12 && binary.LittleEndian.Uint16(fib[0x0A:])&0x0100 != 0
}

// readStream reads up to max bytes of a stream; errors yield what was read.
func readStream(e *mscfb.File, max int) []byte {
	if e.Size <= 0 {
		return nil
	}
	buf := make([]byte, min(int64(max), e.Size))
	n, _ := io.ReadFull(e, buf) // a short stream is classified on what it has
	return buf[:n]
}

// pptUserEncrypted reads the CurrentUserAtom: after its 8-byte record
// header come size (4 bytes) and headerToken, 0xF3D1C4DF when the document
// is encrypted.
func pptUserEncrypted(b []byte) bool {
	return len(b) >= 16 && binary.LittleEndian.Uint32(b[12:]) == 0xF3D1C4DF
}

// xlsFilePass reports whether a BIFF workbook stream has a FILEPASS record
// (0x002F) among its first records, right after the BOF of the globals.
func xlsFilePass(b []byte) bool {
	for off, n := 0, 0; off+4 <= len(b) && n < 32; n++ {
		typ := binary.LittleEndian.Uint16(b[off:])
		size := int(binary.LittleEndian.Uint16(b[off+2:]))
		switch typ {
		case 0x002F:
			return true
		case 0x0085, 0x000A: // BOUNDSHEET or EOF: past where FILEPASS may be
			return false
		}
		off += 4 + size
	}
	return false
}
