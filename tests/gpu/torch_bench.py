#!/usr/bin/env python3
"""GPU-host helper: PyTorch fp16 throughput of a saved BertModel at one batch x sequence, the
reference the exported model on ONNX Runtime's CUDA provider is compared against.

   torch_bench.py MODEL_DIR BATCH SEQ OUT.json [REPEATS]

Times the eager attention (the issue's reference) and, for context, PyTorch's fused SDPA
attention, each returning the hidden states and, as "-pooled", the mean-pooled and L2-normalised
sentence embeddings (as sentence-transformers computes them); outputs stay on the GPU. 50 warm-up
calls, then REPEATS (default 5) rounds of 50 timed calls each, every call synchronised; reports
each round's median and the median over rounds."""
import json
import statistics
import sys
import time

import torch
from transformers import BertModel

path, batch, seq, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 5
res = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "batch": batch, "seq": seq, "runs": {}}
def pooled(m, ids, mask):
    h = m(input_ids=ids, attention_mask=mask).last_hidden_state
    w = mask.unsqueeze(-1).to(h.dtype)
    e = (h * w).sum(1) / w.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(e, p=2, dim=1)


for impl, pool in (("eager", False), ("sdpa", False), ("eager", True), ("sdpa", True)):
    m = BertModel.from_pretrained(path, attn_implementation=impl).half().cuda().eval()
    ids = torch.randint(0, m.config.vocab_size, (batch, seq), device="cuda",
                        generator=torch.Generator("cuda").manual_seed(0))
    mask = torch.ones_like(ids)
    rounds = []
    with torch.no_grad():
        call = (lambda: pooled(m, ids, mask)) if pool else (lambda: m(input_ids=ids, attention_mask=mask))
        for _ in range(50):
            call()
        torch.cuda.synchronize()
        for _ in range(repeats):
            times = []
            for _ in range(50):
                t0 = time.perf_counter()
                call()
                torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
            rounds.append(statistics.median(times) * 1e3)
    p50 = statistics.median(rounds)
    name = impl + ("-pooled" if pool else "")
    res["runs"][name] = {"framework": f"pytorch-{name}-fp16", "round_p50_ms": rounds, "p50_ms": p50,
                         "sequences_per_s": batch / (p50 / 1e3)}
    del m
    torch.cuda.empty_cache()
print(json.dumps(res))
json.dump(res, open(out, "w"), indent=2)
