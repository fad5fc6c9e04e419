#!/usr/bin/env python3
"""GPU-host reference: PyTorch fp16 latency of a saved BertModel at one batch x sequence, in the
modes the TensorRT engines are compared with, three ways each:

  gpu     last_hidden_state computed, left on the GPU
  hidden  last_hidden_state copied to host memory as fp32 (what `bench` on a plain export times)
  pooled  mean-pooled, L2-normalised sentence embedding copied to host memory as fp32 (a pooled export)

Modes: eager (transformers' sdpa attention) and torch.compile(mode="max-autotune") of the same
module (sdpa attention, same weights). Inputs: uniform random ids (seeded), full attention mask.
50 warm-up calls, then ROUNDS rounds of 50 timed calls, each synchronised; p50 of each round, median
over rounds.   torch_modes.py MODEL_DIR BATCH SEQ OUT.json [MODES] [ROUNDS]"""
import json
import statistics
import sys
import time

import torch
from transformers import BertModel

path, batch, seq, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
modes = (sys.argv[5] if len(sys.argv) > 5 else "eager,max-autotune").split(",")
rounds_n = int(sys.argv[6]) if len(sys.argv) > 6 else 5
res = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "model": path, "batch": batch, "seq": seq,
       "runs": {}}
base = BertModel.from_pretrained(path, attn_implementation="sdpa", add_pooling_layer=False).half().cuda().eval()
res["parameters"] = sum(p.numel() for p in base.parameters())
ids = torch.randint(0, base.config.vocab_size, (batch, seq), device="cuda", generator=torch.Generator("cuda").manual_seed(0))
mask = torch.ones_like(ids)


def hidden(i, m):
    return base(input_ids=i, attention_mask=m).last_hidden_state


def pooled(i, m):
    h = base(input_ids=i, attention_mask=m).last_hidden_state
    w = m.unsqueeze(-1).to(h.dtype)
    e = (h * w).sum(1) / w.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(e.float(), p=2, dim=1)


for mode in modes:
    t0 = time.perf_counter()
    if mode == "eager":
        fh, fp = hidden, pooled
    else:
        fh = torch.compile(hidden, mode=mode)
        fp = torch.compile(pooled, mode=mode)
    ways = {"gpu": lambda: fh(ids, mask), "hidden": lambda: fh(ids, mask).float().cpu(), "pooled": lambda: fp(ids, mask).cpu()}
    with torch.no_grad():
        for way, call in ways.items():
            for _ in range(50):
                call()
            torch.cuda.synchronize()
            rounds = []
            for _ in range(rounds_n):
                times = []
                for _ in range(50):
                    s = time.perf_counter()
                    call()
                    torch.cuda.synchronize()
                    times.append(time.perf_counter() - s)
                rounds.append(statistics.median(times) * 1e3)
            res["runs"][mode + "/" + way] = {"p50_ms": statistics.median(rounds), "round_p50_ms": rounds}
            print(f"{mode:14s} {way:7s} p50 {statistics.median(rounds):.3f} ms  rounds {['%.3f' % r for r in rounds]}",
                  flush=True)
    res["runs"][mode + "/setup_s"] = time.perf_counter() - t0
with open(out, "w") as f:
    json.dump(res, f, indent=1)
