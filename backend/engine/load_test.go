package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/backend/answer"
	"folio/backend/core"
	"folio/backend/internal/testenv"
)

// The concurrency test's load: a library of at least loadChunks chunks,
// loadQuestions questions asked by loadAskers goroutines at once, the first
// loadWarmup of them before the heap is measured the first time.
const (
	loadChunks    = 10000
	loadFiles     = 320
	loadQuestions = 1000
	loadWarmup    = 100
	loadAskers    = 8
	loadChats     = 4
)

// loadWord is the w-th word of a made-up vocabulary of syllables, so the
// library has thousands of distinct terms.
func loadWord(w int) string {
	syll := []string{"ka", "lo", "mi", "pe", "ru", "sa", "ti", "vo", "ne", "zu", "ba", "do", "fi", "go", "hu", "je"}
	var b strings.Builder
	for w++; w > 0; w /= len(syll) {
		b.WriteString(syll[w%len(syll)])
	}
	return b.String() + "x"
}

// loadText writes file f of the library: sentences of made-up words
// (Zipf-distributed, so some are common and most are rare) mixed with
// words the tiny model knows, so both keyword and vector searches tell
// passages apart. It returns the text and its sentences.
func loadText(f int) (string, []string) {
	rng := rand.New(rand.NewPCG(uint64(f), 77))
	zipf := rand.NewZipf(rng, 1.1, 2, 4999)
	known := []string{"the", "cat", "dog", "sat", "on", "mat", "hello", "world", "a", "runs"}
	var b strings.Builder
	var sentences []string
	for p := range 30 {
		for range 3 {
			n := 6 + rng.IntN(8)
			words := make([]string, n)
			for i := range words {
				if rng.IntN(3) == 0 {
					words[i] = known[rng.IntN(len(known))]
				} else {
					words[i] = loadWord(int(zipf.Uint64()))
				}
			}
			s := strings.Join(words, " ") + "."
			sentences = append(sentences, s)
			b.WriteString(s + " ")
		}
		fmt.Fprintf(&b, "file%d paragraph%d.\n\n", f, p)
	}
	return b.String(), sentences
}

// loadQuestion is question i: mostly words of one sentence of the library
// (so it hits some passages), some words that match nothing, and some of
// both. hits says whether a keyword search must find something.
type loadQuestion struct {
	text string
	hits bool
}

func makeQuestions(n int, sentences [][]string) []loadQuestion {
	rng := rand.New(rand.NewPCG(2024, 8))
	out := make([]loadQuestion, n)
	for i := range out {
		var words []string
		kind := rng.IntN(10)
		if kind < 8 {
			f := sentences[rng.IntN(len(sentences))]
			s := strings.Fields(strings.TrimSuffix(f[rng.IntN(len(f))], "."))
			for range 2 + rng.IntN(3) {
				words = append(words, s[rng.IntN(len(s))])
			}
		}
		if kind >= 7 {
			for range 1 + rng.IntN(3) {
				words = append(words, fmt.Sprintf("qqz%dnothing", rng.IntN(1e6)))
			}
		}
		hits := kind < 8
		out[i] = loadQuestion{text: "what about " + strings.Join(words, " ") + "?", hits: hits}
	}
	return out
}

// loadCheck checks that answers and hits are well formed against the
// library's texts (by path).
type loadCheck struct {
	texts map[string]string
}

func (c loadCheck) hit(h core.Hit) error {
	text, ok := c.texts[h.Path]
	if !ok {
		return fmt.Errorf("hit in %q, not an indexed file", h.Path)
	}
	if h.Start < 0 || h.Start >= h.End || h.End > len(text) || text[h.Start:h.End] != h.Text {
		return fmt.Errorf("hit [%d,%d) of %s does not hold its text", h.Start, h.End, h.Path)
	}
	return nil
}

