#!/usr/bin/env python3
"""GPU-host helper: PyTorch eager fp16 throughput of a saved BertModel at one batch x sequence,
the reference the exported model on ONNX Runtime's CUDA provider is compared against."""
import json
import sys
import time

import torch
from transformers import BertModel

path, batch, seq, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
m = BertModel.from_pretrained(path, attn_implementation="eager").half().cuda().eval()
ids = torch.randint(0, m.config.vocab_size, (batch, seq), device="cuda", generator=torch.Generator("cuda").manual_seed(0))
mask = torch.ones_like(ids)
with torch.no_grad():
    for _ in range(10):
        m(input_ids=ids, attention_mask=mask)
    torch.cuda.synchronize()
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        m(input_ids=ids, attention_mask=mask)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
times.sort()
p50 = times[len(times) // 2]
res = {"framework": "pytorch-eager-fp16", "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
       "batch": batch, "seq": seq, "p50_ms": p50 * 1e3, "sequences_per_s": batch / p50}
print(json.dumps(res))
json.dump(res, open(out, "w"), indent=2)
