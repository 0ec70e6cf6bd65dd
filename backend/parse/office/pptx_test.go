package office

import (
	"reflect"
	"testing"

	"folio/backend/core"
)

func TestPPTX(t *testing.T) {
	slide1 := slideXML("sld", psp("Title 1", "title", "First")+
		`<p:sp><p:nvSpPr><p:cNvPr id="3" name="Body 2"/><p:cNvSpPr/><p:nvPr><p:ph type="body" idx="1"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>`+
		`<a:p><a:r><a:t>line</a:t></a:r><a:br/><a:r><a:t>break</a:t></a:r></a:p><a:p><a:r><a:t>tab</a:t></a:r><a:tab/><a:r><a:rPr cap="all"/><a:t>caps</a:t></a:r></a:p>`+
		`<a:p><a:fld id="{x}" type="datetime"><a:t>field text</a:t></a:fld></a:p></p:txBody></p:sp>`+
		psp("Slide Number 3", "sldNum", "1")+psp("Date 4", "dt", "1/1/2024"))
	slide2 := slideXML("sld", `<p:grpSp><p:nvGrpSpPr><p:cNvPr id="5" name="Group 4"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>`+
		psp("Inner 5", "", "grouped")+`</p:grpSp>`+
		`<mc:AlternateContent><mc:Choice Requires="p14">`+psp("Choice 6", "", "chosen")+`</mc:Choice><mc:Fallback>`+psp("Fallback 6", "", "chosen")+`</mc:Fallback></mc:AlternateContent>`+
		`<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="7" name="Table 6"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><p:xfrm/><a:graphic><a:graphicData uri="t"><a:tbl><a:tblGrid/>`+
		`<a:tr><a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>h1</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>h2</a:t></a:r></a:p></a:txBody></a:tc></a:tr>`+
		`<a:tr><a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>v1</a:t></a:r></a:p><a:p><a:r><a:t>more</a:t></a:r></a:p></a:txBody></a:tc><a:tc hMerge="1"><a:txBody><a:bodyPr/><a:p/></a:txBody></a:tc></a:tr>`+
		`</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`+
		`<p:pic><p:nvPicPr><p:cNvPr id="8" name="Picture 7" descr="alt text"/></p:nvPicPr></p:pic>`)
	notes1 := slideXML("notes", psp("Slide Image Placeholder 1", "sldImg")+psp("Notes Placeholder 2", "body", "Speak slowly.")+psp("Slide Number Placeholder 3", "sldNum", "1")+psp("Footer 4", "ftr", "Confidential"))
	layout := entry{"ppt/slideLayouts/slideLayout1.xml", slideXML("sldLayout", psp("Title 1", "title", "Click to edit Master title style"))}
	master := entry{"ppt/slideMasters/slideMaster1.xml", slideXML("sldMaster", psp("Title 1", "title", "Master title"))}
	doc := mustParse(t, "p.pptx", pptxEntries([]string{slide1, slide2}, []string{notes1, ""}, layout, master))
	want := "First\nline\nbreak\ntab\tCAPS\nfield text\nSpeak slowly.\n\ngrouped\nchosen\nh1\th2\nv1 more\t\n\n"
	if doc.Text != want {
		t.Errorf("text = %q\nwant   %q", doc.Text, want)
	}
	if doc.Format != "pptx" {
		t.Errorf("format = %q, want pptx", doc.Format)
	}
	type sl struct {
		slide       int
		shape, part string
		para        int
		row, col    int
	}
	var got []sl
	for _, l := range doc.Locations {
		got = append(got, sl{l.Slide, l.Shape, l.Part, l.Paragraph, l.Row, l.Col})
	}
	wantLocs := []sl{
		{1, "Title 1", "", 1, 0, 0}, {1, "Body 2", "", 2, 0, 0}, {1, "Body 2", "", 3, 0, 0}, {1, "Body 2", "", 4, 0, 0},
		{1, "Notes Placeholder 2", core.PartNotes, 1, 0, 0},
		{2, "Inner 5", "", 1, 0, 0}, {2, "Choice 6", "", 2, 0, 0},
		{2, "Table 6", "", 0, 1, 1}, {2, "Table 6", "", 0, 1, 2}, {2, "Table 6", "", 0, 2, 1},
	}
	if !reflect.DeepEqual(got, wantLocs) {
		t.Errorf("locations =\n%v\nwant\n%v", got, wantLocs)
	}
}

func TestPPTXSlideOrder(t *testing.T) {
	// The files are named in the opposite order of sldIdLst.
	entries := []entry{
		{"_rels/.rels", rels("rId1", "officeDocument", "ppt/presentation.xml")},
		{"ppt/presentation.xml", `<p:presentation ` + nsP + `><p:sldIdLst><p:sldId id="256" r:id="rId7"/><p:sldId id="257" r:id="rId3"/></p:sldIdLst></p:presentation>`},
		{"ppt/_rels/presentation.xml.rels", rels("rId3", "slide", "slides/slide1.xml", "rId7", "slide", "slides/slide2.xml")},
		{"ppt/slides/slide1.xml", slideXML("sld", psp("T", "title", "shown second"))},
		{"ppt/slides/slide2.xml", slideXML("sld", psp("T", "title", "shown first"))},
	}
	doc := mustParse(t, "o.pptx", entries)
	if want := "shown first\n\nshown second\n\n"; doc.Text != want {
		t.Errorf("text = %q, want %q", doc.Text, want)
	}
	if doc.Locations[1].Slide != 2 {
		t.Errorf("second location is on slide %d, want 2", doc.Locations[1].Slide)
	}
}
