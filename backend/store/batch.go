package store

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// batch collects writes and commits them in transactions of bounded size:
// one huge transaction is refused by Badger and peaks memory.
type batch struct {
	s   *Store
	txn *badger.Txn
	err error
}

func (s *Store) newBatch() *batch { return &batch{s: s, txn: s.db.NewTransaction(true)} }

func (b *batch) apply(op func(*badger.Txn) error) {
	if b.err != nil {
		return
	}
	err := op(b.txn)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if b.err = b.commit(); b.err != nil {
			return
		}
		b.txn = b.s.db.NewTransaction(true)
		err = op(b.txn)
	}
	b.err = err
}

func (b *batch) set(k, v []byte) { b.apply(func(t *badger.Txn) error { return t.Set(k, v) }) }
func (b *batch) del(k []byte)    { b.apply(func(t *badger.Txn) error { return t.Delete(k) }) }

// flush commits what is left and reports the first error.
func (b *batch) flush() error {
	if b.err != nil {
		b.txn.Discard()
		return b.err
	}
	return b.commit()
}

// commit commits the transaction when the disk has room (see minFree).
func (b *batch) commit() error {
	if err := b.s.checkSpace(); err != nil {
		b.txn.Discard()
		return err
	}
	return b.s.diskFull(b.txn.Commit())
}

// slogLogger routes Badger's log lines to log/slog, keeping only warnings
// and errors.
type slogLogger struct{}

func (slogLogger) Errorf(f string, a ...any)   { slog.Error("badger", "msg", sprintf(f, a...)) }
func (slogLogger) Warningf(f string, a ...any) { slog.Warn("badger", "msg", sprintf(f, a...)) }
func (slogLogger) Infof(string, ...any)        {}
func (slogLogger) Debugf(string, ...any)       {}

func sprintf(f string, a ...any) string { return strings.TrimSpace(fmt.Sprintf(f, a...)) }
