package store

import (
	"reflect"
	"testing"

	"folio/backend/core"
)

func vectorsOf(t *testing.T, each func(func(uint64, []float32) error) error) map[uint64][]float32 {
	t.Helper()
	out := map[uint64][]float32{}
	if err := each(func(id uint64, v []float32) error { out[id] = append([]float32(nil), v...); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Staged vectors live apart from the library's; replacing a document
// drops its staged vectors too; a promotion interrupted after its marker
// was written is redone at the next open (ResumePromotion) and leaves only
// the staged vectors, tagged with their model; staged vectors no
// re-embedding owns are dropped.
func TestStagedVectorsPromote(t *testing.T) {
	s, dir := openTemp(t)
	chunks := []core.Chunk{{Text: "one"}, {Text: "two"}, {Text: "three"}}
	if _, err := s.PutDocument(FileRecord{Path: "/x.txt", Hash: "1"}, &core.Document{Text: "one two three"}, chunks, nil); err != nil {
		t.Fatal(err)
	}
	gone := []core.Chunk{{Text: "gone"}}
	if _, err := s.PutDocument(FileRecord{Path: "/y.txt", Hash: "1"}, &core.Document{Text: "gone"}, gone, nil); err != nil {
		t.Fatal(err)
	}
	ids := []uint64{chunks[0].ID, chunks[1].ID, chunks[2].ID}
	if err := s.PutVectors(append(ids, gone[0].ID), [][]float32{{1, 1}, {2, 2}, {3, 3}, {4, 4}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(SettingModel, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(SettingReembed, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStagedVectors(append(ids, gone[0].ID), [][]float32{{-1}, {-2}, {-3}, {-4}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.HasStagedVector(ids[1]); err != nil || !ok {
		t.Fatalf("staged vector missing: %v", err)
	}
	if got := vectorsOf(t, s.EachVector); len(got) != 4 || got[ids[0]][0] != 1 {
		t.Fatalf("the library's vectors changed by staging: %v", got)
	}
	if _, err := s.RemoveFile("/y.txt"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.HasStagedVector(gone[0].ID); ok {
		t.Fatal("a removed document's staged vector is kept")
	}
	// A crash right after the promotion started.
	if err := s.SetSetting(settingPromoting, []byte("new")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(dir); err != nil {
		t.Fatal(err)
	} else {
		defer s.Close()
		if err := s.ResumePromotion(); err != nil {
			t.Fatal(err)
		}
		want := map[uint64][]float32{ids[0]: {-1}, ids[1]: {-2}, ids[2]: {-3}}
		if got := vectorsOf(t, s.EachVector); !reflect.DeepEqual(got, want) {
			t.Fatalf("vectors after the promotion: %v, want %v", got, want)
		}
		if got := vectorsOf(t, s.EachStagedVector); len(got) != 0 {
			t.Fatalf("staged vectors left: %v", got)
		}
		for name, want := range map[string]string{SettingModel: "new", SettingReembed: "", settingPromoting: ""} {
			if v, _ := s.Setting(name); string(v) != want {
				t.Errorf("setting %s = %q, want %q", name, v, want)
			}
		}
		// Staged vectors no re-embedding owns go.
		if err := s.PutStagedVectors(ids[:1], [][]float32{{9}}); err != nil {
			t.Fatal(err)
		}
		if err := s.ResumePromotion(); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.HasStagedVector(ids[0]); ok {
			t.Fatal("an orphan staged vector is kept")
		}
	}
}
