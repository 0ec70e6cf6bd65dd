package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"folio/backend/core"
)

// MaxChatBytes is the most a chat may hold, as JSON. A chat is one value
// (h/<id>), read and rewritten whole with every turn; at a few kilobytes a
// turn this is hundreds of turns. A larger chat is refused, not split: the
// person is asked to start a new one.
const MaxChatBytes = 8 << 20

// ChatInfo describes a chat without its turns, for listings.
type ChatInfo struct {
	ID      string
	Title   string
	Created time.Time
	Updated time.Time
	Turns   int
}

// PutChat stores a chat, replacing any chat with the same ID.
func (s *Store) PutChat(c core.Chat) error {
	v, err := encodeChat(c)
	if err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(withString(prefixChat, c.ID), v)
	})
}

// Chat returns the chat with id; found is false when there is none.
func (s *Store) Chat(id string) (core.Chat, bool, error) {
	var c core.Chat
	if id == "" {
		return c, false, nil
	}
	v, found, err := s.get(withString(prefixChat, id))
	if err != nil || !found {
		return c, false, err
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, false, fmt.Errorf("decode chat %s: %w", id, err)
	}
	return c, true, nil
}

// UpdateChat applies fn to the stored chat with id and saves the result in
// one transaction, so concurrent updates (a turn added while the chat is
// renamed) do not overwrite each other. It returns the saved chat, or an
// error wrapping core.ErrNotFound when there is no such chat. fn must not
// change the chat's ID.
func (s *Store) UpdateChat(id string, fn func(*core.Chat) error) (core.Chat, error) {
	// Each conflict means another update of the chat committed, so the
	// retries end; the bound only guards against a bug.
	const attempts = 1000
	var c core.Chat
	if id == "" {
		return c, fmt.Errorf("chat %q: %w", id, core.ErrNotFound)
	}
	for i := 0; ; i++ {
		err := s.db.Update(func(txn *badger.Txn) error {
			c = core.Chat{}
			key := withString(prefixChat, id)
			item, err := txn.Get(key)
			if errors.Is(err, badger.ErrKeyNotFound) {
				return fmt.Errorf("chat %q: %w", id, core.ErrNotFound)
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &c) }); err != nil {
				return fmt.Errorf("decode chat %s: %w", id, err)
			}
			if err := fn(&c); err != nil {
				return err
			}
			if c.ID != id {
				return fmt.Errorf("update chat %s: the id changed to %q", id, c.ID)
			}
			v, err := encodeChat(c)
			if err != nil {
				return err
			}
			return txn.Set(key, v)
		})
		if errors.Is(err, badger.ErrConflict) && i+1 < attempts {
			continue // another writer changed the chat meanwhile: apply fn again
		}
		return c, err
	}
}

// Chats returns every chat, the most recently updated first.
func (s *Store) Chats() ([]core.Chat, error) {
	var out []core.Chat
	err := s.scan(prefixChat, true, func(k, v []byte) error {
		var c core.Chat
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode chat %s: %w", k[len(prefixChat):], err)
		}
		out = append(out, c)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return newer(out[i].Updated, out[j].Updated, out[i].ID, out[j].ID) })
	return out, err
}

// ChatList describes every chat without decoding its turns, the most
// recently updated first.
func (s *Store) ChatList() ([]ChatInfo, error) {
	var out []ChatInfo
	err := s.scan(prefixChat, true, func(k, v []byte) error {
		var c struct {
			ID      string     `json:"id"`
			Title   string     `json:"title"`
			Created time.Time  `json:"created"`
			Updated time.Time  `json:"updated"`
			Turns   []struct{} `json:"turns"`
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode chat %s: %w", k[len(prefixChat):], err)
		}
		out = append(out, ChatInfo{ID: c.ID, Title: c.Title, Created: c.Created, Updated: c.Updated, Turns: len(c.Turns)})
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return newer(out[i].Updated, out[j].Updated, out[i].ID, out[j].ID) })
	return out, err
}

// DeleteChat removes a chat; removing a chat that does not exist is not an
// error.
func (s *Store) DeleteChat(id string) error {
	if id == "" {
		return nil
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(withString(prefixChat, id))
	})
}

// encodeChat checks a chat and turns it into its stored form.
func encodeChat(c core.Chat) ([]byte, error) {
	if c.ID == "" {
		return nil, errors.New("store chat: the chat has no id")
	}
	v, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode chat %s: %w", c.ID, err)
	}
	if len(v) > MaxChatBytes {
		return nil, fmt.Errorf("chat %s holds %d bytes, more than the %d MiB a chat may hold; start a new chat: %w",
			c.ID, len(v), MaxChatBytes>>20, core.ErrTooLarge)
	}
	return v, nil
}

// newer orders chats by a before b when a was updated later, then by id.
func newer(a, b time.Time, idA, idB string) bool {
	if !a.Equal(b) {
		return a.After(b)
	}
	return idA < idB
}