func (c loadCheck) answer(ans core.Answer, question string) error {
	if ans.Question != question {
		return fmt.Errorf("answer to %q says its question is %q", question, ans.Question)
	}
	if ans.Mode != "hybrid" {
		return fmt.Errorf("mode %q, want hybrid", ans.Mode)
	}
	if ans.Found != (len(ans.Statements) > 0) {
		return fmt.Errorf("found=%v with %d statements", ans.Found, len(ans.Statements))
	}
	if !ans.Found {
		if ans.Text != answer.NothingFound && ans.Text != answer.NotClear || len(ans.Citations) > 3 {
			return fmt.Errorf("not found, yet text %q and %d citations", ans.Text, len(ans.Citations))
		}
	} else if ans.Text == "" || len(ans.Citations) == 0 || len(ans.Citations) > askPassages {
		return fmt.Errorf("found, with text %q and %d citations", ans.Text, len(ans.Citations))
	}
	for i, cit := range ans.Citations {
		text, ok := c.texts[cit.Path]
		switch {
		case !ok:
			return fmt.Errorf("citation [%d] points at %q, not an indexed file", cit.N, cit.Path)
		case cit.N != i+1:
			return fmt.Errorf("citation %d is numbered [%d]", i, cit.N)
		case cit.Start < 0 || cit.Start >= cit.End || cit.End > len(text) || text[cit.Start:cit.End] != cit.Text:
			return fmt.Errorf("citation [%d] [%d,%d) of %s does not hold its text", cit.N, cit.Start, cit.End, cit.Path)
		case cit.Changed != "":
			return fmt.Errorf("citation [%d] marked changed: %s", cit.N, cit.Changed)
		}
		for _, h := range cit.Highlights {
			if h.Start < cit.Start || h.End > cit.End || h.Start >= h.End {
				return fmt.Errorf("citation [%d] [%d,%d) highlights [%d,%d), outside it", cit.N, cit.Start, cit.End, h.Start, h.End)
			}
		}
	}
	for _, s := range ans.Statements {
		if s.N < 1 || s.N > len(ans.Citations) {
			return fmt.Errorf("statement %q cites [%d] of %d", s.Text, s.N, len(ans.Citations))
		}
		cit := ans.Citations[s.N-1]
		if s.Start < cit.Start || s.End > cit.End || s.Start >= s.End {
			return fmt.Errorf("statement [%d,%d) outside its citation [%d] [%d,%d)", s.Start, s.End, s.N, cit.Start, cit.End)
		}
		if !slices.Contains(cit.Highlights, core.Span{Start: s.Start, End: s.End}) {
			return fmt.Errorf("statement [%d,%d) is not highlighted in its citation [%d]", s.Start, s.End, s.N)
		}
		if !strings.Contains(ans.Text, fmt.Sprintf("[%d]", s.N)) {
			return fmt.Errorf("the answer's text does not cite [%d]", s.N)
		}
	}
	return nil
}

