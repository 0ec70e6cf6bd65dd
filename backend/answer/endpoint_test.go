package answer

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckEndpointAccepts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:11434/v1", "http://localhost:11434/v1"},
		{"http://localhost:11434", "http://localhost:11434/v1"},
		{"http://localhost:11434/", "http://localhost:11434/v1"},
		{"  http://127.0.0.1:8080/v1/  ", "http://127.0.0.1:8080/v1"},
		{"HTTP://LocalHost:1234/v1", "http://localhost:1234/v1"},
		{"http://127.3.4.5/openai/v1", "http://127.3.4.5/openai/v1"},
		{"http://[::1]:8080", "http://[::1]:8080/v1"},
		{"http://[::ffff:127.0.0.1]:8080/v1", "http://[::ffff:127.0.0.1]:8080/v1"},
		{"http://ollama.localhost:11434/v1", "http://ollama.localhost:11434/v1"},
		{"http://localhost.:11434/v1", "http://localhost.:11434/v1"},
		{"https://localhost:8443/v1", "https://localhost:8443/v1"},
	}
	for _, tt := range tests {
		u, err := CheckEndpoint(tt.in, false)
		if err != nil {
			t.Errorf("CheckEndpoint(%q): %v", tt.in, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("CheckEndpoint(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCheckEndpointRefusesRemote(t *testing.T) {
	for _, in := range []string{
		"http://example.com/v1",
		"http://10.0.0.5:11434",
		"http://192.168.1.20:1234/v1",
		"http://0.0.0.0:11434/v1",         // reaches this machine, but is no loopback address
		"http://127.0.0.1.nip.io/v1",      // a name, however it looks
		"http://localhost.example.com/v1", // a name under another domain
		"http://[::2]:8080/v1",
		"https://api.openai.com/v1",
	} {
		_, err := CheckEndpoint(in, false)
		if !errors.Is(err, ErrRemoteEndpoint) {
			t.Errorf("CheckEndpoint(%q) = %v, want ErrRemoteEndpoint", in, err)
			continue
		}
		for _, want := range []string{"leave this machine", "confirm"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("CheckEndpoint(%q) error %q does not say %q", in, err, want)
			}
		}
		if _, err := CheckEndpoint(in, true); err != nil {
			t.Errorf("CheckEndpoint(%q, confirmed): %v", in, err)
		}
	}
}

func TestCheckEndpointRejectsMalformed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no generator address"},
		{"localhost:11434", "must start with http:// or https://"},
		{"ftp://localhost/v1", "must start with http:// or https://"},
		{"file:///etc/passwd", "must start with http:// or https://"},
		{"http:///v1", "has no host"},
		{"http:localhost", "has no host"},
		{"http://%zz/v1", "not a valid URL"},
		{"http://localhost:abc/v1", "not a valid URL"},
		{"http://localhost:99999/v1", "invalid port"},
		{"http://localhost:/v1", "empty port"},
		{"http://localhost:11434/v1?key=x", "query or fragment"},
		{"http://localhost:11434/v1#top", "query or fragment"},
		{"http://bob:s3cret@localhost:11434/v1", "user name or password"},
		{"http://bob@example.com/v1", "user name or password"},
	}
	for _, tt := range tests {
		for _, confirmed := range []bool{false, true} {
			u, err := CheckEndpoint(tt.in, confirmed)
			if err == nil {
				t.Errorf("CheckEndpoint(%q, %v) = %s, want an error", tt.in, confirmed, u)
				continue
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckEndpoint(%q, %v) error %q, want it to say %q", tt.in, confirmed, err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("CheckEndpoint(%q) error %q repeats the password", tt.in, err)
			}
		}
	}
}
