package answer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"folio/backend/core"
)

// ErrNoGenerator means nothing answered at the generator's address.
var ErrNoGenerator = errors.New("no generator answers")

// Generator writes answers with a local OpenAI-compatible server (Ollama,
// a llama.cpp server, LM Studio). It is off unless the person sets it up.
// Zero fields take defaults. Every request re-checks Endpoint with
// CheckEndpoint, goes straight to it (proxy settings in the environment are
// ignored, redirects are refused) and resolves no name but "localhost".
type Generator struct {
	// Endpoint is the server's base URL, such as http://localhost:11434/v1.
	Endpoint string
	// Model is the model to ask; empty takes the first the server lists.
	Model string
	// APIKey, when set, is sent as a bearer token (LM Studio and llama.cpp
	// can require one).
	APIKey string
	// ConfirmedRemote allows an Endpoint that is not on this machine.
	ConfirmedRemote bool
	// Timeout bounds one request from connecting to its last byte
	// (default 5 minutes: small models on a laptop CPU are slow).
	Timeout time.Duration
	// MaxPassageChars caps each passage in the prompt (default 1500).
	MaxPassageChars int

	// dial replaces the network dialer in tests.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Message is one message of a chat completion request.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

const (
	defaultTimeout      = 5 * time.Minute
	modelsTimeout       = 30 * time.Second
	defaultPassageChars = 1500
	// maxAnswerBytes bounds the generated text.
	maxAnswerBytes = 1 << 20
	// maxStreamBytes bounds the raw reply: a streamed answer carries a JSON
	// envelope of about 200 bytes around every token.
	maxStreamBytes = 64 << 20
	// maxReplyBytes bounds non-streamed replies and error bodies.
	maxReplyBytes = 4 << 20
	// historyTurns is how many earlier turns the prompt repeats.
	historyTurns = 2
)

// systemPrompt tells the model how to answer.
const systemPrompt = `You answer questions using only the numbered passages from the person's own documents that come with each question.
Rules:
- Use only what the passages say. Do not add facts from anywhere else.
- End every sentence with the number of the passage it comes from in square brackets, such as [1], or [1][3] when it draws on two. Use only the numbers of the passages given. In the passages, every sentence already ends with its passage's number.
- If the passages do not answer the question, say plainly that the documents do not answer it. Do not guess.
- Be brief, and answer in the language of the question.`

// Models lists the models the server offers (GET {base}/models), for a
// settings screen's connection test.
func (g *Generator) Models(ctx context.Context) ([]string, error) {
	base, err := CheckEndpoint(g.Endpoint, g.ConfirmedRemote)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, min(g.timeout(), modelsTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+"/models", nil)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	resp, err := g.do(req, base)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxReplyBytes)).Decode(&list); err != nil {
		return nil, fmt.Errorf("list models at %s: the reply is not an OpenAI-style model list: %w", base, err)
	}
	out := []string{}
	for _, m := range list.Data {
		if m.ID != "" {
			out = append(out, m.ID)
		}
	}
	return out, nil
}

// Generate asks the server to answer question from cits, with the last
// turns of history for follow-ups, and returns the whole answer. The answer
// is streamed: onDelta, when not nil, gets every piece as it arrives. A
// server that ignores streaming and sends one JSON reply works too.
// Cancelling ctx stops the request at once.
func (g *Generator) Generate(ctx context.Context, question string, cits []core.Citation, history []core.Turn, onDelta func(string)) (string, error) {
	model := g.Model
	if model == "" {
		models, err := g.Models(ctx)
		if err != nil {
			return "", err
		}
		if len(models) == 0 {
			return "", fmt.Errorf("generator at %s offers no model: install one (for Ollama: ollama pull llama3.2)", g.Endpoint)
		}
		model = models[0]
	}
	base, err := CheckEndpoint(g.Endpoint, g.ConfirmedRemote)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(struct {
		Model       string    `json:"model"`
		Messages    []Message `json:"messages"`
		Stream      bool      `json:"stream"`
		Temperature float64   `json:"temperature"`
	}{model, g.Messages(question, cits, history), true, 0.2})
	if err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.String()+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream, application/json")
	resp, err := g.do(req, base)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if onDelta == nil {
		onDelta = func(string) {}
	}
	text, err := readReply(resp.Body, onDelta)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", g.ctxError(ctxErr, base)
		}
		return "", fmt.Errorf("generator at %s: %w", base, err)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", fmt.Errorf("generator at %s returned an empty answer", base)
	}
	return text, nil
}

