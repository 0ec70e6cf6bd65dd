package parse

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
)

// Sniff looks at a file's content and returns the extension of the format it
// really holds (".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp",
// ".epub", ".html", ".rtf", ".cfb" for an OLE2 compound file such as a legacy or
// encrypted Office document), or "" when the content does not say. It reads
// at most the first 4 KiB and, for ZIP files, the central directory.
func Sniff(path string) string {
	f, err := OpenFile(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		return ".pdf"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return ".cfb"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(f)
	}
	lower := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n"))
	if bytes.HasPrefix(lower, []byte(`{\rtf`)) {
		return ".rtf" // Word saves RTF under a .doc name too
	}
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return ".html"
	}
	return ""
}

// sniffZip tells OOXML, ODF and EPUB containers apart by their entries.
func sniffZip(f *os.File) string {
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		switch name := strings.ToLower(f.Name); {
		case name == "word/document.xml":
			return ".docx"
		case name == "xl/workbook.xml":
			return ".xlsx"
		case name == "ppt/presentation.xml":
			return ".pptx"
		case name == "mimetype" && f.UncompressedSize64 < 200:
			rc, err := f.Open()
			if err != nil {
				return ""
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 200))
			rc.Close()
			switch strings.TrimSpace(string(b)) {
			case "application/vnd.oasis.opendocument.text":
				return ".odt"
			case "application/vnd.oasis.opendocument.spreadsheet":
				return ".ods"
			case "application/vnd.oasis.opendocument.presentation":
				return ".odp"
			case "application/epub+zip":
				return ".epub"
			}
		}
	}
	return ""
}
