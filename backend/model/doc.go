// Package model manages Hugging Face-style model folders on disk: it checks
// and installs them under Folio's data directory, remembers which one is the
// active embedder, parses config.json and friends, and reads weights from
// model.safetensors or pytorch_model.bin (F32, F16 and BF16, converted to
// float32), preferring model.safetensors when a folder has both.
//
// pytorch_model.bin is read as torch.save writes it since PyTorch 1.6 (a zip
// archive holding a pickle and raw storages) by a small pickle interpreter
// that accepts only a state dict's opcodes and an allow-list of globals and
// never executes anything. The legacy non-zip format is refused with
// ErrPytorchUnsupported, asking for model.safetensors instead.
package model
