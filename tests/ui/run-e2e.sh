#!/usr/bin/env bash
# Browser end-to-end test of Folio's UI with the live Go backend.
#
# Starts `wails dev` under Xvfb (the Go app built with the dev tag, serving
# the UI and live bindings on http://localhost:$PORT), then runs
# e2e.spec.mjs with playwright-core and Debian's chromium against it. Every
# process started here runs in its own session and is killed at the end,
# pass or fail.
#
# Needs: Go + cgo, libgtk-3-dev libwebkit2gtk-4.1-dev, xvfb xauth chromium,
# ~/go/bin/wails (v2.16.0), Node 20 (npm packages from frontend/package.json).
# Env: PORT (34115), WAILS (~/go/bin/wails), CHROMIUM (/usr/bin/chromium),
#      KEEP=1 keeps the temp dir.
# Output: tests/ui/out/e2e.png, tests/ui/out/wails-dev.log
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
PORT=${PORT:-34115}
WAILS=${WAILS:-$HOME/go/bin/wails}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$OUT"
rm -f "$OUT/e2e.png" "$OUT/e2e-failure.png"

die() { echo "run-e2e: $*" >&2; exit 1; }
for tool in xvfb-run node "$CHROMIUM" "$WAILS" curl setsid; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
if curl -s -o /dev/null "http://localhost:$PORT/"; then
  die "port $PORT is already in use (another wails dev?); set PORT to a free one"
fi

TMP=$(mktemp -d /tmp/folio-e2e.XXXXXX)
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
  [[ ${KEEP:-0} == 1 ]] && echo "run-e2e: kept $TMP" || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A small library with known content.
DOCS=$TMP/docs
mkdir -p "$DOCS" "$TMP/data"
cat >"$DOCS/lighthouse.txt" <<'TXT'
The Zephyr lighthouse was built in 1887 on Gannet Rock. Its lamp burned whale oil until 1921, when it was converted to electric light.

The keeper lived in a stone cottage beside the tower and kept a log of every passing ship.
TXT
cat >"$DOCS/bread.md" <<'TXT'
# Bread

Mix flour, water, salt and yeast. Knead the dough for ten minutes, then let it rise for two hours in a warm place.
TXT
# A spreadsheet, for the location line ("plants!A2") and the grid.
cat >"$DOCS/plants.csv" <<'CSV'
Plant,Water,Light
Monstera deliciosa,twice a week,bright indirect light
Boston fern,every two days,shade
Golden barrel cactus,once a month,full sun
CSV
# A file that must fail, to check the failure list.
printf 'this is not a PDF\n' >"$DOCS/broken.pdf"
PDF=${FOLIO_SHARED:-$ROOT/../shared}/data/pdf/pdfjs/tracemonkey.pdf
if [[ -f $PDF ]]; then cp "$PDF" "$DOCS/"; else echo "run-e2e: $PDF missing; the PDF page check is skipped"; fi

cd "$ROOT"
[[ -d frontend/node_modules ]] || (cd frontend && npm install --no-audit --no-fund)

# -m: no `go mod tidy`; -nosyncgomod: leave go.mod alone; -nogorebuild and
# -noreload: others may edit the tree while the test runs; -s: the UI comes
# from the Vite dev server, no production build needed.
echo "run-e2e: starting wails dev on :$PORT (log: $OUT/wails-dev.log)"
T0=$SECONDS
setsid xvfb-run -a -s "-screen 0 1280x800x24" \
  "$WAILS" dev -tags webkit2_41 -m -nosyncgomod -nogorebuild -noreload -s -nocolour \
  -devserver "localhost:$PORT" -appargs "--data $TMP/data" \
  >"$OUT/wails-dev.log" 2>&1 </dev/null &
SID=$!

# Wait for the dev server (the Go app serves it once built and started).
for ((i = 0; i < 600; i++)); do
  if curl -sf -o /dev/null "http://localhost:$PORT/"; then break; fi
  kill -0 "$SID" 2>/dev/null || { tail -40 "$OUT/wails-dev.log" >&2; die "wails dev exited before serving"; }
  sleep 0.5
done
curl -sf -o /dev/null "http://localhost:$PORT/" || { tail -40 "$OUT/wails-dev.log" >&2; die "timed out waiting for :$PORT"; }
echo "run-e2e: dev server up after $((SECONDS - T0)) s"

if node "$ROOT/tests/ui/e2e.spec.mjs" --url "http://localhost:$PORT/" --docs "$DOCS" --out "$OUT"; then
  echo "run-e2e: PASS in $((SECONDS - T0)) s (screenshot: $OUT/e2e.png)"
else
  echo "run-e2e: FAIL; last lines of $OUT/wails-dev.log:" >&2
  tail -30 "$OUT/wails-dev.log" >&2
  exit 1
fi
