package cli

import "testing"

func TestShownEscapesControls(t *testing.T) {
	for _, tc := range []struct{ in, name, msg string }{
		{"/docs/plain name.txt", "/docs/plain name.txt", "/docs/plain name.txt"},
		{"/docs/a\x1b[2Jb.txt", `"/docs/a\x1b[2Jb.txt"`, `/docs/a\x1b[2Jb.txt`},
		{"/docs/\u202etxt.exe", `"/docs/\u202etxt.exe"`, `/docs/\u202etxt.exe`},
		{"/docs/bad\xffbyte\r", `"/docs/bad\xffbyte\r"`, `/docs/bad\xffbyte\r`},
		{"two\nlines\tand a tab", `"two\nlines\tand a tab"`, "two\nlines\tand a tab"},
		{"café ✓", "café ✓", "café ✓"},
	} {
		if got := shown(tc.in); got != tc.name {
			t.Errorf("shown(%q) = %s, want %s", tc.in, got, tc.name)
		}
		if got := shownMessage(tc.in); got != tc.msg {
			t.Errorf("shownMessage(%q) = %s, want %s", tc.in, got, tc.msg)
		}
	}
}