// Messages builds the chat for question: the rules, the last turns of
// history (with their [n] markers removed, since their passages were
// numbered differently), then the sources of the passages by their
// numbers, the passages, in the order of cits, each cut to the sentences
// around its highlights (Excerpt) with every sentence ending with its
// passage's marker ("… in 2023 [2]."), so that a sentence taken from a
// passage comes with the right citation, and the question.
func (g *Generator) Messages(question string, cits []core.Citation, history []core.Turn) []Message {
	msgs := []Message{{Role: "system", Content: systemPrompt}}
	if len(history) > historyTurns {
		history = history[len(history)-historyTurns:]
	}
	for _, t := range history {
		q := strings.TrimSpace(t.Question)
		a := strings.TrimSpace(stripMarkers(t.Answer.Text))
		if q == "" || a == "" {
			continue
		}
		msgs = append(msgs, Message{Role: "user", Content: q}, Message{Role: "assistant", Content: a})
	}
	limit := g.MaxPassageChars
	if limit <= 0 {
		limit = defaultPassageChars
	}
	var b strings.Builder
	if len(cits) == 0 {
		b.WriteString("No passage of the documents matches this question.\n")
	} else {
		// Where each passage comes from, apart: a small model copies the
		// text nearest the question, which must be a passage's own words.
		b.WriteString("Sources:")
		for i, c := range cits {
			if i > 0 {
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, " [%d] %s", c.N, source(c))
		}
		b.WriteString(".\n\nPassages:\n")
	}
	for _, c := range cits {
		marked := excerpt(c, ExcerptBefore, ExcerptAfter, func(s string) string { return withMarkers(s, []int{c.N}) })
		fmt.Fprintf(&b, "\n%s\n", truncate(strings.Join(strings.Fields(marked), " "), limit))
	}
	b.WriteString("\nQuestion: ")
	b.WriteString(strings.TrimSpace(question))
	msgs = append(msgs, Message{Role: "user", Content: b.String()})
	return msgs
}

// source names where a citation comes from: "report, page 4". The name
// is the document's title, or its file name without the extension: a
// small model copies what it sees, and the grammar of its answer
// (package llm) allows a full stop inside a sentence only before a digit.
func source(c core.Citation) string {
	name := c.Title
	if name == "" {
		name = docName(c.Path)
	}
	loc := c.Location
	if loc == "" && c.Page > 0 {
		loc = fmt.Sprintf("page %d", c.Page)
	}
	if loc == "" {
		return name
	}
	return name + ", " + loc
}

// truncate cuts s to at most limit characters, at a word break when one is
// near, marking the cut with "…".
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)[:limit]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*4/5 {
		cut = cut[:i]
	}
	return cut + "…"
}

func (g *Generator) timeout() time.Duration {
	if g.Timeout > 0 {
		return g.Timeout
	}
	return defaultTimeout
}

// do sends req with a client of its own and checks the status. The caller
// closes the body.
func (g *Generator) do(req *http.Request, base *url.URL) (*http.Response, error) {
	if g.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+g.APIKey)
	}
	tr := g.transport()
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			return fmt.Errorf("generator at %s redirected to %s: Folio does not follow redirects, give the final address", base, redact(r.URL))
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		tr.CloseIdleConnections()
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, g.ctxError(ctxErr, base)
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, fmt.Errorf("%w at %s: is Ollama, the llama.cpp server or LM Studio running? (%v)", ErrNoGenerator, base, op.Err)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("generator at %s: %w", base, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		msg := errorMessage(resp.Body)
		return nil, fmt.Errorf("generator at %s answered %s: %s", base, resp.Status, msg)
	}
	return resp, nil
}

func (g *Generator) ctxError(err error, base *url.URL) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("generator at %s did not finish within %s: %w", base, g.timeout(), err)
	}
	return fmt.Errorf("generate: %w", err)
}

// transport is a fresh HTTP transport that never uses a proxy and resolves
// loopback names itself. Keep-alives are off, so no connection outlives
// its request.
func (g *Generator) transport() *http.Transport {
	return &http.Transport{
		Proxy:                  nil, // never HTTP_PROXY and friends: the passages stay on this machine
		DialContext:            g.dialContext,
		DisableKeepAlives:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// dialContext dials addr, re-checking that its host is loopback unless the
// person confirmed a remote server. "localhost" is dialed as 127.0.0.1,
// then ::1, without asking any resolver.
func (g *Generator) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	dial := g.dial
	if dial == nil {
		d := &net.Dialer{Timeout: 10 * time.Second}
		dial = d.DialContext
	}
	if !isLoopback(host) {
		if !g.ConfirmedRemote {
			return nil, fmt.Errorf("generator address %s: %w", host, ErrRemoteEndpoint)
		}
		return dial(ctx, network, addr)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return dial(ctx, network, addr)
	}
	conn, err := dial(ctx, network, net.JoinHostPort("127.0.0.1", port))
	if err == nil {
		return conn, nil
	}
	if conn6, err6 := dial(ctx, network, net.JoinHostPort("::1", port)); err6 == nil {
		return conn6, nil
	}
	return nil, err
}

// errorMessage reads the message out of an error reply: OpenAI's and
// llama.cpp's {"error": {"message": ...}}, Ollama's {"error": "..."}, or
// the start of the body.
func errorMessage(r io.Reader) string {
	body, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	if msg := jsonError(body); msg != "" {
		return msg
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return "no details given"
	}
	return truncate(s, 300)
}

// jsonError returns the error message inside a JSON object, or "".
func jsonError(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if len(e.Error) > 0 {
		var s string
		if json.Unmarshal(e.Error, &s) == nil && s != "" {
			return s
		}
		var o struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(e.Error, &o) == nil && o.Message != "" {
			return o.Message
		}
		if string(e.Error) != "null" {
			return truncate(string(e.Error), 300)
		}
	}
	return e.Message
}

// chunkReply is one streamed chunk or a whole reply of a chat completion.
type chunkReply struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// readReply reads a chat completion reply, streamed as server-sent events
// or whole as JSON, calling onDelta with every piece of text.
func readReply(body io.Reader, onDelta func(string)) (string, error) {
	br := bufio.NewReader(&limitedReader{r: body, left: maxStreamBytes})
	// A reply whose first non-space byte opens a JSON object is not a stream.
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return "", nil
			}
			return "", fmt.Errorf("read reply: %w", err)
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			br.ReadByte()
			continue
		}
		if b[0] == '{' {
			return readWhole(br, onDelta)
		}
		return readStream(br, onDelta)
	}
}

