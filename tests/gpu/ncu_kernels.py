"""Summarises an `ncu --csv --metrics gpu__time_duration.sum` log: time per kernel name, largest first.

    python3 tests/gpu/ncu_kernels.py kernels.csv
Lines before the CSV header (the profiled program's own output, ncu's notes) are skipped.
"""
import collections
import csv
import io
import sys

text = open(sys.argv[1], errors="replace").read().splitlines()
start = next(i for i, l in enumerate(text) if l.startswith('"ID"'))
rows = list(csv.DictReader(io.StringIO("\n".join(l for l in text[start:] if l.startswith('"')))))
total = collections.Counter()
count = collections.Counter()
for r in rows:
    if r.get("Metric Name") != "gpu__time_duration.sum":
        continue
    unit = r["Metric Unit"]
    v = float(r["Metric Value"].replace(",", ""))
    ns = v * {"ns": 1, "nsecond": 1, "us": 1e3, "usecond": 1e3, "ms": 1e6, "msecond": 1e6, "s": 1e9, "second": 1e9}[unit]
    total[r["Kernel Name"]] += ns
    count[r["Kernel Name"]] += 1
all_ns = sum(total.values())
print(f"{len(rows)} kernel launches, {len(total)} kernels, {all_ns / 1e6:.3f} ms in all")
for name, ns in total.most_common():
    print(f"{ns / 1e6:9.3f} ms {100 * ns / all_ns:5.1f} % x{count[name]:4d}  {name[:160]}")
