package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/backend/engine"
	"folio/backend/evaluate"
)

// TestEvalE2ELookAlikes indexes three look-alike filings through the
// engine (keywords only) and asks for one company's figure of one year:
// the first citation must come from that filing and show the figure.
func TestEvalE2ELookAlikes(t *testing.T) {
	docs := t.TempDir()
	passage := "Consolidated Statement of Cash Flows. Purchases of property, plant and equipment were %s in the year. Net cash used in investing activities followed."
	for name, fig := range map[string]string{"ACME_2019_10K.txt": "(1,373)", "ACME_2020_10K.txt": "(1,577)", "GLOBEX_2020_10K.txt": "(2,001)"} {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(strings.Replace(passage, "%s", fig, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	qs := filepath.Join(t.TempDir(), "q.jsonl")
	line := `{"question": "What were Acme's FY2020 purchases of property, plant and equipment?", "answer": "$1,577", "doc_name": "ACME_2020_10K", "evidence": [{"doc_name": "ACME_2020_10K", "evidence_page_num": 0}]}` + "\n"
	if err := os.WriteFile(qs, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{DataDir: t.TempDir(), NoModel: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rep, err := evaluate.E2E(ctx, evaluate.E2EConfig{Questions: qs, Docs: docs}, engineAsker{eng})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Questions != 1 || rep.DocHit1 != 1 || rep.FigureShown != 1 {
		t.Errorf("doc_hit@1 %v figure_shown %v over %d questions; want 1 and 1 (cited %v)", rep.DocHit1, rep.FigureShown, rep.Questions, rep.PerQuestion)
	}
	// Text files have no pages: no page hit, and no PDF for the reference.
	if rep.PageHitAny != 0 || rep.Reference != nil || !strings.Contains(rep.ReferenceNote, "no PDFs") {
		t.Errorf("page_hit_any %v, reference %+v %q", rep.PageHitAny, rep.Reference, rep.ReferenceNote)
	}
	if _, err := evaluate.E2E(ctx, evaluate.E2EConfig{Questions: filepath.Join(docs, "missing.jsonl"), Docs: docs}, engineAsker{eng}); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("a missing questions file gave %v, want an error naming it", err)
	}
}
