#!/usr/bin/env python3
"""DoRA adapters made by Hugging Face PEFT on linforge's tiny fixture models, with PEFT's outputs.

Loads the BERT classifier and the LLaMA of core/src/test/resources/fixtures/hf (written by
tests/fixtures/make_fixtures.py), wraps each with a PEFT LoraConfig(use_dora=True), draws lora_A,
lora_B and the magnitudes at random (so that both the direction and the magnitude matter), and
saves the adapters with save_pretrained to OUT/bert_dora and OUT/llama_dora, each with an
expected.safetensors: "logits", the PEFT model's output with the adapter live, and "merged_logits",
the output after merge_and_unload, on the inputs recorded in the base fixture's expected.safetensors.

Run it where torch, transformers and peft are installed (the GPU test host):

    python3 tests/reference/make_dora_fixture.py core/src/test/resources/fixtures/hf

then copy nothing by hand: OUT is the fixture folder, and DoraFixtureTest (exporter) picks the two
folders up. The script needs no GPU; it runs on CPU in fp32.
"""
import json
import os
import sys

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import BertForSequenceClassification, LlamaForCausalLM

out = sys.argv[1]
torch.manual_seed(4321)


def randomize(model, seed):
    """lora_A and lora_B N(0, 0.2²); each magnitude its initial value (the row norms) times 1 + N(0, 0.1²)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_A" in n or "lora_B" in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
            elif "lora_magnitude_vector" in n:
                p.mul_(1 + 0.1 * torch.randn(p.shape, generator=g))


def save_expected(name, tensors):
    save_file({k: v.detach().float().contiguous() for k, v in tensors.items()},
              os.path.join(out, name, "expected.safetensors"))


def make(base_name, name, model_cls, cfg, seed, inputs):
    base = model_cls.from_pretrained(os.path.join(out, base_name)).eval()
    pm = get_peft_model(base, cfg)
    with torch.no_grad():
        pm(**inputs)  # some PEFT versions set the magnitudes on the first forward pass
    randomize(pm, seed)
    pm.eval()
    pm.save_pretrained(os.path.join(out, name), safe_serialization=True)
    with torch.no_grad():
        live = pm(**inputs).logits
        merged = pm.merge_and_unload()(**inputs).logits
    save_expected(name, {"logits": live, "merged_logits": merged})
    keys = sorted(load_file(os.path.join(out, name, "adapter_model.safetensors")).keys())
    assert any(k.endswith(".lora_magnitude_vector") for k in keys), keys


exp_b = load_file(os.path.join(out, "bert", "expected.safetensors"))
make("bert", "bert_dora", BertForSequenceClassification,
     LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value", "intermediate.dense"], use_dora=True,
                modules_to_save=["classifier"], task_type="SEQ_CLS"), 7,
     {"input_ids": exp_b["input_ids"], "attention_mask": exp_b["attention_mask"],
      "token_type_ids": exp_b["token_type_ids"]})

exp_l = load_file(os.path.join(out, "llama", "expected.safetensors"))
make("llama", "llama_dora", LlamaForCausalLM,
     LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                                    "down_proj"], use_dora=True, task_type="CAUSAL_LM"), 8,
     {"input_ids": exp_l["input_ids"], "attention_mask": exp_l["attention_mask"]})

with open(os.path.join(out, "bert_dora", "versions.json"), "w") as f:
    json.dump({"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
               "seed": 4321}, f, indent=2)
print("ok")
