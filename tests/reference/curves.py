"""The curve file that the reference harnesses write, that run-ours.sh writes from linforge's result
JSON, and that compare.py reads (no torch needed):

    {"side": "reference" | "ours", "method": ..., "seed": ..., "config": {...},
     "curve": [{"step": N, "loss": L, "lr": X, "<metric>": M (at evaluation points)}, ...],
     "final": {"<metric>": M, "step_seconds": S, "peak_memory_bytes": B, "trainable_parameters": P, ...}}

usage (from linforge's result): curves.py OURS_RESULT.json METHOD OUT.json
"""
import json
import os
import sys


def write_curve(path, side, method, seed, config, curve, final):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"side": side, "method": method, "seed": seed, "config": config, "curve": curve, "final": final},
                  f, indent=1)
    os.replace(tmp, path)


METRICS = ("eval_perplexity", "eval_accuracy")


def from_linforge(result_path, method, out):
    r = json.load(open(result_path))
    metric = next(m for m in METRICS if m in r)
    curve = [{k: v for k, v in pt.items() if k in ("step", "loss", "lr") + METRICS} for pt in r["curve"]]
    final = {metric: r[metric], "step_seconds": r.get("step_seconds_median"),
             "peak_memory_bytes": r.get("peak_rss_bytes"), "trainable_parameters": r.get("trainable_parameters"),
             "skipped_steps": r.get("skipped_steps"), "device": "cpu"}
    for k in ("text_tokens", "train_rows", "eval_rows", "trainable_fraction", "relora", "sparsegrad"):
        if k in r:
            final[k] = r[k]
    config = {k: r[k] for k in ("steps", "batch", "seq", "lr", "accumulate") if k in r}
    write_curve(out, "ours", method, r.get("seed"), config, curve, final)


if __name__ == "__main__":
    from_linforge(sys.argv[1], sys.argv[2], sys.argv[3])
