package office

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDumpLegacy(t *testing.T) {
	f := os.Getenv("DUMP")
	if f == "" {
		t.Skip()
	}
	doc, err := New(Config{}).Parse(context.Background(), f)
	fmt.Println(err)
	fmt.Println(doc.Text)
	for i, l := range doc.Locations {
		if i < 15 {
			fmt.Printf("%+v %q\n", l, doc.Text[l.Start:l.End])
		}
	}
}

func TestDumpStream(t *testing.T) {
	f := os.Getenv("STREAM")
	if f == "" {
		t.Skip()
	}
	c, err := readCompound(f, 1<<30)
	fmt.Println(err)
	for k, v := range c.data {
		fmt.Println(k, len(v))
		os.WriteFile("/tmp/legacy-lo/stream-"+strings.ReplaceAll(k, "/", "_"), v, 0o644)
	}
}

func TestDumpMsgRTF(t *testing.T) {
	f := os.Getenv("MSG")
	if f == "" {
		t.Skip()
	}
	m, err := ReadMessage(f)
	fmt.Println(err, len(m.RTF), len(m.HTML), len(m.Body))
	fmt.Println(string(m.RTF[:min(len(m.RTF), 1500)]))
}

func TestDumpPPTRecords(t *testing.T) {
	f := os.Getenv("PPT")
	if f == "" {
		t.Skip()
	}
	c, _ := readCompound(f, 1<<30)
	s := c.data["PowerPoint Document"]
	var walk func(b []byte, base, depth int)
	walk = func(b []byte, base, depth int) {
		pptRecords(b, base, func(r pptRecord) bool {
			if depth < 3 || r.typ == pptTextHeader || r.typ == pptTextChars || r.typ == pptTextBytes {
				x := ""
				if r.typ == pptTextHeader {
					x = fmt.Sprint(r.body)
				}
				fmt.Printf("%*s%04x inst %d len %d %s\n", depth*2, "", r.typ, r.inst, len(r.body), x)
			}
			if r.container && depth < 6 {
				walk(r.body, r.bodyOff, depth+1)
			}
			return true
		})
	}
	walk(s, 0, 0)
}
