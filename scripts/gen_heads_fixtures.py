#!/usr/bin/env python3
"""Generate the fixtures of backend/encoder/heads_test.go.

Writes two tiny random-weight models (fixed seed) with transformers'
save_pretrained, so the Go test loads exactly the files PyTorch ran:

  backend/encoder/testdata/tiny_cls/  BertForSequenceClassification (3 labels)
  backend/encoder/testdata/tiny_qa/   BertForQuestionAnswering

and the reference outputs computed from those same files:

  testdata/heads_ref.json    pair encodings (input_ids, token_type_ids) and
                             classifier logits; QA windows (ids, types,
                             start/end logits) and the best answer span
  testdata/offsets_ref.json  (only with MODEL_DIR) ids and byte offsets of
                             the fast tokenizer of the real model for tricky
                             texts and XQuAD contexts

usage: .cache/venv/bin/python scripts/gen_heads_fixtures.py [MODEL_DIR]
needs: pip install torch sentence-transformers  (fixture generation only;
       made with torch 2.15.0, transformers 5.23.0, tokenizers 0.23.3,
       safetensors 0.8.0; the versions are recorded in heads_ref.json)
"""
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import (BertConfig, BertForQuestionAnswering,
                          BertForSequenceClassification, BertTokenizerFast)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "backend/encoder/testdata")
XQUAD = "/work/shared/data/qa/xquad.en.dev.json"

# The tiny vocabulary: enough words for real WordPiece splits, accents,
# CJK and punctuation. The last entry is a dummy (cybertron ignores it).
VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "a", "of", "in", "is", "was", "what", "who", "where", "when", "how",
    "many", "cat", "dog", "sat", "on", "mat", "run", "##s", "##ing", "##ed",
    "##n", "##ner", "hello", "world", ",", ".", "!", "?", "-", "(", ")", "'",
    "un", "##able", "ca", "##fe", "cafe", "paris", "france", "capital", "city",
    "river", "seine", "1", "##8", "##9", "year", "built", "tower", "eiffel",
    "中", "文", "naive", "resume", "tall", "metres", "[dummy]",
]
MAX_POS = 64
CLS_MAX_LEN = 48
QA_MAX_LEN = 32
QA_STRIDE = 6
QA_MAX_ANSWER = 8

PAIRS = [
    ("what is the capital of france?", "paris is the capital of france."),
    ("who sat on the mat?", "the cat sat on the mat."),
    ("hello", "world"),
    ("Where is the Eiffel tower?", "The Eiffel Tower was built in 1889 in Paris, France."),
    ("Café naïve résumé", "the dog's run-ning unable (中文)"),
    # Longer than CLS_MAX_LEN in total: longest-first truncation cases.
    ("the cat " * 30, "a dog"),
    ("a dog", "the cat sat on the mat " * 10),
    ("the cat sat " * 12, "on the mat " * 12),
    ("the river seine " * 9, "paris city " * 11 + "tower"),
    ("", "the cat"),
]

QA = [
    ("what is the capital of france?", "paris is the capital of france. the river seine runs in paris."),
    ("when was the eiffel tower built?",
     "The Eiffel Tower (Paris, France) was built in 1889. It is 330 metres tall. "
     "The tower is the tallest in the city of Paris; cafe, river, dog, cat."),
    ("Who sat?", "The cat sat on the mat, the dog sat on the cat's mat. Hello world!"),
    ("what?", "Café naïve résumé — un-able 中文 runs  running\truns."),
]


def write_tokenizer(d, max_len):
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer",
                   "model_max_length": max_len}, f, indent=2)
    # transformers 5 ignores vocab_file= in the constructor: load the folder.
    tok = BertTokenizerFast.from_pretrained(d)
    assert len(tok) == len(VOCAB) and tok.model_max_length == max_len
    return tok


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.1 * r)
            elif "embeddings" in name:
                p.copy_(0.5 * r)
            elif name.endswith("bias"):
                p.copy_(0.1 * r)
            else:
                p.copy_(0.3 * r)


def config(**kw):
    return BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=64,
                      max_position_embeddings=MAX_POS, type_vocab_size=2,
                      hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0,
                      hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **kw)


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)


def byte_off(text, c):
    return len(text[:c].encode("utf-8"))


