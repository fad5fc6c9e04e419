#!/usr/bin/env python3
"""Values that trainer's ReLoraTest pins, computed with the ReLoRA authors' ReLoRaModel, merge_and_reinit and
optimizer_reset (.ref/relora, tests/reference/stage-reference.sh) and torch.optim.AdamW, driven as their
torchrun_main.py drives them:

  one linear [8 x 16] wrapped by ReLoRaModel(r=4, alpha=8, dropout 0, keep_original_weights=True), so lora_A and
  lora_B start at zero; AdamW (lr 1e-2, betas 0.9/0.999, eps 1e-8, no weight decay) on the factors; loss
  mean((y - t)^2) on a fixed batch; restarts every R = 4 updates: merge_and_reinit and optimizer_reset (magnitude
  pruning 0.9) after update 5 (update % R == 1); then one more update.

It prints, as the test checks them: whether the factors stayed zero until the merge, AdamW's step count of the
factors at the merge, and the size of the first update of lora_B after the merge in units of the learning rate
(every entry with a gradient: the same number, since both moments start from zero there while the bias
correction is that of step 6).

usage: relora_values.py [--ref .ref/relora]
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from relora_ref import import_reference  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ref", default=os.path.join(HERE, "..", "..", ".ref", "relora"))
    a = p.parse_args()
    relora, tu = import_reference(os.path.abspath(a.ref))
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = torch.nn.Linear(16, 8, bias=False)

        def forward(self, x):
            return self.attn(x)

    model = relora.ReLoRaModel(Net(), target_modules=["attn"], r=4, lora_alpha=8, lora_dropout=0.0,
                               keep_original_weights=True, lora_only=False, trainable_scaling=False, quantize=None)
    lin = model.wrapped_model.attn
    x = torch.randn(5, 16)
    t = torch.randn(5, 8)
    lora = [lin.lora_A.weight, lin.lora_B.weight]
    opt = torch.optim.AdamW(lora, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    R = 4
    zero_until_merge = True
    for update in range(1, R + 2):
        loss = ((model(x) - t) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        zero_until_merge &= all(float(q.abs().max()) == 0.0 for q in lora)
        if update >= R and update % R == 1:
            model.merge_and_reinit()
            tu.optimizer_reset(opt, reset_params=lora, optimizer_state_keys=["exp_avg", "exp_avg_sq"],
                               reset_optimizer_on_relora=False, optimizer_random_pruning=0.0,
                               optimizer_magnitude_pruning=0.9)
    step = int(opt.state[lin.lora_A.weight]["step"])
    b0 = lin.lora_B.weight.detach().clone()
    loss = ((model(x) - t) ** 2).mean()
    loss.backward()
    g = lin.lora_B.weight.grad.detach().clone()
    opt.step()
    ratio = (b0 - lin.lora_B.weight.detach()) / (1e-2 * torch.sign(g))
    ratio = ratio[g.abs() > 1e-4]
    print(f"factors zero until the first merge: {zero_until_merge}")
    print(f"AdamW step count of lora_A at the merge: {step}")
    print(f"first lora_B update after the merge / lr: min {float(ratio.min())!r} max {float(ratio.max())!r} "
          f"over {ratio.numel()} entries")


if __name__ == "__main__":
    main()
