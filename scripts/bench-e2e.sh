#!/usr/bin/env bash
# bench-e2e.sh: the end-to-end figures of the first slice, each next to a
# reference measured in the same run on the same machine.
#
#   parse   the 111 pdf.js PDFs one by one: folio parse vs poppler's pdftotext
#   index   the same folder with and without the embedding model
#   ask     median latency of `folio ask` over 5 questions, both modes
#
# usage: scripts/bench-e2e.sh [PDF_DIR]   (default ../shared/data/pdf/pdfjs)
# needs: pdftotext (poppler-utils), the model in .cache (make model-test)
set -euo pipefail
cd "$(dirname "$0")/.."
PDFS=${1:-../shared/data/pdf/pdfjs}
MODEL=${FOLIO_TEST_MODEL:-$PWD/.cache/models/all-MiniLM-L6-v2}
[ -d "$PDFS" ] || { echo "bench-e2e: $PDFS not found" >&2; exit 1; }
command -v pdftotext >/dev/null || { echo "bench-e2e: pdftotext not found (apt install poppler-utils)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
BIN=$TMP/folio
CGO_ENABLED=1 go build -o "$BIN" .  # with cgo: qpdf repairs and decrypts, as in the app

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

# parse: one process per file for both, as Folio runs PDFs in a child.
# Files where either side hits the 60 s limit are counted apart, so one
# hang does not drown the comparison.
python3 - "$BIN" "$PDFS" <<'PY'
import glob, subprocess, sys, time
folio, pdfs = sys.argv[1], sys.argv[2]
def run(cmd):
    t = time.perf_counter()
    try:
        ok = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return None, 60.0
    return ok, time.perf_counter() - t
files = sorted(glob.glob(pdfs + "/*.pdf"))
tf = tr = 0.0; nf = nr = 0; hung = []
for f in files:
    okf, dtf = run([folio, "parse", "--json", f])
    okr, dtr = run(["pdftotext", "-q", f, "-"])
    if okf is None or okr is None:
        hung.append(f.split("/")[-1] + (" (folio)" if okf is None else "") + (" (pdftotext)" if okr is None else ""))
        continue
    tf += dtf; tr += dtr; nf += okf; nr += okr
print(f"parse   {len(files)} PDFs one at a time: folio {tf:.1f}s ({nf} read), pdftotext {tr:.1f}s ({nr} read); "
      f"ratio {tf / tr:.2f}x; over the time limit, left out: {', '.join(hung) or 'none'}")
PY

# index: the whole folder, workers = cores.
index() {
  local data=$1 out
  out=$( { /usr/bin/time -f "%M" "$BIN" --data "$data" index --json "$PDFS" 2>"$TMP/err" ; } 2>&1 )
  echo "$out" | head -1
  tail -1 "$TMP/err"
}
n=$(ls "$PDFS"/*.pdf | wc -l)
nomodel=$(index "$TMP/nomodel")
"$BIN" --data "$TMP/model" models install --name all-MiniLM-L6-v2 "$MODEL" >/dev/null
withmodel=$(index "$TMP/model")
field() { echo "$1" | head -1 | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
s1=$(field "$nomodel" seconds); s2=$(field "$withmodel" seconds)
echo "index   $n PDFs without model: $(printf %.1f "$s1")s, $(field "$nomodel" failed) failed, peak $(( $(echo "$nomodel" | tail -1) / 1024 )) MiB"
echo "index   $n PDFs with model:    $(printf %.1f "$s2")s, $(field "$withmodel" chunks_embedded) chunks embedded, peak $(( $(echo "$withmodel" | tail -1) / 1024 )) MiB; ratio $(ratio "$s2" "$s1")x of keyword-only"

# ask: median of 5 questions, each a fresh process (opens the library).
questions=(
  "Why does TraceMonkey not support recording throwing and catching of exceptions?"
  "What is a trace tree?"
  "How are type-unstable loops handled?"
  "What speedup does the tracing JIT reach on SunSpider?"
  "Which fonts are embedded?"
)
median_ask() {
  local data=$1; shift
  for q in "${questions[@]}"; do
    t0=$(now); "$BIN" --data "$data" "$@" ask --json "$q" >/dev/null 2>&1; secs "$t0" "$(now)"
  done | sort -n | sed -n 3p
}
a1=$(median_ask "$TMP/nomodel"); a2=$(median_ask "$TMP/model")
echo "ask     median of 5: keyword ${a1}s, hybrid (model) ${a2}s; ratio $(ratio "$a2" "$a1")x"
