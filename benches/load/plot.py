#!/usr/bin/env python3
"""Plots requests/s and CPU µs/request, nginx vs Consentry, per workload, from
the harness's JSON. Usage: plot.py results/latest.json results/latest.png"""
import json, sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

src, dst = sys.argv[1], sys.argv[2]
d = json.load(open(src))
ws = list(d["workloads"])
x = range(len(ws))
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, key, title in ((axes[0], "rps", "requests/s (higher is better)"),
                       (axes[1], "cpu_us_per_req", "proxy CPU µs/request (lower is better)")):
    for i, (proxy, color) in enumerate((("nginx", "#4c72b0"), ("consentry", "#dd8452"))):
        vals = [d["workloads"][w][proxy][key] for w in ws]
        bars = ax.bar([j + (i - 0.5) * 0.38 for j in x], vals, 0.38, label=proxy, color=color)
        ax.bar_label(bars, fmt="%.0f" if key == "rps" else "%.1f", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels(ws)
    ax.set_title(title)
    ax.legend()
for j, w in enumerate(ws):
    axes[0].annotate(f"{d['workloads'][w]['ratio_rps']:.2f}×", (j, 0), xytext=(0, -28),
                     textcoords="offset points", ha="center", fontsize=8, color="#444")
m = d["machine"]
fig.suptitle(f"Consentry vs nginx proxy_pass, one core each ({m['cpu_model']}, {d['config']['connections']} conns, "
             f"{d['config']['rounds']}×{d['config']['duration_s']} s medians, commit {d['commit']})", fontsize=9)
fig.tight_layout()
fig.savefig(dst, dpi=110)
print(f"plot: {dst}")
