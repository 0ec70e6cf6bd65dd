#!/usr/bin/env python3
"""Reference analysis of the answer composer's sentence scoring (backend/answer).

Reads a dump of every question's candidate sentences, as written by a
temporary hook in answer.Composer.score (one JSON object a line):

    {"q": question, "hits": n, "rows": [{"Hit": passage rank, "Text": sentence,
      "Lex": .., "Near": .., "Cos": .., "Match": .., "S": final score}, ...]}

and the SQuAD-format file the questions came from, and prints:
  - first / any@4 / any@3 of ranking by the dumped score S (pick's MMR is not
    simulated: any@k here is over the top k by score);
  - leave-one-article-out cross-validated first / any@4 of a weight grid over
    (lex, near, cos, rank, match), chosen per fold on the other articles;
  - with --calibrate IN OUT (dumps of a run whose questions are answerable and
    one whose are not), the share answered / refused at each lead bar.

Used to choose the weights and bars in answer.go (see combine, scoreBars).
Packages: numpy==2.4.6 (Python 3.11+); nothing else.

    python3 scripts/qa_features.py dump.jsonl ../shared/data/qa/xquad.en.dev.json
    python3 scripts/qa_features.py dump.jsonl xquad.json --calibrate in.jsonl out.jsonl
"""
import argparse
import itertools
import json
import re
import string

import numpy as np


def norm(s):
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())


def holds(text, golds):
    t = " " + norm(text) + " "
    return any(" " + norm(g) + " " in t for g in golds if norm(g))


def load(dump, squad):
    gold, art = {}, {}
    for ai, a in enumerate(json.load(open(squad))["data"]):
        for p in a["paragraphs"]:
            for q in p["qas"]:
                gold[q["question"]] = [x["text"] for x in q["answers"]]
                art[q["question"]] = ai
    out = []
    for line in open(dump):
        r = json.loads(line)
        rows = r["rows"]
        F = np.array([[x["Lex"], x["Near"], max(0, x["Cos"]), 1 / (x["Hit"] + 1),
                       max(0, x.get("Match", 0)), x.get("S", 0)] for x in rows]).reshape(-1, 6)
        y = np.array([holds(x["Text"], gold[r["q"]]) for x in rows], float)
        out.append((F, y, art[r["q"]]))
    return out


def rates(data, w):
    f = a4 = a3 = 0
    for F, y, _ in data:
        if len(y) == 0:
            continue
        o = np.argsort(-(F @ w), kind="stable")
        f += y[o[0]]
        a4 += y[o[:4]].max()
        a3 += y[o[:3]].max()
    n = len(data)
    return f / n, a4 / n, a3 / n


def cv(data, grid):
    cands = [np.array(list(c) + [0]) for c in itertools.product(*grid)]
    first = np.zeros((len(cands), len(data)))
    any4 = np.zeros_like(first)
    for qi, (F, y, _) in enumerate(data):
        if len(y) == 0:
            continue
        S = F @ np.array(cands).T
        o = np.argsort(-S, axis=0, kind="stable")
        first[:, qi] = y[o[0]]
        any4[:, qi] = y[o[:4]].max(0)
    arts = np.array([a for _, _, a in data])
    obj = first + 0.5 * any4
    f = a = 0
    for A in sorted(set(arts)):
        tr = arts != A
        b = np.argmax(obj[:, tr].mean(1))
        f += first[b, ~tr].sum()
        a += any4[b, ~tr].sum()
    return f / len(data), a / len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("squad")
    ap.add_argument("--calibrate", nargs=2, metavar=("IN", "OUT"))
    args = ap.parse_args()
    data = load(args.dump, args.squad)
    print("by S: first %.4f any@4 %.4f any@3 %.4f" % rates(data, np.array([0, 0, 0, 0, 0, 1.0])))
    print("fixed (2,1,2,1,8)/14: first %.4f any@4 %.4f any@3 %.4f" % rates(data, np.array([2, 1, 2, 1, 8, 0]) / 14))
    grid = [[1, 2, 3], [0, 1, 2], [1, 2, 3], [0.5, 1, 2], [6, 8, 10, 12]]
    print("leave-one-article-out over a grid: first %.4f any@4 %.4f" % cv(data, grid))
    if args.calibrate:
        def leads(p):
            return np.array([max([x["S"] for x in json.loads(l)["rows"]] or [0]) for l in open(p)])
        inn, out = leads(args.calibrate[0]), leads(args.calibrate[1])
        for t in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55]:
            print("lead bar %.2f: answerable answered %.3f, unanswerable refused %.3f" % (t, (inn >= t).mean(), (out < t).mean()))


if __name__ == "__main__":
    main()
