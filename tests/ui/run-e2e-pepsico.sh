#!/usr/bin/env bash
# Browser test of a real library: the FinanceBench development split (50
# filings, ../shared/data/e2e/financebench-dev/pdfs), indexed by keywords
# only (a fresh data folder has no model), then "What is the FY2021 capital
# expenditure amount for PepsiCo?" must cite page 63 of PEPSICO_2021_10K.pdf
# with the "Capital spending" row highlighted and its 2021 cell outlined
# (e2e-pepsico.spec.mjs). The pattern of run-e2e.sh: `wails dev` under Xvfb
# on its own port, every process started here killed at the end.
#
# Skips (exit 0, with a message) when the shared filings are missing.
# Env: PORT (34117), WAILS (~/go/bin/wails), CHROMIUM (/usr/bin/chromium),
#      FOLIO_SHARED (../shared), KEEP=1 keeps the temp dir.
# Output: tests/ui/out/e2e-pepsico.png, tests/ui/out/wails-dev-pepsico.log,
#         tests/ui/out/index-pepsico.log
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
PORT=${PORT:-34117}
WAILS=${WAILS:-$HOME/go/bin/wails}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
DOCS=${FOLIO_SHARED:-$ROOT/../shared}/data/e2e/financebench-dev/pdfs
mkdir -p "$OUT"
rm -f "$OUT/e2e-pepsico.png" "$OUT/e2e-pepsico-zoom.png" "$OUT/e2e-pepsico-failure.png"

die() { echo "run-e2e-pepsico: $*" >&2; exit 1; }
if [[ ! -d $DOCS ]]; then
  echo "run-e2e-pepsico: $DOCS missing (set FOLIO_SHARED); skipped"
  exit 0
fi
DOCS=$(cd "$DOCS" && pwd)
for tool in xvfb-run node "$CHROMIUM" "$WAILS" curl setsid go; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
if curl -s -o /dev/null "http://localhost:$PORT/"; then
  die "port $PORT is already in use (another wails dev?); set PORT to a free one"
fi

TMP=$(mktemp -d /tmp/folio-e2e-pepsico.XXXXXX)
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
  [[ ${KEEP:-0} == 1 ]] && echo "run-e2e-pepsico: kept $TMP" || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$TMP/data"

cd "$ROOT"
[[ -d frontend/node_modules ]] || (cd frontend && npm install --no-audit --no-fund)

# Index the filings first with an optimised build of the same program (the
# CLI, keyword-only: a fresh data folder has no model). `wails dev` builds
# without optimisations (-gcflags all=-N -l), which parses PDFs about 3×
# slower; dropping the folder on the window is run-e2e.sh's part.
echo "run-e2e-pepsico: building the CLI and indexing $DOCS"
T0=$SECONDS
CGO_ENABLED=1 go build -tags nollm -o "$TMP/folio" .
echo "run-e2e-pepsico: built in $((SECONDS - T0)) s"
T0=$SECONDS
"$TMP/folio" --data "$TMP/data" index "$DOCS" >"$OUT/index-pepsico.log" 2>&1 || { tail -20 "$OUT/index-pepsico.log" >&2; die "indexing failed"; }
tail -1 "$OUT/index-pepsico.log"
echo "run-e2e-pepsico: indexed the 50 filings (keyword-only) in $((SECONDS - T0)) s"

# The flags of run-e2e.sh: no go mod tidy, go.mod left alone, no rebuild or
# reload while others edit the tree, the UI from the Vite dev server.
echo "run-e2e-pepsico: starting wails dev on :$PORT (log: $OUT/wails-dev-pepsico.log)"
T0=$SECONDS
setsid xvfb-run -a -s "-screen 0 1400x900x24" \
  "$WAILS" dev -tags webkit2_41 -m -nosyncgomod -nogorebuild -noreload -s -nocolour \
  -devserver "localhost:$PORT" -appargs "--data $TMP/data" \
  >"$OUT/wails-dev-pepsico.log" 2>&1 </dev/null &
SID=$!

for ((i = 0; i < 600; i++)); do
  if curl -sf -o /dev/null "http://localhost:$PORT/"; then break; fi
  kill -0 "$SID" 2>/dev/null || { tail -40 "$OUT/wails-dev-pepsico.log" >&2; die "wails dev exited before serving"; }
  sleep 0.5
done
curl -sf -o /dev/null "http://localhost:$PORT/" || { tail -40 "$OUT/wails-dev-pepsico.log" >&2; die "timed out waiting for :$PORT"; }
echo "run-e2e-pepsico: dev server up after $((SECONDS - T0)) s"

if node "$ROOT/tests/ui/e2e-pepsico.spec.mjs" --url "http://localhost:$PORT/" --docs "$DOCS" --out "$OUT"; then
  echo "run-e2e-pepsico: PASS in $((SECONDS - T0)) s (screenshot: $OUT/e2e-pepsico.png)"
else
  echo "run-e2e-pepsico: FAIL; last lines of $OUT/wails-dev-pepsico.log:" >&2
  tail -30 "$OUT/wails-dev-pepsico.log" >&2
  exit 1
fi
