package office

import (
	"reflect"
	"strings"
	"testing"

	"folio/backend/chunk"
	"folio/backend/core"
)

func TestDOCXText(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"paragraphs", wp("One") + wp("Two"), "One\nTwo\n"},
		{"runs concatenate", `<w:p><w:r><w:t xml:space="preserve">Hel</w:t></w:r><w:r><w:t>lo</w:t></w:r></w:p>`, "Hello\n"},
		{"tab, br and cr", `<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:t>d</w:t></w:r></w:p>`, "a\tb\nc\nd\n"},
		{"insertions kept, deletions dropped",
			`<w:p><w:r><w:t xml:space="preserve">Keep </w:t></w:r><w:ins w:id="1"><w:r><w:t xml:space="preserve">new </w:t></w:r></w:ins><w:del w:id="2"><w:r><w:delText>old </w:delText></w:r></w:del><w:r><w:t>end</w:t></w:r></w:p>`,
			"Keep new end\n"},
		{"moved-from text dropped", `<w:p><w:moveFrom w:id="1"><w:r><w:t>gone</w:t></w:r></w:moveFrom><w:moveTo w:id="2"><w:r><w:t>here</w:t></w:r></w:moveTo></w:p>`, "here\n"},
		{"caps", `<w:p><w:r><w:t xml:space="preserve">is: </w:t></w:r><w:r><w:rPr><w:caps/></w:rPr><w:t>loud</w:t></w:r><w:r><w:rPr><w:caps w:val="false"/></w:rPr><w:t> quiet</w:t></w:r></w:p>`, "is: LOUD quiet\n"},
		{"ruby", `<w:p><w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>とうきょう</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>東京</w:t></w:r></w:rubyBase></w:ruby></w:r></w:p>`, "東京 (とうきょう)\n"},
		{"field code dropped, result kept",
			`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`,
			"7\n"},
		{"simple field result kept", `<w:p><w:fldSimple w:instr="DATE"><w:r><w:t>today</w:t></w:r></w:fldSimple></w:p>`, "today\n"},
		{"hyperlink text, no URL", `<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink r:id="rId9"><w:r><w:t>this</w:t></w:r></w:hyperlink></w:p>`, "See this\n"},
		{"inline content control", `<w:p><w:sdt><w:sdtPr><w:alias w:val="Name"/></w:sdtPr><w:sdtContent><w:r><w:t>Ann</w:t></w:r></w:sdtContent></w:sdt></w:p>`, "Ann\n"},
		{"block content control", `<w:sdt><w:sdtPr><w:tag w:val="x"/></w:sdtPr><w:sdtContent>` + wp("Inside") + `</w:sdtContent></w:sdt>`, "Inside\n"},
		{"w14 checkboxes",
			`<w:p><w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt>` +
				`<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="0"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☐</w:t></w:r></w:sdtContent></w:sdt></w:p>`,
			"|X||_|\n"},
		{"form field checkboxes",
			`<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="1"/></w:checkBox></w:ffData></w:fldChar></w:r>` +
				`<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="0"/></w:checkBox></w:ffData></w:fldChar></w:r>` +
				`<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="0"/><w:checked/></w:checkBox></w:ffData></w:fldChar></w:r></w:p>`,
			"|X||_||X|\n"},
		{"text box in AlternateContent appears once",
			`<w:p><w:r><w:t xml:space="preserve">Out </w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>` + wp("Boxed") +
				`</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` + wp("Boxed") + `</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`,
			"Out \nBoxed\n"},
		{"VML text box without AlternateContent", `<w:p><w:r><w:pict><w:txbxContent>` + wp("Legacy box") + `</w:txbxContent></w:pict></w:r></w:p>`, "\nLegacy box\n"},
		{"table rows and cells",
			wp("Above") + `<w:tbl><w:tblPr/><w:tblGrid/><w:tr><w:tc><w:tcPr/>` + wp("a") + `</w:tc><w:tc>` + wp("b") + `</w:tc></w:tr><w:tr><w:tc>` + wp("c") + wp("d") + `</w:tc><w:tc>` + wp("") + `</w:tc></w:tr></w:tbl>` + wp("Below"),
			"Above\na\tb\nc d\t\nBelow\n"},
		{"rows and cells in content controls",
			`<w:tbl><w:sdt><w:sdtContent><w:tr><w:sdt><w:sdtContent><w:tc>` + wp("x") + `</w:tc></w:sdtContent></w:sdt><w:tc>` + wp("y") + `</w:tc></w:tr></w:sdtContent></w:sdt></w:tbl>`,
			"x\ty\n"},
		{"several bodies", wp("one") + `</w:body><w:body>` + wp("two"), "one\ntwo\n"},
		{"footnote reference leaves no marker", `<w:p><w:r><w:t>Ouch</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>.</w:t></w:r></w:p>`, "Ouch.\n"},
		{"math text", `<w:p><m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"><m:r><m:t>x=1</m:t></m:r></m:oMath></w:p>`, "x=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, "t.docx", docxEntries(tt.body, ""))
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
			if doc.Format != "docx" {
				t.Errorf("format = %q, want docx", doc.Format)
			}
		})
	}
}

