package answer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"folio/backend/core"
)

// chatRequest is what the fake server reads of a request.
type chatRequest struct {
	Model    string    `json:"model"`
	Stream   bool      `json:"stream"`
	Messages []Message `json:"messages"`
}

// fakeServer is an OpenAI-compatible server on loopback, like Ollama's.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex // guards requests
	requests []chatRequest
}

// newFakeServer serves /v1/models and, with chat, /v1/chat/completions.
func newFakeServer(t *testing.T, chat func(w http.ResponseWriter, r *http.Request)) *fakeServer {
	t.Helper()
	fs := &fakeServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"llama3.2:1b","object":"model","owned_by":"library"},{"id":"qwen2.5:0.5b","object":"model"}]}`)
	})
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"message":"bad request body"}}`, http.StatusBadRequest)
			return
		}
		fs.mu.Lock()
		fs.requests = append(fs.requests, req)
		fs.mu.Unlock()
		chat(w, r)
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fakeServer) lastRequest(t *testing.T) chatRequest {
	t.Helper()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.requests) == 0 {
		t.Fatal("the server got no chat request")
	}
	return fs.requests[len(fs.requests)-1]
}

// sseChunk is one streamed chunk as Ollama writes it.
func sseChunk(content string) string {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "llama3.2:1b",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": content}, "finish_reason": nil}},
	})
	return "data: " + string(b) + "\n\n"
}

