package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"folio/backend/core"
	"folio/backend/engine"
)

// logged runs fn with slog's default logger writing text into the
// returned buffer.
func logged(t *testing.T, fn func()) string {
	t.Helper()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	fn()
	return buf.String()
}

func TestFirstSearchableLogsOnceWhenAFileIsIn(t *testing.T) {
	var got []core.Progress
	reports := []core.Progress{
		{Phase: "scanning"},
		{Phase: "indexing", FilesTotal: 3},
		{Phase: "indexing", FilesDone: 1, Failed: 1, FilesTotal: 3}, // a failed file: nothing to search
		{Phase: "indexing", FilesDone: 2, Failed: 1, FilesTotal: 3},
		{Phase: "indexing", FilesDone: 3, Failed: 1, FilesTotal: 3},
		{Phase: "done", FilesDone: 3, Failed: 1, FilesTotal: 3},
	}
	out := logged(t, func() {
		p := firstSearchable(func(p core.Progress) { got = append(got, p) })
		for _, r := range reports {
			p(r)
		}
	})
	if len(got) != len(reports) {
		t.Fatalf("%d reports passed on, want %d", len(got), len(reports))
	}
	for i := range reports {
		if got[i] != reports[i] {
			t.Errorf("report %d passed on as %+v, want %+v", i, got[i], reports[i])
		}
	}
	if n := strings.Count(out, "the first files can be searched"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "files=2 of=3") {
		t.Errorf("the line does not say it was the second file of 3:\n%s", out)
	}
}

func TestFirstSearchableSilentWhenEveryFileFails(t *testing.T) {
	out := logged(t, func() {
		p := firstSearchable(func(core.Progress) {})
		p(core.Progress{Phase: "indexing", FilesDone: 2, Failed: 2, FilesTotal: 2})
		p(core.Progress{Phase: "done", FilesDone: 2, Failed: 2, FilesTotal: 2})
	})
	if strings.Contains(out, "can be searched") {
		t.Fatalf("a run where every file failed logged a searchable file:\n%s", out)
	}
}

func TestLogAnsweredNamesTheFirstCitationNotTheText(t *testing.T) {
	chat := core.Chat{Turns: []core.Turn{
		{Question: "an earlier question", Answer: core.Answer{Mode: "keyword"}},
		{Question: "What is my secret salary?", Answer: core.Answer{
			Text: "It is 42 [1].", Mode: "generated", Found: true,
			Citations: []core.Citation{{N: 1, Path: "/home/p/docs/pay slip.pdf"}, {N: 2, Path: "/home/p/docs/b.pdf"}},
		}},
	}}
	out := logged(t, func() { logAnswered(chat, nil, 1234*time.Millisecond) })
	for _, want := range []string{"msg=answered", "mode=generated", "found=true", "citations=2", `first="pay slip.pdf"`, "seconds=1.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in %q", want, out)
		}
	}
	for _, secret := range []string{"salary", "42", "/home/p"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q: %q", secret, out)
		}
	}

	out = logged(t, func() { logAnswered(core.Chat{}, errors.New("the generator failed"), 3*time.Second) })
	if !strings.Contains(out, `msg="answered: error"`) || !strings.Contains(out, "the generator failed") {
		t.Errorf("an error is not logged as one: %q", out)
	}
}

func TestLogIndexedCounts(t *testing.T) {
	out := logged(t, func() {
		logIndexed(engine.IndexReport{Files: 114, New: 100, Failed: 14, ChunksEmbedded: 1690, Seconds: 59.64})
	})
	for _, want := range []string{`msg="indexing: done"`, "files=114", "new=100", "failed=14", "chunks_embedded=1690", "seconds=59.6", "canceled=false"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in %q", want, out)
		}
	}
}
