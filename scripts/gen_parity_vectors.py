#!/usr/bin/env python3
"""Generate the reference of backend/encoder/parity_test.go (issue 4,
"Vector parity"): sentence-transformers embeddings of the first 1,000 SciFact
abstracts and 100 queries with all-MiniLM-L6-v2 (max_seq_length 256), and
each query's top 10 documents by cosine.

Input format: a document is title + " " + text (the BEIR convention), a
query its text, both from ../shared/data/retrieval/scifact.

Writes to backend/encoder/testdata/:
  scifact_parity.json     ids, token counts, top-10 lists, versions
  scifact_parity.f32.gz   gzip of float32 little-endian vectors, row-major:
                          1000 documents × 384, then 100 queries × 384

usage: .cache/venv/bin/python scripts/gen_parity_vectors.py [MODEL_DIR [SHARED_DIR]]
needs: pip install torch sentence-transformers  (fixture generation only;
       made with torch 2.15.0, sentence-transformers 6.2.0,
       transformers 5.23.0; the versions are recorded in the JSON)
"""
import gzip
import json
import os
import sys

import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "backend/encoder/testdata")
N_DOCS, N_QUERIES, TOP_K = 1000, 100, 10


def read_jsonl(path, n):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
            if len(out) >= n:
                break
    return out


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".cache/models/all-MiniLM-L6-v2")
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(ROOT), "shared")
    scifact = os.path.join(shared, "data/retrieval/scifact")
    torch.set_num_threads(2)
    m = SentenceTransformer(model_dir, device="cpu")
    assert m.max_seq_length == 256, m.max_seq_length

    docs = read_jsonl(os.path.join(scifact, "corpus.jsonl"), N_DOCS)
    queries = read_jsonl(os.path.join(scifact, "queries.jsonl"), N_QUERIES)
    doc_texts = [d["title"] + " " + d["text"] for d in docs]
    q_texts = [q["text"] for q in queries]
    dv = m.encode(doc_texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                  show_progress_bar=False).astype(np.float32)
    qv = m.encode(q_texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                  show_progress_bar=False).astype(np.float32)
    assert dv.shape == (N_DOCS, 384) and qv.shape == (N_QUERIES, 384)

    sims = qv.astype(np.float64) @ dv.astype(np.float64).T
    top = []
    for i in range(N_QUERIES):
        order = np.argsort(-sims[i], kind="stable")[:TOP_K]
        top.append([docs[j]["_id"] for j in order])
    # How close the 10th and 11th scores come: near-ties could flip.
    gaps = [float(np.sort(s)[::-1][TOP_K - 1] - np.sort(s)[::-1][TOP_K]) for s in sims]

    def ntok(t):
        return len(m.tokenizer(t, truncation=True, max_length=256)["input_ids"])

    meta = {
        "generator": "scripts/gen_parity_vectors.py",
        "reference": "sentence-transformers %s, transformers %s, torch %s, all-MiniLM-L6-v2 (model.safetensors)" % (
            sentence_transformers.__version__, transformers.__version__, torch.__version__),
        "input": "document = title + \" \" + text; query = text; max_seq_length 256",
        "dim": 384,
        "vectors": "scifact_parity.f32.gz: float32 LE, documents then queries",
        "doc_ids": [d["_id"] for d in docs],
        "doc_tokens": [ntok(t) for t in doc_texts],
        "query_ids": [q["_id"] for q in queries],
        "top10": top,
        "min_gap_10_11": min(gaps),
    }
    with gzip.GzipFile(os.path.join(OUT, "scifact_parity.f32.gz"), "wb", mtime=0) as f:
        f.write(np.concatenate([dv, qv]).astype("<f4").tobytes())
    with open(os.path.join(OUT, "scifact_parity.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)
    print("wrote %d document and %d query vectors; smallest 10th/11th gap %.2g" % (
        N_DOCS, N_QUERIES, min(gaps)), file=sys.stderr)


if __name__ == "__main__":
    main()
