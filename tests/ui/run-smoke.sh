#!/usr/bin/env bash
# Real-window smoke test: build the desktop binary, open it under Xvfb on a
# small library, check that the Folio window appears and paints, type a
# question, and save screenshots. Exits non-zero on failure.
#
# Needs: Go + cgo, libgtk-3-dev libwebkit2gtk-4.1-dev, xvfb xauth xdotool
# imagemagick, Node 20 (for the frontend build).
# Env: BIN=path uses an existing desktop binary instead of building one;
#      KEEP=1 keeps the temp dir.
# Output: tests/ui/out/window.png (answer + source panel), window-start.png,
#         window-answer.png, smoke-*.log
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
die() { echo "run-smoke: $*" >&2; exit 1; }

if [[ -z ${FOLIO_SMOKE_INNER:-} ]]; then
  # ---- outer part: build, prepare a library, re-run inside Xvfb ----
  for tool in xvfb-run xdotool import identify compare setsid; do
    command -v "$tool" >/dev/null || die "missing $tool"
  done
  mkdir -p "$OUT"
  rm -f "$OUT"/window*.png
  cd "$ROOT"
  T0=$SECONDS
  if [[ -z ${BIN:-} ]]; then
    (cd frontend && { [[ -d node_modules ]] || npm install --no-audit --no-fund; } && npm run build) >"$OUT/smoke-build.log" 2>&1 ||
      { tail -30 "$OUT/smoke-build.log" >&2; die "frontend build failed"; }
    CGO_ENABLED=1 go build -tags desktop,production,webkit2_41 -ldflags "-w -s" -o build/bin/folio . >>"$OUT/smoke-build.log" 2>&1 ||
      { tail -30 "$OUT/smoke-build.log" >&2; die "go build failed"; }
    BIN=$ROOT/build/bin/folio
    echo "run-smoke: built $BIN in $((SECONDS - T0)) s"
  fi
  [[ -x $BIN ]] || die "no binary at $BIN"

  TMP=$(mktemp -d /tmp/folio-smoke.XXXXXX)
  SID=""
  cleanup() {
    local rc=$?
    if [[ -n $SID ]]; then
      pkill -TERM -s "$SID" 2>/dev/null || true
      sleep 1
      pkill -KILL -s "$SID" 2>/dev/null || true
    fi
    [[ ${KEEP:-0} == 1 ]] && echo "run-smoke: kept $TMP" || rm -rf "$TMP"
    exit $rc
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  mkdir -p "$TMP/docs"
  cat >"$TMP/docs/lighthouse.txt" <<'TXT'
The Zephyr lighthouse was built in 1887 on Gannet Rock. Its lamp burned whale oil until 1921, when it was converted to electric light.

The keeper lived in a stone cottage beside the tower and kept a log of every passing ship.
TXT
  PDF=${FOLIO_SHARED:-$ROOT/../shared}/data/pdf/pdfjs/tracemonkey.pdf
  if [[ -f $PDF ]]; then cp "$PDF" "$TMP/docs/"; fi
  # Index through the same binary's command line, so the window opens on a
  # library with something in it.
  "$BIN" --data "$TMP/data" index "$TMP/docs" >"$OUT/smoke-index.log" 2>&1 ||
    { cat "$OUT/smoke-index.log" >&2; die "indexing the sample library failed"; }

  setsid env FOLIO_SMOKE_INNER=1 BIN="$BIN" DATA="$TMP/data" OUT="$OUT" \
    xvfb-run -a -s "-screen 0 1280x800x24" bash "${BASH_SOURCE[0]}" </dev/null &
  SID=$!
  wait "$SID" && rc=0 || rc=$?
  ((rc == 0)) && echo "run-smoke: PASS in $((SECONDS - T0)) s (screenshot: $OUT/window.png)"
  exit $rc
fi

# ---- inner part: runs inside Xvfb ----
"$BIN" --data "$DATA" >"$OUT/smoke-app.log" 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null || true' EXIT

WID=""
for ((i = 0; i < 120; i++)); do
  kill -0 "$APP" 2>/dev/null || { tail -20 "$OUT/smoke-app.log" >&2; die "folio exited before its window appeared"; }
  WID=$(xdotool search --onlyvisible --name '^Folio$' 2>/dev/null | head -1 || true)
  [[ -n $WID ]] && break
  sleep 0.5
done
[[ -n $WID ]] || die "no window named Folio after 60 s"
echo "run-smoke: window $WID: \"$(xdotool getwindowname "$WID")\" $(xdotool getwindowgeometry "$WID" | tail -1 | xargs)"

# Wait for the page to paint: a blank webview is one or two colours; the UI
# with text has many (antialiasing).
colours=0
for ((i = 0; i < 60; i++)); do
  import -window root "$OUT/window-start.png"
  colours=$(identify -format %k "$OUT/window-start.png")
  ((colours > 32)) && break
  sleep 0.5
done
((colours > 32)) || die "the window stayed blank ($colours colours); see $OUT/window-start.png"
echo "run-smoke: window painted ($colours colours)"
sleep 1
import -window root "$OUT/window-start.png"

# The question box has focus on load: type a question and press Enter.
xdotool windowfocus --sync "$WID" 2>/dev/null || true
xdotool type --delay 15 "When was the Zephyr lighthouse built?"
xdotool key Return
changed() { local d; d=$(compare -metric AE "$1" "$2" null: 2>&1 || true); d=${d%% *}; echo "${d%%.*}"; }
# Poll (a loaded machine can be slow), then let the answer settle.
waitchange() { # waitchange BEFORE AFTER: screenshot into AFTER until it differs
  local i d=0
  for ((i = 0; i < 60; i++)); do
    sleep 0.5
    import -window root "$2"
    d=$(changed "$1" "$2")
    ((d >= 2000)) && break
  done
  sleep 1
  import -window root "$2"
  changed "$1" "$2"
}
diff=$(waitchange "$OUT/window-start.png" "$OUT/window-answer.png")
((diff >= 2000)) || die "typing a question changed only $diff pixels; see $OUT/window-answer.png"
echo "run-smoke: asked a question ($diff pixels changed)"

# Keyboard only: Shift+Tab from the question box reaches the last citation;
# Enter opens it in the source panel.
xdotool key shift+Tab Return
diff=$(waitchange "$OUT/window-answer.png" "$OUT/window.png")
((diff >= 2000)) || die "opening the citation changed only $diff pixels; see $OUT/window.png"
echo "run-smoke: opened citation [1] from the keyboard ($diff pixels changed)"
kill "$APP" 2>/dev/null || true
wait "$APP" 2>/dev/null || true
exit 0
