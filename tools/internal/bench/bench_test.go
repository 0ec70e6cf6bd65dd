package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadJSONL(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.jsonl")
	os.WriteFile(p, []byte(`{"_id":"1","text":"a"}`+"\n"+`{"_id":"2","text":"b"}`+"\n"), 0o600)
	type doc struct {
		ID   string `json:"_id"`
		Text string `json:"text"`
	}
	got, err := ReadJSONL[doc](p)
	if err != nil || len(got) != 2 || got[1].ID != "2" || got[1].Text != "b" {
		t.Fatalf("got %+v, %v", got, err)
	}
	os.WriteFile(p, []byte("{}\nnot json\n"), 0o600)
	if _, err := ReadJSONL[doc](p); err == nil {
		t.Error("a bad line gave no error")
	}
}
