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

NAME=run-e2e-pepsico
PORT=${PORT:-34117}
SCREEN=1400x900x24
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -f "$OUT/e2e-pepsico.png" "$OUT/e2e-pepsico-zoom.png" "$OUT/e2e-pepsico-failure.png"
DOCS=${FOLIO_SHARED:-$ROOT/../shared}/data/e2e/financebench-dev/pdfs
if [[ ! -d $DOCS ]]; then
  echo "$NAME: $DOCS missing (set FOLIO_SHARED); skipped"
  exit 0
fi
DOCS=$(cd "$DOCS" && pwd)
command -v go >/dev/null || die "missing go"
mkdir -p "$TMP/data"
cd "$ROOT"

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

start_wails_dev "$TMP/data"
run_spec e2e-pepsico.spec.mjs --docs "$DOCS"
