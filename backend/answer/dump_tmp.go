package answer

import (
	"encoding/json"
	"os"
	"sync"

	"folio/backend/core"
)

var dumpMu sync.Mutex

func dump(q string, hits []core.Hit, ss []*sentence) {
	p := os.Getenv("FOLIO_QA_DUMP")
	if p == "" {
		return
	}
	type row struct {
		Hit            int
		Text           string
		Lex, Near, Cos float64
		Ord, N         int
		Start, End     int
		Score          float64
		Path           string
	}
	var rows []row
	for _, s := range ss {
		rows = append(rows, row{Hit: s.hit, Text: s.text, Lex: s.lex, Near: s.near, Cos: s.cos, Ord: hits[s.hit].Ord, Start: s.span.Start, End: s.span.End, Score: hits[s.hit].Score, Path: hits[s.hit].Path})
	}
	b, _ := json.Marshal(map[string]any{"q": q, "rows": rows, "hits": len(hits)})
	dumpMu.Lock()
	defer dumpMu.Unlock()
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	f.Write(append(b, '\n'))
	f.Close()
}
