"""LoRA training step time of Hugging Face PEFT on CPU, for comparison with `linforge train --method lora`.

Makes a BERT classifier with random weights from a config.json (the same architecture linforge trains),
saves it with its tokenizer.json so both tools load the same checkpoint, and times PEFT LoRA training
steps (r=8, alpha=16, dropout 0.1 on query/value, AdamW, clipping 1.0), tokenization included, as
linforge's loop does.

usage: python3 peft_step_time.py CONFIG_JSON TOKENIZER_JSON DATA_JSONL OUT_DIR [--steps 30] [--batch 16]
       [--seq 128] [--threads 16]
"""
import argparse, json, os, shutil, statistics, time

import torch
from peft import LoraConfig, get_peft_model
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

ap = argparse.ArgumentParser()
ap.add_argument("config"); ap.add_argument("tokenizer"); ap.add_argument("data"); ap.add_argument("out")
ap.add_argument("--steps", type=int, default=30); ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--seq", type=int, default=128); ap.add_argument("--threads", type=int, default=16)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

rows = [json.loads(l) for l in open(a.data)]
train = [r for r in rows if r.get("split", "train") != "test"]
labels = sorted({r["label"] for r in rows})
cfg = json.load(open(a.config))
cfg.update(num_labels=len(labels), id2label={str(i): l for i, l in enumerate(labels)},
           label2id={l: i for i, l in enumerate(labels)}, architectures=["BertForSequenceClassification"])
model = BertForSequenceClassification(BertConfig(**{k: v for k, v in cfg.items() if k != "model_type"}))
os.makedirs(a.out, exist_ok=True)
model.save_pretrained(a.out, safe_serialization=True)
shutil.copy(a.tokenizer, os.path.join(a.out, "tokenizer.json"))
tok = PreTrainedTokenizerFast(tokenizer_file=a.tokenizer, pad_token="[PAD]")

pm = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.1, target_modules=["query", "value"],
                                      task_type="SEQ_CLS"))
pm.train()
params = [p for p in pm.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.01)
times = []
for step in range(a.steps + 3):
    batch = [train[(step * a.batch + i) % len(train)] for i in range(a.batch)]
    t0 = time.perf_counter()
    enc = tok([r["text"] for r in batch], padding="longest", truncation=True, max_length=a.seq, return_tensors="pt")
    y = torch.tensor([labels.index(r["label"]) for r in batch])
    out = pm(**enc, labels=y)
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    times.append(time.perf_counter() - t0)
steady = times[3:]
print(json.dumps({"tool": "peft", "torch": torch.__version__, "threads": a.threads, "batch": a.batch, "seq": a.seq,
                  "steps": len(steady), "step_seconds_median": statistics.median(steady),
                  "step_seconds_mean": sum(steady) / len(steady),
                  "trainable_parameters": sum(p.numel() for p in params)}))
