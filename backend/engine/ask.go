package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"folio/backend/answer"
	"folio/backend/core"
	"folio/backend/encoder"
)

// askPassages is how many passages a question retrieves for the answer.
// 16, not 8: on the FinanceBench development split (keyword-only) a
// citation lands on an evidence page for 0.54 of the questions instead of
// 0.46, and the gold figure is shown for 0.21 instead of 0.13; XQuAD's
// figures are unchanged. The composer reads twice the sentences.
const askPassages = 16

// Ask answers a question from the library (or the part of it the filter
// allows), citing the passages it used. It never calls a generator.
func (e *Engine) Ask(ctx context.Context, question string, f Filter) (core.Answer, error) {
	searcher, composer := e.dense() // one model for the question's vector and the composer's
	hits, qvec, err := e.searchWith(ctx, searcher, question, SearchOptions{K: askPassages, Filter: f})
	if err != nil {
		return core.Answer{}, err
	}
	if hits, err = answer.MergePages(hits, e.store.Text); err != nil {
		return core.Answer{}, err
	}
	ans, err := composer.Compose(ctx, question, qvec, hits)
	if err != nil {
		return core.Answer{}, err
	}
	if e.reader != nil {
		if err := answer.Refine(ctx, e.reader, &ans, composer.MaxStatements); err != nil {
			return core.Answer{}, err
		}
	}
	return ans, e.labelCitations(&ans)
}

// AskStream answers as Ask does and then, when a generator is set up,
// has it write the answer from the cited passages, streaming the text to
// onDelta (which may be nil), and checks every sentence it wrote against
// what it cites (a sentence found supported by another passage than it
// cites has its citation moved there: answer.RepairCitations). history is the chat so far, for follow-up questions. When
// the generator fails the extracted answer is returned, with a notice.
func (e *Engine) AskStream(ctx context.Context, question string, f Filter, history []core.Turn, onDelta func(string)) (core.Answer, error) {
	ans, err := e.Ask(ctx, question, f)
	if err != nil {
		return ans, err
	}
	return e.Write(ctx, question, ans, history, onDelta)
}

// Write is AskStream's second half: it has the generator write the answer
// to question from ans, the extracted answer Ask gave for it, and checks
// it. ans itself is left as it was (its citations are copied), so a caller
// can keep both. Without a generator, or when ans found nothing, it
// returns ans.
func (e *Engine) Write(ctx context.Context, question string, ans core.Answer, history []core.Turn, onDelta func(string)) (core.Answer, error) {
	if !ans.Found {
		return ans, nil
	}
	ans.Citations = append([]core.Citation(nil), ans.Citations...)
	g, name := e.writer()
	if g == nil {
		return ans, nil
	}
	text, err := g.Generate(ctx, question, ans.Citations, history, onDelta)
	if err != nil {
		if ctx.Err() != nil {
			return core.Answer{}, ctx.Err()
		}
		ans.Notice = fmt.Sprintf("The generator failed (%v); this is the answer Folio extracted.", err)
		return ans, nil
	}
	if len(ans.Statements) == 0 {
		// A computed answer (no statements): its working, every operand
		// cited, leads what the generator wrote, and is checked with it.
		lead, _, _ := strings.Cut(ans.Text, "\n")
		text = lead + "\n" + text
	}
	var embed answer.Embedder
	if enc, _, _ := e.embedding(); enc != nil {
		embed = enc
	}
	claims, err := answer.Verify(ctx, text, ans.Citations, embed)
	if err != nil {
		return core.Answer{}, err
	}
	ans.Text, ans.Claims, ans.Mode, ans.Statements = text, claims, "generated", nil
	ans.Model = name
	// A sentence another passage supports cites that one, shown as moved.
	if _, err := answer.RepairCitations(ctx, &ans, embed); err != nil {
		return core.Answer{}, err
	}
	answer.HighlightEvidence(&ans)
	return ans, e.labelCitations(&ans)
}

// writer is what writes answers, with its model's name: the
// OpenAI-compatible server when the person turned one on, else the built-in
// generator, else nothing.
func (e *Engine) writer() (interface {
	Generate(ctx context.Context, question string, cits []core.Citation, history []core.Turn, onDelta func(string)) (string, error)
}, string) {
	if g := e.generator.get(); g != nil {
		return g, e.Generator().Model
	}
	if l := e.localGen(); l != nil {
		return l, l.Model()
	}
	return nil, ""
}

// GeneratorSettings point Folio at a local OpenAI-compatible server
// (Ollama, a llama.cpp server, LM Studio). Off by default.
type GeneratorSettings struct {
	Enabled  bool   `json:"enabled"`
	Endpoint string `json:"endpoint"` // e.g. http://localhost:11434/v1
	Model    string `json:"model"`    // "" picks the server's first model
	// ConfirmedRemote is the person's consent to an address that is not
	// this machine: questions and passages would leave it.
	ConfirmedRemote bool `json:"confirmedRemote"`
}

// generatorSetting is the store setting holding GeneratorSettings.
const generatorSetting = "generator"

// genState holds the generator in use, swapped when settings change.
type genState struct {
	mu  sync.RWMutex
	set GeneratorSettings
	gen *answer.Generator // nil when off
}

func (g *genState) get() *answer.Generator {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.gen
}

func (g *genState) apply(s GeneratorSettings) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.set, g.gen = s, nil
	if s.Enabled {
		g.gen = &answer.Generator{Endpoint: s.Endpoint, Model: s.Model, ConfirmedRemote: s.ConfirmedRemote}
	}
}

func (e *Engine) loadGenerator() error {
	raw, err := e.store.Setting(generatorSetting)
	if err != nil || len(raw) == 0 {
		return err
	}
	var s GeneratorSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		e.log.Warn("ignoring unreadable generator settings", "err", err)
		return nil
	}
	if _, err := answer.CheckEndpoint(s.Endpoint, s.ConfirmedRemote); s.Enabled && err != nil {
		e.log.Warn("generator turned off", "err", err)
		s.Enabled = false
	}
	e.generator.apply(s)
	return nil
}

// Generator returns the generator settings.
func (e *Engine) Generator() GeneratorSettings {
	e.generator.mu.RLock()
	defer e.generator.mu.RUnlock()
	return e.generator.set
}

// SetGenerator checks and saves the generator settings. An address that is
// not this machine is refused unless ConfirmedRemote is set.
func (e *Engine) SetGenerator(s GeneratorSettings) error {
	s.Endpoint, s.Model = strings.TrimSpace(s.Endpoint), strings.TrimSpace(s.Model)
	if s.Enabled || s.Endpoint != "" {
		u, err := answer.CheckEndpoint(s.Endpoint, s.ConfirmedRemote)
		if err != nil {
			return err
		}
		s.Endpoint = u.String()
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := e.store.SetSetting(generatorSetting, raw); err != nil {
		return err
	}
	e.generator.apply(s)
	return nil
}

// GeneratorModels asks the server in s which models it serves: a
// connection test for the settings screen.
func (e *Engine) GeneratorModels(ctx context.Context, s GeneratorSettings) ([]string, error) {
	g := answer.Generator{Endpoint: strings.TrimSpace(s.Endpoint), ConfirmedRemote: s.ConfirmedRemote}
	return g.Models(ctx)
}

// spanReader is the QA model as package answer uses it.
type spanReader struct{ r *encoder.Reader }

func (s spanReader) Answer(ctx context.Context, question, text string) (int, int, float64, error) {
	sp, err := s.r.Answer(ctx, question, text)
	if err != nil {
		return 0, 0, 0, err
	}
	return sp.Start, sp.End, float64(sp.Score), nil
}
