package evaluate

import (
	"encoding/json"
	"fmt"
	"testing"

	"folio/backend/core"
)

func TestHoldsIgnoresWhitespace(t *testing.T) {
	tests := []struct {
		op, got, want string
		ok            bool
	}{
		{"equals", "Issue  8276\n", "Issue 8276", true},
		{"equals", "Issue 8277", "Issue 8276", false},
		{"contains", "a\tb\nc d", "b c", true},
		{"starts_with", " x y z", "xy", true},
		{"starts_with", "y x", "x", false},
		{"ends_with", "a b\n\n", "ab", true},
		{"bogus", "a", "a", false},
	}
	for _, tt := range tests {
		if got := holds(tt.op, tt.got, tt.want); got != tt.ok {
			t.Errorf("holds(%q, %q, %q) = %v, want %v", tt.op, tt.got, tt.want, got, tt.ok)
		}
	}
}

func TestOfficeChecks(t *testing.T) {
	text := "Ouch.\nA tachyon walks into a bar.\nNotes one\n"
	doc := core.Document{Text: text, Locations: []core.Location{
		{Start: 0, End: 5, Slide: 1},
		{Start: 6, End: 33, Part: core.PartFootnote},
		{Start: 34, End: 43, Part: core.PartNotes, Slide: 1},
	}}
	tests := []struct {
		exp    string
		doc    core.Document
		err    error
		passed int
		total  int
	}{
		{`{"text": "Ouch.", "footnotes": ["A tachyon walks into a bar.", "Fin."]}`, doc, nil, 2, 3},
		// The slides' text holds the footnote too: "equals" is not "contains".
		{`{"equals_slides_only": "Ouch.", "notes": ["Notes one"]}`, doc, nil, 1, 2},
		{`{"equals_slides_only": "Ouch. A tachyon walks into a bar."}`, doc, nil, 1, 1},
		{`{"equals": "Ouch."}`, doc, nil, 0, 1},
		{`{"equals": "Ouch.\nA tachyon walks into a bar.\nNotes one"}`, doc, nil, 1, 1},
		// text is the body's: the footnote and the notes are not in it.
		{`{"text": "Ouch. A tachyon walks into a bar."}`, doc, nil, 0, 1},
		{`{"equals_trimmed": "x", "equals_trimmed_without_phonetic": "Ouch.ATachyon"}`, doc, nil, 0, 1},
		{`{"paragraphs": 2}`, core.Document{Text: "a\nb", Locations: []core.Location{{Start: 0, End: 1, Paragraph: 1}, {Start: 2, End: 3, Paragraph: 2}}}, nil, 1, 1},
		{`{"paragraphs": 3}`, core.Document{Text: "a\nb", Locations: []core.Location{{Start: 0, End: 1, Paragraph: 1}, {Start: 2, End: 3, Paragraph: 2}}}, nil, 0, 1},
		{`{"equals_slides_only": "Ouch. Notes one"}`, doc, nil, 0, 1},
		{`{"encrypted": "x"}`, core.Document{}, fmt.Errorf("parse f: %w", core.ErrEncrypted), 1, 1},
		{`{"encrypted": "x"}`, core.Document{}, fmt.Errorf("parse f: %w", core.ErrCorrupt), 0, 1},
		{`{"text": ""}`, core.Document{}, fmt.Errorf("parse f: %w", core.ErrEmpty), 1, 1},
		{`{"contains": ["walks", "runs"]}`, doc, nil, 1, 2},
		{`{"starts_with": "Ouch", "ends_with": "one"}`, doc, nil, 2, 2},
		{`{"text": "Ouch."}`, core.Document{}, fmt.Errorf("parse f: %w", core.ErrCorrupt), 0, 1},
		{`{"sheet_names": ["A", "B"]}`, core.Document{Text: "x\ny", Locations: []core.Location{{Start: 0, End: 1, Sheet: "A"}, {Start: 2, End: 3, Sheet: "B"}}}, nil, 1, 1},
	}
	for _, tt := range tests {
		var exp map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tt.exp), &exp); err != nil {
			t.Fatal(err)
		}
		checks := officeChecks(exp, tt.doc, tt.err)
		passed := 0
		for _, c := range checks {
			if c.ok {
				passed++
			}
		}
		if passed != tt.passed || len(checks) != tt.total {
			t.Errorf("%s: %d of %d checks pass (%+v), want %d of %d", tt.exp, passed, len(checks), checks, tt.passed, tt.total)
		}
	}
}
