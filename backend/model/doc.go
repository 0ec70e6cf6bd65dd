// Package model manages Hugging Face-style model folders on disk: it checks
// and installs them under Folio's data directory, remembers which one is the
// active embedder, parses config.json and friends, and reads weights from
// model.safetensors (F32, F16 and BF16, converted to float32).
//
// pytorch_model.bin is recognised but not read yet: Open reports
// ErrPytorchUnsupported, asking for model.safetensors instead.
package model
