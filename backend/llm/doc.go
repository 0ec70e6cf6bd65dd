// Package llm runs a GGUF instruction model inside Folio with llama.cpp,
// compiled from source into static libraries (scripts/build-llama.sh) and
// bound here with cgo: the only package that touches the runtime. It writes
// answers as the OpenAI-compatible client of package answer does (the same
// prompt: rules, earlier turns, the passages numbered [n], the question), so
// the engine treats the two alike.
//
// Invariants:
//   - the chat template is the model's own (the GGUF's
//     tokenizer.chat_template, applied by llama.cpp); no model family is
//     named here;
//   - the prompt fits the context: passages are dropped from the end, by
//     the model's own token count, until prompt plus answer fit n_ctx;
//   - the KV cache holds at most n_ctx tokens, the model is loaded once, on
//     first use, and unloaded after an idle time;
//   - one answer at a time per model; Stop (a cancelled context) ends a
//     decode at the next graph node and generation before the next token;
//   - threads come from the physical cores and sleep, not spin, when idle.
//
// Built with -tags nollm or CGO_ENABLED=0 the package is a stub
// (Available is false, New fails) and Folio answers with extracted sentences.
package llm
