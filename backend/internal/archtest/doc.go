// Package archtest holds a test that keeps the import arrows of the
// README's architecture section ("How it is built") true: one adapter package per heavy library, and dependencies that flow
// one way from engine down to core.
package archtest
