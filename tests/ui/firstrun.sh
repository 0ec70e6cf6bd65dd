#!/usr/bin/env bash
# A person's first run in the real window, driven under Xvfb with xdotool:
# a fresh HOME (the default library location, nothing in it), the window
# opens on the welcome, "Add folder…" is pressed from the keyboard and the
# folder typed into GTK's own folder chooser, the indexing progress shows,
# then a question is typed and answered with citations.
#
#   BIN=/usr/bin/folio tests/ui/firstrun.sh           the test (tests/package/run.sh)
#   BIN=build/bin/folio tests/ui/firstrun.sh --bench  the benchmark (make bench-first-run)
#
# The window's DOM cannot be read from outside, so what the window shows
# is checked on its screenshots by OCR (tesseract): the welcome's "Welcome
# to Folio" and "Add folder", the progress line "Reading your files", the
# answer's words. When things happen comes from the window's own log
# (milestones.go, time-stamped here as each line arrives): "indexing: the
# first files can be searched", "indexing: done", "answered" with the mode,
# the number of citations and the first one's file. After the window is
# closed, `folio status` on the same library checks what it built.
#
# Test (default): DOCS, else three pdf.js PDFs (tracemonkey, TAMReview,
# basicapi) copied to a temp folder; once indexing is done, "What is
# trace-based just-in-time compilation?" must be answered citing
# tracemonkey.pdf first. Asserts the welcome, the progress, the answer.
#
# --bench: DOCS, else all of ../shared/data/pdf/pdfjs (111 PDFs, some of
# which fail: they are counted, not hidden). The question about TAMReview
# is typed as soon as the log says the first files can be searched, and
# asked again (a new chat) until an answer cites TAMReview.pdf; once
# indexing is done, one about tracemonkey.pdf. Then `folio index` of the
# same folder with the same binary into another fresh HOME, the reference
# measured in the same run. Prints the figures; asserts nothing on time.
#
# Env: BIN (required), DOCS, KEEP=1 keeps the temp dir. The bundled models
# are found where the binary looks (FOLIO_SYSTEM_MODELS, else
# /usr/share/folio/models), or MODELS="MODEL_DIR FILE.gguf" names them. Output in tests/ui/out: firstrun-welcome.png,
# firstrun-chooser.png, firstrun-progress.png, firstrun-answer.png,
# firstrun-source.png (test), firstrun-app.log.
# Needs xvfb-run xdotool ImageMagick tesseract python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/tests/ui/out}
MODE=test
[[ ${1:-} == --bench ]] && MODE=bench
NAME=firstrun; [[ $MODE == bench ]] && NAME="firstrun bench"
die() { echo "$NAME: $*" >&2; exit 1; }
now() { echo "$EPOCHREALTIME"; }
# since T [END]: seconds from T to END (default now), two decimals.
since() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.2f", b - a }'; }

