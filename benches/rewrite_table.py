#!/usr/bin/env python3
"""Per corpus page MB/s of the rewriter with every decision and no consent
(`no_consent`, every inline script seen for the first time; `no_consent_warm`,
the same page again with inline-script verdicts remembered), our scanner with no-op decisions (`scanner_noop`), lol_html
with no handlers (`tokenizer_only`) and lol_html with the old rewriter's
selectors and no-op handlers (`handlers_noop`), from criterion's output
(target/criterion/rewrite/*/*/new/estimates.json).
Run `cargo bench --bench rewrite` first. Usage: rewrite_table.py [--json OUT]"""
import json, os, statistics, sys

root = os.path.join(os.path.dirname(__file__), "..", "target", "criterion", "rewrite")
pages = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "pages")
KINDS = ("no_consent", "no_consent_warm", "scanner_noop", "tokenizer_only", "handlers_noop")


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
    speeds = [mbps(k, page) for k in KINDS]
    if speeds[0]:
        rows.append((page, os.path.getsize(os.path.join(pages, page + ".html")), *speeds))
print("| page | size | rewriter, all decisions (MB/s) | same, page seen before | scanner, no-op decisions "
      "| lol_html, no handlers | lol_html, old rewriter's no-op handlers |")
print("|---|---:|---:|---:|---:|---:|---:|")
for page, size, *speeds in rows:
    print(f"| {page} | {size // 1024} KiB | " + " | ".join(f"{s:.0f}" if s else "–" for s in speeds) + " |")
medians = [statistics.median(v) if (v := [r[2 + i] for r in rows if r[2 + i]]) else None for i in range(len(KINDS))]
print(f"| **median over {len(rows)} pages** | | " + " | ".join(f"**{m:.0f}**" if m else "–" for m in medians) + " |")
if "--json" in sys.argv:
    json.dump([dict(zip(("page", "bytes") + KINDS, r)) for r in rows],
              open(sys.argv[sys.argv.index("--json") + 1], "w"), indent=1)
