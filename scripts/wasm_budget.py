#!/usr/bin/env python3
"""Fails when the browser's share of the site is over its budget.

What a browser downloads to run keyward's islands: the release wasm and its
JavaScript glue, gzipped (-9, as BENCHMARKS.md counts them). DESIGN.md
sets the budget: 300 kB for the whole app. Run after `scripts/build.sh`
(make test does); `--json` prints the figures for scripts/bench.py.
"""
import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "target", "site", "pkg")
BUDGET = 300_000  # bytes, gzip -9, wasm + js


def measure():
    sizes = {}
    for name in ("keyward.wasm", "keyward.js"):
        data = open(os.path.join(PKG, name), "rb").read()
        sizes[name] = {"raw": len(data), "gzip": len(gzip.compress(data, compresslevel=9))}
    total = sum(s["gzip"] for s in sizes.values())
    return {"files": sizes, "gzip_total": total, "budget": BUDGET}


def main():
    figures = measure()
    if "--json" in sys.argv:
        print(json.dumps(figures))
        return 0
    total = figures["gzip_total"]
    wasm = figures["files"]["keyward.wasm"]
    js = figures["files"]["keyward.js"]
    line = (
        f"wasm {wasm['raw'] / 1e3:.0f} kB raw, {wasm['gzip'] / 1e3:.0f} kB gzip; "
        f"js {js['gzip'] / 1e3:.1f} kB gzip; together {total / 1e3:.0f} kB of the {BUDGET / 1e3:.0f} kB budget"
    )
    if total > BUDGET:
        print(f"wasm budget exceeded: {line}", file=sys.stderr)
        return 1
    print(f"wasm budget: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
