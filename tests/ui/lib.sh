# Shared by the browser-test runners (run-e2e*.sh): `source` it after
# setting NAME (the runner's name, for messages and file names), PORT and,
# optionally, SCREEN (Xvfb's screen, 1280x800x24 by default).
#
# It sets ROOT, OUT, WAILS, CHROMIUM and TMP (a fresh temp dir, removed at
# exit unless KEEP=1), checks the tools and that PORT is free, and installs
# the cleanup: every process start_wails_dev started runs in one session
# (setsid), which is killed at exit, pass or fail.
#
#   start_wails_dev DATA   `wails dev` on :$PORT with the library DATA; waits
#                          until it serves (or dies with its log's tail)
#   run_spec SPEC ARGS...  node tests/ui/SPEC --url … --out $OUT ARGS…; on
#                          failure, prints the dev server's log and exits 1
#   die MESSAGE            print "$NAME: MESSAGE" and exit 1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
WAILS=${WAILS:-$HOME/go/bin/wails}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SCREEN=${SCREEN:-1280x800x24}
DEVLOG=$OUT/wails-dev${NAME#run-e2e}.log
mkdir -p "$OUT"

die() { echo "$NAME: $*" >&2; exit 1; }
for tool in xvfb-run node "$CHROMIUM" "$WAILS" curl setsid; do
  command -v "$tool" >/dev/null || die "missing $tool"
done
if curl -s -o /dev/null "http://localhost:$PORT/"; then
  die "port $PORT is already in use (another wails dev?); set PORT to a free one"
fi

TMP=$(mktemp -d "/tmp/folio-$NAME.XXXXXX")
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
  [[ ${KEEP:-0} == 1 ]] && echo "$NAME: kept $TMP" || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_wails_dev() {
  local data=$1
  cd "$ROOT"
  [[ -d frontend/node_modules ]] || (cd frontend && npm install --no-audit --no-fund)
  # -m: no `go mod tidy`; -nosyncgomod: leave go.mod alone; -nogorebuild and
  # -noreload: others may edit the tree while the test runs; -s: the UI comes
  # from the Vite dev server, no production build needed.
  echo "$NAME: starting wails dev on :$PORT (log: $DEVLOG)"
  T0=$SECONDS
  setsid xvfb-run -a -s "-screen 0 $SCREEN" \
    "$WAILS" dev -tags webkit2_41 -m -nosyncgomod -nogorebuild -noreload -s -nocolour \
    -devserver "localhost:$PORT" -appargs "--data $data" \
    >"$DEVLOG" 2>&1 </dev/null &
  SID=$!
  # Wait for the dev server (the Go app serves it once built and started).
  for ((i = 0; i < 600; i++)); do
    if curl -sf -o /dev/null "http://localhost:$PORT/"; then break; fi
    kill -0 "$SID" 2>/dev/null || { tail -40 "$DEVLOG" >&2; die "wails dev exited before serving"; }
    sleep 0.5
  done
  curl -sf -o /dev/null "http://localhost:$PORT/" || { tail -40 "$DEVLOG" >&2; die "timed out waiting for :$PORT"; }
  echo "$NAME: dev server up after $((SECONDS - T0)) s"
}

run_spec() {
  local spec=$1
  shift
  if node "$ROOT/tests/ui/$spec" --url "http://localhost:$PORT/" --out "$OUT" "$@"; then
    echo "$NAME: PASS in $((SECONDS - T0)) s (screenshots in $OUT)"
  else
    echo "$NAME: FAIL; last lines of $DEVLOG:" >&2
    tail -30 "$DEVLOG" >&2
    exit 1
  fi
}
