#!/usr/bin/env python3
"""Makes the classifier checkpoint of the SparseGrad comparison small enough to carry to the GPU host:
the imported all-MiniLM-L6-v2 (linforge import) with its vocabulary cut to the WordPiece tokens that a
data set's texts use (plus every single character and its ## form, so any word still segments) and
its weights stored as float16. Token ids are renumbered in the original order, in tokenizer.json
(vocabulary, added tokens, [CLS]/[SEP] of the post-processor, padding id) and in the embedding rows,
so the texts of that data set tokenize to the same tokens as before; both sides of the comparison read
this folder. Needs only numpy.

usage: prepare_minilm.py MINILM_DIR DATA.jsonl OUT_DIR
"""
import json
import os
import struct
import sys
import unicodedata

import numpy as np


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text):
    """BertNormalizer (clean text, CJK spacing, lowercase, accents stripped) and BertPreTokenizer."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif _is_cjk(cp):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words = []
    for w in text.split():
        cur = ""
        for ch in w:
            if _is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = word[start:end] if start == 0 else "##" + word[start:end]
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return [unk]
        pieces.append(cur)
        start = end
    return pieces


def tokenize(text, vocab, seq):
    """[CLS] pieces [SEP], truncated to seq: ids of the tokenizer.json the vocabulary belongs to."""
    ids = [vocab["[CLS]"]]
    for w in basic_tokens(text):
        ids += [vocab[p] for p in wordpiece(w, vocab)]
    return ids[:seq - 1] + [vocab["[SEP]"]]


def read_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    return header, body


def main():
    src, data, dst = sys.argv[1:4]
    tok = json.load(open(os.path.join(src, "tokenizer.json")))
    vocab = tok["model"]["vocab"]
    used = {a["id"] for a in tok["added_tokens"]}
    for tokn, i in vocab.items():
        core = tokn[2:] if tokn.startswith("##") else tokn
        if len(core) == 1:
            used.add(i)
    for line in open(data, encoding="utf-8"):
        if line.strip():
            for w in basic_tokens(json.loads(line)["text"]):
                used.update(vocab[p] for p in wordpiece(w, vocab))
    kept = sorted(used)
    remap = {old: new for new, old in enumerate(kept)}
    inv = {i: t for t, i in vocab.items()}
    tok["model"]["vocab"] = {inv[o]: remap[o] for o in kept}
    for a in tok["added_tokens"]:
        a["id"] = remap[a["id"]]
    for st in (tok.get("post_processor") or {}).get("special_tokens", {}).values():
        st["ids"] = [remap[i] for i in st["ids"]]
    if tok.get("padding"):
        tok["padding"]["pad_id"] = remap[tok["padding"]["pad_id"]]
    os.makedirs(dst, exist_ok=True)
    json.dump(tok, open(os.path.join(dst, "tokenizer.json"), "w"), ensure_ascii=False)
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["vocab_size"] = len(kept)
    cfg["pad_token_id"] = remap[cfg.get("pad_token_id", 0)]
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)
    header, body = read_st(os.path.join(src, "model.safetensors"))
    out_header, chunks, off = {}, [], 0
    for k, v in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[0]):
        a, b = v["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype="<f4").reshape(v["shape"])
        if k.endswith("word_embeddings.weight"):
            arr = arr[kept]
        raw = np.ascontiguousarray(arr).astype("<f2").tobytes()
        out_header[k] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(out_header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(dst, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    print(f"{len(kept)} of {len(vocab)} tokens kept -> {dst}")


if __name__ == "__main__":
    main()
