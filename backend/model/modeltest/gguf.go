package modeltest

import (
	"bytes"
	"encoding/binary"
	"os"
)

// GGUF writes a tiny GGUF v3 file to path: a llama-style header (4 layers,
// 8 heads, 2 KV heads, 64 wide, 512 tokens of training context, a chat
// template) and two tensors, an F32 of 64x4 (1,024 bytes) and a Q4_0 of
// 64x2 (4 blocks of 18 bytes). model.ReadGGUF reads it; llama.cpp would
// not run it.
func GGUF(path string) error {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	str := func(s string) { le(uint64(len(s))); b.WriteString(s) }
	b.WriteString("GGUF")
	le(uint32(3))
	le(uint64(2)) // tensors
	le(uint64(8)) // keys
	str("general.architecture")
	le(uint32(8))
	str("llama")
	for _, kv := range []struct {
		k string
		v uint32
	}{{"llama.context_length", 512}, {"llama.block_count", 4}, {"llama.embedding_length", 64},
		{"llama.attention.head_count", 8}, {"llama.attention.head_count_kv", 2}} {
		str(kv.k)
		le(uint32(4))
		le(kv.v)
	}
	str("tokenizer.ggml.tokens") // an array of strings
	le(uint32(9))
	le(uint32(8))
	le(uint64(2))
	str("a")
	str("b")
	str("tokenizer.chat_template")
	le(uint32(8))
	str("{{ messages }}")
	// tensors: name, dimensions, type, offset
	str("w1")
	le(uint32(2))
	le(uint64(64))
	le(uint64(4))
	le(uint32(0)) // F32
	le(uint64(0))
	str("w2")
	le(uint32(2))
	le(uint64(64))
	le(uint64(2))
	le(uint32(2)) // Q4_0
	le(uint64(1024))
	for b.Len()%32 != 0 {
		b.WriteByte(0)
	}
	b.Write(make([]byte, 1024+72))
	return os.WriteFile(path, b.Bytes(), 0o600)
}
