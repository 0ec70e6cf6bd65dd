#!/usr/bin/env python3
"""Time sentence-transformers (PyTorch, 2 threads) on the same 48 256-token
chunks as the Go BenchmarkEmbed256, and print chunks/s.

usage: python3 scripts/bench_sentence_transformers.py MODEL_DIR [ROUNDS]
"""
import json
import os
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    model_dir = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(2)
    ref = json.load(open(os.path.join(ROOT, "backend/encoder/testdata/embeddings_ref.json")))
    long = [c["text"] for c in ref["cases"] if c["tokens"] == 256]
    texts = (long * 48)[:48]
    m = SentenceTransformer(model_dir, device="cpu")
    m.encode(texts[:8], batch_size=32)  # warm up
    best, best_cpu = 0.0, 1e9
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        m.encode(texts, batch_size=32, normalize_embeddings=True)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        best = max(best, len(texts) / dt)
        best_cpu = min(best_cpu, dc * 1000 / len(texts))
        print(f"sentence-transformers: {len(texts) / dt:.2f} chunks/s, {dc * 1000 / len(texts):.1f} cpu-ms/chunk", flush=True)
    print(f"best {best:.2f} chunks/s, {best_cpu:.1f} cpu-ms/chunk "
          f"(torch {torch.__version__}, threads {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
