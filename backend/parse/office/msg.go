package office

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"folio/backend/core"
)

// Message is what an Outlook .msg file (MS-OXMSG: properties stored as
// streams of an OLE2 compound file) holds that is worth reading. Package
// mail turns it into a Document, the same way as an .eml.
type Message struct {
	Subject, From, To, Cc string
	Date                  time.Time // zero when the file does not say
	Body                  string    // the plain-text body
	HTML                  []byte    // the HTML body, when there is one
	RTF                   []byte    // the RTF body, decompressed, when there is one
	Attachments           []Attachment
}

// Attachment is a file attached to a message, with its data.
type Attachment struct {
	Name string
	Data []byte
}

// DefaultMaxMessageBytes bounds what ReadMessage reads from a .msg file's
// streams.
const DefaultMaxMessageBytes = 256 << 20

// ReadMessage reads the Outlook message at path. A file that is no OLE2
// compound file or holds no message properties fails with core.ErrCorrupt
// or core.ErrUnsupported; the error names the file. Attachments that are
// themselves messages (stored as sub-storages) are not read.
func ReadMessage(path string) (Message, error) {
	head, err := readHead(path, 8)
	if err != nil {
		return Message{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(head) == 0 {
		return Message{}, fmt.Errorf("parse %s: %w: empty file", path, core.ErrEmpty)
	}
	if !strings.HasPrefix(string(head), string(oleMagic)) {
		return Message{}, fmt.Errorf("parse %s: %w: not an Outlook message (no OLE2 signature)", path, core.ErrCorrupt)
	}
	c, err := readCompound(path, DefaultMaxMessageBytes)
	if err != nil {
		return Message{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if !isMessage(c) {
		info := cfbInfo{streams: c.streams, wordHead: c.data["WordDocument"], pptUser: c.data["Current User"], workbook: c.data["Workbook"]}
		if err := classifyStreams(info); errors.Is(err, core.ErrEncrypted) {
			return Message{}, fmt.Errorf("parse %s: not an Outlook message: %w", path, err)
		}
		return Message{}, fmt.Errorf("parse %s: %w: an OLE2 compound file that holds no Outlook message (a legacy Office document under the .msg name?)", path, core.ErrUnsupported)
	}
	m := Message{
		Subject: msgString(c, "", "0037"),
		To:      msgString(c, "", "0E04"),
		Cc:      msgString(c, "", "0E03"),
		Body:    msgString(c, "", "1000"),
	}
	name, addr := msgString(c, "", "0C1A"), msgString(c, "", "5D01")
	if addr == "" {
		addr = msgString(c, "", "0C1F")
	}
	switch {
	case name != "" && addr != "" && !strings.EqualFold(name, addr):
		m.From = name + " <" + addr + ">"
	case name != "":
		m.From = name
	default:
		m.From = addr
	}
	if b, ok := c.data["__substg1.0_10130102"]; ok {
		m.HTML = b
	} else if s := msgString(c, "", "1013"); s != "" {
		m.HTML = []byte(s)
	}
	if b, ok := c.data["__substg1.0_10090102"]; ok {
		m.RTF, _ = decompressRTF(b, DefaultMaxMessageBytes) // a damaged RTF body is left out
	}
	m.Date = msgDate(c.data["__properties_version1.0"])
	var dirs []string
	for k := range c.data {
		if dir, _, ok := strings.Cut(k, "/"); ok && strings.HasPrefix(dir, "__attach_version1.0_") {
			dirs = append(dirs, dir)
		}
	}
	sort.Strings(dirs)
	for i, dir := range dirs {
		if i > 0 && dirs[i-1] == dir {
			continue
		}
		data, ok := c.data[dir+"/__substg1.0_37010102"]
		if !ok {
			continue
		}
		name := msgString(c, dir, "3707")
		if name == "" {
			name = msgString(c, dir, "3704")
		}
		if name == "" {
			name = msgString(c, dir, "3001")
		}
		m.Attachments = append(m.Attachments, Attachment{Name: name, Data: data})
	}
	return m, nil
}

// isMessage reports whether a compound file holds message properties.
func isMessage(c compound) bool {
	for k := range c.streams {
		if strings.HasPrefix(k, "__substg1.0_") || strings.HasPrefix(k, "__properties_version1.0") {
			return true
		}
	}
	return false
}

// msgString reads the string property tag (four hex digits) in storage dir
// ("" for the message itself): Unicode (type 001F) or 8-bit (001E, read as
// Windows-1252). Trailing NULs are dropped.
func msgString(c compound, dir, tag string) string {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	if b, ok := c.data[prefix+"__substg1.0_"+tag+"001F"]; ok {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return strings.TrimRight(string(utf16.Decode(u)), "\x00")
	}
	if b, ok := c.data[prefix+"__substg1.0_"+tag+"001E"]; ok {
		s, err := charmap.Windows1252.NewDecoder().Bytes(b)
		if err != nil {
			return ""
		}
		return strings.TrimRight(string(s), "\x00")
	}
	return ""
}

// msgDate reads the client submit time (0x0039, PT_SYSTIME) or else the
// delivery time (0x0E06) from the message's fixed-size property stream: a
// 32-byte header, then 16-byte entries of tag, flags and an 8-byte value.
func msgDate(props []byte) time.Time {
	var submit, delivery uint64
	for off := 32; off+16 <= len(props); off += 16 {
		switch binary.LittleEndian.Uint32(props[off:]) {
		case 0x00390040:
			submit = binary.LittleEndian.Uint64(props[off+8:])
		case 0x0E060040:
			delivery = binary.LittleEndian.Uint64(props[off+8:])
		}
	}
	ft := submit
	if ft == 0 {
		ft = delivery
	}
	if ft == 0 {
		return time.Time{}
	}
	// FILETIME: 100-ns intervals since 1601-01-01 UTC.
	const epochDiff = 116444736000000000
	if ft < epochDiff {
		return time.Time{}
	}
	return time.Unix(0, 0).UTC().Add(time.Duration((ft-epochDiff)/10000) * time.Millisecond)
}

// lzfuPrebuf starts the dictionary of compressed RTF (MS-OXRTFCP 2.1.2.1).
const lzfuPrebuf = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` +
	"\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

// decompressRTF undoes the compression of an Outlook RTF body
// (PR_RTF_COMPRESSED, MS-OXRTFCP): a 16-byte header (sizes, "LZFu" or
// "MELA" for uncompressed, CRC), then LZ77 runs over a 4096-byte ring
// dictionary. The output is at most max bytes and never more than the
// header's raw size; a reference past the input ends it.
func decompressRTF(b []byte, max int) ([]byte, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("%w: compressed RTF header is truncated", core.ErrCorrupt)
	}
	raw := int(binary.LittleEndian.Uint32(b[4:]))
	kind := binary.LittleEndian.Uint32(b[8:])
	data := b[16:]
	if raw < 0 || raw > max {
		raw = max
	}
	switch kind {
	case 0x414C454D: // MELA: stored
		return data[:min(len(data), raw)], nil
	case 0x75465A4C: // LZFu
	default:
		return nil, fmt.Errorf("%w: unknown RTF compression %#x", core.ErrCorrupt, kind)
	}
	var dict [4096]byte
	copy(dict[:], lzfuPrebuf)
	w := len(lzfuPrebuf)
	out := make([]byte, 0, min(raw, 1<<20))
	for i := 0; i < len(data) && len(out) < raw; {
		ctl := data[i]
		i++
		for bit := 0; bit < 8 && i < len(data) && len(out) < raw; bit++ {
			if ctl&(1<<bit) == 0 {
				c := data[i]
				i++
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % len(dict)
				continue
			}
			if i+2 > len(data) {
				return out, nil
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			off, n := ref>>4, ref&0xF+2
			if off == w {
				return out, nil // the end marker
			}
			for k := 0; k < n && len(out) < raw; k++ {
				c := dict[(off+k)%len(dict)]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % len(dict)
			}
		}
	}
	return out, nil
}
