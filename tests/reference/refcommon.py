"""Shared pieces of the reference harnesses: safetensors reading, stand-ins for the optional packages
the authors' modules import at the top but the harnesses never call, seeding; curves.py writes the
results."""
import json
import os
import random
import struct
import sys
import types

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


def read_safetensors(path):
    """Every tensor of a safetensors file as float32 torch tensors (F32, F16, BF16)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        raw = body[a:b]
        if v["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[v["dtype"]])
        out[k] = torch.from_numpy(np.array(arr, dtype=np.float32 if v["dtype"] != "I64" else np.int64)).reshape(v["shape"])
    return out


def read_checkpoint(folder):
    """config.json and the tensors of a Hugging Face checkpoint folder (one file or shards)."""
    cfg = json.load(open(os.path.join(folder, "config.json")))
    tensors = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".safetensors"):
            tensors.update(read_safetensors(os.path.join(folder, name)))
    return cfg, tensors


def stub_modules(names):
    """Empty stand-ins for packages that the authors' modules import but the harness never calls
    (wandb, bitsandbytes, loguru, ...); a real installed package is left alone."""
    for name in names:
        try:
            __import__(name)
            continue
        except Exception:  # missing, or failing to import on this torch / Python (e.g. FSDP on torch 1.13)
            pass
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            sub = ".".join(parts[:i])
            if sub not in sys.modules:
                m = types.ModuleType(sub)
                m.__path__ = []
                m.__getattr__ = lambda attr, _n=sub: _stub_attr(_n, attr)
                sys.modules[sub] = m
                if i > 1:
                    setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], m)


def _stub_attr(owner, attr):
    """A placeholder for any attribute but Python's own (__file__, __spec__, ...), which stay missing
    so that inspect and importlib treat the stub as a module without a source."""
    if attr.startswith("__") and attr.endswith("__"):
        raise AttributeError(attr)
    return _Anything(f"{owner}.{attr}")


class _Anything:
    """Callable, attribute-rich placeholder (a logger's .info, a decorator, a class to subclass)."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return _stub_attr(self._name, attr)

    def __call__(self, *a, **k):
        return _Anything(self._name + "()")

    def __mro_entries__(self, bases):
        return (object,)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def peak_memory():
    if torch.cuda.is_available():
        return int(torch.cuda.max_memory_allocated())
    try:
        import resource
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except Exception:
        return -1


from curves import write_curve  # noqa: E402,F401
