package chat

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"folio/backend/core"
)

// Markers written into an exported chat.
const (
	unsupportedMark = "⚠ *not supported by the cited text*"
	missingMark     = "⚠ no such source"
)

var citeRE = regexp.MustCompile(`\[(\d+(?:\s*,\s*\d+)*)\]`)

// Markdown exports a chat: "# Title", then for each turn "## Question", the
// answer with its [n] markers turned into footnotes [^t-n] (t the turn, so
// they are unique in the file), and the footnotes: file name, location,
// the quoted highlighted sentences (or an excerpt of the passage) and the
// file's full path. Sentences of a generated answer that their sources do
// not support, markers citing no source, and citations whose document
// changed since are marked visibly.
func Markdown(c core.Chat) string {
	var b strings.Builder
	title := strings.Join(strings.Fields(c.Title), " ")
	if title == "" {
		title = Untitled
	}
	fmt.Fprintf(&b, "# %s\n", title)
	for ti, turn := range c.Turns {
		t := ti + 1
		fmt.Fprintf(&b, "\n## %s\n\n", core.OneLine(turn.Question, 0))
		if q := core.OneLine(turn.Query, 0); q != "" && q != core.OneLine(turn.Question, 0) {
			fmt.Fprintf(&b, "*Searched for: %s*\n\n", q)
		}
		byN := map[int]*core.Citation{}
		for i := range turn.Answer.Citations {
			byN[turn.Answer.Citations[i].N] = &turn.Answer.Citations[i]
		}
		text, orphans := markUnsupported(turn.Answer)
		used := map[int]bool{}
		text = citeRE.ReplaceAllStringFunc(text, func(m string) string {
			var out strings.Builder
			for _, f := range strings.Split(m[1:len(m)-1], ",") {
				n, _ := strconv.Atoi(strings.TrimSpace(f))
				if byN[n] == nil {
					fmt.Fprintf(&out, "[%d %s]", n, missingMark)
					continue
				}
				used[n] = true
				fmt.Fprintf(&out, "[^%d-%d]", t, n)
			}
			return out.String()
		})
		if turn.Answer.Mode != "generated" {
			// Extractive answers are one cited statement a line: keep
			// them apart in the rendered Markdown.
			text = strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n\n")
		}
		b.WriteString(strings.TrimSpace(text))
		b.WriteString("\n")
		for _, o := range orphans {
			fmt.Fprintf(&b, "\n> %s: “%s”\n", unsupportedMark, core.OneLine(o, 0))
		}
		var more []string
		for _, cit := range turn.Answer.Citations {
			if !used[cit.N] {
				more = append(more, fmt.Sprintf("[^%d-%d]", t, cit.N))
			}
		}
		if len(more) > 0 {
			fmt.Fprintf(&b, "\nMore sources: %s\n", strings.Join(more, " "))
		}
		if len(turn.Answer.Citations) > 0 {
			b.WriteString("\n")
		}
		for _, cit := range turn.Answer.Citations {
			b.WriteString(footnote(t, cit))
		}
	}
	return b.String()
}

// markUnsupported puts a marker after every unsupported claim of a
// generated answer. Claims not found in the text are returned, to be
// listed after it.
func markUnsupported(a core.Answer) (string, []string) {
	text := a.Text
	var orphans []string
	from := 0
	for _, cl := range a.Claims {
		if cl.Supported || strings.TrimSpace(cl.Text) == "" {
			continue
		}
		claim := strings.TrimSpace(cl.Text)
		i := strings.Index(text[from:], claim)
		if i < 0 {
			i = strings.Index(text, claim)
		} else {
			i += from
		}
		if i < 0 {
			orphans = append(orphans, claim)
			continue
		}
		end := i + len(claim)
		// Keep the sentence's own markers before the warning.
		for {
			rest := strings.TrimLeft(text[end:], " ")
			loc := citeRE.FindStringIndex(rest)
			if loc == nil || loc[0] != 0 {
				break
			}
			end += len(text[end:]) - len(rest) + loc[1]
		}
		mark := " " + unsupportedMark
		text = text[:end] + mark + text[end:]
		from = end + len(mark)
	}
	return text, orphans
}

// footnote is one citation's footnote definition.
func footnote(t int, c core.Citation) string {
	var b strings.Builder
	name := filepath.Base(c.Path)
	if c.Path == "" {
		name = "unknown file"
	}
	fmt.Fprintf(&b, "[^%d-%d]: %s", t, c.N, name)
	loc := c.Location
	if loc == "" && c.Page > 0 {
		loc = fmt.Sprintf("page %d", c.Page)
	}
	if loc != "" {
		fmt.Fprintf(&b, ", %s", loc)
	}
	if q := quote(c); q != "" {
		fmt.Fprintf(&b, " — “%s”", q)
	}
	if c.Path != "" {
		fmt.Fprintf(&b, " (`%s`)", c.Path)
	}
	if c.Changed != "" {
		fmt.Fprintf(&b, " ⚠ *%s*", c.Changed)
	}
	b.WriteString("\n")
	return b.String()
}

// maxExcerpt is the most characters quoted of a passage without
// highlights.
const maxExcerpt = 200

// quote is what a footnote quotes: the citation's highlighted sentences,
// or the start of its passage.
func quote(c core.Citation) string {
	var hs []string
	for _, h := range c.Highlights {
		lo, hi := h.Start-c.Start, h.End-c.Start
		if lo < 0 || hi > len(c.Text) || lo >= hi {
			continue
		}
		hs = append(hs, core.OneLine(c.Text[lo:hi], 0))
	}
	if len(hs) > 0 {
		return strings.Join(hs, " … ")
	}
	t := core.OneLine(c.Text, 0)
	if utf8.RuneCountInString(t) <= maxExcerpt {
		return t
	}
	cut := string([]rune(t)[:maxExcerpt])
	if i := strings.LastIndexByte(cut, ' '); i > maxExcerpt/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}
