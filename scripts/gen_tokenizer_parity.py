#!/usr/bin/env python3
"""Generate backend/encoder/testdata/tokenizer_parity.json.gz: Hugging Face
WordPiece ids for every SciFact document (title and text as separate inputs,
then title + " " + text as Folio's embedding parity embeds a document), every
SciFact query and every XQuAD context and question, for the Go tokenizer
parity test (TestTokenizerCorpusParity).

Reference: transformers' pure-Python BertTokenizerLegacy (the canonical
BasicTokenizer + WordpieceTokenizer; in transformers >= 5 the name
BertTokenizer is the Rust-backed fast tokenizer). The fast tokenizer
(BertTokenizerFast, tokenizers library, what sentence-transformers runs) is
checked on every input too and any disagreement is recorded with both id
lists.

Configurations, all over the all-MiniLM-L6-v2 vocab.txt, with special tokens:
  uncased        do_lower_case=True (accents stripped), no truncation
  cased          do_lower_case=False, strip_accents left at its default
                 (None: no stripping), no truncation
  uncased_trunc  uncased, truncation=True, max_length=256; recorded only for
                 inputs longer than 256 ids (the script checks that the
                 others are unchanged by truncation)

Per input the file keeps the id count and the first 16 hex digits of
sha256(",".join(decimal ids)); full ids only for the first FULL inputs.
An "edge" section adds hand-made texts (the HANDMADE list of
gen_tokenizer_fixtures.py plus EXTRA below: special tokens in text, cased
forms, combining marks, CJK range edges, control and format characters)
with their full slow and fast ids for the uncased and cased configurations.

The corpus inputs are not stored: the Go test reads them from /work/shared in the
same order (SciFact corpus.jsonl line order, title then text; the documents
again as title + " " + text; queries.jsonl order; XQuAD file order, each
paragraph's context then its questions) and checks a sha256 of the texts.

usage: python3 scripts/gen_tokenizer_parity.py MODEL_DIR [OUT_JSON_GZ]
       python3 scripts/gen_tokenizer_parity.py MODEL_DIR --show INDEX
         (prints one input and its reference ids per configuration, to
         debug a mismatch the Go test reports beyond the stored full ids)
needs (fixture generation only, in a venv):
  pip install transformers==5.23.0 tokenizers==0.23.3   (no torch needed)
"""
import gzip
import hashlib
import json
import os
import sys
import time

import tokenizers
import transformers
from transformers import BertTokenizerFast, BertTokenizerLegacy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("FOLIO_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
SCIFACT = "data/retrieval/scifact/corpus.jsonl"
SCIFACT_QUERIES = "data/retrieval/scifact/queries.jsonl"
XQUAD = "data/qa/xquad.en.dev.json"
MAX_LEN = 256
FULL = 50  # inputs per configuration stored with their full ids (20 for uncased_trunc)
HASH_HEX = 12


EXTRA = [
    "a[CLS]b [SEP] x [cls] [MASK]y [PAD][UNK]", "[CLS]", "[[SEP]]", "[SEP", "x [MASK].",
    "e\u0301 cafe\u0301 CAFE\u0301 Cafe\u0301", "x\u0301 \u0301 a\u0300\u0301", "Ångström ÅNGSTRÖM",
    "ΟΔΟΣ", "Σ", "ΑΣ.", "İ", "ǅ ǈ ǋ", "ᾼ ᾳ", "ß SS", "ﬃ ﬁ", "K Å Ω", "\u0345 \u0399",
    "a\u200db \ufeffbom x\u00ady \u2060wj", "tab\x0bvt\x0cff\x85nel", "\u180e mongolian \u1680 ogham",
    "\u4dff\u4e00 \u9fff\ua000 \u33ff\u3400 \uf8ff\uf900 \ufaff\ufb00", "\U0002a6df\U0002a6e0 \U0002ebe0 \U00030000",
    "\u3040 \u30a2 \uac00 hangul \u3131", "‐‑‒–—―", "¡¿‽⁂", "℃ ℉ № ™ ©", "$+<=>^`|~", "\u00b4\u02c6\u02dc",
    "McDonald's iPhone eBay", "UPPER lower MiXeD 123ABC", "Dr. Smith's p53-mediated IL-2Rα",
    "x" * 50 + "é" * 50, "é" * 101, "a" * 100 + "\u0301",
]


def id_hash(ids):
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:HASH_HEX]


