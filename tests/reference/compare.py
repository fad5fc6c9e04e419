#!/usr/bin/env python3
"""Reads the curve files of both sides (reference harnesses, run-ours.sh) from one or more folders and
prints, per method and side, the final metric as mean ± sample standard deviation over the seeds, its
range, the metric at every evaluation step (mean over seeds), step time and peak memory; writes the
same as a Markdown table (for BENCHMARKS.md) and flags a method whose two sides differ by more than
twice the larger spread (seed noise). Beside OUT.md, OUT.html is the run report: the curves of both
sides drawn together (training loss, mean over seeds; the evaluation metric, mean with the seeds' range),
one colour per method, the reference solid and linforge dashed.

usage: compare.py OUT.md DIR [DIR ...]
"""
import html
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
    """The method as both sides name it: linforge's relora-zero (lora_A zero until the first merge) is the
    reference's relora as published; linforge's relora (a random A at every wrap) is the reference's with
    A drawn at the wrap."""
    c = r.get("config", {})
    method = r["method"]
    wrap = r["side"] == "reference" and c.get("lora_a_live") and method == "relora"
    if r["side"] == "ours" and method in ("relora", "relora-zero"):
        wrap = method == "relora"
        method = "relora"
    tag = method
    lr = c.get("lr_lowrank") or c.get("lr")
    if lr:
        tag += f" (lr {float(lr):g})"
    if wrap:
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
    write(out, text)
    write(os.path.splitext(out)[0] + ".html", report(groups, dirs, text))
    print(text)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def mean_curve(rs, key, smooth=1):
    """[(step, mean over seeds, min, max)] of key; the loss is averaged over a trailing window of smooth steps."""
    by_step = {}
    for r in rs:
        pts = [(pt["step"], pt[key]) for pt in r["curve"] if key in pt and pt[key] == pt[key]]
        last = max((pt["step"] for pt in r["curve"]), default=0)
        if key in r.get("final", {}) and (not pts or pts[-1][0] < last):
            pts.append((last, r["final"][key]))   # the final evaluation, after the last update
        for i, (step, _) in enumerate(pts):
            window = [v for _, v in pts[max(0, i - smooth + 1):i + 1]]
            by_step.setdefault(step, []).append(sum(window) / len(window))
    return [(s, statistics.mean(v), min(v), max(v)) for s, v in sorted(by_step.items())]


def chart(title, series, ylabel):
    """An SVG line chart; series: (name, colour, dashed, [(x, mean, lo, hi)], band)."""
    w, h, left, right, top, bottom = 960, 340, 60, 460, 30, 40
    xs = [p[0] for *_, pts, _ in series for p in pts]
    ys = [v for *_, pts, band in series for p in pts for v in ((p[1], p[2], p[3]) if band else (p[1],))]
    if not xs:
        return ""
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if y1 == y0:
        y1 = y0 + 1
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    X = lambda x: left + (x - x0) / ((x1 - x0) or 1) * (w - left - right)
    Y = lambda y: top + (y1 - y) / (y1 - y0) * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="18" font-size="13">{html.escape(title)}</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#333"/>',
           f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">update</text>',
           f'<text x="14" y="{(top + h - bottom) / 2}" transform="rotate(-90 14 {(top + h - bottom) / 2})" '
           f'text-anchor="middle">{html.escape(ylabel)}</text>']
    for i in range(5):
        yv = y0 + (y1 - y0) * i / 4
        xv = x0 + (x1 - x0) * i / 4
        out.append(f'<text x="{left - 5}" y="{Y(yv) + 4:.1f}" text-anchor="end">{yv:.3g}</text>')
        out.append(f'<line x1="{left}" y1="{Y(yv):.1f}" x2="{w - right}" y2="{Y(yv):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{X(xv):.1f}" y="{h - bottom + 14}" text-anchor="middle">{xv:.0f}</text>')
    for k, (name, colour, dashed, pts, band) in enumerate(series):
        dash = ' stroke-dasharray="5,3"' if dashed else ""
        if band:
            for x, _, lo, hi in pts:
                out.append(f'<line x1="{X(x):.1f}" y1="{Y(lo):.1f}" x2="{X(x):.1f}" y2="{Y(hi):.1f}" stroke="{colour}" '
                           f'stroke-opacity="0.5"/>')
        path = " ".join(f"{X(x):.1f},{Y(m):.1f}" for x, m, _, _ in pts)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash} points="{path}"/>')
        ly = top + 14 * k
        out.append(f'<line x1="{w - right + 10}" y1="{ly}" x2="{w - right + 30}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="1.5"{dash}/>')
        out.append(f'<text x="{w - right + 34}" y="{ly + 4}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def report(groups, dirs, table):
    names = sorted({n for n, _ in groups})
    colour = {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(names)}
    metric = next(m for m in METRICS if any(m in rs[0]["final"] for rs in groups.values()))
    loss, evals = [], []
    for (name, side), rs in sorted(groups.items()):
        tag = f"{name}, {side} ({len(rs)} seeds)"
        loss.append((tag, colour[name], side == "ours", mean_curve(rs, "loss", smooth=10), False))
        evals.append((tag, colour[name], side == "ours", mean_curve(rs, metric), True))
    label_y = "accuracy" if metric == "eval_accuracy" else "held-out perplexity"
    body = [f"<h1>Reference vs linforge: {html.escape(', '.join(dirs))}</h1>",
            "<p>Reference solid, linforge dashed; means over seeds (the training loss over a trailing window of 10"
            " updates); vertical bars: the seeds' range at each evaluation.</p>",
            chart(label_y + " at each evaluation", evals, label_y),
            chart("training loss", loss, "loss"),
            "<pre>" + html.escape(table) + "</pre>"]
    return "<!doctype html><meta charset=utf-8><title>reference comparison</title><body>" + "\n".join(body) + "</body>\n"


if __name__ == "__main__":
    main()
