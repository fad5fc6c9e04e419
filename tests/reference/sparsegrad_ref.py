#!/usr/bin/env python3
"""SparseGrad reference runs on a BERT-family classifier: the authors' gradient bases
(Tucker_Decomposition of the stacked MLP weight gradients, as get_UV_dict collects them), their
SparseGradLinearIntermediate / SparseGradLinearOutput layers (weights in the rotated basis, the rotated
weight gradient cut to its top-k magnitudes in LinearFunctionSparseGrad.backward) put in by their
convert_model, trained with SparseAdam beside a dense AdamW as their TrainerDoubleOpt sets it up
(benchmarking/ of sayankotor/sparse_grads, staged into .ref/sparse_grads by stage-reference.sh).
"full" is plain fine-tuning of every parameter for the baseline.

Data and model are linforge's: JSON lines (text, label, split), labels in sorted order, the first
whole test split for accuracy (--limit-test N: its first N rows; linforge takes a seeded random N
instead, so only the whole split is the same set on both sides), training rows shuffled per epoch by the seed; the checkpoint folder
of prepare_minilm.py (or any BERT checkpoint linforge imports), tokenized by its tokenizer.json with the
tokenizers library, [CLS] + pieces + [SEP] truncated to --seq; a BERT body without dropout (as linforge
trains encoders) plus pooler (tanh) and classifier, both drawn N(0, 0.02²) with zero bias.

Training as run.py / get_UV_dict set it: constant learning rate, no warm-up, AdamW without weight decay;
the first --collect-steps updates are an ordinary training run of every trainable parameter (clip 1.0, as
the Trainer default of get_UV_dict) whose MLP weight gradients (up to 360 per layer type) give the bases;
the rest trains sparsely without clipping (max_grad_norm=None).

What the harness changes around the authors' code (their files are unchanged): k of the top-k is
--keep instead of their literal 28,000 (their module's torch.topk is given k = --keep); no HF Trainer
(its loop is replaced by the loop below, which keeps the step order: backward, dense AdamW step,
SparseAdam step); with --trainable mlp (the default, what linforge's SparseGrad trains) the embeddings
and attention are frozen, with --trainable published everything except LayerNorm trains as in the
authors' runs; on a machine without CUDA their hard-coded .to('cuda') is sent to the CPU.

usage: sparsegrad_ref.py --model DIR --data sotu_party.jsonl --method sparsegrad|full --seed S --out CURVE.json
"""
import argparse
import json
import math
import os
import sys
import time
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import refcommon  # noqa: E402


class SelfAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)


class AttentionOut(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)


class Attention(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.self = SelfAttention(d)
        self.output = AttentionOut(d, eps)


class Dense(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.dense = nn.Linear(i, o)


class Output(nn.Module):
    def __init__(self, i, d, eps):
        super().__init__()
        self.dense = nn.Linear(i, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i, eps = c["hidden_size"], c["intermediate_size"], c.get("layer_norm_eps", 1e-12)
        self.attention = Attention(d, eps)
        self.intermediate = Dense(d, i)
        self.output = Output(i, d, eps)
        self.heads = c["num_attention_heads"]

    def forward(self, x, bias):
        b, s, d = x.shape
        hd = d // self.heads
        sa = self.attention.self

        def split(t):
            return t.view(b, s, self.heads, hd).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        att = ((q @ k.transpose(-1, -2)) / math.sqrt(hd) + bias).softmax(-1)
        a = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = self.attention.output.LayerNorm(self.attention.output.dense(a) + x)
        h = F.gelu(self.intermediate.dense(x))
        return self.output.LayerNorm(self.output.dense(h) + x)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], d)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(c.get("type_vocab_size", 2), d)
        self.LayerNorm = nn.LayerNorm(d, eps=c.get("layer_norm_eps", 1e-12))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Dense(c["hidden_size"], c["hidden_size"])


class BertClassifier(nn.Module):
    """Module paths as transformers' BertForSequenceClassification (bert.encoder.layer.N.output.dense, ...),
    which the authors' convert_model patterns name."""

    def __init__(self, c, labels):
        super().__init__()
        self.bert = Bert(c)
        self.classifier = nn.Linear(c["hidden_size"], labels)

    def forward(self, ids, mask, types_):
        e = self.bert.embeddings
        pos = torch.arange(ids.shape[1], device=ids.device)[None]
        x = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(types_))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.bert.encoder.layer:
            x = layer(x, bias)
        return self.classifier(torch.tanh(self.bert.pooler.dense(x[:, 0])))

    def load(self, tensors, seed):
        own = dict(self.named_parameters())
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for k, p in own.items():
                src = k[len("bert."):] if k.startswith("bert.") else k
                if src in tensors:
                    p.copy_(tensors[src])
                elif k.startswith("bert.pooler") or k.startswith("classifier"):
                    p.copy_(torch.randn(p.shape, generator=g) * 0.02 if k.endswith("weight") else torch.zeros(p.shape))
                else:
                    raise ValueError(f"{k}: not in the checkpoint")
        return self


