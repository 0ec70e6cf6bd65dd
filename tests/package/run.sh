#!/usr/bin/env bash
# The Debian package, installed like any desktop app: build it (make
# package), install it with apt-get, then through /usr/bin/folio with a
# fresh HOME and no `models install`:
#   - index a folder of ../shared's pdf.js PDFs: the library is hybrid on
#     the bundled all-MiniLM-L6-v2, every chunk has a vector;
#   - ask a question (ask --json --no-generate): a hybrid answer citing the
#     right PDF; status names the bundled generator;
#   - the real-window smoke test (tests/ui/run-smoke.sh) on /usr/bin/folio;
#   - the first run in the window (tests/ui/firstrun.sh): welcome, Add
#     folder…, progress, an answer with a citation;
# then `apt-get remove --purge` and check every file the package installed
# is gone and the user's library is still there. Needs root or sudo (SUDO=).
# Env: DEB=path skips the build and installs that package.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/ui/out
SHARED=${FOLIO_SHARED:-$ROOT/../shared}
SUDO=${SUDO-$([ "$(id -u)" = 0 ] || echo sudo)}
die() { echo "package test: $*" >&2; exit 1; }
T0=$SECONDS
mkdir -p "$OUT"
cd "$ROOT"

PDFS=$SHARED/data/pdf/pdfjs
[[ -f $PDFS/tracemonkey.pdf ]] || { echo "package test: $PDFS/tracemonkey.pdf missing: skipping (needs ../shared)"; exit 0; }
command -v python3 >/dev/null || die "missing python3 (reads ask --json)"

if [[ -z ${DEB:-} ]]; then
  make -s package >"$OUT/package-build.log" 2>&1 || { tail -30 "$OUT/package-build.log" >&2; die "make package failed"; }
  DEB=$(ls "$ROOT"/dist/folio_*_amd64.deb | head -1)
  grep '^package:' "$OUT/package-build.log" || true
fi
[[ -f $DEB ]] || die "no package at $DEB"
echo "package test: built $DEB in $((SECONDS - T0)) s"

TMP=$(mktemp -d /tmp/folio-pkgtest.XXXXXX)
installed=0
cleanup() {
  local rc=$?
  if ((installed)); then $SUDO apt-get remove --purge -y -qq folio >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$DEB")" >"$OUT/package-install.log" 2>&1 ||
  { tail -20 "$OUT/package-install.log" >&2; die "apt-get install failed"; }
installed=1
dpkg -L folio | sort >"$TMP/files"
echo "package test: installed ($(wc -l <"$TMP/files") paths) in $((SECONDS - T0)) s: $(/usr/bin/folio --version)"
[[ -f /usr/share/folio/models/all-MiniLM-L6-v2/model.safetensors && -f /usr/share/folio/models/SmolLM2-135M-Instruct.Q4_1.gguf ]] ||
  die "the bundled models are not in /usr/share/folio/models"

# A person's first run: a fresh home, the default library location, no
# model installed by hand.
export HOME=$TMP/home
unset XDG_DATA_HOME FOLIO_SYSTEM_MODELS
mkdir -p "$HOME" "$TMP/docs"
cp "$PDFS"/{tracemonkey.pdf,TAMReview.pdf,basicapi.pdf} "$TMP/docs/"
LIB=$HOME/.local/share/Folio
echo "package test: first run at $((SECONDS - T0)) s"
/usr/bin/folio index "$TMP/docs" >"$OUT/package-index.log" 2>&1 || { cat "$OUT/package-index.log" >&2; die "index failed"; }
/usr/bin/folio status --json >"$TMP/status.json" || die "status failed"
python3 - "$TMP/status.json" <<'PY' || die "status: $(cat "$TMP/status.json" | head -c 400)"
import json, sys
s = json.load(open(sys.argv[1]))
s = s.get("status", s)
assert s["mode"] == "hybrid", s
assert s["model"] == "all-MiniLM-L6-v2", s
assert s["docs"] == 3 and s["chunks"] > 0 and s["vectors"] == s["chunks"], s
assert s.get("generator") == "SmolLM2-135M-Instruct.Q4_1", s  # the bundled GGUF found, not installed
print(f"package test: indexed {s['docs']} PDFs, {s['chunks']} chunks, all embedded by the bundled model; generator {s['generator']}")
PY
[[ ! -e $LIB/models/all-MiniLM-L6-v2 ]] || die "the bundled model was copied into the library"

# --no-generate: the hybrid answer (sentences from the PDFs) the brief asks
# for, without minutes of generation on a busy CI machine; the smoke test
# below asks through the window with the bundled generator on.
/usr/bin/folio ask --json --no-generate "What is trace-based just-in-time compilation?" >"$TMP/answer.json" 2>"$OUT/package-ask.log" ||
  { cat "$OUT/package-ask.log" >&2; die "ask failed"; }
python3 - "$TMP/answer.json" <<'PY' || die "ask --json: $(head -c 600 "$TMP/answer.json")"
import json, sys
a = json.load(open(sys.argv[1]))
cites = a.get("citations") or []
assert cites, "no citation"
assert any(c["path"].endswith("tracemonkey.pdf") for c in cites), [c["path"] for c in cites]
assert a["mode"] == "hybrid", a["mode"]
assert a.get("answer", "").strip(), "empty answer"
print(f"package test: answer ({a['mode']}{', by ' + a['model'] if a.get('model') else ''}) with {len(cites)} citations, [1] {cites[0]['path'].rsplit('/', 1)[-1]}")
PY

echo "package test: indexed and answered at $((SECONDS - T0)) s"
BIN=/usr/bin/folio "$ROOT/tests/ui/run-smoke.sh"
# A person's first run in the window: a fresh HOME, the welcome, "Add
# folder…" through GTK's chooser, the progress, an answer citing the PDF.
BIN=/usr/bin/folio "$ROOT/tests/ui/firstrun.sh"

$SUDO apt-get remove --purge -y -qq folio >"$OUT/package-remove.log" 2>&1 || { cat "$OUT/package-remove.log" >&2; die "remove failed"; }
installed=0
left=$(while read -r p; do if [[ -f $p || -L $p ]]; then echo "$p"; fi; done <"$TMP/files")
[[ -z $left ]] || die "files left after purge: $left"
[[ ! -e /usr/share/folio && ! -e /usr/share/doc/folio ]] || die "/usr/share/folio or its docs left after purge"
! dpkg -s folio >/dev/null 2>&1 || die "dpkg still knows folio"
[[ -d $LIB ]] || die "the purge took the user's library"
echo "package test: PASS in $((SECONDS - T0)) s (purged: no file of the package left; the library in \$HOME stays)"
