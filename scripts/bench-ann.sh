#!/usr/bin/env bash
# bench-ann.sh: Folio's HNSW (backend/index.Graph) next to hnswlib 0.6.2, on
# the ANN kit's clustered data, in the same run on the same machine.
#
#   build time   one thread each (hnswlib's anchor is single-threaded)
#   latency      p50 at the smallest ef where each reaches recall@10 ≥ 0.95
#   memory       bytes per vector, the vector included
#
# usage: scripts/bench-ann.sh [N]          (default 100000; 10000 for a quick look)
#        scripts/bench-ann.sh --data-only  only make the kit's data in .cache/ann/data
# env:   FOLIO_SHARED (default ../shared)  the shared folder with bench/ann
#        ANN_EFC (default 100), ANN_PARALLEL (default 2; 0 skips the parallel build)
# needs: g++, python3, libhnswlib-dev (installed here when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_ONLY=
if [ "${1:-}" = --data-only ]; then DATA_ONLY=1; shift; fi
N=${1:-100000}
EFC=${ANN_EFC:-100}
PAR=${ANN_PARALLEL:-2}
SHARED=${FOLIO_SHARED:-../shared}
KIT_SRC=$SHARED/bench/ann
CACHE=$PWD/.cache/ann
DATA=$CACHE/data
[ -f "$KIT_SRC/hnswlib/anchor.cpp" ] || { echo "bench-ann: $KIT_SRC not found (set FOLIO_SHARED)" >&2; exit 1; }

# The kit, copied (the shared folder is read-only), and its data, made once.
if [ ! -f "$CACHE/kit/hnswlib/anchor.cpp" ]; then
	mkdir -p "$CACHE/kit"
	cp -r "$KIT_SRC/." "$CACHE/kit/"
fi
if [ ! -f "$DATA/clustered.gt$N.i32" ]; then
	mkdir -p "$DATA"
	echo "bench-ann: generating the clustered data set (once) into $DATA" >&2
	(cd "$CACHE/kit" && go run ./cmd/gendata -kind clustered -ns "10000,100000,300000,$N" -out "$DATA")
fi

[ -z "$DATA_ONLY" ] || exit 0

# hnswlib (header-only) from Debian, as the Makefile installs packages.
if [ ! -f /usr/include/hnswlib/hnswlib.h ]; then
	SUDO=$([ "$(id -u)" = 0 ] || echo "sudo -n")
	echo "bench-ann: installing libhnswlib-dev" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libhnswlib-dev
fi
if [ ! -x "$CACHE/anchor" ] || [ "$CACHE/kit/hnswlib/anchor.cpp" -nt "$CACHE/anchor" ]; then
	g++ -O3 -march=native -std=c++17 -o "$CACHE/anchor" "$CACHE/kit/hnswlib/anchor.cpp"
fi

echo "bench-ann: N=$N, M=16, efConstruction=$EFC; load now: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
echo "bench-ann: hnswlib anchor (one thread)..." >&2
(cd "$CACHE" && ./anchor clustered "$N" "$EFC") >"$CACHE/anchor-$N.jsonl"
echo "bench-ann: folio annbench (one thread, then $PAR)..." >&2
go run ./tools/annbench -data "$DATA" -n "$N" -efc "$EFC" -workers 1 -parallel "$PAR" -json >"$CACHE/annbench-$N.json"

python3 - "$CACHE/anchor-$N.jsonl" "$CACHE/annbench-$N.json" <<'PY'
import json, sys
anchor = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
folio = json.load(open(sys.argv[2]))
build = next(a for a in anchor if a["phase"] == "build")
hq = [a for a in anchor if a["phase"] == "query"]
brute = next((a for a in anchor if a["phase"] == "brute"), None)
print(f"N={folio['n']}  M={folio['m']}  efConstruction={folio['efc']}")
print("latency: hnswlib per-thread CPU time; folio wall and per-thread CPU time")
print(f"{'ef':>5} | {'hnswlib recall@10':>17} {'p50 µs':>8} {'p99 µs':>8} | {'folio recall@10':>15} {'p50 µs':>8} {'CPU p50':>8} {'p99 µs':>8}")
fr = {r["ef"]: r for r in folio["runs"]}
for a in hq:
    f = fr.get(a["ef"], {})
    print(f"{a['ef']:>5} | {a['recall']:>17.4f} {a['p50_us']:>8.1f} {a['p99_us']:>8.1f} | "
          f"{f.get('recall@10', float('nan')):>15.4f} {f.get('p50_us', float('nan')):>8.1f} {f.get('cpu_p50_us', float('nan')):>8.1f} {f.get('p99_us', float('nan')):>8.1f}")
def first(runs, key):
    ok = [r for r in runs if r[key] >= 0.95]
    return min(ok, key=lambda r: r["ef"]) if ok else None
h, f = first(hq, "recall"), first(folio["runs"], "recall@10")
print(f"build (1 thread): hnswlib {build['wall_s']:.2f} s, folio {folio['build_seconds']:.2f} s, "
      f"ratio {folio['build_seconds'] / build['wall_s']:.2f}x (target ≤ 3x); CPU time: hnswlib {build['thread_cpu_s']:.2f} s, "
      f"folio {folio['build_cpu_seconds']:.2f} s (GC included), ratio {folio['build_cpu_seconds'] / build['thread_cpu_s']:.2f}x")
if folio.get("parallel_workers"):
    print(f"build ({folio['parallel_workers']} goroutines): folio {folio['parallel_build_seconds']:.2f} s, "
          f"recall@10 at ef=40 {folio['parallel_recall@10']:.4f}")
if h and f:
    print(f"p50 at recall@10 ≥ 0.95: hnswlib ef={h['ef']} {h['p50_us']:.1f} µs (recall {h['recall']:.4f}), "
          f"folio ef={f['ef']} {f['p50_us']:.1f} µs wall / {f['cpu_p50_us']:.1f} µs CPU (recall {f['recall@10']:.4f}), "
          f"ratio {f['p50_us'] / h['p50_us']:.2f}x wall, {f['cpu_p50_us'] / h['p50_us']:.2f}x CPU (target ≤ 2x)")
    f40, h40 = fr.get(40), next((a for a in hq if a["ef"] == 40), None)
    if f40 and h40:
        print(f"p50 at ef=40: hnswlib {h40['p50_us']:.1f} µs (recall {h40['recall']:.4f}), folio {f40['cpu_p50_us']:.1f} µs CPU "
              f"(recall {f40['recall@10']:.4f}), ratio {f40['cpu_p50_us'] / h40['p50_us']:.2f}x")
else:
    print("p50 at recall@10 ≥ 0.95: not reached by", "hnswlib" if not h else "folio")
print(f"memory per vector: hnswlib {build['rss_delta_per_vec']:.0f} B (RSS growth), folio {folio['bytes_per_vector']:.0f} B "
      f"(Go heap growth), ratio {folio['bytes_per_vector'] / build['rss_delta_per_vec']:.2f}x (target ≤ 2560 B)")
if brute:
    print(f"exact scan p50: hnswlib kernel (AVX-512) {brute['p50_us']:.1f} µs, folio (AVX2) {folio['exact_cpu_p50_us']:.1f} µs CPU, "
          f"ratio {folio['exact_cpu_p50_us'] / brute['p50_us']:.2f}x")
print("note: build times are wall time; the machine may be shared (load printed above).")
PY