def gen_cls():
    d = os.path.join(TESTDATA, "tiny_cls")
    fresh(d)
    cfg = config(num_labels=3, id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                 label2id={"contradiction": 0, "entailment": 1, "neutral": 2},
                 architectures=["BertForSequenceClassification"])
    m = BertForSequenceClassification(cfg)
    randomise(m, 1)
    m.save_pretrained(d)
    tok = write_tokenizer(d, CLS_MAX_LEN)
    m = BertForSequenceClassification.from_pretrained(d, attn_implementation="eager").eval()
    enc = tok([p[0] for p in PAIRS], [p[1] for p in PAIRS], truncation=True,
              max_length=CLS_MAX_LEN, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = m(**enc).logits
    cases = []
    for i, (a, b) in enumerate(PAIRS):
        n = int(enc["attention_mask"][i].sum())
        cases.append({"query": a, "passage": b,
                      "ids": enc["input_ids"][i][:n].tolist(),
                      "types": enc["token_type_ids"][i][:n].tolist(),
                      "logits": logits[i].tolist()})
    return cases


def gen_qa():
    d = os.path.join(TESTDATA, "tiny_qa")
    fresh(d)
    cfg = config(architectures=["BertForQuestionAnswering"])
    m = BertForQuestionAnswering(cfg)
    randomise(m, 2)
    m.save_pretrained(d)
    tok = write_tokenizer(d, QA_MAX_LEN)
    m = BertForQuestionAnswering.from_pretrained(d, attn_implementation="eager").eval()
    cases = []
    for q, c in QA:
        enc = tok(q, c, truncation="only_second", max_length=QA_MAX_LEN, stride=QA_STRIDE,
                  return_overflowing_tokens=True, return_offsets_mapping=True, padding=True,
                  return_tensors="pt")
        with torch.no_grad():
            out = m(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                    attention_mask=enc["attention_mask"])
        # Context token index of each window's first context token.
        all_ctx = tok(c, add_special_tokens=False, return_offsets_mapping=True)
        ctx_offsets = [tuple(o) for o in all_ctx["offset_mapping"]]
        windows, best = [], None
        start_tok = 0
        for w in range(enc["input_ids"].shape[0]):
            n = int(enc["attention_mask"][w].sum())
            seq = enc.sequence_ids(w)
            ctx_pos = [i for i in range(n) if seq[i] == 1]
            first = tuple(enc["offset_mapping"][w][ctx_pos[0]].tolist())
            start_tok = ctx_offsets.index(first, start_tok)
            s, e = out.start_logits[w], out.end_logits[w]
            windows.append({"ids": enc["input_ids"][w][:n].tolist(),
                            "types": enc["token_type_ids"][w][:n].tolist(),
                            "context_start": start_tok,
                            "start_logits": s[:n].tolist(), "end_logits": e[:n].tolist()})
            for i in ctx_pos:
                for j in ctx_pos:
                    if j < i or j - i + 1 > QA_MAX_ANSWER:
                        continue
                    score = float(s[i] + e[j])
                    if best is None or score > best["score"]:
                        best = {"score": score, "window": w,
                                "first_token": start_tok + i - ctx_pos[0],
                                "last_token": start_tok + j - ctx_pos[0],
                                "start": byte_off(c, int(enc["offset_mapping"][w][i][0])),
                                "end": byte_off(c, int(enc["offset_mapping"][w][j][1]))}
        best["text"] = c.encode("utf-8")[best["start"]:best["end"]].decode("utf-8")
        cases.append({"question": q, "context": c, "windows": windows, "answer": best,
                      "context_tokens": tok.convert_ids_to_tokens(all_ctx["input_ids"])})
    return cases


TRICKY = [
    "", "Hello, world!", "Café naïve résumé — façade", "  multiple   spaces\tand\nlines ",
    "İstanbul ŞEHİR", "日本語のテキストと中文混合 text.", "emoji 😀👍 and symbols ∑∫√ (p<0.05), IL-6/TNF-α.",
    "control\x00chars\u200bzero\u00a0nbsp", "e\u0301 combining acute", "don't stop-believing...",
    "ALL CAPS WITH NUMBERS 1234", "unaffable counterrevolutionaries", "ﬀ ﬃ ligatures",
]


def gen_offsets(model_dir):
    tok = BertTokenizerFast.from_pretrained(model_dir)
    texts = list(TRICKY)
    with open(XQUAD) as f:
        data = json.load(f)["data"]
    for art in data[:10]:
        for para in art["paragraphs"][:3]:
            texts.append(para["context"])
            texts.extend(qa["question"] for qa in para["qas"][:2])
    cases = []
    for t in texts:
        enc = tok(t, add_special_tokens=False, return_offsets_mapping=True)
        cases.append({"text": t, "ids": enc["input_ids"],
                      "offsets": [[byte_off(t, a), byte_off(t, b)] for a, b in enc["offset_mapping"]]})
    return cases


def main():
    torch.manual_seed(0)
    doc = {
        "generator": "scripts/gen_heads_fixtures.py",
        "reference": "transformers %s, torch %s" % (transformers.__version__, torch.__version__),
        "qa_max_len": QA_MAX_LEN, "qa_stride": QA_STRIDE, "qa_max_answer_tokens": QA_MAX_ANSWER,
        "classifier": gen_cls(),
        "qa": gen_qa(),
    }
    with open(os.path.join(TESTDATA, "heads_ref.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
    if len(sys.argv) > 1:
        off = {"generator": "scripts/gen_heads_fixtures.py",
               "reference": "tokenizers (BertTokenizerFast) of %s, transformers %s" % (
                   os.path.basename(sys.argv[1].rstrip("/")), transformers.__version__),
               "cases": gen_offsets(sys.argv[1])}
        with open(os.path.join(TESTDATA, "offsets_ref.json"), "w", encoding="utf-8") as f:
            json.dump(off, f, ensure_ascii=False)
    print("wrote", TESTDATA, file=sys.stderr)


if __name__ == "__main__":
    main()
