// Package library keeps the person's folders and files in the library up to
// date: what to skip (Ignored), watching for changes (Watcher, which turns
// fsnotify events into debounced batches of files to read again and paths to
// forget), and the incremental ingest pipeline that acts on them.
package library
