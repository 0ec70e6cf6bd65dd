#!/usr/bin/env python3
"""The reference side of `folio eval embed`: sentence-transformers (PyTorch on
CPU) embeds the same texts with the same thread count, and prints one JSON
object: chunks/s, CPU seconds, p50 latency of one short query, peak RSS.

usage: python3 scripts/bench_embed_reference.py MODEL_DIR TEXTS.jsonl THREADS QUERY
Needs: pip install torch sentence-transformers (make bench-reference).
"""
import json
import resource
import statistics
import sys
import time

import torch
from sentence_transformers import SentenceTransformer


def main():
    model_dir, texts_path, threads, query = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(threads)
    texts = [json.loads(line) for line in open(texts_path, encoding="utf-8")]
    m = SentenceTransformer(model_dir, device="cpu")
    m.max_seq_length = 256
    loaded_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m.encode(texts[:16], batch_size=32)  # warm up
    t0, c0 = time.perf_counter(), time.process_time()
    m.encode(texts, batch_size=32, normalize_embeddings=True)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    lat = []
    for _ in range(50):
        q0 = time.perf_counter()
        m.encode([query], normalize_embeddings=True)
        lat.append(time.perf_counter() - q0)
    print(json.dumps({
        "chunks_per_s": len(texts) / dt,
        "seconds": dt,
        "cpu_s": cpu,
        "query_p50_ms": statistics.median(lat) * 1000,
        "rss_loaded_mb": loaded_kb / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
        "version": f"sentence-transformers, torch {torch.__version__}",
    }))


if __name__ == "__main__":
    main()