// heapInuse is the live heap after a full collection.
func heapInuse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestConcurrentAskers indexes a library of 10,000 chunks with the tiny
// model, then asks 1,000 random questions from 8 goroutines at once,
// mixing Ask, Search (every mode) and AskInChat on a few shared chats. No
// call may fail, every answer and hit must point at the library's text,
// keyword searches must find what the library holds and nothing for words
// it lacks, no chat turn may be lost, and neither the heap nor the
// goroutines may grow between the warm-up and the end.
func TestConcurrentAskers(t *testing.T) {
	ctx := context.Background()
	docs := t.TempDir()
	var sentences [][]string
	for f := range loadFiles {
		text, ss := loadText(f)
		write(t, filepath.Join(docs, fmt.Sprintf("d%02d", f%10), fmt.Sprintf("f%04d.txt", f)), text)
		sentences = append(sentences, ss)
	}
	e := openWithModel(t, t.TempDir(), Config{})
	start := time.Now()
	rep := indexPaths(t, e, docs)
	st := e.Status()
	t.Logf("indexed %d files, %d chunks, %d vectors in %v", rep.New, st.Chunks, st.Vectors, time.Since(start).Round(time.Second))
	if rep.New != loadFiles || st.Chunks < loadChunks || st.Vectors != st.Chunks {
		t.Fatalf("library: %+v, status %+v; want %d files and at least %d chunks, all embedded", rep, st, loadFiles, loadChunks)
	}
	waitRebuilt(t, e)
	check := loadCheck{texts: map[string]string{}}
	files, err := e.store.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if check.texts[f.Path], err = e.store.Text(f.DocID); err != nil {
			t.Fatal(err)
		}
	}

	// A few chats, shared by every asker.
	chats := make([]string, loadChats)
	for i := range chats {
		c, err := e.AskInChat(ctx, "", fmt.Sprintf("what about chat%d?", i), Filter{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		chats[i] = c.ID
	}
	questions := makeQuestions(loadQuestions, sentences)
	modes := []string{"", "bm25", "dense", "hybrid"}

	var mu sync.Mutex
	var failures []string
	chatAsks := 0
	fail := func(i int, format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf("question %d (%q): ", i, questions[i].text)+fmt.Sprintf(format, args...))
	}
	ask := func(i int) {
		q := questions[i]
		switch i % 4 {
		case 0, 1:
			ans, err := e.Ask(ctx, q.text, Filter{})
			if err != nil {
				fail(i, "Ask: %v", err)
			} else if err := check.answer(ans, q.text); err != nil {
				fail(i, "Ask: %v", err)
			}
		case 2:
			mode := modes[(i/4)%len(modes)]
			hits, err := e.Search(ctx, q.text, SearchOptions{K: 10, Mode: mode})
			if err != nil {
				fail(i, "Search %s: %v", mode, err)
				return
			}
			if len(hits) > 10 || mode != "bm25" && len(hits) == 0 || mode == "bm25" && q.hits != (len(hits) > 0) {
				fail(i, "Search %s found %d passages (words of the library: %v)", mode, len(hits), q.hits)
			}
			for _, h := range hits {
				if err := check.hit(h); err != nil {
					fail(i, "Search %s: %v", mode, err)
				}
			}
		case 3:
			id := chats[(i/4)%len(chats)]
			c, err := e.AskInChat(ctx, id, q.text, Filter{}, nil)
			if err != nil {
				fail(i, "AskInChat: %v", err)
				return
			}
			mu.Lock()
			chatAsks++
			mu.Unlock()
			last := c.Turns[len(c.Turns)-1]
			if c.ID != id || last.Question != q.text {
				fail(i, "AskInChat returned chat %s whose last question is %q", c.ID, last.Question)
			} else if err := check.answer(last.Answer, q.text); err != nil {
				fail(i, "AskInChat: %v", err)
			}
		}
	}
	run := func(from, to int) {
		next := make(chan int)
		var wg sync.WaitGroup
		for range loadAskers {
			wg.Go(func() {
				for i := range next {
					ask(i)
				}
			})
		}
		for i := from; i < to; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}

	goroutines := runtime.NumGoroutine()
	start = time.Now()
	run(0, loadWarmup)
	warm := heapInuse()
	half := (loadWarmup + loadQuestions) / 2
	run(loadWarmup, half)
	mid := heapInuse()
	run(half, loadQuestions)
	elapsed := time.Since(start)
	end := heapInuse()
	t.Logf("%d questions by %d askers in %v (%.1f/s, race detector on: %v); heap in use %.1f MiB after %d, %.1f MiB after %d, %.1f MiB after all",
		loadQuestions, loadAskers, elapsed.Round(time.Millisecond), loadQuestions/elapsed.Seconds(), testenv.Race,
		float64(warm)/(1<<20), loadWarmup, float64(mid)/(1<<20), half, float64(end)/(1<<20))

	for i, f := range failures {
		if i == 10 {
			t.Errorf("… and %d more failures", len(failures)-10)
			break
		}
		t.Error(f)
	}
	// No turn lost to concurrent updates of the same chat.
	turns := 0
	for _, id := range chats {
		c, err := e.Chat(id)
		if err != nil {
			t.Fatal(err)
		}
		turns += len(c.Turns)
	}
	if want := loadChats + chatAsks; turns != want {
		t.Errorf("the chats hold %d turns, want %d", turns, want)
	}
	// The heap may hold more of Badger's memtables and block cache after
	// the run (bounded by store.CacheBytes, whatever the number of
	// questions; chats are rewritten whole with each turn, so they fill
	// memtables fast), but not more per question.
	if limit := warm + warm/5 + e.store.CacheBytes() + 8<<20; end > limit {
		t.Errorf("heap in use grew from %.1f MiB to %.1f MiB over %d questions (limit %.1f MiB)",
			float64(warm)/(1<<20), float64(end)/(1<<20), loadQuestions-loadWarmup, float64(limit)/(1<<20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the questions, %d before", n, goroutines)
	}
}
