package library

import "strings"

// ignoredNames are system and editor litter, compared without regard to case.
var ignoredNames = []string{
	"Thumbs.db",   // Windows thumbnail cache
	"ehthumbs.db", // Windows Media Center thumbnail cache
	"desktop.ini", // Windows folder settings
	"$RECYCLE.BIN",
	"System Volume Information",
	"lost+found",
}

// ignoredSuffixes are editor backups and swap files, temporary files and
// unfinished downloads, compared without regard to case.
var ignoredSuffixes = []string{
	"~",            // Emacs, gedit and others: backup copies
	".swp", ".swx", // Vim swap files
	".tmp",        // temporary files, Office's ~WRL0001.tmp and LibreOffice's lu123.tmp
	".crdownload", // Chrome download in progress
	".part",       // Firefox download in progress
	".partial",    // Edge and others: download in progress
}

// Ignored reports whether a file or folder with this base name is left out of
// the library: hidden names (a leading "."), operating-system litter such as
// .DS_Store, Thumbs.db, desktop.ini and macOS's "Icon\r", Office lock files
// (~$report.docx), LibreOffice lock files (.~lock.report.odt#), editor
// backups and swap files (notes.txt~, .notes.txt.swp), temporary files and
// downloads still in progress (*.tmp, *.crdownload, *.part).
func Ignored(name string) bool {
	if name == "" {
		return false
	}
	if strings.HasPrefix(name, ".") { // hidden; also .DS_Store, .~lock.*#, .Trash
		return true
	}
	if name == "Icon\r" { // macOS custom folder icon
		return true
	}
	if strings.HasPrefix(name, "~$") { // Microsoft Office owner/lock file
		return true
	}
	for _, n := range ignoredNames {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	lower := strings.ToLower(name)
	for _, s := range ignoredSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}
