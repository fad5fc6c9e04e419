#!/usr/bin/env python3
"""Hugging Face PEFT loads a DoRA adapter that linforge trained and computes the classifier's logits.

    python3 tests/reference/peft_loads_ours.py BASE ADAPTER DATA.jsonl OUT.json [ROWS]

BASE is the Hugging Face folder linforge trained on (BertModel weights and tokenizer.json), ADAPTER the
folder `linforge train --method dora` wrote (PEFT format, use_dora: true, pooler and classifier in
modules_to_save). For the first ROWS texts of DATA (default 16; tokenized by transformers from BASE's
tokenizer.json, at most 128 tokens, padded to the longest), OUT gets the token ids, the attention mask,
PEFT's logits with the adapter live ("logits") and after merge_and_unload ("merged_logits"), in fp32 on
CPU. tests/reference/CheckPeftLogits.java computes linforge's logits for the same ids from its export.
"""
import json
import sys

import peft
import torch
import transformers
from peft import PeftModel
from transformers import BertForSequenceClassification, PreTrainedTokenizerFast

base, adapter, data, out = sys.argv[1:5]
rows = int(sys.argv[5]) if len(sys.argv) > 5 else 16
texts = [json.loads(line)["text"] for line in open(data, encoding="utf-8") if line.strip()][:rows]
tok = PreTrainedTokenizerFast(tokenizer_file=f"{base}/tokenizer.json", pad_token="[PAD]", unk_token="[UNK]",
                              cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
enc = tok(texts, truncation=True, max_length=128, padding=True, return_tensors="pt")
labels = json.load(open(f"{adapter}/config.json"))["id2label"]
model = BertForSequenceClassification.from_pretrained(base, num_labels=len(labels), torch_dtype=torch.float32).eval()
pm = PeftModel.from_pretrained(model, adapter).eval()
with torch.no_grad():
    inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
              "token_type_ids": torch.zeros_like(enc["input_ids"])}
    live = pm(**inputs).logits
    merged = pm.merge_and_unload()(**inputs).logits
json.dump({"input_ids": enc["input_ids"].tolist(), "attention_mask": enc["attention_mask"].tolist(),
           "logits": live.tolist(), "merged_logits": merged.tolist(),
           "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}},
          open(out, "w"))
print("live vs merged", float((live - merged).abs().max()), "logit range", float(live.abs().max()))