func TestDOCXStrictAndBOM(t *testing.T) {
	strict := `<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships" w:conformance="strict"><w:body>` +
		`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Strict heading</w:t></w:r></w:p>` + wp("Body") + `</w:body></w:document>`
	entries := []entry{
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + strict},
	}
	doc := mustParse(t, "strict.docx", entries)
	if want := "Strict heading\nBody\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if got := doc.Locations[1].Path; !reflect.DeepEqual(got, []string{"Strict heading"}) {
		t.Errorf("path of the body paragraph = %q, want [Strict heading]", got)
	}
}

func TestDOCXUTF16Part(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-16"?><w:document ` + nsW + `><w:body>` + wp("Wide café") + `</w:body></w:document>`
	u := []byte{0xFF, 0xFE}
	for _, r := range xml {
		u = append(u, byte(r), byte(r>>8))
	}
	doc := mustParse(t, "u.docx", []entry{{"word/document.xml", string(u)}})
	if doc.Text != "Wide café\n" {
		t.Errorf("text = %q", doc.Text)
	}
}

func TestDOCXStyles(t *testing.T) {
	styles := `<w:styles ` + nsW + `>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Kop1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Sub"><w:name w:val="My sub"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="SubChild"><w:name w:val="Child"/><w:basedOn w:val="Sub"/></w:style>
<w:style w:type="character" w:styleId="Loud"><w:name w:val="Loud"/><w:rPr><w:caps/></w:rPr></w:style>
</w:styles>`
	para := func(style, text string) string {
		return `<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
	}
	body := para("Titel", "Doc") + wp("intro") + para("Kop1", "Chapter A") + para("Sub", "Part 1") + wp("text 1") +
		para("SubChild", "Part 2") + `<w:p><w:r><w:rPr><w:rStyle w:val="Loud"/></w:rPr><w:t>shout</w:t></w:r></w:p>` +
		`<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>Chapter B</w:t></w:r></w:p>` + wp("text B") +
		para("Heading2", "Undefined style") + wp("after")
	doc := mustParse(t, "s.docx", docxEntries(body, rels("rIdS", "styles", "styles.xml"), entry{"word/styles.xml", styles}))
	want := []struct {
		text string
		path []string
	}{
		{"Doc", []string{"Doc"}},
		{"intro", []string{"Doc"}},
		{"Chapter A", []string{"Doc", "Chapter A"}},
		{"Part 1", []string{"Doc", "Chapter A", "Part 1"}},
		{"text 1", []string{"Doc", "Chapter A", "Part 1"}},
		{"Part 2", []string{"Doc", "Chapter A", "Part 2"}},
		{"SHOUT", []string{"Doc", "Chapter A", "Part 2"}},
		{"Chapter B", []string{"Doc", "Chapter B"}},
		{"text B", []string{"Doc", "Chapter B"}},
		{"Undefined style", []string{"Doc", "Chapter B", "Undefined style"}},
		{"after", []string{"Doc", "Chapter B", "Undefined style"}},
	}
	if len(doc.Locations) != len(want) {
		t.Fatalf("%d locations, want %d: %q", len(doc.Locations), len(want), doc.Text)
	}
	for i, w := range want {
		l := doc.Locations[i]
		if got := doc.Text[l.Start:l.End]; got != w.text || !reflect.DeepEqual(l.Path, w.path) || l.Paragraph != i+1 {
			t.Errorf("location %d = %q %q ¶%d, want %q %q ¶%d", i, got, l.Path, l.Paragraph, w.text, w.path, i+1)
		}
	}
}

func TestDOCXParts(t *testing.T) {
	hdr := func(root, text string) string { return `<w:` + root + ` ` + nsW + `>` + wp(text) + `</w:` + root + `>` }
	body := wp("Body one") +
		`<w:p><w:pPr><w:sectPr><w:headerReference w:type="default" r:id="rH1"/><w:headerReference w:type="first" r:id="rH2"/><w:footerReference w:type="default" r:id="rF1"/></w:sectPr></w:pPr></w:p>` +
		wp("Body two") +
		`<w:sectPr><w:headerReference w:type="default" r:id="rH1"/><w:headerReference w:type="even" r:id="rH3"/><w:footerReference w:type="first" r:id="rF2"/><w:footerReference w:type="default" r:id="rMissing"/><w:headerReference w:type="default" r:id="rExt"/></w:sectPr>`
	docRels := `<Relationships ` + nsRel + `>` +
		`<Relationship Id="rH1" Type="` + relT + `header" Target="header1.xml"/>` +
		`<Relationship Id="rH2" Type="` + relT + `header" Target="/word/header2.xml"/>` +
		`<Relationship Id="rH3" Type="` + relT + `header" Target="header3.xml"/>` +
		`<Relationship Id="rF1" Type="` + relT + `footer" Target="footer1.xml"/>` +
		`<Relationship Id="rF2" Type="` + relT + `footer" Target="footer2.xml"/>` +
		`<Relationship Id="rMissing" Type="` + relT + `footer" Target="footer9.xml"/>` +
		`<Relationship Id="rExt" Type="` + relT + `header" Target="http://example.com/header.xml" TargetMode="External"/>` +
		`<Relationship Id="rFn" Type="` + relT + `footnotes" Target="footnotes.xml"/>` +
		`<Relationship Id="rEn" Type="` + relT + `endnotes" Target="endnotes.xml"/>` +
		`<Relationship Id="rC" Type="` + relT + `comments" Target="comments.xml"/>` +
		`</Relationships>`
	notes := func(root, child string, texts ...string) string {
		s := `<w:` + root + ` ` + nsW + `><w:` + child + ` w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:` + child + `>` +
			`<w:` + child + ` w:type="continuationSeparator" w:id="0"><w:p><w:r><w:t>cont</w:t></w:r></w:p></w:` + child + `>`
		for i, t := range texts {
			s += `<w:` + child + ` w:id="` + string(rune('1'+i)) + `">` + wp(t) + `</w:` + child + `>`
		}
		return s + `</w:` + root + `>`
	}
	doc := mustParse(t, "p.docx", docxEntries(body, docRels,
		entry{"word/header1.xml", hdr("hdr", "Default header")},
		entry{"word/header2.xml", hdr("hdr", "First header")},
		entry{"word/header3.xml", hdr("hdr", "Even header")},
		entry{"word/footer1.xml", hdr("ftr", "Default footer")},
		entry{"word/footer2.xml", hdr("ftr", "First footer")},
		entry{"word/footnotes.xml", notes("footnotes", "footnote", "Note A", "Note B")},
		entry{"word/endnotes.xml", notes("endnotes", "endnote", "End A")},
		entry{"word/comments.xml", `<w:comments ` + nsW + `><w:comment w:id="0" w:author="X">` + wp("Remark") + `</w:comment></w:comments>`},
	))
	want := "First header\nDefault header\nEven header\nBody one\n\nBody two\nDefault footer\nFirst footer\nNote A\nNote B\nEnd A\nRemark\n"
	if doc.Text != want {
		t.Errorf("text = %q\nwant   %q", doc.Text, want)
	}
	type pl struct {
		part string
		para int
	}
	var got []pl
	for _, l := range doc.Locations {
		got = append(got, pl{l.Part, l.Paragraph})
	}
	wantLocs := []pl{{core.PartHeader, 1}, {core.PartHeader, 2}, {core.PartHeader, 3}, {"", 1}, {"", 3},
		{core.PartFooter, 1}, {core.PartFooter, 2}, {core.PartFootnote, 1}, {core.PartFootnote, 2},
		{core.PartEndnote, 1}, {core.PartComment, 1}}
	if !reflect.DeepEqual(got, wantLocs) {
		t.Errorf("locations (part, paragraph) = %v, want %v", got, wantLocs)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "footer9.xml") {
		t.Errorf("warnings = %q, want one naming the missing footer9.xml", doc.Warnings)
	}
}

func TestDOCXTableLocations(t *testing.T) {
	body := `<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>Data</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc>` + wp("a1") + `</w:tc><w:tc>` + wp("b1") + `</w:tc></w:tr><w:tr><w:tc>` + wp("") + `</w:tc><w:tc>` + wp("b2") + `</w:tc></w:tr></w:tbl>` +
		`<w:tbl><w:tr><w:tc>` + wp("second") + `</w:tc></w:tr></w:tbl>`
	doc := mustParse(t, "t.docx", docxEntries(body, ""))
	type cell struct {
		text            string
		table, row, col int
	}
	var got []cell
	for _, l := range doc.Locations[1:] {
		got = append(got, cell{doc.Text[l.Start:l.End], l.Table, l.Row, l.Col})
		if !reflect.DeepEqual(l.Path, []string{"Data"}) {
			t.Errorf("cell %q path = %q, want [Data]", doc.Text[l.Start:l.End], l.Path)
		}
	}
	want := []cell{{"a1", 1, 1, 1}, {"b1", 1, 1, 2}, {"b2", 1, 2, 2}, {"second", 2, 1, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells = %v, want %v", got, want)
	}
}

// TestDOCXTableRows writes the rows of a table with a header row as
// statements carrying the row label and the column headers, one sentence a
// row, with each cell located by table, row and column.
func TestDOCXTableRows(t *testing.T) {
	tc := func(s string) string { return `<w:tc>` + wp(s) + `</w:tc>` }
	body := wp("Capital expenditures") + `<w:tbl>` +
		`<w:tr>` + tc("(in millions)") + tc("2018") + tc("2017") + `</w:tr>` +
		`<w:tr>` + tc("Purchases of property, plant and equipment (PP&amp;E)") + tc("(1,577)") + tc("(1,373)") + `</w:tr>` +
		`<w:tr>` + tc("Proceeds from sale of PP&amp;E") + tc("262") + tc("") + `</w:tr>` +
		`<w:tr>` + tc("Investing activities") + tc("") + tc("") + `</w:tr>` +
		`</w:tbl>`
	doc := mustParse(t, "t.docx", docxEntries(body, ""))
	want := "Capital expenditures\n" +
		"(in millions)\t2018\t2017\n" +
		"Purchases of property, plant and equipment (PP&E) — 2018: (1,577); 2017: (1,373)\t\n" +
		"Proceeds from sale of PP&E — 2018: 262\t\n" +
		"Investing activities\t\n"
	if doc.Text != want {
		t.Fatalf("text =\n%q\nwant\n%q", doc.Text, want)
	}
	if err := doc.Check(); err != nil {
		t.Fatal(err)
	}
	cell := strings.Index(doc.Text, "2017: (1,373)")
	loc, ok := doc.LocationAt(cell)
	if !ok || loc.Table != 1 || loc.Row != 2 || loc.Col != 3 || doc.Text[loc.Start:loc.End] != "2017: (1,373)" {
		t.Errorf("location of the 2017 cell = %+v (%q), want table 1, row 2, column 3", loc, doc.Text[loc.Start:loc.End])
	}
	sentences := chunk.Sentences(doc.Text)
	var rows int
	for _, s := range sentences {
		if strings.HasPrefix(doc.Text[s.Start:s.End], "Purchases of property") {
			rows++
			if !strings.HasSuffix(doc.Text[s.Start:s.End], "2017: (1,373)") {
				t.Errorf("the row's sentence is %q", doc.Text[s.Start:s.End])
			}
		}
	}
	if rows != 1 {
		t.Errorf("%d sentences start with the row, want 1: %q", rows, doc.Text)
	}

	// A table of text gets row statements when it marks its header row.
	marked := `<w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr>` + tc("Name") + tc("Role") + `</w:tr>` +
		`<w:tr>` + tc("Ada") + tc("Engineer") + `</w:tr></w:tbl>` +
		`<w:tbl><w:tr>` + tc("Name") + tc("Role") + `</w:tr><w:tr>` + tc("Ada") + tc("Engineer") + `</w:tr></w:tbl>`
	doc = mustParse(t, "m.docx", docxEntries(marked, ""))
	if want := "Name\tRole\nAda — Role: Engineer\t\nName\tRole\nAda\tEngineer\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
}

func TestDOCXMainPartFromRels(t *testing.T) {
	entries := []entry{
		{"_rels/.rels", rels("rId1", "officeDocument", "word/document2.xml")},
		{"word/document2.xml", `<w:document ` + nsW + `><w:body>` + wp("Renamed main part") + `</w:body></w:document>`},
	}
	doc := mustParse(t, "r.docx", entries)
	if doc.Text != "Renamed main part\n" {
		t.Errorf("text = %q", doc.Text)
	}
}
