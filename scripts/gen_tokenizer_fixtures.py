#!/usr/bin/env python3
"""Generate backend/encoder/testdata/tokenizer_ref.json: reference WordPiece ids
from Hugging Face's BertTokenizer for ~200 varied texts, for the Go tokenizer
parity test. In transformers >= 5 BertTokenizer runs on the Rust tokenizers
library (the one sentence-transformers uses); the script also checks
BertTokenizerFast and records any disagreement as fast_ids.

usage: python3 scripts/gen_tokenizer_fixtures.py MODEL_DIR [OUT_JSON]
needs: pip install transformers tokenizers  (fixture generation only)
"""
import json
import os
import random
import sys

import transformers
from transformers import BertTokenizer, BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = "/work/shared/data"
MAX_LEN = 256

HANDMADE = [
    "", " ", "\t\n\r ", "Hello, world!", "HELLO World", "don't stop-believing",
    "e-mail: someone@example.com, https://example.org/a?b=c&d=e#f",
    "Café résumé naïve façade coöperate Ångström", "Crème brûlée à la française",
    "Straße Æsir Øresund ŁÓDŹ İstanbul ıi", "ΣΊΣΥΦΟΣ ΟΔΟΣ σοφός Σ", "Ελληνικά: ΑΒΓΔ.",
    "Москва — столица России.", "日本語のテキストです。", "中文分词测试，北京欢迎你！",
    "한국어 문장입니다.", "混合 text 与 English 123", "𠀀𠀁 rare CJK ext B", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "emoji 😀👍🏽 hello😀world", "🇫🇷 flag and ❤️ heart", "zero\u200bwidth\u200cjoin\u200d",
    "soft\u00adhyphen", "nul\x00byte", "bell\x07char", "replacement\ufffdchar", "tab\tsep\u3000ideo space",
    "non\u00a0breaking space", "line\u2028separator\u2029para", "\u0085next line", "\x1cfile sep\x1f",
    "right-to-left \u200fmark\u200e", "private use \ue000 here", "unassigned \U000e0080 x",
    "combining e\u0301 vs \u00e9", "ﬁ ligature ﬂ", "Ⅻ roman ⅻ", "①②③ circled", "x² + y³ = z⁴",
    "α-helix β-sheet γ-ray", "50% of 1,000,000 = 500,000.", "$3.50 €2 £1 ¥100 ₹5", "C++ C# F# .NET",
    "a/b\\c|d~e`f^g_h", "«quotes» „German“ ‘single’ “double”", "ellipsis… dash – em—dash",
    "¿Qué? ¡Sí!", "§ 12 ¶ 3 † ‡ • ·", "math: ∑ ∫ √ ∞ ≤ ≥ ≠ ± × ÷", "arrows → ← ↑ ↓ ⇒",
    "IL-6 and TNF-α levels (p<0.05)", "BRCA1/2 mutations; HbA1c ≥6.5%", "COVID-19 SARS-CoV-2 mRNA-1273",
    "x" * 99, "y" * 100, "z" * 101, "supercalifragilisticexpialidocious", "antidisestablishmentarianism",
    "unaffable unbelievable tokenization", "The quick brown fox jumps over the lazy dog.",
    "1234567890 3.14159 1e-10 0x1F", "ALL CAPS SENTENCE WITH ACRONYMS NASA FBI",
    "multiple     spaces\n\n\nnewlines", "  leading and trailing  ", "word" + "!" * 20,
    "Ǆ ǅ ǆ titlecase", "ﬀ ﬃ ﬄ", "Dž", "ŉ", "Ǳ", "ẞ capital sharp s", "Ѐ Ѝ й Й ё Ё",
    "Vietnamese: Tiếng Việt có dấu", "Hindi: हिन्दी भाषा", "Arabic: العربية", "Hebrew: עברית",
    "Thai: ภาษาไทย", "Tamil: தமிழ்", "mixed ＡＢＣ", "\u3001\u3002\uff0c\uff01", "@#$%^&*()_+-={}[]:\";'<>?,./",
]


def scifact(n):
    out = []
    with open(os.path.join(SHARED, "retrieval/scifact/corpus.jsonl")) as f:
        docs = [json.loads(l) for l in f]
    rng = random.Random(7)
    for d in rng.sample(docs, n):
        out.append(d["title"])
        out.append(d["text"])  # often longer than MAX_LEN tokens: exercises truncation
    return out


def xquad(n):
    d = json.load(open(os.path.join(SHARED, "qa/xquad.en.dev.json")))
    out = []
    rng = random.Random(11)
    paras = [p for a in d["data"] for p in a["paragraphs"]]
    for p in rng.sample(paras, n):
        out.append(p["context"])
        out.append(p["qas"][0]["question"])
    return out


def main():
    model_dir = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        ROOT, "backend/encoder/testdata/tokenizer_ref.json")
    slow = BertTokenizer.from_pretrained(model_dir)
    fast = BertTokenizerFast.from_pretrained(model_dir)
    texts = HANDMADE + scifact(30) + xquad(30)
    cases = []
    disagree = 0
    for t in texts:
        pieces = slow.tokenize(t)
        count = len(pieces)
        ids = slow(t, truncation=True, max_length=MAX_LEN)["input_ids"]
        fids = fast(t, truncation=True, max_length=MAX_LEN)["input_ids"]
        if fids != ids:
            disagree += 1
            print("slow/fast disagree:", repr(t[:60]), file=sys.stderr)
        cases.append({"text": t, "ids": ids, "count": count, "fast_ids": fids if fids != ids else None})
    doc = {
        "generator": "scripts/gen_tokenizer_fixtures.py",
        "tokenizer": "transformers %s BertTokenizer, all-MiniLM-L6-v2 vocab.txt" % transformers.__version__,
        "max_length": MAX_LEN,
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
    print(f"wrote {len(cases)} cases to {out_path} ({disagree} slow/fast disagreements)", file=sys.stderr)


if __name__ == "__main__":
    main()
