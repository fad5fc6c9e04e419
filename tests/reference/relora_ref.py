#!/usr/bin/env python3
"""ReLoRA reference runs: the authors' ReLoRaModel / ReLoRaLinear (merge-and-reinit), optimizer_reset
(random or magnitude pruning of the LoRA factors' Adam moments) and get_scheculer ("cosine" and the jagged
"cosine_restarts") from .ref/relora (tests/reference/stage-reference.sh), driven by a loop that follows
their torchrun_main.py update for update, on linforge's data and model:

  data    the bytes of a UTF-8 text file (linforge's byte-level tokenizer maps byte b to id b), the last
          --held-out fraction held out, both parts cut into blocks of --seq; perplexity on the first
          --limit-test held-out blocks; training blocks shuffled once by the seed and read in order
  model   a linforge checkpoint folder (linforge init), run by tinyllama.LlamaLM, fp32
  full    AdamW, "cosine" schedule (warm-up, cosine to --min-lr-ratio), clip --clip
  lora    ReLoRaModel on every attention and MLP linear (r, alpha, dropout 0.1 as torchrun_main hard-codes),
          embeddings, norms and LM head trained in full, no merges
  relora  torchrun_main's --warmed_up_model procedure: the full-rank run's first --warm-start updates (same
          seed: same start and data), then ReLoRaModel with a fresh AdamW and a fresh "cosine_restarts"
          schedule over the remaining updates (--warmup, restarts every --relora-every with
          --restart-warmup), merge_and_reinit and optimizer_reset when (update - start) % every == 1

What the harness supplies instead of torchrun_main (stated here, the authors' code is unchanged): no
torch.distributed (one process, no DDP wrapper), no wandb / bitsandbytes / loguru (empty stand-ins when
not installed), no datasets (the blocks above), fp32 instead of bf16, and a non-finite gradient norm
skips the update instead of stopping the run. torchrun_main wraps with keep_original_weights=True, which
zeroes lora_A as well as lora_B, so the factors get no gradient until the first merge_and_reinit redraws A;
--lora-a-live calls merge_and_reinit once right after wrapping instead (for LoRA-only it is always done:
otherwise the factors would never train).

usage: relora_ref.py --model INIT --data moby_dick.txt --method full|lora|relora --seed S --out CURVE.json [...]
"""
import argparse
import copy
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import refcommon  # noqa: E402
from tinyllama import LlamaLM  # noqa: E402


def import_reference(ref_dir):
    import types
    try:
        # the real package first where it imports (torch 2.x): a failed half-import of torch.distributed
        # below would register its kernels twice when transformers imports it again
        from transformers import AutoConfig, AutoModelForCausalLM  # noqa: F401
    except Exception:
        pass
    refcommon.stub_modules(["wandb", "loguru", "bitsandbytes", "bitsandbytes.functional", "transformers",
                            "torch.distributed.fsdp", "torch.distributed.fsdp.wrap"])
    # training_utils imports the authors' modeling_llama only for FSDP wrapping, which is not used here
    stub = types.ModuleType("peft_pretraining.modeling_llama")
    stub.LlamaDecoderLayer = type("LlamaDecoderLayer", (), {})
    sys.modules["peft_pretraining.modeling_llama"] = stub
    sys.path.insert(0, ref_dir)
    from peft_pretraining import relora, training_utils
    return relora, training_utils


def blocks(path, seq, held_out):
    ids = np.frombuffer(open(path, "rb").read(), dtype=np.uint8).astype(np.int64)
    n_test = int(math.floor(len(ids) * held_out + 0.5))
    n_train = len(ids) - n_test

    def cut(a, b):
        k = (b - a) // seq
        return torch.from_numpy(ids[a:a + k * seq].reshape(k, seq).copy())

    return cut(0, n_train), cut(n_train, len(ids)), len(ids)


