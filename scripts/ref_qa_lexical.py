#!/usr/bin/env python3
"""Reference for `folio eval qa`: the plain lexical baseline the issue
quotes (0.71 first / 0.88 any on XQuAD en), measured in the same run.

    .cache/venv/bin/pip install rank_bm25==0.2.2
    .cache/venv/bin/python scripts/ref_qa_lexical.py --squad ../shared/data/qa/xquad.en.dev.json

Every context is one paragraph document. For each question: BM25 (rank_bm25
0.2.2 BM25Okapi, k1=1.2, b=0.75) over the paragraphs; the top 3 paragraphs
are split into sentences (after . ! ? followed by white space and a capital
or digit); the sentences are ranked by BM25 fitted on those sentences. The
first sentence is the "first highlighted sentence"; "any" counts the top 3
sentences. A gold answer is "inside" a sentence when its SQuAD-normalised
tokens (lower case, no punctuation or articles) appear there as a run.
Tokens: lower-case runs of \\w+ minus Lucene's 33 English stop words.

Prints one JSON line: {"first_sentence_hit", "any_citation_hit", "p50_ms",
"p95_ms", "questions", "reference"}.
"""
import argparse
import json
import re
import string
import time

from rank_bm25 import BM25Okapi

STOP = set("""a an and are as at be but by for if in into is it no not of on or
such that the their then there these they this to was will with""".split())
WORD = re.compile(r"\w+")
SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])")


def tokens(text):
    return [w for w in WORD.findall(text.lower()) if w not in STOP]


def norm(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def inside(sentence, gold):
    t = " " + norm(sentence) + " "
    return any(norm(g) and " " + norm(g) + " " in t for g in gold)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", required=True)
    args = ap.parse_args()
    data = json.load(open(args.squad, encoding="utf-8"))
    contexts, questions = [], []
    for art in data["data"]:
        for p in art["paragraphs"]:
            contexts.append(p["context"])
            for q in p["qas"]:
                gold = [a["text"] for a in q["answers"]]
                if gold:
                    questions.append((q["question"], gold))
    bm = BM25Okapi([tokens(c) for c in contexts])
    first = anyk = 0
    lat = []
    for q, gold in questions:
        t0 = time.perf_counter()
        qt = tokens(q)
        scores = bm.get_scores(qt)
        top = sorted(range(len(contexts)), key=lambda i: -scores[i])[:3]
        sents = [s for i in top for s in SPLIT.split(contexts[i]) if s.strip()]
        sb = BM25Okapi([tokens(s) or ["_"] for s in sents])
        ss = sb.get_scores(qt)
        ranked = [sents[i] for i in sorted(range(len(sents)), key=lambda i: -ss[i])]
        lat.append((time.perf_counter() - t0) * 1000)
        first += inside(ranked[0], gold)
        anyk += any(inside(s, gold) for s in ranked[:3])
    lat.sort()
    n = len(questions)
    print(json.dumps({
        "first_sentence_hit": round(first / n, 4), "any_citation_hit": round(anyk / n, 4),
        "p50_ms": round(lat[n // 2], 2), "p95_ms": round(lat[int(0.95 * (n - 1))], 2),
        "questions": n, "reference": "lexical: sentence BM25 within the top 3 BM25 paragraphs (rank_bm25)",
    }))


if __name__ == "__main__":
    main()