func readWhole(r io.Reader, onDelta func(string)) (string, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxReplyBytes+1))
	if err != nil {
		return "", fmt.Errorf("read reply: %w", err)
	}
	if len(body) > maxReplyBytes {
		return "", fmt.Errorf("the reply is larger than %d MiB", maxReplyBytes>>20)
	}
	var c chunkReply
	if err := json.Unmarshal(body, &c); err != nil {
		return "", fmt.Errorf("the reply is not a chat completion: %w", err)
	}
	if msg := jsonError(body); msg != "" && len(c.Choices) == 0 {
		return "", fmt.Errorf("the server reported an error: %s", msg)
	}
	if len(c.Choices) == 0 {
		return "", errors.New("the reply is not a chat completion: it has no choices")
	}
	text := c.Choices[0].Message.Content
	if text == "" {
		text = c.Choices[0].Delta.Content
	}
	if len(text) > maxAnswerBytes {
		return "", fmt.Errorf("the answer is longer than %d MiB", maxAnswerBytes>>20)
	}
	if text != "" {
		onDelta(text)
	}
	return text, nil
}

// readStream reads server-sent events: "data:" lines, joined until a blank
// line ends the event, up to "data: [DONE]" or the end of the body.
func readStream(r io.Reader, onDelta func(string)) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxAnswerBytes+64<<10)
	var (
		text  strings.Builder
		data  []string
		event string
		done  bool
	)
	dispatch := func() error {
		defer func() { data, event = data[:0], "" }()
		if len(data) == 0 {
			return nil
		}
		payload := strings.Join(data, "\n")
		if strings.TrimSpace(payload) == "[DONE]" {
			done = true
			return nil
		}
		var c chunkReply
		if err := json.Unmarshal([]byte(payload), &c); err != nil {
			return fmt.Errorf("malformed stream: %q is not a JSON chunk: %w", truncate(payload, 80), err)
		}
		if event == "error" || len(c.Error) > 0 && string(c.Error) != "null" {
			msg := jsonError([]byte(payload))
			if msg == "" {
				msg = truncate(payload, 300)
			}
			return fmt.Errorf("the server reported an error: %s", msg)
		}
		if len(c.Choices) == 0 {
			return nil // such as a final chunk carrying only usage
		}
		piece := c.Choices[0].Delta.Content
		if piece == "" {
			piece = c.Choices[0].Message.Content
		}
		if piece == "" {
			return nil
		}
		if text.Len()+len(piece) > maxAnswerBytes {
			return fmt.Errorf("the answer is longer than %d MiB", maxAnswerBytes>>20)
		}
		text.WriteString(piece)
		onDelta(piece)
		return nil
	}
	for !done && sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			if err := dispatch(); err != nil {
				return "", err
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "data":
			data = append(data, value)
		case "event":
			event = value
		case "", "id", "retry":
			// a comment or a field Folio does not need
		default:
			return "", fmt.Errorf("malformed stream: unexpected line %q", truncate(line, 80))
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return "", fmt.Errorf("malformed stream: a line is longer than %d MiB", maxAnswerBytes>>20)
		}
		return "", fmt.Errorf("read stream: %w", err)
	}
	if !done {
		if err := dispatch(); err != nil {
			return "", err
		}
	}
	return text.String(), nil
}

// errReplyTooLarge stops a reply that exceeds maxStreamBytes.
var errReplyTooLarge = fmt.Errorf("the reply is larger than %d MiB", maxStreamBytes>>20)

// limitedReader is io.LimitReader that fails instead of ending quietly.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errReplyTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
