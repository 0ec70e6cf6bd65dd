package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"folio/backend/chat"
	"folio/backend/core"
	"folio/backend/store"
)

// What a citation's Changed says when its passage is no longer where the
// answer found it.
const (
	ChangedDocument = "the document changed since this answer"
	ChangedRemoved  = "the file is no longer in the library"
	ChangedUnread   = "the file is no longer indexed"
)

// ChatSummary describes one chat for the list of chats.
type ChatSummary struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Turns   int       `json:"turns"`
}

// AskInChat asks question in the chat with chatID, or in a new chat
// (titled after the question) when chatID is "". A follow-up ("and in
// 2019?") is searched together with the previous turn (see
// chat.FollowUp); the turn keeps the person's words as its question and
// what was searched as its query. It returns the whole chat, saved, with
// every citation checked against the library as it is now (see Chat).
// onDelta, if set, receives a generator's answer as it is written.
func (e *Engine) AskInChat(ctx context.Context, chatID, question string, f Filter, onDelta func(string)) (core.Chat, error) {
	question = strings.TrimSpace(question)
	if question == "" {
		return core.Chat{}, errors.New("the question is empty")
	}
	query, history, err := e.chatQuery(chatID, question)
	if err != nil {
		return core.Chat{}, err
	}
	ans, err := e.AskStream(ctx, query, f, history, onDelta)
	if err != nil {
		return core.Chat{}, err
	}
	ans.Question = question
	return e.addTurn(chatID, core.Turn{Question: question, Query: query, Answer: ans, Asked: time.Now().UTC()})
}

// chatQuery is what to search for question in the chat with chatID: the
// question completed from the chat's last turn when it follows up on it,
// and the turns so far.
func (e *Engine) chatQuery(chatID, question string) (string, []core.Turn, error) {
	if chatID == "" {
		return question, nil, nil
	}
	c, err := e.storedChat(chatID)
	if err != nil {
		return "", nil, err
	}
	var prev *core.Turn
	if n := len(c.Turns); n > 0 {
		prev = &c.Turns[n-1]
	}
	return chat.FollowUp(prev, question), c.Turns, nil
}

// addTurn appends turn to the chat with chatID, or starts a new chat with
// it when chatID is "", and returns the saved chat, checked.
func (e *Engine) addTurn(chatID string, turn core.Turn) (core.Chat, error) {
	var c core.Chat
	var err error
	if chatID == "" {
		c = core.Chat{ID: chat.NewID(), Title: chat.Title(turn.Question), Created: turn.Asked, Updated: turn.Asked,
			Turns: []core.Turn{turn}}
		err = e.store.PutChat(c)
	} else {
		c, err = e.store.UpdateChat(chatID, func(c *core.Chat) error {
			c.Turns = append(c.Turns, turn)
			c.Updated = turn.Asked
			return nil
		})
	}
	if err != nil {
		return core.Chat{}, fmt.Errorf("save chat: %w", err)
	}
	return c, e.recheck(&c)
}

// Chats lists the chats, the most recently updated first.
func (e *Engine) Chats() ([]ChatSummary, error) {
	list, err := e.store.ChatList()
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	out := make([]ChatSummary, 0, len(list))
	for _, c := range list {
		out = append(out, ChatSummary{ID: c.ID, Title: c.Title, Created: c.Created, Updated: c.Updated, Turns: c.Turns})
	}
	return out, nil
}

// Chat returns a chat with every citation checked against the library as
// it is now. A citation whose document still holds its text at
// [Start, End) is unchanged. When the text is no longer there but the
// document holds it elsewhere (text was added or removed before it), the
// citation moves there (the occurrence nearest its old place), with its
// highlights, page and location, and is not marked: it is the same text.
// Otherwise Changed says what happened: ChangedDocument, ChangedRemoved,
// or ChangedUnread when the file is listed but could not be read. The
// stored chat keeps the spans of the answer; the check runs on every load.
func (e *Engine) Chat(id string) (core.Chat, error) {
	c, err := e.storedChat(id)
	if err != nil {
		return core.Chat{}, err
	}
	return c, e.recheck(&c)
}

// RenameChat gives a chat a new title.
func (e *Engine) RenameChat(id, title string) error {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		return errors.New("the title is empty")
	}
	_, err := e.store.UpdateChat(id, func(c *core.Chat) error {
		c.Title = title
		return nil
	})
	if err != nil {
		return fmt.Errorf("rename chat: %w", err)
	}
	return nil
}

