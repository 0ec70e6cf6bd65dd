package store

import "fmt"

// Staged vectors: while the library is re-embedded with another model, the
// new model's vectors are written under E/<chunkID>, beside the current
// model's under e/, so the two never mix and searches keep using the
// current ones. PromoteStaged makes the staged vectors the library's.
//
// Settings kept across a restart:
//
//	s/model      the model the e/ vectors belong to
//	s/reembed    the model the E/ vectors belong to (a re-embedding is
//	             under way; absent: E/ holds nothing of use)
//	s/promoting  set while PromoteStaged copies E/ over e/; an
//	             interrupted promotion is redone by ResumePromotion
var prefixStaged = []byte("E/")

// Names of the settings above.
const (
	SettingModel     = "model"
	SettingReembed   = "reembed"
	settingPromoting = "promoting"
)

// PutStagedVectors stores the re-embedding model's vectors by chunk id.
func (s *Store) PutStagedVectors(ids []uint64, vecs [][]float32) error {
	b := s.newBatch()
	for i, id := range ids {
		b.set(withID(prefixStaged, id), encodeVector(vecs[i]))
	}
	return b.flush()
}

// HasStagedVector reports whether chunk id has a staged vector.
func (s *Store) HasStagedVector(id uint64) (bool, error) {
	_, found, err := s.get(withID(prefixStaged, id))
	return found, err
}

// EachStagedVector calls fn for every staged vector in id order. vec is
// only valid during the call.
func (s *Store) EachStagedVector(fn func(id uint64, vec []float32) error) error {
	var buf []float32
	return s.scan(prefixStaged, true, func(k, v []byte) error {
		buf = decodeVector(v, buf[:0])
		return fn(idOf(k, prefixStaged), buf)
	})
}

// DropStaged deletes every staged vector and the re-embedding setting.
func (s *Store) DropStaged() error {
	if err := s.db.DropPrefix(prefixStaged); err != nil {
		return err
	}
	b := s.newBatch()
	b.del(withString(prefixSetting, SettingReembed))
	return b.flush()
}

// PromoteStaged replaces the library's vectors with the staged ones and
// records model as theirs. It is idempotent: a promotion cut short (a
// crash) leaves s/promoting set, and ResumePromotion redoes it from the
// staged vectors, which are dropped only once s/model names model.
// The caller drops the vector index's snapshot first: it describes the
// old vectors.
func (s *Store) PromoteStaged(model string) error {
	if model == "" {
		return fmt.Errorf("promote staged vectors: no model name")
	}
	if err := s.SetSetting(settingPromoting, []byte(model)); err != nil {
		return err
	}
	s.vecMu.Lock()
	defer s.vecMu.Unlock()
	if err := s.db.DropPrefix(prefixVector); err != nil {
		return err
	}
	b := s.newBatch()
	if err := s.scan(prefixStaged, true, func(k, v []byte) error {
		b.set(withID(prefixVector, idOf(k, prefixStaged)), append([]byte(nil), v...))
		return b.err
	}); err != nil {
		b.flush()
		return fmt.Errorf("promote staged vectors: %w", err)
	}
	b.set(withString(prefixSetting, SettingModel), []byte(model))
	b.del(withString(prefixSetting, SettingReembed))
	b.del(withString(prefixSetting, settingPromoting))
	s.advanceVecSeq(b)
	if err := b.flush(); err != nil {
		return fmt.Errorf("promote staged vectors: %w", err)
	}
	return s.db.DropPrefix(prefixStaged)
}

// ResumePromotion finishes a promotion a crash cut short, and drops
// staged vectors no re-embedding owns. It does nothing in a read-only
// library.
func (s *Store) ResumePromotion() error {
	if s.ReadOnly() {
		return nil
	}
	m, err := s.Setting(settingPromoting)
	if err != nil {
		return err
	}
	if len(m) > 0 {
		return s.PromoteStaged(string(m))
	}
	r, err := s.Setting(SettingReembed)
	if err != nil || len(r) > 0 {
		return err
	}
	return s.db.DropPrefix(prefixStaged)
}