def texts_hash(texts):
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def load_sources():
    sci = []
    with open(os.path.join(SHARED, SCIFACT), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            sci.append(d["title"])
            sci.append(d["text"])
    # A document as Folio's embedding parity embeds it (BEIR convention).
    doc = [sci[i] + " " + sci[i + 1] for i in range(0, len(sci), 2)]
    qs = []
    with open(os.path.join(SHARED, SCIFACT_QUERIES), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                qs.append(json.loads(line)["text"])
    xq = []
    with open(os.path.join(SHARED, XQUAD), encoding="utf-8") as f:
        d = json.load(f)
    for art in d["data"]:
        for p in art["paragraphs"]:
            xq.append(p["context"])
            for qa in p["qas"]:
                xq.append(qa["question"])
    return [("scifact", SCIFACT, sci), ("scifact_doc", SCIFACT, doc),
            ("scifact_queries", SCIFACT_QUERIES, qs), ("xquad", XQUAD, xq)]


def run(slow, fast, texts, **kw):
    """Returns slow ids per text and the disagreements with fast."""
    out, disagree = [], []
    for i, t in enumerate(texts):
        s = slow(t, add_special_tokens=True, **kw)["input_ids"]
        f = fast(t, add_special_tokens=True, **kw)["input_ids"]
        if s != f:
            disagree.append({"index": i, "slow": s, "fast": f})
        out.append(s)
    return out, disagree


def timed(fn, reps=3):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def show(model_dir, index):
    texts = [t for _, _, ts in load_sources() for t in ts]
    text = texts[index]
    print(json.dumps({"index": index, "text": text}, ensure_ascii=False))
    for name, lc, trunc in (("uncased", True, False), ("cased", False, False), ("uncased_trunc", True, True)):
        kw = {"truncation": True, "max_length": MAX_LEN} if trunc else {}
        for cls in (BertTokenizerLegacy, BertTokenizerFast):
            t = cls.from_pretrained(model_dir, do_lower_case=lc, model_max_length=1 << 30)
            ids = t(text, add_special_tokens=True, **kw)["input_ids"]
            print(name, cls.__name__, len(ids), id_hash(ids), ids)


def edge_cases(tok):
    """Full slow and fast ids of the hand-made texts, per configuration."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gen_tokenizer_fixtures import HANDMADE
    texts = list(HANDMADE) + EXTRA
    out = {"texts": texts}
    for name, lc in (("uncased", True), ("cased", False)):
        slow, fast = tok[lc]
        cases = []
        for t in texts:
            s = slow(t)["input_ids"]
            f = fast(t)["input_ids"]
            cases.append({"slow": s, "fast": f} if s != f else {"slow": s})
            if s != f:
                print(f"edge {name}: slow/fast disagree on {t!r}", file=sys.stderr)
        out[name] = cases
    return out


def main():
    model_dir = sys.argv[1]
    if len(sys.argv) > 3 and sys.argv[2] == "--show":
        return show(model_dir, int(sys.argv[3]))
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        ROOT, "backend/encoder/testdata/tokenizer_parity.json.gz")
    sources = load_sources()
    texts = [t for _, _, ts in sources for t in ts]
    vocab_path = os.path.join(model_dir, "vocab.txt")
    with open(vocab_path, "rb") as f:
        vocab_sha = hashlib.sha256(f.read()).hexdigest()

    big = 1 << 30  # silences the "longer than model_max_length" warning
    tok = {
        lc: (BertTokenizerLegacy.from_pretrained(model_dir, do_lower_case=lc, model_max_length=big),
             BertTokenizerFast.from_pretrained(model_dir, do_lower_case=lc, model_max_length=big))
        for lc in (True, False)
    }
    configs = {}
    full_uncased = None
    for name, lc, trunc in (("uncased", True, False), ("cased", False, False), ("uncased_trunc", True, True)):
        slow, fast = tok[lc]
        kw = {"truncation": True, "max_length": MAX_LEN} if trunc else {}
        t0 = time.perf_counter()
        ids, disagree = run(slow, fast, texts, **kw)
        took = time.perf_counter() - t0
        cfg = {
            "do_lower_case": lc,
            "strip_accents": None,
            "tokenize_chinese_chars": True,
            "max_length": MAX_LEN if trunc else 0,
            "inputs_checked": len(texts),
        }
        if trunc:
            idx = [i for i, x in enumerate(full_uncased) if len(x) > MAX_LEN]
            for i, x in enumerate(full_uncased):
                if len(x) <= MAX_LEN and ids[i] != x:
                    sys.exit(f"input {i}: truncation changed an input of {len(x)} ids")
            cfg["only_longer_than_max"] = True
            cfg["index"] = idx
            sel = [ids[i] for i in idx]
        else:
            sel = ids
        cfg["counts"] = [len(x) for x in sel]
        cfg["hashes"] = [id_hash(x) for x in sel]
        cfg["full"] = sel[:20 if trunc else FULL]
        cfg["slow_fast_disagree"] = disagree
        configs[name] = cfg
        if name == "uncased":
            full_uncased = ids
        print(f"{name}: {len(texts)} inputs, {len(sel)} recorded, {sum(map(len, sel))} ids, "
              f"{len(disagree)} slow/fast disagreements ({took:.1f} s for both)", file=sys.stderr)
        for d in disagree[:10]:
            t = texts[d["index"]]
            print(f"  slow/fast disagree on input {d['index']}: {t[:80]!r}", file=sys.stderr)

    # Speed of the references over all inputs (uncased, no truncation);
    # printed only, so the file stays byte-identical across runs.
    slow, fast = tok[True]
    backend = fast.backend_tokenizer
    timing = {
        "inputs": len(texts),
        "bytes": sum(len(t.encode("utf-8")) for t in texts),
        "fast_loop_s": timed(lambda: [fast(t)["input_ids"] for t in texts]),
        "fast_backend_loop_s": timed(lambda: [backend.encode(t).ids for t in texts]),
        "fast_backend_batch_s": timed(lambda: backend.encode_batch(texts)),
        "slow_loop_s": timed(lambda: [slow(t)["input_ids"] for t in texts], reps=1),
        "cpus": os.cpu_count(),
    }
    for k, v in timing.items():
        print(f"timing {k}: {v if isinstance(v, int) else round(v, 3)}", file=sys.stderr)

    doc = {
        "generator": "scripts/gen_tokenizer_parity.py",
        "reference": "transformers %s BertTokenizerLegacy (pure Python); checked against "
                     "BertTokenizerFast (tokenizers %s)" % (transformers.__version__, tokenizers.__version__),
        "vocab_sha256": vocab_sha,
        "hash": "first %d hex digits of sha256 of the decimal ids joined by ','" % HASH_HEX,
        "sources": [{"name": n, "path": p, "inputs": len(ts), "texts_sha256": texts_hash(ts)}
                    for n, p, ts in sources],
        "configs": configs,
        "edge": edge_cases(tok),
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(out_path, "wb") as f:
        # mtime=0 keeps the file byte-identical across runs.
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(raw)
    print(f"wrote {out_path} ({os.path.getsize(out_path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