// streamPieces streams pieces as server-sent events, each after the client
// got the one before (acks), so a client that buffered the whole reply
// would stall the test instead of passing.
func streamPieces(t *testing.T, pieces []string, acks <-chan string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for i, p := range pieces {
			io.WriteString(w, sseChunk(p))
			fl.Flush()
			if acks == nil {
				continue
			}
			select {
			case got := <-acks:
				if got != p {
					t.Errorf("delta %d: client got %q, want %q", i, got, p)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("delta %d (%q) did not reach the client while the stream stayed open", i, p)
				return
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}`+"\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}
}

var testCitations = []core.Citation{
	{N: 1, Path: "/home/ana/docs/report.pdf", Page: 4, Location: "page 4", Text: "Revenue grew 12% in 2023,\nreaching 4.2 million euros."},
	{N: 2, Path: `C:\Users\ana\notes.md`, Text: "The board met in March."},
}

var testHistory = []core.Turn{
	{Question: "Who founded Acme?", Answer: core.Answer{Text: "Ana Ruiz founded it [1]."}},
	{Question: "When was Acme founded?", Answer: core.Answer{Text: "In 1987 [2]."}},
	{Question: "Where is it based?", Answer: core.Answer{Text: "In Lyon [1][3]."}},
}

func TestGenerateStreams(t *testing.T) {
	pieces := []string{"Revenue", " grew 12%", " in 2023 [1].", " The board met in March [2]."}
	acks := make(chan string)
	fs := newFakeServer(t, streamPieces(t, pieces, acks))
	g := &Generator{Endpoint: fs.URL + "/v1", Model: "llama3.2:1b"}
	var got []string
	text, err := g.Generate(context.Background(), "How did revenue change?", testCitations, testHistory, func(d string) {
		got = append(got, d)
		select {
		case acks <- d:
		case <-time.After(10 * time.Second):
			t.Errorf("the server no longer waits for delta %q", d)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pieces) {
		t.Errorf("deltas %q, want %q", got, pieces)
	}
	if want := strings.Join(pieces, ""); text != want {
		t.Errorf("text %q, want %q", text, want)
	}

	req := fs.lastRequest(t)
	if req.Model != "llama3.2:1b" || !req.Stream {
		t.Errorf("request model %q stream %v, want llama3.2:1b and true", req.Model, req.Stream)
	}
	var roles []string
	for _, m := range req.Messages {
		roles = append(roles, m.Role)
	}
	if want := []string{"system", "user", "assistant", "user", "assistant", "user"}; !reflect.DeepEqual(roles, want) {
		t.Fatalf("message roles %v, want %v", roles, want)
	}
	sys := req.Messages[0].Content
	for _, want := range []string{"only", "[1]", "do not answer"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	// The last two turns, without their old [n] markers.
	if got := req.Messages[1].Content + "|" + req.Messages[2].Content + "|" + req.Messages[3].Content + "|" + req.Messages[4].Content; got != "When was Acme founded?|In 1987.|Where is it based?|In Lyon." {
		t.Errorf("history %q", got)
	}
	last := req.Messages[5].Content
	for _, want := range []string{
		"Sources: [1] report, page 4; [2] notes.",
		"\nRevenue grew 12% in 2023, reaching 4.2 million euros [1].\n",
		"\nThe board met in March [2].\n",
		"Question: How did revenue change?",
	} {
		if !strings.Contains(last, want) {
			t.Errorf("last message lacks %q:\n%s", want, last)
		}
	}
}

func TestGenerateDefaultModelAndAPIKey(t *testing.T) {
	var auth atomic.Value
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		streamPieces(t, []string{"Yes [1]."}, nil)(w, r)
	})
	g := &Generator{Endpoint: fs.URL, APIKey: "lm-studio-key"} // no /v1: added
	text, err := g.Generate(context.Background(), "q", testCitations, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if text != "Yes [1]." {
		t.Errorf("text %q", text)
	}
	if got := fs.lastRequest(t).Model; got != "llama3.2:1b" {
		t.Errorf("model %q, want the first listed, llama3.2:1b", got)
	}
	if got := auth.Load(); got != "Bearer lm-studio-key" {
		t.Errorf("Authorization %q", got)
	}
}

func TestGenerateNonStreamingReply(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-9","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"  The board met in March [2].\n"},"finish_reason":"stop"}],"usage":{"total_tokens":9}}`)
	})
	g := &Generator{Endpoint: fs.URL + "/v1", Model: "m"}
	var deltas []string
	text, err := g.Generate(context.Background(), "q", testCitations, nil, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	if text != "The board met in March [2]." {
		t.Errorf("text %q", text)
	}
	if len(deltas) != 1 {
		t.Errorf("deltas %q, want the whole reply once", deltas)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"openai error", 500, `{"error":{"message":"model 'llama9' not found, try pulling it first","type":"api_error"}}`, []string{"500", "model 'llama9' not found, try pulling it first"}},
		{"ollama error", 404, `{"error":"model \"x\" not found"}`, []string{"404", `model "x" not found`}},
		{"plain text error", 503, "Loading model", []string{"503", "Loading model"}},
		{"malformed stream", 200, "data: {\"choices\": [\n\n", []string{"malformed stream"}},
		{"not a stream", 200, "<html>hello</html>\n", []string{"malformed stream"}},
		{"error in stream", 200, sseChunk("Rev") + `data: {"error":{"code":400,"message":"the request exceeds the context size","type":"exceed_context_size_error"}}` + "\n\n", []string{"the request exceeds the context size"}},
		{"empty answer", 200, sseChunk("") + sseChunk("  \n") + "data: [DONE]\n\n", []string{"empty answer"}},
		{"empty body", 200, "", []string{"empty answer"}},
		{"json without choices", 200, `{"object":"chat.completion","choices":[]}`, []string{"no choices"}},
		{"too long", 200, strings.Repeat(sseChunk(strings.Repeat("x", 64<<10)), 17), []string{"longer than 1 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(tt.body, "data:") {
					w.Header().Set("Content-Type", "text/event-stream")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			g := &Generator{Endpoint: fs.URL + "/v1", Model: "m"}
			text, err := g.Generate(context.Background(), "q", testCitations, nil, nil)
			if err == nil {
				t.Fatalf("no error, text %q", text)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestGenerateConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, endpoint := range []string{"http://" + addr + "/v1", "http://localhost:" + strings.Split(addr, ":")[1]} {
		g := &Generator{Endpoint: endpoint, Model: "m"}
		_, err := g.Generate(context.Background(), "q", testCitations, nil, nil)
		if !errors.Is(err, ErrNoGenerator) {
			t.Errorf("%s: error %v, want ErrNoGenerator", endpoint, err)
		}
		if err != nil && !strings.Contains(err.Error(), "no generator answers at http://") || !strings.Contains(fmt.Sprint(err), "Ollama") {
			t.Errorf("%s: error %q does not say where nothing answered and what to start", endpoint, err)
		}
		if _, err := g.Models(context.Background()); !errors.Is(err, ErrNoGenerator) {
			t.Errorf("%s: Models error %v, want ErrNoGenerator", endpoint, err)
		}
	}
}

func TestGenerateCancelMidStream(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseChunk("The board"))
		w.(http.Flusher).Flush()
		select { // a model that stalls
		case <-r.Context().Done():
		case <-release:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &Generator{Endpoint: fs.URL + "/v1", Model: "m"}
	done := make(chan error, 1)
	go func() {
		_, err := g.Generate(ctx, "q", testCitations, nil, func(string) { cancel() })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Generate did not return after its context was cancelled mid-stream")
	}
}

func TestGenerateTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	g := &Generator{Endpoint: fs.URL + "/v1", Model: "m", Timeout: 50 * time.Millisecond}
	_, err := g.Generate(context.Background(), "q", testCitations, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(fmt.Sprint(err), "did not finish within 50ms") {
		t.Errorf("error %v, want a timeout that says so", err)
	}
}

// countingDial records the addresses dialed. It connects an address in
// route to its target and a loopback address as it is, and refuses any
// other, so no test reaches the network.
type countingDial struct {
	mu    sync.Mutex // guards addrs
	addrs []string
	route map[string]string
}

func (d *countingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	target, ok := d.route[addr]
	if !ok {
		host, _, _ := net.SplitHostPort(addr)
		if !isLoopback(host) {
			return nil, fmt.Errorf("test: refusing to dial %s", addr)
		}
		target = addr
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, target)
}

func (d *countingDial) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

func TestGenerateRefusesRemoteWithoutConnecting(t *testing.T) {
	for _, endpoint := range []string{"http://example.com/v1", "http://10.0.0.5:11434", "https://192.168.1.4:1234/v1"} {
		d := &countingDial{}
		g := &Generator{Endpoint: endpoint, Model: "m", dial: d.dial}
		if _, err := g.Generate(context.Background(), "q", testCitations, nil, nil); !errors.Is(err, ErrRemoteEndpoint) {
			t.Errorf("%s: Generate error %v, want ErrRemoteEndpoint", endpoint, err)
		}
		if _, err := g.Models(context.Background()); !errors.Is(err, ErrRemoteEndpoint) {
			t.Errorf("%s: Models error %v, want ErrRemoteEndpoint", endpoint, err)
		}
		g.Model = ""
		if _, err := g.Generate(context.Background(), "q", testCitations, nil, nil); !errors.Is(err, ErrRemoteEndpoint) {
			t.Errorf("%s: Generate without a model: error %v, want ErrRemoteEndpoint", endpoint, err)
		}
		if got := d.dialed(); len(got) != 0 {
			t.Errorf("%s: dialed %v before refusing", endpoint, got)
		}
	}
}

func TestGenerateRefusesRedirects(t *testing.T) {
	redirect := httptest.NewServer(http.RedirectHandler("http://example.com/v1/models", http.StatusFound))
	defer redirect.Close()
	d := &countingDial{}
	g := &Generator{Endpoint: redirect.URL + "/v1", dial: d.dial}
	_, err := g.Models(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not follow redirects") {
		t.Errorf("error %v, want a refused redirect", err)
	}
	for _, a := range d.dialed() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("dialed %s after a redirect", a)
		}
	}
}

func TestGenerateIgnoresProxyEnvironment(t *testing.T) {
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	var proxied atomic.Int32
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			proxied.Add(1)
			c.Close()
		}
	}()
	proxyURL := "http://" + proxy.Addr().String()
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		t.Setenv(k, proxyURL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	fs := newFakeServer(t, streamPieces(t, []string{"Direct [1]."}, nil))
	// Loopback: Go's environment proxy would skip it anyway.
	g := &Generator{Endpoint: fs.URL + "/v1", Model: "m"}
	if text, err := g.Generate(context.Background(), "q", testCitations, nil, nil); err != nil || text != "Direct [1]." {
		t.Errorf("loopback generation: %q, %v", text, err)
	}
	if _, err := g.Models(context.Background()); err != nil {
		t.Errorf("Models: %v", err)
	}
	// A confirmed remote name, which an environment proxy would take: the
	// request must dial the name itself (here routed to the fake server).
	d := &countingDial{route: map[string]string{"generator.example:11434": strings.TrimPrefix(fs.URL, "http://")}}
	remote := &Generator{Endpoint: "http://generator.example:11434/v1", Model: "m", ConfirmedRemote: true, dial: d.dial}
	if text, err := remote.Generate(context.Background(), "q", testCitations, nil, nil); err != nil || text != "Direct [1]." {
		t.Errorf("confirmed remote generation: %q, %v", text, err)
	}
	if got, want := d.dialed(), []string{"generator.example:11434"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dialed %v, want %v", got, want)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy from the environment got %d connections, want 0", n)
	}
}

