#!/usr/bin/env bash
# Browser test of the built-in generator with a real model: Settings →
# Models imports the GGUF ($FOLIO_TEST_LLM, SmolLM2-135M-Instruct Q4_1),
# then a question on real PDFs is answered by it, streamed into the chat,
# checked sentence by sentence, its [1] opening the PDF page with the
# supporting words highlighted. See e2e-builtin.spec.mjs.
#
# Starts `wails dev` under Xvfb (the Go app built with the dev tag and
# llama.cpp, serving the UI and live bindings on http://localhost:$PORT),
# as run-e2e.sh does, on another port. Every process started here runs in
# its own session and is killed at the end, pass or fail.
#
# Needs what run-e2e.sh needs, plus the GGUF model and ../shared's PDFs
# (without either it says so and exits 0: skipped).
# Env: PORT (34131), WAILS (~/go/bin/wails), CHROMIUM (/usr/bin/chromium),
#      FOLIO_TEST_LLM (.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf),
#      FOLIO_TEST_MODEL (.cache/models/all-MiniLM-L6-v2: the re-embedding step),
#      FOLIO_SHARED (../shared), KEEP=1 keeps the temp dir.
# Output: tests/ui/out/e2e-builtin.png, tests/ui/out/e2e-models.png,
#         tests/ui/out/wails-dev-builtin.log
set -euo pipefail

NAME=run-e2e-builtin
PORT=${PORT:-34131}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -f "$OUT/e2e-builtin.png" "$OUT/e2e-models.png" "$OUT/e2e-builtin-failure.png"

# The model and the PDFs, or skip.
GGUF=${FOLIO_TEST_LLM:-$ROOT/.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}
PDFS=${FOLIO_SHARED:-$ROOT/../shared}/data/pdf/pdfjs
if [[ ! -s $GGUF ]]; then
  echo "run-e2e-builtin: SKIPPED: the generator model $GGUF is missing (make model-llm, or set FOLIO_TEST_LLM)"
  exit 0
fi
if [[ ! -f $PDFS/TAMReview.pdf || ! -f $PDFS/tracemonkey.pdf ]]; then
  echo "run-e2e-builtin: SKIPPED: the PDFs TAMReview.pdf and tracemonkey.pdf are missing from $PDFS (set FOLIO_SHARED)"
  exit 0
fi
# Two PDFs with clear text (a paper, a review article) and a text file.
DOCS=$TMP/docs
mkdir -p "$DOCS" "$TMP/data"
cp "$PDFS/TAMReview.pdf" "$PDFS/tracemonkey.pdf" "$DOCS/"
cat >"$DOCS/lighthouse.txt" <<'TXT'
The Zephyr lighthouse was built in 1887 on Gannet Rock. Its lamp burned whale oil until 1921, when it was converted to electric light.
TXT

# An embedding model to switch to, under another name (its files linked),
# when the real MiniLM is there; without it that step is left out.
EMB=()
MINILM=${FOLIO_TEST_MODEL:-$ROOT/.cache/models/all-MiniLM-L6-v2}
if [[ -f $MINILM/model.safetensors ]]; then
  mkdir -p "$TMP/minilm-search"
  ln -s "$(realpath "$MINILM")"/* "$TMP/minilm-search/"
  EMB=(--embedder "$TMP/minilm-search")
else
  echo "run-e2e-builtin: the re-embedding step is SKIPPED: no embedding model at $MINILM (set FOLIO_TEST_MODEL)"
fi

start_wails_dev "$TMP/data"
run_spec e2e-builtin.spec.mjs --docs "$DOCS" --gguf "$GGUF" "${EMB[@]}"
