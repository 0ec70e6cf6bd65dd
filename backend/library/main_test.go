package library

import (
	"os"
	"testing"

	"folio/backend/parse/isolate"
)

func TestMain(m *testing.M) {
	isolate.RunChildIfRequested() // the parser children of the OCR cache tests
	os.Exit(m.Run())
}
