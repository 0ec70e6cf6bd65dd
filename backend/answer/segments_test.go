package answer

import (
	"strings"
	"testing"

	"folio/backend/core"
)

func TestSegments(t *testing.T) {
	text := "aaa bbb ccc ddd"
	tests := []struct {
		name    string
		base    int
		passage core.Span
		hl      []core.Span
		answer  *core.Span
		want    string
	}{
		{"whole passage", 100, core.Span{Start: 100, End: 115}, nil, nil, "passage:aaa bbb ccc ddd"},
		{"passage inside", 0, core.Span{Start: 4, End: 11}, nil, nil, "plain:aaa |passage:bbb ccc|plain: ddd"},
		{"highlight", 0, core.Span{Start: 4, End: 15}, []core.Span{{Start: 8, End: 11}}, nil, "plain:aaa |passage:bbb |highlight:ccc|passage: ddd"},
		{"highlights outside the passage or overlapping are ignored", 0, core.Span{Start: 4, End: 11}, []core.Span{{Start: 0, End: 6}, {Start: 5, End: 7}, {Start: 12, End: 15}}, nil, "plain:aaa |highlight:bbb|passage: ccc|plain: ddd"},
		{"highlight at edges", 10, core.Span{Start: 10, End: 25}, []core.Span{{Start: 10, End: 13}, {Start: 22, End: 25}}, nil, "highlight:aaa|passage: bbb ccc |highlight:ddd"},
		{"answer inside a highlight", 0, core.Span{Start: 0, End: 15}, []core.Span{{Start: 4, End: 15}}, &core.Span{Start: 8, End: 11}, "passage:aaa |highlight:bbb |answer:ccc|highlight: ddd"},
		{"answer at a highlight's end", 0, core.Span{Start: 0, End: 15}, []core.Span{{Start: 4, End: 11}}, &core.Span{Start: 8, End: 11}, "passage:aaa |highlight:bbb |answer:ccc|passage: ddd"},
		{"answer outside every highlight is not shown", 0, core.Span{Start: 0, End: 15}, []core.Span{{Start: 4, End: 7}}, &core.Span{Start: 12, End: 15}, "passage:aaa |highlight:bbb|passage: ccc ddd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			var joined string
			for _, s := range Segments(text, tt.base, tt.passage, tt.hl, tt.answer) {
				parts = append(parts, s.Kind+":"+s.Text)
				joined += s.Text
			}
			if got := strings.Join(parts, "|"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if joined != text {
				t.Errorf("segments join to %q, want the whole text", joined)
			}
		})
	}
}
