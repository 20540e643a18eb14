#!/usr/bin/env python3
"""Turns the harness's raw samples (JSON lines) into medians, ratios and a table.
Usage: summarize.py RAW.jsonl EXTRA.json OUT.json"""
import json, statistics, sys

raw_path, extra_path, out_path = sys.argv[1:4]
samples = [json.loads(l) for l in open(raw_path) if l.strip()]
extra = json.load(open(extra_path))

# Issue #15: 50 KB JS and full consent at least as fast as nginx, 1 KB enforced
# at 0.7x, 50 KB enforced at 0.6x.
TARGETS = {"js50k": 1.0, "html1k": 0.7, "html50k": 0.6, "html50k_consent": 1.0}
workloads = []
for s in samples:
    if s["workload"] not in workloads:
        workloads.append(s["workload"])


def med(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median, in percent: the round-to-round noise."""
    m = med(xs)
    return round(100 * (max(xs) - min(xs)) / m, 1) if xs and m else None


summary = {}
for w in workloads:
    row = {}
    for proxy in ("nginx", "consentry"):
        ss = [s for s in samples if s["workload"] == w and s["proxy"] == proxy]
        rps = [s["rps"] for s in ss]
        cpu = [s["cpu_us_per_req"] for s in ss]
        row[proxy] = {
            "rps": round(med(rps), 1),
            "rps_spread_pct": spread(rps),
            "p50_ms": round(med([s["p50_us"] for s in ss]) / 1000, 3),
            "p99_ms": round(med([s["p99_us"] for s in ss]) / 1000, 3),
            "cpu_us_per_req": round(med(cpu), 1),
            "cpu_spread_pct": spread(cpu),
            "errors": sum(s["errors"] for s in ss),
            "rounds": len(ss),
        }
    # Ratios per round (both measured back to back), then the median.
    per_round = []
    for r in sorted({s["round"] for s in samples}):
        a = [s for s in samples if s["workload"] == w and s["round"] == r]
        n = next((s for s in a if s["proxy"] == "nginx"), None)
        c = next((s for s in a if s["proxy"] == "consentry"), None)
        if n and c and n["rps"] > 0 and n["cpu_us_per_req"] > 0:
            per_round.append((c["rps"] / n["rps"], c["cpu_us_per_req"] / n["cpu_us_per_req"]))
    row["ratio_rps"] = round(med([p[0] for p in per_round]), 3)
    row["ratio_rps_rounds"] = [round(p[0], 3) for p in per_round]
    row["ratio_cpu"] = round(med([p[1] for p in per_round]), 3)
    if w in TARGETS:
        row["target_rps_ratio"] = TARGETS[w]
        row["target_met"] = row["ratio_rps"] >= TARGETS[w]
    summary[w] = row

out = dict(extra)
out["workloads"] = summary
out["samples"] = samples
json.dump(out, open(out_path, "w"), indent=1)

print()
print("| workload | proxy | req/s | p50 ms | p99 ms | CPU µs/req | req/s spread |")
print("|---|---|---:|---:|---:|---:|---:|")
for w, row in summary.items():
    for proxy in ("nginx", "consentry"):
        p = row[proxy]
        print(f"| {w} | {proxy} | {p['rps']:.0f} | {p['p50_ms']:.2f} | {p['p99_ms']:.2f} | "
              f"{p['cpu_us_per_req']:.1f} | {p['rps_spread_pct']}% |")
print()
print("| workload | Consentry/nginx req/s (per round) | Consentry/nginx CPU µs/req | target |")
print("|---|---|---:|---|")
for w, row in summary.items():
    t = row.get("target_rps_ratio")
    verdict = "" if t is None else (f"≥ {t}× " + ("met" if row["target_met"] else "MISSED"))
    print(f"| {w} | **{row['ratio_rps']:.2f}×** ({', '.join(f'{x:.2f}' for x in row['ratio_rps_rounds'])}) | "
          f"{row['ratio_cpu']:.2f}× | {verdict} |")
if "rss" in extra:
    r = extra["rss"]
    print(f"\nRSS with {r['connections']} idle keep-alive connections: consentry "
          f"{r['rss_kib'] / 1024:.1f} MiB (idle before: {r['rss_before_kib'] / 1024:.1f} MiB); target ≤ 64 MiB")
if "ttfb" in extra:
    for k, v in extra["ttfb"].items():
        print(f"TTFB slow upstream via {k}: headers {v['headers_ms']} ms, first body byte "
              f"{v['first_body_byte_ms']} ms, whole response {v['total_ms']} ms")
