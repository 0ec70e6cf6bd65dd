package library

import "testing"

func TestIgnored(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		// Hidden and system files.
		{".hidden", true},
		{".git", true},
		{".DS_Store", true},
		{"Thumbs.db", true},
		{"thumbs.db", true},
		{"desktop.ini", true},
		{"Desktop.ini", true},
		{"Icon\r", true},
		{"$RECYCLE.BIN", true},
		{"System Volume Information", true},
		// Lock files.
		{"~$report.docx", true},
		{".~lock.report.odt#", true},
		// Editor backups and swap files.
		{"notes.txt~", true},
		{".notes.txt.swp", true},
		{"notes.txt.swp", true},
		{"notes.txt.swx", true},
		// Temporary files and downloads in progress.
		{"x.txt.tmp", true},
		{"~WRL0001.tmp", true},
		{"X.TMP", true},
		{"big.pdf.crdownload", true},
		{"big.pdf.part", true},
		// Ordinary documents, including look-alikes.
		{"report.pdf", false},
		{"notes.txt", false},
		{"Icon", false},
		{"Icons", false},
		{"thumbs.db.pdf", false},
		{"a~b.txt", false},
		{"~report.docx", false},
		{"lock.odt#", false},
		{"temporary.txt", false},
		{"swp", false},
		{"part", false},
		{"counterpart.md", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Ignored(tt.name); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
