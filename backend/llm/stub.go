//go:build !cgo || nollm

package llm

// Available reports whether this build carries the llama.cpp runtime: not
// this one (built with -tags nollm or CGO_ENABLED=0). Answers are then
// extracted, or written by an OpenAI-compatible server if one is set up.
const Available = false

type lmodel struct{ nCtx, threads int }

func load(string, int, int, func(float32)) (*lmodel, error) { return nil, errUnavailable }

func (md *lmodel) close()                                  {}
func (md *lmodel) bytes() int64                            { return 0 }
func (md *lmodel) weightBytes() int64                      { return 0 }
func (md *lmodel) meta(string) string                      { return "" }
func (md *lmodel) chatTemplate() string                    { return "" }
func (md *lmodel) applyTemplate([]message) (string, error) { return "", errUnavailable }
func (md *lmodel) tokenize(string) ([]int32, error)        { return nil, errUnavailable }
func (md *lmodel) reset(string) error                      { return errUnavailable }
func (md *lmodel) resume(string, []int32) (int, error)     { return 0, errUnavailable }
func (md *lmodel) setStop()                                {}
func (md *lmodel) setThreads(int)                          {}
func (md *lmodel) decode([]int32) error                    { return errUnavailable }
func (md *lmodel) sample() (int32, bool)                   { return 0, true }
func (md *lmodel) piece(int32) []byte                      { return nil }

func systemInfo() string { return "" }
