#!/usr/bin/env python3
"""GPU-host helper: PyTorch fp16 throughput of a saved BertModel at one batch x sequence, the
reference the exported model on ONNX Runtime's CUDA provider is compared against.

   torch_bench.py MODEL_DIR BATCH SEQ OUT.json [REPEATS]

Times the eager attention (the issue's reference) and, for context, PyTorch's fused SDPA
attention: 50 warm-up calls, then REPEATS (default 5) rounds of 50 timed calls each, every call
synchronised; reports each round's median and the median over rounds."""
import json
import statistics
import sys
import time

import torch
from transformers import BertModel

path, batch, seq, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 5
res = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "batch": batch, "seq": seq, "runs": {}}
for impl in ("eager", "sdpa"):
    m = BertModel.from_pretrained(path, attn_implementation=impl).half().cuda().eval()
    ids = torch.randint(0, m.config.vocab_size, (batch, seq), device="cuda",
                        generator=torch.Generator("cuda").manual_seed(0))
    mask = torch.ones_like(ids)
    rounds = []
    with torch.no_grad():
        for _ in range(50):
            m(input_ids=ids, attention_mask=mask)
        torch.cuda.synchronize()
        for _ in range(repeats):
            times = []
            for _ in range(50):
                t0 = time.perf_counter()
                m(input_ids=ids, attention_mask=mask)
                torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
            rounds.append(statistics.median(times) * 1e3)
    p50 = statistics.median(rounds)
    res["runs"][impl] = {"framework": f"pytorch-{impl}-fp16", "round_p50_ms": rounds, "p50_ms": p50,
                         "sequences_per_s": batch / (p50 / 1e3)}
    del m
    torch.cuda.empty_cache()
print(json.dumps(res))
json.dump(res, open(out, "w"), indent=2)
