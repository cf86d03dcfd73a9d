#!/usr/bin/env bash
# make bench: builds the release binary, installs the load generators, and
# rewrites every section of BENCHMARKS.md. Not part of make test: figures
# need a quiet machine, and these take about 30 minutes (45 the first time:
# bench_lto builds the dependencies once more without LTO).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
scripts/tools.sh bench
scripts/tools.sh test  # Chromium and the end2end packages, for bench_tti
python3 scripts/bench.py
python3 scripts/bench_keys.py
python3 scripts/bench_api.py
python3 scripts/bench_oauth.py
python3 scripts/bench_sessions.py
python3 scripts/bench_webhooks.py
python3 scripts/bench_tti.py
python3 scripts/bench_lto.py    # touches a server file and rebuilds, with and without LTO
python3 scripts/bench_build.py  # last: it touches a server file and rebuilds
