#!/usr/bin/env bash
# build-llama.sh [--bench] OUTDIR
#
# Builds llama.cpp's static libraries (libllama, libggml*, the CPU backend)
# into OUTDIR/{lib,include}, from the vendor/llama.cpp tree of the PyPI sdist
# llama-cpp-python==$VERSION (MIT). Folio's cgo adapter (backend/llm) links
# them. With --bench it also builds llama.cpp's own llama-bench and
# llama-completion (the classic CLI: the reference for grammar-held
# generation; both need
# llama.cpp's common library: minutes more) into OUTDIR/bin, for
# `make bench-generate`. OUTDIR's name carries the version and the flags,
# so a warm `make` finds it and compiles nothing; the unpacked sources and
# the cmake build tree stay in OUTDIR.work, so --bench later compiles only
# what the libraries did not.
#
# Flags: x86-64-v3 (AVX2, FMA, F16C, BMI2), not -march=native (which fails to
# link on some Xeons: an AMX symbol), no OpenMP (ggml's own thread pool, which
# Folio asks not to poll), no network code. JOBS sets the parallelism.
set -euo pipefail

VERSION=0.3.36
BENCH=0
if [ "${1:-}" = "--bench" ]; then BENCH=1; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: $0 [--bench] OUTDIR" >&2
  exit 2
fi
OUT=${1%/}
WORK="$OUT.work"
if [ -f "$OUT/.complete" ] && { [ $BENCH = 0 ] || { [ -x "$OUT/bin/llama-bench" ] && [ -x "$OUT/bin/llama-completion" ]; }; }; then
  echo "build-llama: $OUT is up to date"
  exit 0
fi
for t in cmake c++ perl; do
  command -v $t >/dev/null || { echo "build-llama: $t not found (apt-get install cmake build-essential)" >&2; exit 1; }
done
PY=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$WORK"
# cmake records the build tree's path: use the physical one, so a checkout
# reaching this cache through a symbolic link reuses the same tree.
WORK=$(cd "$WORK" && pwd -P)
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"

if [ ! -f "$WORK/.unpacked" ]; then
  rm -rf "$WORK"/*
  SDIST=${LLAMA_SDIST:-}
  if [ -z "$SDIST" ]; then
    echo "build-llama: downloading llama-cpp-python==$VERSION (sdist) from PyPI"
    "$PY" -m pip download --quiet --no-deps --no-binary :all: --dest "$WORK/dl" "llama-cpp-python==$VERSION"
    SDIST=$(ls "$WORK"/dl/llama_cpp_python-$VERSION.tar.gz)
  fi
  tar -xzf "$SDIST" -C "$WORK" "llama_cpp_python-$VERSION/vendor/llama.cpp"
  rm -rf "$WORK/dl"

  # ggml's thread barrier spins until every thread arrives. On a busy
  # machine a thread waiting for one the kernel descheduled burns its time
  # slice, and two threads ran 20-50x slower than one. The wait yields the
  # CPU after 4096 pauses (microseconds). Folio's library and llama-bench
  # share this source.
  CPU_C="$SRC/ggml/src/ggml-cpu/ggml-cpu.c"
  perl -0pi -e 's/(&tp->n_barrier_passed, memory_order_relaxed\) == n_passed\) \{\n)(\s*)ggml_thread_cpu_relax\(\);/$1$2if (++folio_spins > 4096) { sched_yield(); } else { ggml_thread_cpu_relax(); }/' "$CPU_C"
  perl -0pi -e 's/(\n(\s*)int n_passed = atomic_load_explicit\(&tp->n_barrier_passed)/\n$2int folio_spins = 0;$1/' "$CPU_C"
  [ "$(grep -c folio_spins "$CPU_C")" = 2 ] || { echo "build-llama: could not patch ggml's barrier in $CPU_C" >&2; exit 1; }
  touch "$WORK/.unpacked"
fi

V3="-march=x86-64-v3 -O3"
# A build tree configured at another path (a copied cache) cannot be
# reused: cmake refuses it. Configure afresh.
if [ -f "$WORK/build/CMakeCache.txt" ] &&
   ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$SRC" "$WORK/build/CMakeCache.txt"; then
  rm -rf "$WORK/build"
fi
if [ ! -f "$WORK/build/CMakeCache.txt" ]; then
  cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
    -DCMAKE_C_FLAGS="$V3" -DCMAKE_CXX_FLAGS="$V3" \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_OPENSSL=OFF -DLLAMA_SUBPROCESS=OFF \
    -DLLAMA_BUILD_IS_DEV=OFF >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; exit 1; }
fi
TARGETS="llama"
[ $BENCH = 1 ] && TARGETS="llama llama-bench llama-completion"
echo "build-llama: compiling llama.cpp ($TARGETS; $JOBS jobs; minutes on 2 cores)"
cmake --build "$WORK/build" -j "$JOBS" --target $TARGETS >"$WORK/build.log" 2>&1 ||
  { tail -50 "$WORK/build.log" >&2; exit 1; }

STAGE="$OUT.stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/lib" "$STAGE/include" "$STAGE/bin"
cp "$WORK/build/src/libllama.a" "$WORK"/build/ggml/src/libggml*.a "$STAGE/lib/"
cp "$SRC"/include/llama.h "$SRC"/ggml/include/*.h "$STAGE/include/"
for b in llama-bench llama-completion; do
  if [ -x "$WORK/build/bin/$b" ]; then cp "$WORK/build/bin/$b" "$STAGE/bin/"; fi
done
cp "$SRC/LICENSE" "$STAGE/LICENSE"
echo "llama-cpp-python $VERSION vendor/llama.cpp; $V3, static, no OpenMP, yielding barrier" >"$STAGE/VERSION"
touch "$STAGE/.complete"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
echo "build-llama: installed into $OUT"
