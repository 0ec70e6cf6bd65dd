#!/usr/bin/env python3
"""Generate backend/encoder/testdata/embeddings_ref.json: reference vectors
from sentence-transformers (PyTorch) for ~20 texts, for the Go vector parity
test (cosine >= 0.9999 each). SciFact abstracts longer than 256 tokens check
truncation.

usage: python3 scripts/gen_embedding_fixtures.py MODEL_DIR [OUT_JSON]
needs: pip install torch sentence-transformers  (fixture generation only)
"""
import json
import os
import sys

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCIFACT = "/work/shared/data/retrieval/scifact/corpus.jsonl"

TEXTS = [
    "",
    "hello",
    "The quick brown fox jumps over the lazy dog.",
    "How many points did the Panthers defense surrender?",
    "Café résumé naïve façade — accents are stripped.",
    "日本語のテキストと中文混合 text.",
    "emoji 😀👍 and symbols ∑∫√ (p<0.05), IL-6/TNF-α.",
    "Folio answers questions from your own documents, on your own machine.",
    "A very short one.",
    "Mean pooling with the attention mask, then L2 normalisation.",
    "ALL CAPS TEXT WITH NUMBERS 1234 AND PUNCTUATION!!!",
    "multi\nline\ttext   with   spaces",
]


def scifact(n):
    out = []
    with open(SCIFACT) as f:
        for line in f:
            d = json.loads(line)
            out.append(d["text"])
            if len(out) >= n:
                break
    return out


def main():
    model_dir = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        ROOT, "backend/encoder/testdata/embeddings_ref.json")
    torch.manual_seed(0)
    m = SentenceTransformer(model_dir, device="cpu")
    assert m.max_seq_length == 256, m.max_seq_length
    texts = TEXTS + scifact(8)
    vecs = m.encode(texts, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
    cases = []
    for t, v in zip(texts, vecs):
        ntok = len(m.tokenizer(t, truncation=True, max_length=256)["input_ids"])
        cases.append({"text": t, "tokens": ntok,
                      "vector": [float(np.float32(x)) for x in v]})
    doc = {
        "generator": "scripts/gen_embedding_fixtures.py",
        "reference": "sentence-transformers %s, torch %s, all-MiniLM-L6-v2 (model.safetensors)" % (
            sentence_transformers.__version__, torch.__version__),
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    print(f"wrote {len(cases)} vectors to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
