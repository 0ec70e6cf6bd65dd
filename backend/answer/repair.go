package answer

import (
	"context"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"folio/backend/core"
	"folio/backend/index"
)

// repairPassages is how many other passages RepairCitations tries for a
// sentence: those sharing the most of its content words.
const repairPassages = 3

// RepairCitations corrects the citations of a checked generated answer
// (ans.Claims from Verify of ans.Text): a sentence its cited passages do
// not support, but which another passage of ans.Citations does by Verify's
// own test (same thresholds, names, numbers and negations checked), now
// cites the one that supports it best. The correction is made where the person sees it: the
// sentence's markers in ans.Text are rewritten, its claim's Cites,
// Support and Evidence replaced, and the markers the generator wrote kept
// in Recited, so the window can show that the citation was moved. A
// sentence no passage supports keeps its markers and stays unsupported.
//
// Invariants: only unsupported claims change; a corrected claim is
// Supported, cites one existing citation (the one its Evidence rests on),
// and Recited holds its old markers; ans.Text changes only in the
// lines holding a corrected sentence (the markers of that sentence, and
// any after its full stop, are replaced by the new ones before it). The
// passages tried for a sentence are the repairPassages others sharing at
// least two of its content words. It returns how many sentences it
// corrected.
func RepairCitations(ctx context.Context, ans *core.Answer, embed Embedder) (int, error) {
	type try struct {
		claim int
		cites []int
	}
	var tries []try
	passageTerms := make([]map[string]bool, len(ans.Citations))
	for i, c := range ans.Claims {
		if c.Supported || strings.TrimSpace(c.Text) == "" {
			continue
		}
		terms := textFeatures(passageRefRe.ReplaceAllString(c.Text, " ")).terms
		type scored struct{ n, shared int }
		var cands []scored
		for pi, cit := range ans.Citations {
			if containsInt(c.Cites, cit.N) {
				continue
			}
			if passageTerms[pi] == nil {
				passageTerms[pi] = map[string]bool{}
				for _, t := range index.Terms(cit.Text) {
					passageTerms[pi][t] = true
				}
			}
			shared := 0
			for _, t := range terms {
				if passageTerms[pi][t] {
					shared++
				}
			}
			if shared >= 2 {
				cands = append(cands, scored{cit.N, shared})
			}
		}
		if len(cands) == 0 {
			continue
		}
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].shared > cands[b].shared })
		t := try{claim: i}
		for _, s := range cands[:min(len(cands), repairPassages)] {
			t.cites = append(t.cites, s.n)
		}
		tries = append(tries, t)
	}
	if len(tries) == 0 {
		return 0, nil
	}
	// Each sentence on its own line once per passage tried, citing it
	// alone (passages joined could lend a name or number one of them
	// lacks): one call to Verify checks them all.
	var b strings.Builder
	lines := 0
	for _, t := range tries {
		for _, n := range t.cites {
			b.WriteString(withMarkers(ans.Claims[t.claim].Text, []int{n}))
			b.WriteByte('\n')
			lines++
		}
	}
	checked, err := Verify(ctx, b.String(), ans.Citations, embed)
	if err != nil {
		return 0, err
	}
	if len(checked) != lines {
		return 0, nil // a sentence read differently on its own: leave all as written
	}
	fixed := map[int][]int{} // claim index → its new markers
	k := 0
	for _, t := range tries {
		var r *core.Claim
		for range t.cites {
			if c := &checked[k]; c.Supported && len(c.Evidence) > 0 && (r == nil || c.Support > r.Support) {
				r = c
			}
			k++
		}
		if r == nil {
			continue
		}
		var cites []int
		for _, e := range r.Evidence {
			cites = append(cites, e.N)
		}
		c := &ans.Claims[t.claim]
		c.Recited = c.Cites
		if c.Recited == nil {
			c.Recited = []int{}
		}
		c.Cites, c.Missing, c.Support, c.Supported, c.Evidence = cites, nil, r.Support, true, r.Evidence
		fixed[t.claim] = cites
	}
	if len(fixed) > 0 {
		ans.Text = rewriteMarkers(ans.Text, fixed)
	}
	return len(fixed), nil
}

// rewriteMarkers gives text with the markers of the claims in fixed (by
// their index in splitClaims' order) replaced by the new ones.
func rewriteMarkers(text string, fixed map[int][]int) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	type piece struct {
		s    core.Span
		repl string
		drop bool
	}
	byLine := map[int][]piece{}
	read := map[int]string{}
	ci, last := -1, -1 // the claim count, and the line's last claim
	walkClaims(text, func(no int, line string, s core.Span, c *claim, markers []int) {
		if _, seen := read[no]; !seen {
			last = -1
		}
		read[no] = line
		switch {
		case c != nil:
			ci++
			last = ci
			if cites, ok := fixed[ci]; ok {
				byLine[no] = append(byLine[no], piece{s: s, repl: withMarkers(line[s.Start:s.End], cites)})
			}
		case len(markers) > 0 && last >= 0:
			if _, ok := fixed[last]; ok {
				byLine[no] = append(byLine[no], piece{s: s, drop: true})
			}
		}
	})
	for no, ps := range byLine {
		line := read[no]
		var out strings.Builder
		at := 0
		for _, p := range ps {
			out.WriteString(line[at:p.s.Start])
			if !p.drop {
				out.WriteString(p.repl)
			}
			at = p.s.End
		}
		out.WriteString(line[at:])
		lines[no] = strings.TrimSpace(strings.Join(strings.Fields(out.String()), " "))
	}
	return strings.Join(lines, "\n")
}

// closingRe is a sentence's closing punctuation.
var closingRe = regexp.MustCompile(`[.!?。！？]["'”’)]*$`)

// withMarkers is sentence with its [n] markers replaced by cites', before
// its closing punctuation.
func withMarkers(sentence string, cites []int) string {
	s := strings.TrimSpace(stripMarkers(sentence))
	var m strings.Builder
	for _, n := range cites {
		m.WriteString("[" + strconv.Itoa(n) + "]")
	}
	if loc := closingRe.FindStringIndex(s); loc != nil {
		return strings.TrimRight(s[:loc[0]], " ") + " " + m.String() + s[loc[0]:]
	}
	return s + " " + m.String()
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