func TestModels(t *testing.T) {
	fs := newFakeServer(t, nil)
	g := &Generator{Endpoint: fs.URL + "/v1/"}
	got, err := g.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"llama3.2:1b", "qwen2.5:0.5b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("models %q, want %q", got, want)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>") }))
	defer bad.Close()
	if _, err := (&Generator{Endpoint: bad.URL}).Models(context.Background()); err == nil || !strings.Contains(err.Error(), "not an OpenAI-style model list") {
		t.Errorf("error %v, want it to say the reply is no model list", err)
	}
}

func TestGeneratorMessages(t *testing.T) {
	long := strings.Repeat("word ", 100) // 500 characters
	g := &Generator{MaxPassageChars: 60}
	msgs := g.Messages("  and in 2019? ", []core.Citation{{N: 3, Path: "a/b/c.txt", Text: long}}, testHistory[2:])
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want system, one turn and the question", len(msgs))
	}
	last := msgs[3].Content
	if !strings.Contains(last, "Sources: [3] c.\n") || !strings.Contains(last, "\nword word") || !strings.Contains(last, "…") {
		t.Errorf("passage not numbered or not cut:\n%s", last)
	}
	if n := strings.Count(last, "word"); n > 12 {
		t.Errorf("passage kept %d words, want at most 60 characters of it", n)
	}
	if !strings.HasSuffix(last, "Question: and in 2019?") {
		t.Errorf("last message ends %q", last[max(0, len(last)-40):])
	}
	none := (&Generator{}).Messages("q", nil, nil)
	if len(none) != 2 || !strings.Contains(none[1].Content, "No passage") {
		t.Errorf("without passages: %+v", none)
	}
}
