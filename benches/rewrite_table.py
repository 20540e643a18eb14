#!/usr/bin/env python3
"""Rewriter MB/s vs the tokenizer-only ceiling (and the no-op-handler floor
of lol_html with the rewriter's selectors) per corpus page, from
criterion's output (target/criterion/rewrite/*/*/new/estimates.json).
Run `cargo bench --bench rewrite` first. Usage: rewrite_table.py [--json OUT]"""
import json, os, statistics, sys

root = os.path.join(os.path.dirname(__file__), "..", "target", "criterion", "rewrite")
pages = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "pages")


def mbps(kind, page):
    est = os.path.join(root, kind, page, "new", "estimates.json")
    if not os.path.exists(est):
        return None
    ns = json.load(open(est))["median"]["point_estimate"]
    size = os.path.getsize(os.path.join(pages, page + ".html"))
    return size / (ns / 1e9) / 1e6


rows = []
for page in sorted(os.listdir(os.path.join(root, "no_consent"))):
    if page == "report":
        continue
    tok, rw, noop = mbps("tokenizer_only", page), mbps("no_consent", page), mbps("handlers_noop", page)
    if tok and rw and noop:
        rows.append((page, os.path.getsize(os.path.join(pages, page + ".html")), rw, tok, rw / tok, noop, noop / tok))
print("| page | size | rewriter, no consent (MB/s) | tokenizer-only (MB/s) | % of ceiling "
      "| no-op handlers (MB/s) | no-op % of ceiling |")
print("|---|---:|---:|---:|---:|---:|---:|")
for page, size, rw, tok, pct, noop, noop_pct in rows:
    print(f"| {page} | {size // 1024} KiB | {rw:.0f} | {tok:.0f} | {100 * pct:.0f}% | {noop:.0f} | {100 * noop_pct:.0f}% |")
med = statistics.median(r[4] for r in rows)
print(f"| **median over {len(rows)} pages** | | {statistics.median(r[2] for r in rows):.0f} | "
      f"{statistics.median(r[3] for r in rows):.0f} | **{100 * med:.0f}%** (target ≥ 60%) "
      f"| {statistics.median(r[5] for r in rows):.0f} | {100 * statistics.median(r[6] for r in rows):.0f}% |")
if "--json" in sys.argv:
    json.dump([dict(zip(("page", "bytes", "rewriter_mbps", "tokenizer_mbps", "ratio", "noop_mbps", "noop_ratio"), r))
               for r in rows],
              open(sys.argv[sys.argv.index("--json") + 1], "w"), indent=1)
