package cli

import "folio/backend/core"

// askSentence is one checked sentence of a generated answer, as `folio ask
// --json` prints it: its text without markers, the [n] it cites, and
// whether the cited passages support it (false when it cites nothing or a
// passage that does not exist).
type askSentence struct {
	Text      string `json:"text"`
	Cites     []int  `json:"cites"`
	Supported bool   `json:"supported"`
	// Recited are the markers the generator wrote, when the checker moved
	// the citation to the passage that supports the sentence.
	Recited []int `json:"recited,omitempty"`
}

// askSentences lists an answer's checked sentences; empty, never null, for
// an extracted answer.
func askSentences(claims []core.Claim) []askSentence {
	out := []askSentence{}
	for _, c := range claims {
		cites := c.Cites
		if cites == nil {
			cites = []int{}
		}
		out = append(out, askSentence{Text: c.Text, Cites: cites, Supported: c.Supported && len(c.Missing) == 0, Recited: c.Recited})
	}
	return out
}