if [[ -z ${FOLIO_FIRSTRUN_INNER:-} ]]; then
  # ---- outer part: prepare, run the window inside Xvfb, check afterwards ----
  for tool in xvfb-run xdotool import identify convert tesseract setsid python3; do
    command -v "$tool" >/dev/null || die "missing $tool"
  done
  [[ -n ${BIN:-} && -x ${BIN:-} ]] || die "set BIN to a desktop build of folio (no binary at '${BIN:-}')"
  BIN=$(realpath "$BIN")
  SHARED=${FOLIO_SHARED:-$ROOT/../shared}
  PDFS=$SHARED/data/pdf/pdfjs
  mkdir -p "$OUT"
  rm -f "$OUT"/firstrun-*.png
  TMP=$(mktemp -d /tmp/folio-firstrun.XXXXXX)
  SID=""
  cleanup() {
    local rc=$?
    if [[ -n $SID ]]; then
      pkill -TERM -s "$SID" 2>/dev/null || true
      sleep 1
      pkill -KILL -s "$SID" 2>/dev/null || true
    fi
    [[ ${KEEP:-0} == 1 ]] && echo "$NAME: kept $TMP" || rm -rf "$TMP"
    exit $rc
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  if [[ -z ${DOCS:-} ]]; then
    [[ -f $PDFS/tracemonkey.pdf ]] || { echo "$NAME: $PDFS missing: skipping (needs ../shared)"; exit 0; }
    if [[ $MODE == bench ]]; then
      DOCS=$PDFS
    else
      DOCS=$TMP/docs
      mkdir -p "$DOCS"
      cp "$PDFS"/{tracemonkey.pdf,TAMReview.pdf,basicapi.pdf} "$DOCS/"
    fi
  fi
  DOCS=$(realpath "$DOCS")
  if [[ -n ${MODELS:-} ]]; then
    # MODELS="DIR FILE.gguf": these, and only these, are the bundled models.
    mkdir -p "$TMP/models"
    for m in $MODELS; do ln -s "$(realpath "$m")" "$TMP/models/"; done
    export FOLIO_SYSTEM_MODELS=$TMP/models
  fi
  NFILES=$(find "$DOCS" -type f -iname '*.pdf' | wc -l)
  mkdir -p "$TMP/home"
  unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME # a fresh HOME is all there is
  LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "$NAME: $BIN ($("$BIN" --version)), models from ${FOLIO_SYSTEM_MODELS-/usr/share/folio/models}; adding $DOCS ($NFILES PDFs); load average $LOAD0"

  T0=$SECONDS
  setsid env FOLIO_FIRSTRUN_INNER=1 BIN="$BIN" DOCS="$DOCS" TMP="$TMP" OUT="$OUT" \
    xvfb-run -a -s "-screen 0 1280x800x24" bash "${BASH_SOURCE[0]}" "--$MODE" </dev/null &
  SID=$!
  wait "$SID" && rc=0 || rc=$?
  SID=""
  ((rc == 0)) || die "the window part failed (log: $OUT/firstrun-app.log)"
  # shellcheck disable=SC1091
  source "$TMP/times"

  # What the window showed, read back from its screenshots.
  # ocr PNG GEOMETRY: the text tesseract reads in that part of the
  # screenshot (doubled: small UI text reads better), on one line.
  ocr() { convert "$1" -crop "$2" +repage -resize 200% -colorspace Gray "$TMP/ocr.png" && tesseract "$TMP/ocr.png" - 2>/dev/null | tr -s ' \n' ' '; }
  # has TEXT WANT: WANT is in TEXT, ignoring spaces (OCR splits words).
  has() { [[ ${1// /} == *"${2// /}"* ]]; }
  CHAT=590x640+280+50 # the chat column, under its header
  welcome=$(ocr "$OUT/firstrun-welcome.png" "$CHAT")
  progress_seen=""
  for f in $(ls "$TMP"/frames/*.png 2>/dev/null | sort -V); do
    t=$(ocr "$f" "$CHAT")
    if has "$t" "Reading your files"; then
      progress_seen=$(grep -o 'Reading your files: *[0-9]* of [0-9]*' <<<"$t" | head -1 || true)
      progress_seen=${progress_seen:-Reading your files}
      cp "$f" "$OUT/firstrun-progress.png"
      break
    fi
  done
  if [[ $MODE == test ]]; then
    has "$welcome" "Welcome to Folio" && has "$welcome" "Add folder" ||
      die "the window did not open on the welcome (OCR of firstrun-welcome.png: ${welcome:0:300})"
    echo "$NAME: the welcome shown: \"Welcome to Folio\", \"Add folder…\" (OCR of firstrun-welcome.png)"
    [[ -n $progress_seen ]] || die "no screenshot during indexing shows \"Reading your files\" ($(ls "$TMP"/frames | wc -l) taken)"
    echo "$NAME: progress shown: \"$progress_seen\" (OCR of firstrun-progress.png)"
    answer=$(ocr "$OUT/firstrun-answer.png" "$CHAT")
    # "[1] tracemonkey.pdf · page N" (OCR may read a bracket as "(" or "|")
    [[ ${answer// /} =~ [\[\(\|]1[\]\)\|]tracemonkey ]] || die "the answer's sources do not show \"[1] tracemonkey\" (OCR of firstrun-answer.png: ${answer:0:400})"
    source=$(ocr "$OUT/firstrun-source.png" 410x750+870+0)
    has "$source" "tracemonkey" || die "[1] did not open tracemonkey.pdf in the source panel (OCR of firstrun-source.png: ${source:0:300})"
    echo "$NAME: the answer's source [1] tracemonkey shown and opened (OCR of firstrun-answer.png, firstrun-source.png)"
  fi

  # The library the window built, read by the command line.
  HOME=$TMP/home "$BIN" status --json >"$TMP/status.json" 2>"$TMP/status.err" || die "status failed: $(cat "$TMP/status.err")"
  read -r DOCS_IN CHUNKS VECTORS SMODE FAILED < <(python3 - "$TMP/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
files = s.get("files") or []
st = s.get("status", s)
failed = sum(1 for f in files if f.get("state") == "failed")
print(st["docs"], st["chunks"], st["vectors"], st["mode"], failed)
PY
  )
  echo "$NAME: the window's library (folio status): $DOCS_IN documents, $CHUNKS chunks, $VECTORS vectors, $SMODE; $FAILED files failed"
  if [[ $MODE == test ]]; then
    [[ $SMODE == hybrid && $DOCS_IN == "$NFILES" && $CHUNKS -gt 0 && $VECTORS == "$CHUNKS" ]] ||
      die "the window's library is not complete and hybrid: $(head -c 400 "$TMP/status.json")"
    echo "$NAME: PASS in $((SECONDS - T0)) s (screenshots: $OUT/firstrun-{welcome,chooser,progress,answer,source}.png)"
    exit 0
  fi

  # The reference: the same folder indexed by the same binary's command
  # line, into another fresh HOME, right after.
  mkdir -p "$TMP/home-cli"
  LOADC=$(cut -d' ' -f1-3 /proc/loadavg)
  # Wall time, CPU seconds and peak memory of `folio index`, its parsers included.
  HOME=$TMP/home-cli python3 - "$TMP/cli.res" "$BIN" index --json "$DOCS" >"$TMP/cli.json" 2>"$OUT/firstrun-cli.log" <<'PY' ||
import resource, subprocess, sys, time
t = time.time()
rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL)
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{wall:.2f} {ru.ru_utime + ru.ru_stime:.1f} {ru.ru_maxrss / 1024:.0f}\n")
sys.exit(rc)
PY
    die "folio index failed: $(tail -5 "$OUT/firstrun-cli.log")"
  read -r CLI CLI_CPU CLI_MIB <"$TMP/cli.res"
  read -r CLI_FILES CLI_FAILED CLI_CHUNKS CLI_SECS < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["files"], r["failed"], r["chunks_embedded"], round(r["seconds"], 1))' "$TMP/cli.json")
  LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
  INDEXING=$(since "$ADD" "$DONE")
  WCPU=$(awk -v a="$CPU_ADD" -v b="$CPU_DONE" 'BEGIN { printf "%.1f", b - a }')
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  rel() { if [[ $1 =~ ^[0-9.]+$ ]]; then awk -v a="$ADDED" -v b="$1" 'BEGIN { printf "%7.2f", b - a }'; else echo "      -"; fi; }
  cat <<TXT

First run in the real window: $NFILES pdf.js PDFs, $(date -u '+%F %H:%M UTC'), load average $LOAD0 before, $LOAD1 after
                                                           since start  since the folder was chosen
  window mapped (xdotool finds "Folio")                      $WINDOW
  window painted (the welcome: >32 colours on screen)        $PAINTED      (window tree at rest: $REST_MIB MiB resident)
  folder chosen in "Add folder…" (GTK's chooser, xdotool)    $ADDED
  first question can be asked (first files searchable)       $KEYWORD  $(rel "$KEYWORD")
  first answer (asked at once)                               $ANSWER1  $(rel "$ANSWER1")   $ANSWER1_LOG
  first answer citing TAMReview.pdf ($TRIES asks)                $ANSWER_RIGHT  $(rel "$ANSWER_RIGHT")
  indexing done: hybrid search on every passage             $DONE_AT  $(rel "$DONE_AT")   $DONE_LOG
  answer about tracemonkey.pdf, asked after that             $ANSWER2  $(rel "$ANSWER2")   $ANSWER2_LOG
  memory: window tree $DONE_MIB MiB resident when indexing ended; the folio process's peak $PEAK_MIB MiB
the reference, same run, same binary, fresh HOME (load average $LOADC when it started):
  folio index $DOCS: $CLI s wall, $CLI_CPU CPU s, peak $CLI_MIB MiB ($CLI_SECS s in its report: $CLI_FILES files, $CLI_FAILED failed, $CLI_CHUNKS chunks embedded)
  window (folder chosen -> indexing done) / CLI:  wall $INDEXING s / $CLI s = $(ratio "$INDEXING" "$CLI")x;  CPU $WCPU s / $CLI_CPU s = $(ratio "$WCPU" "$CLI_CPU")x
  (the window's figures include the answers it wrote while indexing)
the window's library (folio status afterwards): $DOCS_IN documents, $CHUNKS chunks, $VECTORS vectors ($SMODE), $FAILED files failed
OCR of the screenshots: welcome "$(cut -c1-70 <<<"$welcome")…"; progress "${progress_seen:-not caught}"
TXT
  exit 0
fi

# ---- inner part: runs inside Xvfb ----
FHOME=$TMP/home
LOG=$OUT/firstrun-app.log
mkdir -p "$TMP/frames"
: >"$TMP/times"
put() { printf '%s=%q\n' "$1" "$2" >>"$TMP/times"; }
mkfifo "$TMP/log.fifo"
# Each line of the window's output, stamped as it arrives.
while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done <"$TMP/log.fifo" >"$LOG" &
STAMP=$!
T0=$(now)
HOME=$FHOME "$BIN" >"$TMP/log.fifo" 2>&1 &
APP=$!
FRAMER=""
trap 'kill $FRAMER $APP 2>/dev/null || true' EXIT
appdie() { echo "--- last lines of $LOG:" >&2; tail -15 "$LOG" >&2; die "$*"; }

# waitlog PATTERN N TIMEOUT: the stamp of the Nth log line matching
# PATTERN (seconds since T0), waiting up to TIMEOUT seconds for it.
waitlog() {
  local i line
  for ((i = 0; i < $3 * 5; i++)); do
    line=$(grep -a -- "$1" "$LOG" | sed -n "$2p" || true)
    if [[ -n $line ]]; then
      since "$T0" "${line%% *}"
      return 0
    fi
    kill -0 "$APP" 2>/dev/null || appdie "folio exited while waiting for \"$1\""
    sleep 0.2
  done
  appdie "no \"$1\" (#$2) in the window's log after $3 s"
}
# cpu: the window process's CPU seconds so far, its finished children
# (the sandboxed parsers) included.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15 + $16 + $17) / hz }' "/proc/$APP/stat"; }
# tree_mib: the resident memory of the window process and every process
# under it (WebKit's web and network processes, parsers), in MiB.
tree_mib() {
  ps -e -o pid=,ppid=,rss= | awk -v root="$APP" '{ p[$1] = $2; r[$1] = $3 }
    END { for (i in p) { j = i; while (j > 1 && j != root) j = p[j]; if (j == root) s += r[i] } printf "%.0f", s / 1024 }'
}
# logline PATTERN N: the Nth matching log line, from its message on.
logline() { grep -a -- "$1" "$LOG" | sed -n "$2p" | sed 's/^[^ ]* //; s/^[0-9\/]* [0-9:]* //'; }
field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

WID=""
for ((i = 0; i < 300; i++)); do
  kill -0 "$APP" 2>/dev/null || appdie "folio exited before its window appeared"
  WID=$(xdotool search --onlyvisible --name '^Folio$' 2>/dev/null | head -1 || true)
  [[ -n $WID ]] && break
  sleep 0.2
done
[[ -n $WID ]] || appdie "no window named Folio after 60 s"
put WINDOW "$(since "$T0")"
colours=0
for ((i = 0; i < 150; i++)); do
  import -window root "$TMP/shot.png"
  colours=$(identify -format %k "$TMP/shot.png")
  ((colours > 32)) && break
  sleep 0.2
done
((colours > 32)) || appdie "the window stayed blank ($colours colours)"
put PAINTED "$(since "$T0")"
sleep 1 # let the welcome settle before its screenshot
put REST_MIB "$(tree_mib)"
import -window root "$OUT/firstrun-welcome.png"

# "Add folder…": the question box has the focus on load, the welcome's
# button comes just before it (Shift+Tab); Return presses it and GTK's
# folder chooser opens. Ctrl+L opens its location field: type the folder,
# Return (again every 2 s while the chooser stays open).
xdotool windowfocus --sync "$WID" 2>/dev/null || true
xdotool key shift+Tab
sleep 0.3
xdotool key Return
DLG=""
for ((i = 0; i < 100; i++)); do
  DLG=$(xdotool search --onlyvisible --name '^Add a folder to Folio$' 2>/dev/null | head -1 || true)
  [[ -n $DLG ]] && break
  sleep 0.2
done
[[ -n $DLG ]] || { import -window root "$OUT/firstrun-failure.png"; appdie "\"Add folder…\" opened no folder chooser in 20 s (firstrun-failure.png)"; }
xdotool windowfocus --sync "$DLG" 2>/dev/null || true
sleep 0.3
# The chooser opens on "Recent", where a typed folder selects nothing:
# Alt+Home goes to the home folder first.
xdotool key alt+Home
sleep 0.5
xdotool key ctrl+l
sleep 0.3
xdotool type --delay 5 "$DOCS/"
sleep 1
import -window root "$OUT/firstrun-chooser.png"
ADD=$(now)
xdotool key Return
for ((i = 1; i <= 20; i++)); do
  sleep 0.5
  xdotool search --onlyvisible --name '^Add a folder to Folio$' >/dev/null 2>&1 || break
  # Only into the chooser: a Return reaching the main window would press
  # "Add folder…" again.
  if ((i % 4 == 0)) && xdotool windowfocus --sync "$DLG" 2>/dev/null; then ADD=$(now); xdotool key Return; fi
done
put ADD "$ADD"
put CPU_ADD "$(cpu)"
put ADDED "$(since "$T0" "$ADD")"

# Screenshots while indexing (the progress line is read from them later).
every=$([[ $MODE == bench ]] && echo 2 || echo 0.3)
(n=0; while :; do n=$((n + 1)); import -window root "$TMP/frames/$n.png" 2>/dev/null; ((n < 60)) || break; sleep "$every"; done) &
FRAMER=$!

ask() { # ask QUESTION: focus the question box (Ctrl+K), type, Enter
  xdotool windowfocus --sync "$WID" 2>/dev/null || true
  xdotool key ctrl+k
  sleep 0.2
  xdotool type --delay 10 "$1"
  xdotool key Return
}

if [[ $MODE == test ]]; then
  waitlog 'indexing: done' 1 300 >/dev/null
  kill "$FRAMER" 2>/dev/null || true
  ask "What is trace-based just-in-time compilation?"
  waitlog 'INFO answered' 1 300 >/dev/null
  line=$(logline 'INFO answered' 1)
  echo "$NAME: $line"
  cites=$(field citations "$line")
  [[ $cites -ge 1 && $(field first "$line") == tracemonkey.pdf ]] ||
    appdie "the answer does not cite tracemonkey.pdf first: $line"
  # From the question box, Shift+Tab goes back through the sources' [n]
  # buttons, last first: $cites of them reach [1], which scrolls into view;
  # Return opens it in the source panel.
  sleep 1
  xdotool windowfocus --sync "$WID" 2>/dev/null || true
  for ((i = 0; i < cites; i++)); do xdotool key shift+Tab; sleep 0.1; done
  sleep 0.5
  import -window root "$OUT/firstrun-answer.png"
  xdotool key Return
  sleep 2
  import -window root "$OUT/firstrun-source.png"
else
  KEYWORD=$(waitlog 'indexing: the first files can be searched' 1 600)
  put KEYWORD "$KEYWORD"
  q="What does TAM stand for?"
  ASKED1=$(since "$T0")
  ask "$q"
  n=1
  ANSWER1=$(waitlog 'INFO answered' 1 600)
  line=$(logline 'INFO answered' 1)
  put ANSWER1 "$ANSWER1"
  put ANSWER1_LOG "(asked at $ASKED1 s) $(sed 's/^INFO answered //' <<<"$line")"
  # Ask again in a new chat until an answer cites TAMReview.pdf.
  while [[ $(field first "$line") != TAMReview.pdf ]] && ((n < 10)); do
    sleep 1
    xdotool key alt+n
    ask "$q"
    n=$((n + 1))
    right=$(waitlog 'INFO answered' "$n" 600)
    line=$(logline 'INFO answered' "$n")
  done
  put TRIES "$n"
  put ANSWER_RIGHT "$([[ $(field first "$line") == TAMReview.pdf ]] && echo "${right:-$ANSWER1}" || echo "none in $n asks")"
  import -window root "$OUT/firstrun-answer.png"
  DONE_AT=$(waitlog 'indexing: done' 1 3600)
  put CPU_DONE "$(cpu)"
  put DONE_MIB "$(tree_mib)"
  put DONE_AT "$DONE_AT"
  put DONE "$(awk -v a="$T0" -v b="$DONE_AT" 'BEGIN { printf "%.6f", a + b }')"
  put DONE_LOG "$(logline 'indexing: done' 1 | sed 's/^INFO indexing: done //')"
  kill "$FRAMER" 2>/dev/null || true
  sleep 1
  xdotool key alt+n
  a2=$(since "$T0")
  ask "What is trace-based just-in-time compilation?"
  n=$((n + 1))
  ANSWER2=$(waitlog 'INFO answered' "$n" 600)
  put ANSWER2 "$ANSWER2"
  put ANSWER2_LOG "(asked at $a2 s) $(logline 'INFO answered' "$n" | sed 's/^INFO answered //')"
fi

# Close the window as a person would end the program (SIGTERM: the
# library is closed cleanly), so the command line can open it.
put PEAK_MIB "$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$APP/status")"
kill -TERM "$APP" 2>/dev/null || true
for ((i = 0; i < 150; i++)); do kill -0 "$APP" 2>/dev/null || break; sleep 0.2; done
kill -0 "$APP" 2>/dev/null && appdie "folio did not exit within 30 s of SIGTERM"
wait "$APP" 2>/dev/null || true
wait "$STAMP" 2>/dev/null || true
exit 0