@torch.no_grad()
def perplexity(model, test, dev):
    model.eval()
    nll, n = 0.0, 0
    for i in range(0, len(test), 8):
        x = test[i:i + 8].to(dev)
        loss = model(input_ids=x, labels=x).loss
        cnt = x.shape[0] * (x.shape[1] - 1)
        nll += loss.item() * cnt
        n += cnt
    model.train()
    return math.exp(nll / n)


class Batches:
    """torchrun_main reads a shuffled dataset in order (shuffle(seed) when seed != 0); here epochs repeat."""

    def __init__(self, train, batch, seed):
        self.train, self.batch, self.seed, self.pos = train, batch, seed, 0

    def next(self):
        n = len(self.train)
        idx = []
        for _ in range(self.batch):
            epoch, i = divmod(self.pos, n)
            perm = np.random.RandomState(self.seed * 1000 + epoch).permutation(n)
            idx.append(perm[i])
            self.pos += 1
        return self.train[torch.from_numpy(np.array(idx))]


def run_phase(model, params, sched_fn, steps, batches, a, dev, curve, test, step0, relora_hook=None):
    """torchrun_main's update loop for `steps` updates (gradient accumulation 1)."""
    opt = torch.optim.AdamW(params, lr=a.lr_phase, weight_decay=a.weight_decay, betas=(0.9, 0.999))
    sched = sched_fn(opt)
    times = []
    skipped = 0
    for local in range(1, steps + 1):
        t0 = time.perf_counter()
        x = batches.next().to(dev)
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        lr = opt.param_groups[0]["lr"]
        ok = True
        if a.clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, a.clip)
            ok = bool(torch.isfinite(norm))
        if ok and torch.isfinite(loss):
            opt.step()
        else:
            skipped += 1
        sched.step()
        opt.zero_grad()
        step = step0 + local
        if relora_hook is not None:
            relora_hook(local, opt)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        pt = {"step": step, "loss": float(loss.item()), "lr": lr}
        if a.eval_every > 0 and step % a.eval_every == 0 and step < a.steps:
            pt["eval_perplexity"] = perplexity(model, test, dev)
        curve.append(pt)
    return times, skipped


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ref", default=os.path.join(HERE, "..", "..", ".ref", "relora"))
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--method", choices=["full", "lora", "relora"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--held-out", type=float, default=0.05)
    p.add_argument("--limit-test", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-3, help="full-rank (and warm-start) learning rate")
    p.add_argument("--lr-lowrank", type=float, default=None, help="LoRA / ReLoRA-phase learning rate (default --lr)")
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--min-lr-ratio", type=float, default=1e-6, help="the authors' schedules need a ratio > 0")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--rank", type=int, default=32)
    p.add_argument("--alpha", type=float, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.1)
    p.add_argument("--warm-start", type=int, default=150)
    p.add_argument("--relora-every", type=int, default=150)
    p.add_argument("--restart-warmup", type=int, default=10)
    p.add_argument("--reset", choices=["magnitude", "random", "zero"], default="magnitude")
    p.add_argument("--reset-fraction", type=float, default=0.9)
    p.add_argument("--lora-a-live", action="store_true")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--check-transformers", action="store_true",
                   help="also print the largest logit difference to transformers' LlamaForCausalLM on the model")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    relora, tu = import_reference(os.path.abspath(a.ref))
    dev = refcommon.device()
    refcommon.seed_all(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cfg, tensors = refcommon.read_checkpoint(a.model)
    model = LlamaLM(cfg).load(tensors).to(dev)
    train, test, n_bytes = blocks(a.data, a.seq, a.held_out)
    check = None
    if a.check_transformers:
        from transformers import LlamaForCausalLM
        hf = LlamaForCausalLM.from_pretrained(a.model, torch_dtype=torch.float32).to(dev).eval()
        with torch.no_grad():
            x = test[:2].to(dev)
            check = float((hf(input_ids=x).logits - model(input_ids=x).logits).abs().max())
        print(f"largest logit difference to transformers' LlamaForCausalLM: {check:.3g}")
        del hf
    test = test[:a.limit_test] if a.limit_test > 0 else test
    batches = Batches(train, a.batch, a.seed)
    lr_low = a.lr_lowrank or a.lr
    curve = []
    times = []
    skipped = 0
    T = a.steps

    def cosine(total):
        return lambda opt: tu.get_scheculer(opt, scheduler_type="cosine", num_training_steps=total,
                                            warmup_steps=a.warmup, min_lr_ratio=a.min_lr_ratio, cycle_length=total)

    def wrap(m):
        w = relora.ReLoRaModel(m, target_modules=["attn", "attention", "mlp"], r=a.rank, lora_alpha=a.alpha,
                               lora_dropout=a.lora_dropout, keep_original_weights=True, lora_only=False,
                               trainable_scaling=False, quantize=None)
        return w.to(dev)

    if a.method == "full":
        a.lr_phase = a.lr
        params = [q for q in model.parameters() if q.requires_grad]
        times, skipped = run_phase(model, params, cosine(T), T, batches, a, dev, curve, test, 0)
    elif a.method == "lora":
        model = wrap(model)
        model.merge_and_reinit()  # lora_A was zeroed by keep_original_weights: draw it so the factors train
        a.lr_phase = lr_low
        params = [q for q in model.parameters() if q.requires_grad]
        times, skipped = run_phase(model, params, cosine(T), T, batches, a, dev, curve, test, 0)
    else:
        W = a.warm_start
        if W > 0:
            # the warm start is the full-rank run's first W updates (the authors ran the full schedule and stopped it)
            a.lr_phase = a.lr
            params = [q for q in model.parameters() if q.requires_grad]
            t1, s1 = run_phase(model, params, cosine(T), W, batches, a, dev, curve, test, 0)
            times += t1
            skipped += s1
        model = wrap(model)
        if a.lora_a_live:
            model.merge_and_reinit()
        lora_params = [q for n, q in model.named_parameters() if q.requires_grad and "lora_" in n]
        params = [q for q in model.parameters() if q.requires_grad]
        R = a.relora_every

        def restarts(opt):
            return tu.get_scheculer(opt, scheduler_type="cosine_restarts", num_training_steps=T - W,
                                    warmup_steps=a.warmup, min_lr_ratio=a.min_lr_ratio, cycle_length=R,
                                    restart_warmup_steps=a.restart_warmup, adjust_step=0)

        merges = []

        def hook(local, opt):
            # torchrun_main: update_step - scheduler_start_step == local; local_step // accumulation == local
            if local >= R and local % R == 1:
                model.merge_and_reinit()
                tu.optimizer_reset(opt, reset_params=lora_params, optimizer_state_keys=["exp_avg", "exp_avg_sq"],
                                   reset_optimizer_on_relora=a.reset == "zero",
                                   optimizer_random_pruning=a.reset_fraction if a.reset == "random" else 0.0,
                                   optimizer_magnitude_pruning=a.reset_fraction if a.reset == "magnitude" else 0.0)
                merges.append(W + local)

        a.lr_phase = lr_low
        t2, s2 = run_phase(model, params, restarts, T - W, batches, a, dev, curve, test, W, hook)
        times += t2
        skipped += s2
    ppl = perplexity(model, test, dev)
    trainable = sum(q.numel() for q in model.parameters() if q.requires_grad)
    final = {"eval_perplexity": ppl, "step_seconds": float(np.median(times[3:])) if len(times) > 3 else float("nan"),
             "peak_memory_bytes": refcommon.peak_memory(), "trainable_parameters": trainable,
             "skipped_steps": skipped, "text_tokens": n_bytes, "device": str(dev),
             "max_logit_difference_to_transformers": check}
    if a.method == "relora":
        final["merges_after"] = merges
    config = {k: v for k, v in vars(a).items() if k not in ("out", "lr_phase")}
    refcommon.write_curve(a.out, "reference", a.method, a.seed, config, curve, final)
    print(f"{a.method} seed {a.seed}: perplexity {ppl:.4f}, {trainable} trainable, "
          f"{final['step_seconds'] * 1000:.1f} ms/update on {dev}")


if __name__ == "__main__":
    main()
