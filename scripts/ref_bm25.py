#!/usr/bin/env python3
"""Reference BM25 for `folio eval retrieval`: a plain, well-known BM25 on a
BEIR-format folder, scored with the same metrics (implemented here
independently of the Go code).

    .cache/venv/bin/pip install rank_bm25==0.2.2 snowballstemmer==3.1.1
    .cache/venv/bin/python scripts/ref_bm25.py --beir ../shared/data/retrieval/scifact [--qrels FILE] [--stem]

Ranking: rank_bm25 0.2.2's BM25Okapi with k1=1.2, b=0.75 (its default
epsilon=0.25 floor for negative IDFs), one document per BEIR doc: title + " "
+ text, no chunking. Tokenisation: lower-case, runs of \\w+ (Python's Unicode
\\w), minus the English stop words of Lucene's EnglishAnalyzer (33 words,
listed below). --stem adds snowballstemmer 3.1.1's English (Porter2) stemmer,
for comparison only: the committed reference is the unstemmed run.
Top 100 docs per query, ties broken by doc id. Metrics as pytrec_eval (BEIR):
nDCG@10 with gain = relevance and a log2 discount, ideal DCG from the qrels;
Recall@k over docs with relevance > 0; MRR@10 of the first relevant doc;
means over the queries that have qrels and a text.

Prints one JSON line: {"ndcg@10", "recall@10", "recall@100", "mrr@10", "qps",
"index_seconds", "mode", "queries", "docs", "reference"}.
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import time

from rank_bm25 import BM25Okapi

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.
STOP = set("""a an and are as at be but by for if in into is it no not of on or
such that the their then there these they this to was will with""".split())
WORD = re.compile(r"\w+")


def tokenizer(stem):
    stemmer = None
    if stem:
        import snowballstemmer
        stemmer = snowballstemmer.stemmer("english")

    def tok(text):
        words = [w for w in WORD.findall(text.lower()) if w not in STOP]
        return stemmer.stemWords(words) if stemmer else words
    return tok


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t")
        for i, row in enumerate(rows):
            if not row:
                continue
            if i == 0 and not row[-1].strip().lstrip("-").isdigit():
                continue  # header
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def metrics(ranked, rels):
    relevant = {d for d, r in rels.items() if r > 0}
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    rr = 0.0
    for i, d in enumerate(ranked[:10]):
        if d in relevant:
            rr = 1.0 / (i + 1)
            break
    n = len(relevant)
    return {
        "ndcg@10": dcg / idcg if idcg > 0 else 0.0,
        "recall@10": len(relevant & set(ranked[:10])) / n if n else 0.0,
        "recall@100": len(relevant & set(ranked[:100])) / n if n else 0.0,
        "mrr@10": rr,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--beir", required=True)
    ap.add_argument("--qrels")
    ap.add_argument("--stem", action="store_true")
    a = ap.parse_args()
    qrels_path = a.qrels
    if not qrels_path:
        test = os.path.join(a.beir, "qrels", "test.tsv")
        qrels_path = test if os.path.exists(test) else os.path.join(a.beir, "qrels", "train.tsv")
    tok = tokenizer(a.stem)
    corpus = read_jsonl(os.path.join(a.beir, "corpus.jsonl"))
    queries = {str(q["_id"]): q["text"] for q in read_jsonl(os.path.join(a.beir, "queries.jsonl"))}
    qrels = read_qrels(qrels_path)

    t0 = time.perf_counter()
    ids = [str(d["_id"]) for d in corpus]
    bm = BM25Okapi([tok((d.get("title") or "") + " " + (d.get("text") or "")) for d in corpus], k1=1.2, b=0.75)
    index_seconds = time.perf_counter() - t0

    qids = sorted(q for q in qrels if q in queries)
    sums = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    t0 = time.perf_counter()
    runs = {}
    for q in qids:
        scores = bm.get_scores(tok(queries[q]))
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))[:100]
        runs[q] = [ids[i] for i in order]
    secs = time.perf_counter() - t0
    for q in qids:
        for k, v in metrics(runs[q], qrels[q]).items():
            sums[k] += v
    out = {k: round(v / len(qids), 4) for k, v in sums.items()}
    out.update({
        "qps": round(len(qids) / secs, 1),
        "index_seconds": round(index_seconds, 2),
        "mode": "bm25",
        "queries": len(qids),
        "docs": len(ids),
        "reference": "rank_bm25 0.2.2 BM25Okapi k1=1.2 b=0.75, lowercase \\w+ minus Lucene English stop words"
                     + (", snowball English stemmer" if a.stem else ""),
        "qrels": os.path.basename(qrels_path),
    })
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
