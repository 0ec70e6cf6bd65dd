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
# Output: tests/ui/out/e2e.png, tests/ui/out/e2e-ocr.png, tests/ui/out/wails-dev.log
set -euo pipefail

NAME=run-e2e
PORT=${PORT:-34115}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -f "$OUT/e2e.png" "$OUT/e2e-ocr.png" "$OUT/e2e-failure.png"

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
# A scanned page: TAMReview.pdf's first page rendered at 200 dpi (pdftoppm)
# and wrapped as an image-only PDF by Folio's own writer, for the OCR check.
SCANSRC=${FOLIO_SHARED:-$ROOT/../shared}/data/pdf/pdfjs/TAMReview.pdf
if [[ -f $SCANSRC ]] && command -v pdftoppm >/dev/null; then
  pdftoppm -r 200 -f 1 -l 1 -gray -singlefile -png "$SCANSRC" "$TMP/tam-page"
  (cd "$ROOT" && go run ./tests/ui/scanpdf -dpi 200 -o "$DOCS/tam-scan.pdf" "$TMP/tam-page.png")
else
  echo "run-e2e: $SCANSRC or pdftoppm missing; the scanned-page (OCR) check is skipped"
fi

start_wails_dev "$TMP/data"
run_spec e2e.spec.mjs --docs "$DOCS"
