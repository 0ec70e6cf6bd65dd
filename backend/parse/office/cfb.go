package office

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"

	"folio/backend/core"
	"folio/backend/parse"
	"folio/backend/parse/sheet"
)

// compound is what the legacy readers take from an OLE2 compound file:
// the names of its root-level streams and storages, and the bytes of the
// streams they read, by path ("WordDocument", "__attach_version1.0_#00000000/
// __substg1.0_3701000D"), each capped so a hostile size field cannot make
// the parser allocate without bound.
type compound struct {
	streams map[string]bool
	data    map[string][]byte
}

// wantStream reports whether a stream at dir/name is read: the streams of
// Word, PowerPoint and Excel documents, and the property streams of an
// Outlook message and its attachments and recipients (one level down).
func wantStream(dir []string, name string) bool {
	if len(dir) == 0 {
		switch name {
		case "WordDocument", "0Table", "1Table", "PowerPoint Document", "Current User", "Workbook", "Book", "__properties_version1.0", summaryStream:
			return true
		}
	}
	return len(dir) <= 1 && strings.HasPrefix(name, "__substg1.0_")
}

// readCompound reads the compound file at path. Streams are read up to
// maxBytes in all; past that it fails with core.ErrTooLarge.
func readCompound(path string, maxBytes int64) (c compound, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: compound file reader crashed: %v", core.ErrCorrupt, r)
		}
	}()
	f, err := parse.OpenFile(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	r, err := mscfb.New(f)
	if err != nil {
		return c, fmt.Errorf("%w: unreadable OLE2 compound file: %v", core.ErrCorrupt, err)
	}
	c = compound{streams: map[string]bool{}, data: map[string][]byte{}}
	entries := 0
	var total int64
	for e, nerr := r.Next(); nerr == nil; e, nerr = r.Next() {
		if entries++; entries > 100000 {
			return c, fmt.Errorf("%w: too many entries in the OLE2 compound file", core.ErrTooLarge)
		}
		if len(e.Path) == 0 {
			c.streams[e.Name] = true
		}
		if !wantStream(e.Path, e.Name) || e.Size <= 0 {
			continue
		}
		if total += e.Size; total > maxBytes {
			return c, fmt.Errorf("%w: the compound file's streams pass the limit of %d bytes", core.ErrTooLarge, maxBytes)
		}
		key := strings.Join(append(append([]string(nil), e.Path...), e.Name), "/")
		c.data[key] = readStream(e, int(e.Size))
	}
	return c, nil
}

// parseCFB reads a legacy Word, PowerPoint or Excel file. Encrypted files
// fail with core.ErrEncrypted, an Outlook message (read by package mail
// under its own extension) and other compound files with
// core.ErrUnsupported.
func (p *Parser) parseCFB(ctx context.Context, path string) (core.Document, error) {
	c, err := readCompound(path, p.cfg.MaxStreamBytes)
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	s := c.streams
	info := cfbInfo{streams: s, wordHead: c.data["WordDocument"], pptUser: c.data["Current User"], workbook: c.data["Workbook"]}
	if info.workbook == nil {
		info.workbook = c.data["Book"]
	}
	var doc core.Document
	switch {
	case s["EncryptedPackage"] || s["EncryptionInfo"]:
		err = classifyStreams(info)
	case s["WordDocument"]:
		if err = classifyStreams(info); err != nil {
			break
		}
		doc, err = p.parseWord97(ctx, c)
	case s["PowerPoint Document"]:
		if err = classifyStreams(info); err != nil {
			break
		}
		doc, err = p.parsePPT(ctx, c)
	case s["Workbook"] || s["Book"]:
		if err = classifyStreams(info); err != nil {
			break
		}
		doc, err = sheet.ReadBIFF(ctx, info.workbook, sheet.Config{MaxCells: p.cfg.MaxCells})
	case isMessage(c):
		err = fmt.Errorf("%w: the file is an Outlook message; give it the .msg extension to read it", core.ErrUnsupported)
	default:
		err = classifyStreams(info)
	}
	if err != nil {
		return core.Document{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if strings.TrimSpace(doc.Text) == "" {
		return core.Document{}, fmt.Errorf("parse %s: %w: the document holds no text", path, core.ErrEmpty)
	}
	doc.Path = path
	if doc.Title == "" {
		doc.Title = summaryTitle(c.data[summaryStream])
	}
	return doc, nil
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

// classifyStreams returns core.ErrEncrypted for an encrypted compound
// file, nil for a Word, PowerPoint or Excel file the legacy readers take,
// and otherwise core.ErrUnsupported or core.ErrCorrupt saying what it holds.
func classifyStreams(info cfbInfo) error {
	s := info.streams
	switch {
	case s["EncryptedPackage"] || s["EncryptionInfo"]:
		return fmt.Errorf("%w: encrypted Office Open XML package", core.ErrEncrypted)
	case s["WordDocument"]:
		if wordEncrypted(info.wordHead) {
			return fmt.Errorf("%w: password-protected Word 97-2003 document", core.ErrEncrypted)
		}
		return nil
	case s["PowerPoint Document"]:
		if s["EncryptedSummary"] || pptUserEncrypted(info.pptUser) {
			return fmt.Errorf("%w: password-protected PowerPoint 97-2003 presentation", core.ErrEncrypted)
		}
		return nil
	case s["Workbook"] || s["Book"]:
		if xlsFilePass(info.workbook) {
			return fmt.Errorf("%w: password-protected Excel 97-2003 workbook", core.ErrEncrypted)
		}
		return nil
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
	// Read what the stream holds rather than allocating its declared size:
	// a hostile size field must not cost memory the file does not back.
	b, _ := io.ReadAll(io.LimitReader(e, min(int64(max), e.Size))) // a short stream is read as far as it goes
	return b
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
