#!/usr/bin/env python3
"""Reads the curve files of both sides (reference harnesses, run-ours.sh) from one or more folders and
prints, per method and side, the final metric as mean ± sample standard deviation over the seeds, its
range, the metric at every evaluation step (mean over seeds), step time and peak memory; writes the
same as a Markdown table (for BENCHMARKS.md) and flags a method whose two sides differ by more than
twice the larger spread (seed noise).

usage: compare.py OUT.md DIR [DIR ...]
"""
import glob
import json
import os
import statistics
import sys

METRICS = ("eval_perplexity", "eval_accuracy")


def load(dirs):
    runs = []
    for d in dirs:
        for f in sorted(glob.glob(os.path.join(d, "*.json"))):
            try:
                r = json.load(open(f))
            except ValueError:
                continue
            if isinstance(r, dict) and r.get("side") in ("reference", "ours") and "curve" in r:
                r["file"] = f
                runs.append(r)
    return runs


def label(r):
    c = r.get("config", {})
    tag = r["method"]
    lr = c.get("lr_lowrank") or c.get("lr")
    if lr:
        tag += f" (lr {float(lr):g})"
    if r["side"] == "reference" and c.get("lora_a_live") and r["method"] == "relora":
        tag += " (A drawn at wrap)"
    if r["side"] == "reference" and c.get("trainable") == "published":
        tag += " (published: all but LayerNorm trained)"
    return tag


def fmt(x, metric):
    return f"{x:.4f}" if metric == "eval_accuracy" else f"{x:.3f}"


def main():
    out, dirs = sys.argv[1], sys.argv[2:]
    runs = load(dirs)
    if not runs:
        print("compare.py: no curve files in " + ", ".join(dirs), file=sys.stderr)
        sys.exit(2)
    groups = {}
    for r in runs:
        groups.setdefault((label(r), r["side"]), []).append(r)
    rows, summary = [], {}
    for (name, side), rs in sorted(groups.items()):
        metric = next(m for m in METRICS if m in rs[0]["final"])
        vals = [r["final"][metric] for r in rs]
        mean = statistics.mean(vals)
        sd = statistics.stdev(vals) if len(vals) > 1 else float("nan")
        summary[(name, side)] = (mean, sd, metric)
        steps = sorted({pt["step"] for r in rs for pt in r["curve"] if metric in pt})
        curve = []
        for s in steps:
            pts = [pt[metric] for r in rs for pt in r["curve"] if pt["step"] == s and metric in pt]
            curve.append(f"{s}: {fmt(statistics.mean(pts), metric)}")
        st = [r["final"].get("step_seconds") for r in rs if r["final"].get("step_seconds")]
        mem = [r["final"].get("peak_memory_bytes") for r in rs if r["final"].get("peak_memory_bytes")]
        dev = rs[0]["final"].get("device", "")
        rows.append([name, side, str(len(rs)), f"{fmt(mean, metric)} ± {fmt(sd, metric)}",
                     f"{fmt(min(vals), metric)}–{fmt(max(vals), metric)}", "; ".join(curve),
                     f"{1000 * statistics.median(st):.1f} ms ({dev})" if st else "—",
                     f"{max(mem) / 2**20:,.0f} MiB" if mem else "—",
                     f"{rs[0]['final'].get('trainable_parameters', 0):,}"])
    head = ["method", "side", "seeds", "final (mean ± sd)", "range", "during training (mean)", "update time",
            "peak memory", "trainable"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = []
    for name in sorted({n for n, _ in summary}):
        if (name, "ours") in summary and (name, "reference") in summary:
            (mo, so, metric), (mr, sr, _) = summary[(name, "ours")], summary[(name, "reference")]
            noise = 2 * max(x for x in (so, sr) if x == x) if (so == so or sr == sr) else float("nan")
            verdict = "within seed noise" if abs(mo - mr) <= noise else "beyond seed noise"
            notes.append(f"- {name}: ours − reference = {mo - mr:+.4f} ({verdict}; 2 × the larger sd = {noise:.4f})")
    text = "\n".join(lines + [""] + notes) + "\n"
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out)
    print(text)


if __name__ == "__main__":
    main()
