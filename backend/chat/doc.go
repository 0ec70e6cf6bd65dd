// Package chat holds the logic of Folio's conversations that needs no
// storage: completing a follow-up question from the turn before it
// ("and in 2019?"), titling a chat from its first question, and exporting a
// chat to Markdown with its sources as footnotes. The engine keeps chats in
// the store and calls these.
package chat