// DeleteChat removes a chat.
func (e *Engine) DeleteChat(id string) error {
	if _, err := e.storedChat(id); err != nil {
		return err
	}
	if err := e.store.DeleteChat(id); err != nil {
		return fmt.Errorf("delete chat %s: %w", id, err)
	}
	return nil
}

// ExportChat returns a chat as Markdown, its sources as footnotes (see
// chat.Markdown), with citations checked as Chat does.
func (e *Engine) ExportChat(id string) (string, error) {
	c, err := e.Chat(id)
	if err != nil {
		return "", err
	}
	return chat.Markdown(c), nil
}

// storedChat reads a chat as saved.
func (e *Engine) storedChat(id string) (core.Chat, error) {
	c, ok, err := e.store.Chat(id)
	if err != nil {
		return core.Chat{}, fmt.Errorf("read chat %s: %w", id, err)
	}
	if !ok {
		return core.Chat{}, fmt.Errorf("chat %q: %w", id, core.ErrNotFound)
	}
	return c, nil
}

// citedFile is a cited file as the library holds it now.
type citedFile struct {
	rec  store.FileRecord
	text string
	gone string // why the file has no text now; "" when it has
}

// recheck sets every citation's Changed, and moves the ones whose text
// moved, as Chat describes.
func (e *Engine) recheck(c *core.Chat) error {
	files := map[string]*citedFile{}
	for ti := range c.Turns {
		cits := c.Turns[ti].Answer.Citations
		for i := range cits {
			cur, err := e.currentFile(cits[i].Path, files)
			if err != nil {
				return fmt.Errorf("check citations of chat %s: %w", c.ID, err)
			}
			if err := e.recheckCitation(&cits[i], cur); err != nil {
				return fmt.Errorf("check citations of chat %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// currentFile reads path's record and text once per check.
func (e *Engine) currentFile(path string, files map[string]*citedFile) (*citedFile, error) {
	if cur := files[path]; cur != nil {
		return cur, nil
	}
	cur := &citedFile{}
	files[path] = cur
	rec, ok, err := e.store.File(path)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		cur.gone = ChangedRemoved
		return cur, nil
	case rec.DocID == 0:
		cur.gone = ChangedUnread
		if rec.Reason != "" {
			cur.gone += " (" + rec.Reason + ")"
		}
		return cur, nil
	}
	cur.rec = rec
	cur.text, err = e.store.Text(rec.DocID)
	if errors.Is(err, core.ErrNotFound) {
		cur.gone = ChangedRemoved // replaced or removed while we read
		return cur, nil
	}
	return cur, err
}

// recheckCitation compares one citation with its file's current text.
func (e *Engine) recheckCitation(cit *core.Citation, cur *citedFile) error {
	cit.Changed = ""
	if cur.gone != "" {
		cit.Changed = cur.gone
		return nil
	}
	text := cur.text
	if cit.Start >= 0 && cit.Start <= cit.End && cit.End <= len(text) && text[cit.Start:cit.End] == cit.Text {
		return nil
	}
	at := nearestIndex(text, cit.Text, cit.Start)
	if at < 0 || cit.Text == "" {
		cit.Changed = ChangedDocument
		return nil
	}
	shift := at - cit.Start
	cit.Start += shift
	cit.End += shift
	hl := make([]core.Span, len(cit.Highlights))
	for i, h := range cit.Highlights {
		hl[i] = core.Span{Start: h.Start + shift, End: h.End + shift}
	}
	if len(hl) > 0 {
		cit.Highlights = hl
	}
	if cit.Answer != nil {
		cit.Answer = &core.Span{Start: cit.Answer.Start + shift, End: cit.Answer.End + shift}
	}
	if cit.Cell != nil {
		cell := *cit.Cell
		cell.Start, cell.End = cell.Start+shift, cell.End+shift
		cit.Cell = &cell
	}
	cit.Page = (&core.Document{Pages: cur.rec.Pages}).PageAt(cit.Start)
	loc, err := e.locationLabel(cur.rec, claimStart(cit.Start, cit.Highlights))
	if err != nil {
		return err
	}
	cit.Location = loc
	return nil
}

// nearestIndex returns the offset of the occurrence of s in text nearest to
// off, or -1 when text does not hold s.
func nearestIndex(text, s string, off int) int {
	best := -1
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], s)
		if i < 0 {
			break
		}
		i += from
		if best < 0 || distance(i-off) < distance(best-off) {
			best = i
		}
		if i >= off {
			break // later occurrences are further away
		}
		from = i + 1
	}
	return best
}

// distance is the absolute value of an offset difference.
func distance(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
