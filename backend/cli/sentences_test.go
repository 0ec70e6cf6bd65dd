package cli

import (
	"context"
	"encoding/json"
	"testing"

	"folio/backend/answer"
	"folio/backend/core"
)

func TestAskSentences(t *testing.T) {
	cits := []core.Citation{{N: 1, Text: "Acme Corp was founded in 1987 in Lyon. It makes bicycles."}}
	claims, err := answer.Verify(context.Background(), "Acme Corp was founded in Lyon [1]. Acme Corp was founded in Paris [1]. It makes bicycles [1][3]. Acme is the best bicycle maker in France.", cits, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(askSentences(claims))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"text":"Acme Corp was founded in Lyon.","cites":[1],"supported":true},` +
		`{"text":"Acme Corp was founded in Paris.","cites":[1],"supported":false},` +
		`{"text":"It makes bicycles.","cites":[1,3],"supported":false},` +
		`{"text":"Acme is the best bicycle maker in France.","cites":[],"supported":false}]`
	if string(raw) != want {
		t.Errorf("got  %s\nwant %s", raw, want)
	}
	if raw, _ := json.Marshal(askSentences(nil)); string(raw) != "[]" {
		t.Errorf("an extracted answer's sentences are %s, want []", raw)
	}
}
