package evaluate

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
)

func TestContainsAnswer(t *testing.T) {
	tests := []struct {
		text string
		gold []string
		want bool
	}{
		{"The Panthers defense gave up just 308 points.", []string{"308"}, true},
		{"They gave up 3080 points.", []string{"308"}, false}, // whole words only
		{"It was led by the Broncos' defense.", []string{"Broncos"}, true},
		{"Its capital is Paris, France.", []string{"the Paris"}, true}, // articles and punctuation dropped
		{"Nothing here.", []string{"Paris", "France"}, false},
		{"Capital: PARIS!", []string{"Paris"}, true},
		{"", []string{"x"}, false},
	}
	for _, tt := range tests {
		if got := containsAnswer(tt.text, tt.gold); got != tt.want {
			t.Errorf("containsAnswer(%q, %q) = %v, want %v", tt.text, tt.gold, got, tt.want)
		}
	}
}

func TestEMF1(t *testing.T) {
	tests := []struct {
		pred   string
		gold   []string
		em, f1 float64
	}{
		{"Denver Broncos", []string{"Denver Broncos", "Broncos"}, 1, 1},
		{"the Denver Broncos", []string{"Denver Broncos"}, 1, 1},
		{"Broncos won", []string{"Denver Broncos"}, 0, 0.5},
		{"Carolina", []string{"Denver Broncos"}, 0, 0},
	}
	for _, tt := range tests {
		em, f1 := bestEMF1(tt.pred, tt.gold)
		if em != tt.em || math.Abs(f1-tt.f1) > 1e-9 {
			t.Errorf("bestEMF1(%q, %q) = %v, %v; want %v, %v", tt.pred, tt.gold, em, f1, tt.em, tt.f1)
		}
	}
}

// scriptedAsker records what it indexes and answers from a table.
type scriptedAsker struct {
	indexed []string
	answers map[string]core.Answer
}

func (s *scriptedAsker) Index(_ context.Context, paths []string) error {
	s.indexed = append(s.indexed, paths...)
	return nil
}

func (s *scriptedAsker) Ask(_ context.Context, q string) (core.Answer, error) {
	return s.answers[q], nil
}

func TestQAScoresTheHighlightedSentences(t *testing.T) {
	squad := `{"data":[{"title":"Otters","paragraphs":[{"context":"Sea otters live in kelp forests. They eat urchins.","qas":[
		{"id":"1","question":"Where do otters live?","answers":[{"text":"kelp forests","answer_start":19}]},
		{"id":"2","question":"What do otters eat?","answers":[{"text":"urchins"}]},
		{"id":"3","question":"How long do otters sleep?","answers":[{"text":"eleven hours"}]},
		{"id":"4","question":"Unanswerable?","answers":[]}]}]}]}`
	file := filepath.Join(t.TempDir(), "squad.json")
	if err := os.WriteFile(file, []byte(squad), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &scriptedAsker{answers: map[string]core.Answer{
		"Where do otters live?": {Found: true, Statements: []core.Statement{{Text: "Sea otters live in kelp forests.", Answer: "kelp forests"}}},
		"What do otters eat?": {Found: true, Statements: []core.Statement{
			{Text: "Sea otters live in kelp forests.", Answer: "kelp"}, {Text: "They eat urchins."}}},
		"How long do otters sleep?": {Text: "Nothing in your library answers this question."},
	}}
	// The contexts go to a folder QA creates.
	rep, err := QA(context.Background(), QAConfig{SQuAD: file, Dir: filepath.Join(t.TempDir(), "new", "contexts")}, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.indexed) != 1 {
		t.Fatalf("indexed %v, want the one contexts folder", a.indexed)
	}
	if rep.Questions != 3 || rep.Contexts != 1 || rep.NotFound != 1 {
		t.Errorf("questions %d contexts %d not found %d; want 3, 1, 1 (a question without answers is skipped)", rep.Questions, rep.Contexts, rep.NotFound)
	}
	if math.Abs(rep.FirstSentenceHit-1.0/3) > 1e-9 || math.Abs(rep.AnyCitationHit-2.0/3) > 1e-9 {
		t.Errorf("first %.3f any %.3f, want 1/3 and 2/3", rep.FirstSentenceHit, rep.AnyCitationHit)
	}
	// EM/F1 count every question: 1 exact, 1 partial ("kelp" vs "urchins": 0), 1 none.
	if rep.EM == nil || math.Abs(*rep.EM-1.0/3) > 1e-9 || math.Abs(*rep.F1-1.0/3) > 1e-9 {
		t.Errorf("EM %v F1 %v, want 1/3 each", rep.EM, rep.F1)
	}
	if len(rep.Misses) != 2 {
		t.Errorf("%d misses, want 2", len(rep.Misses))
	}
	raw, _ := json.Marshal(rep)
	for _, key := range []string{`"first_sentence_hit"`, `"any_citation_hit"`, `"em"`, `"f1"`, `"p50_ms"`, `"p95_ms"`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON %s lacks %s", raw, key)
		}
	}
}

func TestQARefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte(`{"data":[]}`), 0o600)
	for _, f := range []string{bad, empty, filepath.Join(dir, "missing.json")} {
		if _, err := QA(context.Background(), QAConfig{SQuAD: f}, &scriptedAsker{}); err == nil || !strings.Contains(err.Error(), filepath.Base(f)) && !strings.Contains(err.Error(), "read") {
			t.Errorf("QA(%s) error %v, want one naming the file", filepath.Base(f), err)
		}
	}
}

// Generated answers are scored on their own text (answer_hit), on the
// passages they cite (cited_hit: a passage not cited does not count), and
// on the checker's verdicts (supported); a fallback answer misses.
func TestGenTally(t *testing.T) {
	var g genTally
	gold := []string{"308"}
	cits := []core.Citation{{N: 1, Text: "The defense gave up just 308 points."}, {N: 2, Text: "They scored 11 points late."}}
	g.add("q", core.Answer{Mode: "generated", Text: "It gave up 308 points [1].", Citations: cits,
		Claims: []core.Claim{{Cites: []int{1}, Supported: true}}}, GenTiming{TTFT: 100 * time.Millisecond, Pieces: 11, Stream: time.Second}, gold)
	g.add("q", core.Answer{Mode: "generated", Text: "It gave up 11 points [2].", Citations: cits,
		Claims: []core.Claim{{Cites: []int{2}}}}, GenTiming{TTFT: 300 * time.Millisecond, Pieces: 11, Stream: time.Second}, gold)
	g.add("q", core.Answer{Mode: "hybrid", Text: "The defense gave up just 308 points.", Citations: cits}, GenTiming{}, gold)
	var rep QAReport
	g.report(&rep, 3)
	if *rep.Generated != 2 || *rep.AnswerHit != 1.0/3 || *rep.CitedHit != 1.0/3 || *rep.Supported != 0.5 || *rep.TokensPerS != 10 {
		t.Fatalf("generated %d answer_hit %v cited_hit %v supported %v tokens/s %v", *rep.Generated, *rep.AnswerHit, *rep.CitedHit, *rep.Supported, *rep.TokensPerS)
	}
	if len(rep.GenMisses) != 1 || !slices.Equal(rep.GenMisses[0].Cited, []int{2}) || !slices.Equal(rep.GenMisses[0].GoldIn, []int{1}) {
		t.Errorf("generated misses %+v: want the second answer, citing [2], the gold in [1]", rep.GenMisses)
	}
}
