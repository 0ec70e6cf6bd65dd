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
#      FOLIO_SHARED (../shared), KEEP=1 keeps the temp dir.
# Output: tests/ui/out/e2e-builtin.png, tests/ui/out/e2e-models.png,
#         tests/ui/out/wails-dev-builtin.log
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
PORT=${PORT:-34131}
WAILS=${WAILS:-$HOME/go/bin/wails}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$OUT"
rm -f "$OUT/e2e-builtin.png" "$OUT/e2e-models.png" "$OUT/e2e-builtin-failure.png"

die() { echo "run-e2e-builtin: $*" >&2; exit 1; }
for tool in xvfb-run node "$CHROMIUM" "$WAILS" curl setsid; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
if curl -s -o /dev/null "http://localhost:$PORT/"; then
  die "port $PORT is already in use (another wails dev?); set PORT to a free one"
fi

TMP=$(mktemp -d /tmp/folio-e2e-builtin.XXXXXX)
SID=""
cleanup() {
  local rc=$?
  if [[ -n $SID ]]; then
    # wails dev puts vite in its own process group, so stop the whole
    # session that setsid created (all of it was started here).
    pkill -TERM -s "$SID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pgrep -s "$SID" >/dev/null 2>&1 || break
      sleep 0.5
    done
    pkill -KILL -s "$SID" 2>/dev/null || true
  fi
  [[ ${KEEP:-0} == 1 ]] && echo "run-e2e-builtin: kept $TMP" || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

cd "$ROOT"
[[ -d frontend/node_modules ]] || (cd frontend && npm install --no-audit --no-fund)

# -m: no `go mod tidy`; -nosyncgomod: leave go.mod alone; -nogorebuild and
# -noreload: others may edit the tree while the test runs; -s: the UI comes
# from the Vite dev server, no production build needed.
echo "run-e2e-builtin: starting wails dev on :$PORT (log: $OUT/wails-dev-builtin.log)"
T0=$SECONDS
setsid xvfb-run -a -s "-screen 0 1280x800x24" \
  "$WAILS" dev -tags webkit2_41 -m -nosyncgomod -nogorebuild -noreload -s -nocolour \
  -devserver "localhost:$PORT" -appargs "--data $TMP/data" \
  >"$OUT/wails-dev-builtin.log" 2>&1 </dev/null &
SID=$!

# Wait for the dev server (the Go app serves it once built and started).
for ((i = 0; i < 600; i++)); do
  if curl -sf -o /dev/null "http://localhost:$PORT/"; then break; fi
  kill -0 "$SID" 2>/dev/null || { tail -40 "$OUT/wails-dev-builtin.log" >&2; die "wails dev exited before serving"; }
  sleep 0.5
done
curl -sf -o /dev/null "http://localhost:$PORT/" || { tail -40 "$OUT/wails-dev-builtin.log" >&2; die "timed out waiting for :$PORT"; }
echo "run-e2e-builtin: dev server up after $((SECONDS - T0)) s"

if node "$ROOT/tests/ui/e2e-builtin.spec.mjs" --url "http://localhost:$PORT/" --docs "$DOCS" --gguf "$GGUF" --out "$OUT"; then
  echo "run-e2e-builtin: PASS in $((SECONDS - T0)) s (screenshots: $OUT/e2e-builtin.png, $OUT/e2e-models.png)"
else
  echo "run-e2e-builtin: FAIL; last lines of $OUT/wails-dev-builtin.log:" >&2
  tail -30 "$OUT/wails-dev-builtin.log" >&2
  exit 1
fi
