package answer

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrRemoteEndpoint refuses a generator that is not on this machine until
// the person confirms it.
var ErrRemoteEndpoint = errors.New("the generator is not on this machine: your questions and the passages from your documents would leave this machine, so Folio uses it only after you confirm")

// CheckEndpoint validates raw, the base URL of an OpenAI-compatible server
// (Ollama http://localhost:11434/v1, a llama.cpp server
// http://127.0.0.1:8080/v1, LM Studio http://localhost:1234/v1), and
// returns it cleaned: scheme and host lower-cased, no trailing slash. A
// bare address with no path ("http://localhost:11434") gets /v1, where all
// three serve the OpenAI API; any other path is kept as given.
//
// Only loopback addresses pass on their own: the host "localhost" or a name
// under ".localhost", or an IP literal in 127.0.0.0/8 or ::1. Any other host
// is refused with ErrRemoteEndpoint unless confirmedRemote is set, host
// names included, since even resolving a name is a network lookup.
func CheckEndpoint(raw string, confirmedRemote bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("no generator address: enter one such as http://localhost:11434/v1")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("generator address %q is not a valid URL: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("generator address %q must start with http:// or https://", raw)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("generator address %q has no host: write it as http://host:port/v1", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("generator address %q holds a user name or password: remove it and put a key in the API key field instead", redact(u))
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("generator address %q must not have a query or fragment: give the base URL, such as http://localhost:11434/v1", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("generator address %q has an invalid port %q", raw, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("generator address %q has an empty port", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("generator address %q has no host: write it as http://host:port/v1", raw)
	}
	if !isLoopback(host) && !confirmedRemote {
		return nil, fmt.Errorf("generator address %s: %w", host, ErrRemoteEndpoint)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u, nil
}

// isLoopback reports whether host (no port, no brackets) names this machine
// without a lookup: "localhost", a name under ".localhost" (RFC 6761), or a
// loopback IP literal. 0.0.0.0 and the machine's other addresses are not
// loopback.
func isLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return false
	}
	return ip.Unmap().IsLoopback()
}

// redact drops the password from u for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