def import_reference(ref_dir, keep):
    refcommon.stub_modules(["evaluate", "transformers", "matplotlib", "matplotlib.pyplot", "pandas", "sklearn",
                            "sklearn.model_selection", "sklearn.metrics"])
    sys.modules.setdefault("trainers_custom", types.SimpleNamespace(TrainerBert1=object))
    if not torch.cuda.is_available():
        to = torch.Tensor.to

        def to_cpu(self, *a, **k):
            a = tuple("cpu" if x == "cuda" else x for x in a)
            return to(self, *a, **k)
        torch.Tensor.to = to_cpu
    sys.path.insert(0, ref_dir)
    import sparse_grad_matrix_sparse as sgm
    import sparse_utils
    import utils

    class _Last:
        def __init__(self, t):
            self.t = t

        def __getitem__(self, i):
            return self.t[-1]

    class _Torch(types.ModuleType):
        """Their module's torch, with torch.topk(x, 28000).values[27999] giving the k-th largest for k = keep."""

        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def topk(x, k, *a, **kw):
            return types.SimpleNamespace(values=_Last(torch.topk(x, min(keep, x.numel()), *a, **kw).values))

    sgm.torch = _Torch("torch")
    return sgm, sparse_utils, utils


def read_rows(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    labels = sorted({r["label"] for r in rows}, key=lambda x: (str(type(x)), x))
    index = {l: i for i, l in enumerate(labels)}
    train = [(r["text"], index[r["label"]]) for r in rows if r.get("split", "train") != "test"]
    test = [(r["text"], index[r["label"]]) for r in rows if r.get("split") == "test"]
    return train, test, labels


def encoder(model_dir, seq):
    try:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        tok.enable_truncation(seq)
        tok.no_padding()
        return lambda texts: [e.ids for e in tok.encode_batch(texts)]
    except ImportError:  # a machine without the tokenizers library: the same WordPiece in Python
        import prepare_minilm
        vocab = json.load(open(os.path.join(model_dir, "tokenizer.json")))["model"]["vocab"]
        return lambda texts: [prepare_minilm.tokenize(t, vocab, seq) for t in texts]


def batch_tensors(id_lists, dev):
    n = max(len(x) for x in id_lists)
    ids = torch.zeros(len(id_lists), n, dtype=torch.long)
    mask = torch.zeros(len(id_lists), n, dtype=torch.long)
    for i, x in enumerate(id_lists):
        ids[i, :len(x)] = torch.tensor(x)
        mask[i, :len(x)] = 1
    return ids.to(dev), mask.to(dev), torch.zeros_like(ids).to(dev)


@torch.no_grad()
def accuracy(model, enc, rows, dev):
    model.eval()
    ok = 0
    for i in range(0, len(rows), 32):
        part = rows[i:i + 32]
        pred = model(*batch_tensors(enc([t for t, _ in part]), dev)).argmax(-1).cpu().tolist()
        ok += sum(int(p == y) for p, (_, y) in zip(pred, part))
    model.train()
    return ok / len(rows)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ref", default=os.path.join(HERE, "..", "..", ".ref", "sparse_grads"))
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--method", choices=["full", "sparsegrad"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--lr", type=float, default=None, help="default 5e-5 (full), 2e-4 (sparsegrad)")
    p.add_argument("--collect-steps", type=int, default=10)
    p.add_argument("--n-stack-grads", type=int, default=360)
    p.add_argument("--keep", type=int, default=6144)
    p.add_argument("--trainable", choices=["mlp", "published"], default="mlp")
    p.add_argument("--limit-test", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    lr = a.lr or (5e-5 if a.method == "full" else 2e-4)
    dev = refcommon.device()
    refcommon.seed_all(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cfg, tensors = refcommon.read_checkpoint(a.model)
    train, test, labels = read_rows(a.data)
    test = test[:a.limit_test] if a.limit_test > 0 else test
    model = BertClassifier(cfg, len(labels)).load(tensors, a.seed).to(dev)
    enc = encoder(a.model, a.seq)
    rng = np.random.RandomState(a.seed)
    order, pos = [], 0

    def next_batch():
        nonlocal order, pos
        out = []
        for _ in range(a.batch):
            if pos % len(train) == 0:
                order = rng.permutation(len(train))
            out.append(train[order[pos % len(train)]])
            pos += 1
        ids, mask, typ = batch_tensors(enc([t for t, _ in out]), dev)
        return ids, mask, typ, torch.tensor([y for _, y in out], device=dev)

    curve, times = [], []
    out_pat = r"/bert/encoder/layer/\d+/output/dense"
    int_pat = r"/bert/encoder/layer/\d+/intermediate/dense"

    def step_record(step, loss, t0):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        pt = {"step": step, "loss": float(loss), "lr": lr}
        if a.eval_every > 0 and step % a.eval_every == 0 and step < a.steps:
            pt["eval_accuracy"] = accuracy(model, enc, test, dev)
        curve.append(pt)

    def update(step, optimizers, after_backward=None):
        """One update: forward, backward, (gradient collection and clipping), each optimizer's step."""
        t0 = time.perf_counter()
        ids, mask, typ, y = next_batch()
        loss = F.cross_entropy(model(ids, mask, typ), y)
        loss.backward()
        if after_backward is not None:
            after_backward()
        for o in optimizers:
            o.step()
        model.zero_grad()
        step_record(step, loss.item(), t0)

    if a.method == "full":
        params = list(model.parameters())
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        for step in range(1, a.steps + 1):
            update(step, [opt])
        trainable = sum(q.numel() for q in params)
    else:
        sgm, sparse_utils, utils = import_reference(os.path.abspath(a.ref), a.keep)
        if a.trainable == "mlp":
            for n, q in model.named_parameters():
                q.requires_grad = ("intermediate.dense" in n or ("output.dense" in n and "attention" not in n)
                                   or n.startswith("bert.pooler") or n.startswith("classifier"))
        # get_UV_dict: an ordinary training run whose MLP weight gradients are stacked
        params = [q for q in model.parameters() if q.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        grads_out, grads_int = [], []
        def collect():
            for pat, bank in ((out_pat, grads_out), (int_pat, grads_int)):
                for g in utils.get_weight_grads(model, pat):
                    if len(bank) < a.n_stack_grads:
                        bank.append(g.detach().clone())
            torch.nn.utils.clip_grad_norm_(params, 1.0)

        for step in range(1, a.collect_steps + 1):
            update(step, [opt], collect)
        uv = {}
        _, vt, u = sgm.Tucker_Decomposition(torch.stack(grads_out))
        uv["output"] = (u, vt)
        _, vt, u = sgm.Tucker_Decomposition(torch.stack(grads_int))
        uv["interm"] = (u, vt)
        model = sparse_utils.convert_model(model, out_pat, uv["output"], sgm.SparseGradLinearOutput)
        model = sparse_utils.convert_model(model, int_pat, uv["interm"], sgm.SparseGradLinearIntermediate)
        model.to(dev)
        # TrainerDoubleOpt.create_optimizer: LayerNorm parameters in neither optimizer, the MLP weights in
        # SparseAdam, the rest in AdamW (weight decay 0 here)
        no_ln = set(n for n, mod in model.named_modules() if isinstance(mod, nn.LayerNorm))
        sparse, dense = [], []
        for n, q in model.named_parameters():
            if not q.requires_grad or n.rsplit(".", 1)[0] in no_ln:
                continue
            is_sp = ("output.dense" in n or "intermediate.dense" in n) and "attention" not in n and "bias" not in n
            (sparse if is_sp else dense).append(q)
        opt = torch.optim.AdamW(dense, lr=lr, weight_decay=0.0)
        opt_sp = torch.optim.SparseAdam(sparse, lr=lr)
        for step in range(a.collect_steps + 1, a.steps + 1):
            update(step, [opt, opt_sp])
        trainable = sum(q.numel() for q in dense) + a.keep * len(sparse)
    acc = accuracy(model, enc, test, dev)
    total = sum(q.numel() for q in model.parameters())
    final = {"eval_accuracy": acc, "step_seconds": float(np.median(times[3:])), "peak_memory_bytes": refcommon.peak_memory(),
             "trainable_parameters": trainable, "trainable_fraction": trainable / total, "eval_rows": len(test),
             "train_rows": len(train), "device": str(dev)}
    config = {k: v for k, v in vars(a).items() if k != "out"}
    config["lr"] = lr
    refcommon.write_curve(a.out, "reference", a.method, a.seed, config, curve, final)
    print(f"{a.method} seed {a.seed}: accuracy {acc:.4f}, {trainable} trainable ({100 * trainable / total:.2f} %), "
          f"{final['step_seconds'] * 1000:.1f} ms/update on {dev}")


if __name__ == "__main__":
    main()
