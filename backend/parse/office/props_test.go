package office

import (
	"errors"
	"testing"
)

// parts is an in-memory container.
type parts map[string]string

func (p parts) Read(name string) ([]byte, error) {
	s, ok := p[name]
	if !ok {
		return nil, errors.New("no part " + name)
	}
	return []byte(s), nil
}

func (p parts) Has(name string) bool { _, ok := p[name]; return ok }

func TestPropertiesTitle(t *testing.T) {
	tests := []struct {
		name string
		a    parts
		want string
	}{
		{"office core properties", parts{"docProps/core.xml": `<?xml version="1.0"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>3M 2018
 Annual Report</dc:title><dc:subject>Form 10-K</dc:subject><dc:creator>x</dc:creator></cp:coreProperties>`}, "3M 2018 Annual Report — Form 10-K"},
		{"opendocument meta", parts{"meta.xml": `<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<office:meta><dc:title>Board minutes</dc:title></office:meta></office:document-meta>`}, "Board minutes"},
		{"no properties", parts{}, ""},
		{"empty title", parts{"docProps/core.xml": `<cp:coreProperties xmlns:dc="d"><dc:title> </dc:title></cp:coreProperties>`}, ""},
		{"broken XML", parts{"docProps/core.xml": `<cp:coreProperties><dc:title>x`}, ""},
	}
	for _, tc := range tests {
		if got := propertiesTitle(tc.a); got != tc.want {
			t.Errorf("%s: propertiesTitle = %q, want %q", tc.name, got, tc.want)
		}
	}
}
