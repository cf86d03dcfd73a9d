#!/usr/bin/env python3
"""Time to interactive and bytes transferred for Developer Settings with 25
keys, in Debian's Chromium (scripts/bench_tti.cjs does the browsing), for
dist/keyward and, when BENCH_TTI_BASELINE names another build of keyward,
for that one too, runs alternating; writes the "Time to interactive" section
of BENCHMARKS.md with the ratio to the baseline.

Usage: python3 scripts/bench_tti.py
Env:   BENCH_TTI_RUNS (15), BENCH_TTI_BASELINE (a keyward binary), BENCH_TTI_BASELINE_LABEL
"""
import json
import os
import subprocess
import sys
import time

from bench import write_section  # same directory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "dist", "keyward")
RUNS = int(os.environ.get("BENCH_TTI_RUNS", "15"))
BASELINE = os.environ.get("BENCH_TTI_BASELINE")
# What the baseline is, for the table (e.g. "commit 50e5cb9, before islands").
BASELINE_LABEL = os.environ.get("BENCH_TTI_BASELINE_LABEL")


def main():
    binaries = [BINARY] + ([os.path.abspath(BASELINE)] if BASELINE else [])
    out = subprocess.run(["node", os.path.join(ROOT, "scripts", "bench_tti.cjs"), str(RUNS), *binaries],
                         check=True, capture_output=True, text=True).stdout
    results = json.loads(out.strip().splitlines()[-1])
    now, base = results[0], (results[1] if len(results) > 1 else None)
    rows = []
    if base:
        rows.append((f"baseline: {BASELINE_LABEL or os.path.basename(base['binary'])}", f"{base['tti_ms']:.0f} ms",
                     f"{base['bytes'] / 1e3:.0f} kB", "1.00", "1.00"))
    rows.append(("`dist/keyward`", f"{now['tti_ms']:.0f} ms", f"{now['bytes'] / 1e3:.0f} kB",
                 f"{now['tti_ms'] / base['tti_ms']:.2f}" if base else "", f"{now['bytes'] / base['bytes']:.2f}" if base else ""))
    section = ["## Time to interactive: Developer Settings, 25 keys (issue 12)", "",
               f"Command: `BENCH_TTI_BASELINE=<other build> python3 scripts/bench_tti.py` (median of {RUNS} cold-cache "
               f"loads each, alternating), {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Debian Chromium headless. "
               "From navigation start until Create New Key, clicked again and again, opens its dialog; bytes are "
               "every response's transfer size (HTML, wasm, JS, CSS, gzip as served).", "",
               "| build | time to interactive | transferred | time ratio | bytes ratio |",
               "| --- | --- | --- | --- | --- |"]
    section += [f"| {' | '.join(row)} |" for row in rows]
    write_section("\n".join(section) + "\n")
    print("\n".join(section))


if __name__ == "__main__":
    sys.exit(main())
