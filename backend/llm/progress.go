//go:build cgo && !nollm

package llm

/*
#include <stdbool.h>
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

// folioLoadProgress receives llama.cpp's progress_callback while a model
// loads: handle is a cgo.Handle of the func(float32) load was given. It
// always lets the load go on (returning false would abort it).
//
//export folioLoadProgress
func folioLoadProgress(progress C.float, handle C.uintptr_t) C.bool {
	if fn, ok := cgo.Handle(handle).Value().(func(float32)); ok {
		fn(float32(progress))
	}
	return true
}
