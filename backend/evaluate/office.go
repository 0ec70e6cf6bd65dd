package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"folio/backend/core"
)

// evalOffice checks every expectation of office/mammoth/expected.json and
// office/poi/expected.json against what the parser extracts. Each operator
// is honoured as written, after removing whitespace: equals (and
// equals_trimmed, equals_without_sheet_names, equals_slides_only) is
// equality, starts_with/ends_with/contains are what they say, paragraphs
// counts the body's paragraphs. The deliberate relaxations, by key:
//   - text (mammoth): equality with the body's text, since mammoth lists
//     footnotes, endnotes and comments separately (they are checked by
//     their own keys against their labelled parts);
//   - equals_trimmed: equals_trimmed_without_phonetic is accepted as well,
//     so a document whose ruby (phonetic guide) runs are dropped passes;
//   - html*, raw_text, equals_with_hyperlink_targets, password, why: other
//     tools' output conventions or notes, not checked.
func evalOffice(ctx context.Context, cfg ParsingConfig) (OfficeReport, error) {
	var rep OfficeReport
	for _, set := range []string{"mammoth", "poi"} {
		dir := filepath.Join(cfg.Data, "office", set)
		var entries map[string]json.RawMessage
		if err := readJSON(filepath.Join(dir, "expected.json"), &entries); err != nil {
			return rep, err
		}
		names := make([]string, 0, len(entries))
		for n := range entries {
			if !strings.HasPrefix(n, "_") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if cfg.Progress != nil {
				cfg.Progress(name)
			}
			var exp map[string]json.RawMessage
			if err := json.Unmarshal(entries[name], &exp); err != nil {
				return rep, fmt.Errorf("%s/expected.json %s: %w", set, name, err)
			}
			doc, err := cfg.Parser.Parse(ctx, filepath.Join(dir, name))
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			for _, c := range officeChecks(exp, doc, err) {
				if DebugChecks {
					fmt.Println("CHECK", set, name, c.what, c.ok)
				}
				rep.Checks++
				if c.ok {
					rep.Passed++
				} else {
					rep.Failed = append(rep.Failed, fmt.Sprintf("%s/%s: %s", set, name, c.what))
				}
			}
		}
	}
	return rep, nil
}

type check struct {
	what string
	ok   bool
}

// officeChecks turns one expected.json entry into checks on doc (or err).
func officeChecks(exp map[string]json.RawMessage, doc core.Document, err error) []check {
	str := func(k string) (string, bool) {
		raw, ok := exp[k]
		if !ok {
			return "", false
		}
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	list := func(k string) []string {
		var out []string
		if raw, ok := exp[k]; ok {
			var ss []string
			if json.Unmarshal(raw, &ss) == nil {
				return ss
			}
			var objs []struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(raw, &objs) == nil {
				for _, o := range objs {
					out = append(out, o.Text)
				}
			}
		}
		return out
	}
	var out []check
	add := func(what string, ok bool) { out = append(out, check{what, ok}) }
	failed := func(what string) { add(what+" (parse failed: "+errString(err)+")", false) }

	if _, ok := exp["encrypted"]; ok {
		add("password-protected error", errors.Is(err, core.ErrEncrypted))
		return out
	}
	if _, ok := exp["corrupt"]; ok {
		add("corrupt-file error", errors.Is(err, core.ErrCorrupt))
		return out
	}
	if _, ok := exp["error"]; ok {
		add("clear error", err != nil && !errors.Is(err, core.ErrEmpty))
		return out
	}
	if want, ok := str("text"); ok && want == "" {
		add("no text", errors.Is(err, core.ErrEmpty) || (err == nil && squeeze(doc.Text) == ""))
		return out
	}
	text := doc.Text
	// Each operator is honoured as written: equality after removing
	// whitespace, then starts/ends/contains. The relaxations are listed in
	// relaxed, by key, with the reason.
	body := partText(doc, func(l core.Location) bool { return l.Part == "" })
	for _, k := range []string{"equals", "equals_without_sheet_names"} {
		if want, ok := str(k); ok {
			if err != nil {
				failed(k)
				continue
			}
			add(k, holds("equals", text, want))
		}
	}
	if want, ok := str("text"); ok {
		if err != nil {
			failed("text")
		} else {
			add("text (body)", holds("equals", body, want))
		}
	}
	if want, ok := str("contains_text"); ok {
		if err != nil {
			failed("contains_text")
		} else {
			add("contains_text", holds("contains", text, want))
		}
	}
	if want, ok := str("equals_trimmed"); ok {
		alt, _ := str("equals_trimmed_without_phonetic")
		if err != nil {
			failed("equals_trimmed")
		} else {
			add("equals_trimmed", holds("equals", text, want) || (alt != "" && holds("equals", text, alt)))
		}
	}
	if raw, ok := exp["paragraphs"]; ok {
		var want int
		if json.Unmarshal(raw, &want) == nil {
			add(fmt.Sprintf("paragraphs = %d", want), err == nil && paragraphs(doc) == want)
		}
	}
	for _, k := range []string{"starts_with", "ends_with"} {
		if want, ok := str(k); ok {
			if err != nil {
				failed(k)
				continue
			}
			add(k, holds(k, text, want))
		}
	}
	for _, want := range list("contains") {
		if err != nil {
			failed("contains")
			continue
		}
		add("contains "+short(want), holds("contains", text, want))
	}
	parts := map[string]string{"footnotes": core.PartFootnote, "endnotes": core.PartEndnote, "comments": core.PartComment, "notes": core.PartNotes}
	for k, part := range parts {
		for _, want := range list(k) {
			if err != nil {
				failed(k)
				continue
			}
			add(k+" "+short(want), holds("contains", partText(doc, func(l core.Location) bool { return l.Part == part }), want))
		}
	}
	if want, ok := str("equals_slides_only"); ok {
		if err != nil {
			failed("equals_slides_only")
		} else {
			add("equals_slides_only", holds("equals", partText(doc, func(l core.Location) bool { return l.Part != core.PartNotes }), want))
		}
	}
	if sheets := list("sheet_names"); len(sheets) > 0 {
		var got []string
		for _, l := range doc.Locations {
			if l.Sheet != "" && (len(got) == 0 || got[len(got)-1] != l.Sheet) {
				got = append(got, l.Sheet)
			}
		}
		add("sheet_names", err == nil && strings.Join(got, "|") == strings.Join(sheets, "|"))
	}
	return out
}

// paragraphs counts the body's distinct paragraphs.
func paragraphs(doc core.Document) int {
	seen := map[int]bool{}
	for _, l := range doc.Locations {
		if l.Part == "" && l.Paragraph > 0 {
			seen[l.Paragraph] = true
		}
	}
	return len(seen)
}

// partText joins the text of the locations keep accepts.
func partText(doc core.Document, keep func(core.Location) bool) string {
	var b strings.Builder
	for _, l := range doc.Locations {
		if keep(l) {
			b.WriteString(doc.Text[l.Start:l.End])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func short(s string) string {
	if r := []rune(s); len(r) > 30 {
		return fmt.Sprintf("%q…", string(r[:30]))
	}
	return fmt.Sprintf("%q", s)
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

var DebugChecks = true
