package isolate

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"folio/backend/parse/ocr"
)

// The OCR cache across the process boundary. The cache (Config.OCRCache)
// lives in the parent, whose database is open in one process only; the
// child reaches it over its own pipes, one request at a time:
//
//	child stderr: "isolate child: ocr cache: get HEXKEY"
//	parent stdin: the entry in base64, or an empty line for a miss
//	child stderr: "isolate child: ocr cache: put HEXKEY BASE64"   (no answer)
//
// The parent answers every get, in order, from the goroutine reading the
// child's stderr, so a request is answered before the next line is read.
// Either side drops what it cannot read: a request that is not one is
// ignored, an answer that is not base64 is a miss, and a child whose
// parent stops answering (stdin closed) reads every later page itself.
// Entries larger than maxEntry are not sent. Nothing here can fail a parse.

const (
	// cacheMarker starts a child's cache request line.
	cacheMarker = "isolate child: ocr cache: "
	// ocrCountsMarker starts the line a child ends with when it used OCR:
	// the images Tesseract read and those the cache served.
	ocrCountsMarker = "isolate child: ocr pages read, cached: "
	// maxEntry bounds one cache entry (a page of a few thousand words is
	// about 100 KB).
	maxEntry = 8 << 20
	// maxRequestLine bounds a request line: a put of maxEntry in base64.
	maxRequestLine = len(cacheMarker) + 4 + 2*ocr.KeySize + 1 + (maxEntry+2)/3*4 + 1
)

// childStderr serialises the child's lines to stderr (progress, cache
// requests), so a long request is never cut by another line.
var childStderr lockedWriter

type lockedWriter struct {
	mu sync.Mutex // guards writes through it
	w  io.Writer  // nil: os.Stderr
}

func (l *lockedWriter) printf(format string, a ...any) error {
	s := fmt.Sprintf(format, a...)
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.w
	if w == nil {
		w = os.Stderr
	}
	_, err := io.WriteString(w, s)
	return err
}

// childCache is the child's side: an ocr.Cache that asks the parent.
type childCache struct {
	mu  sync.Mutex // guards in and off, and keeps a request and its answer together
	in  *bufio.Reader
	out *lockedWriter // the requests' way to the parent (stderr)
	off bool          // the parent stopped answering
}

func (c *childCache) Get(key []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return nil, false
	}
	if err := c.out.printf("%sget %x\n", cacheMarker, key); err != nil {
		c.off = true
		return nil, false
	}
	line, err := c.in.ReadString('\n')
	if err != nil {
		c.off = true
		return nil, false
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, false
	}
	v, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return nil, false
	}
	return v, true
}

func (c *childCache) Put(key, val []byte) {
	if len(val) > maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return
	}
	if err := c.out.printf("%sput %x %s\n", cacheMarker, key, base64.StdEncoding.EncodeToString(val)); err != nil {
		c.off = true
	}
}

// cacheServer is the parent's side: it answers one child's requests from
// the cache.
type cacheServer struct {
	cache ocr.Cache
	reply io.Writer // the child's stdin
	dead  bool      // reply failed: the child is gone or stopped reading
}

// serve handles one request line (the marker removed).
func (s *cacheServer) serve(req string) {
	verb, rest, _ := strings.Cut(req, " ")
	hexKey, val, _ := strings.Cut(rest, " ")
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != ocr.KeySize {
		key = nil
	}
	switch verb {
	case "get":
		// Every get is answered, a bad one with a miss, so the child's
		// next read is this answer.
		var answer string
		if key != nil {
			if v, ok := s.cache.Get(key); ok && len(v) <= maxEntry {
				answer = base64.StdEncoding.EncodeToString(v)
			}
		}
		if !s.dead {
			if _, err := io.WriteString(s.reply, answer+"\n"); err != nil {
				s.dead = true
			}
		}
	case "put":
		v, err := base64.StdEncoding.DecodeString(val)
		if key != nil && err == nil && len(v) > 0 && len(v) <= maxEntry {
			s.cache.Put(key, v)
		}
	}
}
