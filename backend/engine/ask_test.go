package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"folio/backend/answer"
	"folio/backend/core"
)

// sseServer streams reply as an OpenAI-compatible server does, in pieces.
func sseServer(t *testing.T, reply string) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var prompts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			http.NotFound(w, r)
			return
		}
		var body strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			body.Write(buf[:n])
			if err != nil {
				break
			}
		}
		mu.Lock()
		prompts = append(prompts, body.String())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		for _, word := range strings.SplitAfter(reply, " ") {
			fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":%q}}]}\n\n", word)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv, &prompts
}

func TestAskWithGenerator(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "otters.txt"), ottersText)
	e := open(t, data)
	defer func() { e.Close() }()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	reply := "Sea otters live along the rocky coasts of the North Pacific Ocean [1]. They migrate to the Sahara desert every winter [1]. Their fur is the densest of any animal [7]."
	srv, prompts := sseServer(t, reply)

	if err := e.SetGenerator(GeneratorSettings{Enabled: true, Endpoint: "http://example.com:11434/v1"}); !errors.Is(err, answer.ErrRemoteEndpoint) {
		t.Fatalf("a remote generator without confirmation gave %v, want ErrRemoteEndpoint", err)
	}
	if err := e.SetGenerator(GeneratorSettings{Enabled: true, Endpoint: srv.URL + "/v1", Model: "tiny"}); err != nil {
		t.Fatal(err)
	}
	var deltas []string
	ans, err := e.AskStream(ctx, "Where do sea otters live?", Filter{}, nil, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	if ans.Mode != "generated" || ans.Text != reply || strings.Join(deltas, "") != reply || len(deltas) < 5 {
		t.Fatalf("mode %q, text %q, %d deltas; want the streamed reply", ans.Mode, ans.Text, len(deltas))
	}
	if len(*prompts) != 1 || !strings.Contains((*prompts)[0], "kelp forests") || !strings.Contains((*prompts)[0], `"model":"tiny"`) {
		t.Errorf("the prompt did not carry the model and the cited passages: %.300s", (*prompts)[0])
	}
	if len(ans.Claims) != 3 {
		t.Fatalf("%d claims, want 3: %+v", len(ans.Claims), ans.Claims)
	}
	if c := ans.Claims[0]; !c.Supported {
		t.Errorf("claim copied from the passage is unsupported: %+v", c)
	}
	if c := ans.Claims[1]; c.Supported {
		t.Errorf("the Sahara claim is marked supported: %+v", c)
	}
	// [1]'s highlight is the sentence the supported claim rests on.
	var hl []string
	for _, c := range ans.Citations {
		for _, h := range c.Highlights {
			if c.N == 1 {
				hl = append(hl, c.Text[h.Start-c.Start:h.End-c.Start])
			}
		}
	}
	if want := []string{"Sea otters live along the rocky coasts of the North Pacific Ocean, from Japan to California."}; !reflect.DeepEqual(hl, want) {
		t.Errorf("[1] highlights %q, want %q", hl, want)
	}
	if c := ans.Claims[2]; c.Supported || len(c.Missing) != 1 || c.Missing[0] != 7 {
		t.Errorf("a citation to [7], which does not exist, is not flagged: %+v", c)
	}

	// The settings survive a restart; a chat keeps the generated turn.
	e.Close()
	e = open(t, data)
	if s := e.Generator(); !s.Enabled || s.Endpoint != srv.URL+"/v1" || s.Model != "tiny" {
		t.Errorf("settings after reopening: %+v", s)
	}
	c, err := e.AskInChat(ctx, "", "Where do sea otters live?", Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Turns[0].Answer; a.Mode != "generated" || len(a.Claims) != 3 {
		t.Errorf("chat turn mode %q with %d claims, want the generated answer", a.Mode, len(a.Claims))
	}

	// A generator that is down leaves the extracted answer, with a notice.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	if err := e.SetGenerator(GeneratorSettings{Enabled: true, Endpoint: closed}); err != nil {
		t.Fatal(err)
	}
	ans, err = e.AskStream(ctx, "Where do sea otters live?", Filter{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Mode == "generated" || !ans.Found || len(ans.Statements) == 0 || !strings.Contains(ans.Notice, "generator") {
		t.Errorf("with the generator down: mode %q, found %v, notice %q; want the extracted answer and a notice", ans.Mode, ans.Found, ans.Notice)
	}

	// Turned off, no request is made.
	if err := e.SetGenerator(GeneratorSettings{Endpoint: srv.URL + "/v1"}); err != nil {
		t.Fatal(err)
	}
	if ans, err = e.AskStream(ctx, "Where do sea otters live?", Filter{}, nil, nil); err != nil || ans.Mode == "generated" || len(*prompts) != 2 {
		t.Errorf("generator off: mode %q, %d requests, err %v; want the extracted answer and no new request", ans.Mode, len(*prompts), err)
	}
}

func TestAskMarksTheQAModelsSpan(t *testing.T) {
	ctx := context.Background()
	docs, data := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "cats.txt"), "The cat sat on the mat. The dog ran on the mat.\n\nHello world, the cat sat.")
	e, err := Open(ctx, Config{DataDir: data, NoModel: true, Reader: filepath.Join("..", "encoder", "testdata", "tiny_qa")})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Index(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	ans, err := e.Ask(ctx, "where the cat sat?", Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Found || len(ans.Statements) == 0 {
		t.Fatalf("no answer: %+v", ans)
	}
	lead := ans.Statements[0]
	if lead.Answer == "" || !strings.Contains(lead.Text, lead.Answer) {
		t.Fatalf("lead %+v: want a QA span inside its sentence", lead)
	}
	var cit core.Citation
	for _, c := range ans.Citations {
		if c.N == lead.N {
			cit = c
		}
	}
	if cit.Answer == nil || cit.Answer.Start < lead.Start || cit.Answer.End > lead.End {
		t.Errorf("citation answer %v is not inside the lead sentence [%d,%d)", cit.Answer, lead.Start, lead.End)
	}
	marked := ""
	for _, s := range cit.Segments {
		if s.Kind == "answer" {
			marked += s.Text
		}
	}
	if marked != lead.Answer {
		t.Errorf("segments mark %q as the answer, want %q", marked, lead.Answer)
	}
}

func TestOpenRefusesABadQAModel(t *testing.T) {
	_, err := Open(context.Background(), Config{DataDir: t.TempDir(), NoModel: true, Reader: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "QA model") {
		t.Errorf("an empty QA model folder gave %v, want an error naming the QA model", err)
	}
}
