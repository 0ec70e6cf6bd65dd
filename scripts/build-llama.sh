#!/usr/bin/env bash
# build-llama.sh OUTDIR
#
# Builds llama.cpp's static libraries (libllama, libggml*, the CPU backend)
# and its own llama-bench into OUTDIR, from the vendor/llama.cpp tree of the
# PyPI sdist llama-cpp-python==$VERSION (MIT). Folio's cgo adapter
# (backend/llm) links these libraries; OUTDIR's name carries the version and
# the flags, so a warm `make` finds them and builds nothing.
#
# Flags: x86-64-v3 (AVX2, FMA, F16C, BMI2), not -march=native (which fails to
# link on some Xeons: an AMX symbol), no OpenMP (ggml's own thread pool, which
# Folio asks not to spin), no network code. Idempotent: does nothing when
# OUTDIR/.complete exists. Runs under nice; JOBS sets the parallelism.
set -euo pipefail

VERSION=0.3.36
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=${1%/}
if [ -f "$OUT/.complete" ]; then
  echo "build-llama: $OUT is up to date"
  exit 0
fi
for t in cmake c++; do
  command -v $t >/dev/null || { echo "build-llama: $t not found (apt-get install cmake build-essential)" >&2; exit 1; }
done
PY=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}

mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$(dirname "$OUT")/.build-llama.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

SDIST=${LLAMA_SDIST:-}
if [ -z "$SDIST" ]; then
  echo "build-llama: downloading llama-cpp-python==$VERSION (sdist) from PyPI"
  "$PY" -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
    --dest "$TMP/dl" "llama-cpp-python==$VERSION" 2>/dev/null ||
  "$PY" -m pip download --quiet --no-deps --no-binary :all: --dest "$TMP/dl" "llama-cpp-python==$VERSION"
  SDIST=$(ls "$TMP"/dl/llama_cpp_python-$VERSION.tar.gz)
fi
tar -xzf "$SDIST" -C "$TMP" "llama_cpp_python-$VERSION/vendor/llama.cpp"
SRC="$TMP/llama_cpp_python-$VERSION/vendor/llama.cpp"

# ggml's thread barrier spins until every thread arrives. On a busy machine
# a thread waiting for one the kernel descheduled burns its time slice, and
# two threads ran 20-50x slower than one. The wait yields the CPU after 4096
# pauses (microseconds). Folio's library and llama-bench share this source.
CPU_C="$SRC/ggml/src/ggml-cpu/ggml-cpu.c"
perl -0pi -e 's/(&tp->n_barrier_passed, memory_order_relaxed\) == n_passed\) \{\n)(\s*)ggml_thread_cpu_relax\(\);/$1$2if (++folio_spins > 4096) { sched_yield(); } else { ggml_thread_cpu_relax(); }/' "$CPU_C"
perl -0pi -e 's/(\n(\s*)int n_passed = atomic_load_explicit\(&tp->n_barrier_passed)/\n$2int folio_spins = 0;$1/' "$CPU_C"
[ "$(grep -c folio_spins "$CPU_C")" = 2 ] || { echo "build-llama: could not patch ggml's barrier in $CPU_C" >&2; exit 1; }

V3="-march=x86-64-v3 -O3"
echo "build-llama: compiling llama.cpp ($JOBS jobs, nice 10; several minutes on 2 cores)"
cmake -S "$SRC" -B "$TMP/build" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
  -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
  -DCMAKE_C_FLAGS="$V3" -DCMAKE_CXX_FLAGS="$V3" \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_OPENSSL=OFF -DLLAMA_SUBPROCESS=OFF \
  -DLLAMA_BUILD_IS_DEV=OFF >"$TMP/cmake.log" 2>&1 || { cat "$TMP/cmake.log" >&2; exit 1; }
nice -n 10 cmake --build "$TMP/build" -j "$JOBS" --target llama llama-bench >"$TMP/build.log" 2>&1 ||
  { tail -50 "$TMP/build.log" >&2; exit 1; }

STAGE="$TMP/out"
mkdir -p "$STAGE/lib" "$STAGE/include" "$STAGE/bin"
find "$TMP/build" -name '*.a' \( -name 'libllama.a' -o -name 'libggml*.a' \) -exec cp {} "$STAGE/lib/" \;
cp "$SRC"/include/llama.h "$SRC"/ggml/include/*.h "$STAGE/include/"
cp "$(find "$TMP/build" -type f -name llama-bench -perm -u+x | head -n1)" "$STAGE/bin/"
cp "$SRC/LICENSE" "$STAGE/LICENSE"
echo "llama-cpp-python $VERSION vendor/llama.cpp; flags: $V3 static, no OpenMP, yielding barrier" >"$STAGE/VERSION"
touch "$STAGE/.complete"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
echo "build-llama: installed into $OUT"; ls "$OUT/lib"
