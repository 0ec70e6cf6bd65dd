package office

import (
	"reflect"
	"testing"

	"folio/backend/core"
)

func TestODTText(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"white space collapses", `<text:p>  a   b
  c </text:p>`, "a b c\n"},
		{"spaces, tabs and breaks", `<text:p>a<text:s/>b<text:s text:c="3"/>c<text:tab/>d<text:line-break/>e</text:p>`, "a b   c\td\ne\n"},
		{"spans and links", `<text:p>x<text:span>y</text:span><text:a xlink:href="http://e" xmlns:xlink="http://www.w3.org/1999/xlink">z</text:a></text:p>`, "xyz\n"},
		{"lists", `<text:list><text:list-item><text:p>one</text:p><text:list><text:list-item><text:p>nested</text:p></text:list-item></text:list></text:list-item></text:list>`, "one\nnested\n"},
		{"tracked deletions skipped", `<text:tracked-changes><text:changed-region><text:deletion><text:p>gone</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p>kept</text:p>`, "kept\n"},
		{"table with repeats", `<table:table><table:table-column table:number-columns-repeated="3"/><table:table-row><table:table-cell table:number-columns-repeated="2"><text:p>r</text:p></table:table-cell><table:table-cell/><table:covered-table-cell/></table:table-row>` +
			`<table:table-row table:number-rows-repeated="1000"><table:table-cell/></table:table-row></table:table>`, "r\tr\n\n"},
		{"marked header row", `<table:table><table:table-header-rows><table:table-row><table:table-cell/><table:table-cell><text:p>Role</text:p></table:table-cell></table:table-row></table:table-header-rows>` +
			`<table:table-row><table:table-cell><text:p>Ada</text:p></table:table-cell><table:table-cell><text:p>Engineer</text:p></table:table-cell></table:table-row></table:table>`, "\tRole\nAda — Role: Engineer\t\n"},
		{"text box in paragraph", `<text:p>before<draw:frame draw:name="f"><draw:text-box><text:p>boxed</text:p></draw:text-box></draw:frame></text:p>`, "before\nboxed\n"},
		{"ruby", `<text:p><text:ruby><text:ruby-base>東京</text:ruby-base><text:ruby-text>とうきょう</text:ruby-text></text:ruby></text:p>`, "東京 (とうきょう)\n"},
		{"index templates skipped", `<text:table-of-content><text:table-of-content-source><text:index-title-template>Contents</text:index-title-template></text:table-of-content-source><text:index-body><text:p>Intro 1</text:p></text:index-body></text:table-of-content>`, "Intro 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "t.odt", odfEntries(mimeODT, `<office:text>`+tt.body+`</office:text>`))
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
			if doc.Format != "odt" {
				t.Errorf("format = %q, want odt", doc.Format)
			}
		})
	}
}

func TestODTPartsAndHeadings(t *testing.T) {
	body := `<office:text><text:h text:outline-level="1">Top</text:h>` +
		`<text:p>Body<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Foot</text:p></text:note-body></text:note>` +
		`<text:note text:note-class="endnote"><text:note-citation>i</text:note-citation><text:note-body><text:p>End</text:p></text:note-body></text:note>` +
		`<office:annotation><dc:creator>Me</dc:creator><dc:date>2024-01-01</dc:date><text:p>Comment</text:p></office:annotation>.</text:p>` +
		`<text:h text:outline-level="2">Sub</text:h><text:p>more</text:p><text:h>Next</text:h></office:text>`
	styles := entry{"styles.xml", `<office:document-styles ` + nsO + `><office:master-styles><style:master-page style:name="S">` +
		`<style:header><text:p>Head</text:p></style:header><style:footer><text:p>Foot line</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>`}
	doc := mustParse(t, "p.odt", odfEntries(mimeODT, body, styles))
	want := "Head\nTop\nBody.\nSub\nmore\nNext\nFoot line\nFoot\nEnd\nComment\n"
	if doc.Text != want {
		t.Errorf("text = %q\nwant   %q", doc.Text, want)
	}
	type lp struct {
		part string
		path []string
	}
	var got []lp
	for _, l := range doc.Locations {
		got = append(got, lp{l.Part, l.Path})
	}
	wantLocs := []lp{{core.PartHeader, nil}, {"", []string{"Top"}}, {"", []string{"Top"}}, {"", []string{"Top", "Sub"}},
		{"", []string{"Top", "Sub"}}, {"", []string{"Next"}}, {core.PartFooter, nil}, {core.PartFootnote, nil},
		{core.PartEndnote, nil}, {core.PartComment, nil}}
	if !reflect.DeepEqual(got, wantLocs) {
		t.Errorf("locations = %v\nwant %v", got, wantLocs)
	}
}

func TestODP(t *testing.T) {
	body := `<office:presentation><draw:page draw:name="p1">` +
		`<draw:frame draw:name="Title" presentation:class="title"><draw:text-box><text:p>Hello</text:p></draw:text-box></draw:frame>` +
		`<draw:frame draw:name="Num" presentation:class="page-number"><draw:text-box><text:p>1</text:p></draw:text-box></draw:frame>` +
		`<draw:g><draw:custom-shape draw:name="Star"><text:p>Grouped star</text:p></draw:custom-shape></draw:g>` +
		`<presentation:notes><draw:page-thumbnail draw:page="1"/><draw:frame presentation:class="notes"><draw:text-box><text:p>Note one</text:p></draw:text-box></draw:frame></presentation:notes>` +
		`</draw:page><draw:page draw:name="p2"><draw:frame draw:name="Tbl"><table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:table-cell><text:p>b</text:p></table:table-cell></table:table-row></table:table></draw:frame></draw:page>` +
		`</office:presentation>`
	doc := mustParse(t, "p.odp", odfEntries(mimeODP, body))
	if want := "Hello\nGrouped star\nNote one\n\na\tb\n\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	type sl struct {
		slide       int
		shape, part string
		col         int
	}
	var got []sl
	for _, l := range doc.Locations {
		got = append(got, sl{l.Slide, l.Shape, l.Part, l.Col})
	}
	want := []sl{{1, "Title", "", 0}, {1, "Star", "", 0}, {1, "", core.PartNotes, 0}, {2, "Tbl", "", 1}, {2, "Tbl", "", 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("locations = %v, want %v", got, want)
	}
	if doc.Format != "odp" {
		t.Errorf("format = %q, want odp", doc.Format)
	}
}

func TestODFWithoutMimetype(t *testing.T) {
	es := odfEntries(mimeODT, `<office:presentation><draw:page><draw:frame draw:name="F"><draw:text-box><text:p>slide text</text:p></draw:text-box></draw:frame></draw:page></office:presentation>`)[1:]
	doc := mustParse(t, "x.odt", es)
	if doc.Format != "odp" || doc.Text != "slide text\n\n" {
		t.Errorf("format %q text %q, want odp and the slide text", doc.Format, doc.Text)
	}
}
