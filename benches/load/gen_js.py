#!/usr/bin/env python3
"""Writes a deterministic ~50 KB JavaScript file (a pass-through workload)."""
import sys

out = ["/* consentry load harness: generated, deterministic */\n(function(){\n"]
i = 0
while sum(map(len, out)) < 50 * 1024:
    out.append(
        f"  function f{i}(a, b) {{ var s = 0; for (var k = 0; k < a; k++) {{ s += (k * {i % 97}) ^ b; }}"
        f" return 'r{i}:' + s.toString(16); }}\n"
    )
    i += 1
out.append("})();\n")
sys.stdout.write("".join(out))
