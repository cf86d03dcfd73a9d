#!/usr/bin/env python3
"""Session tokens under load, against their key in the same run, on SQLite
and on PostgreSQL. Writes the "Session tokens (issue 14)" section of
BENCHMARKS.md.

`GET /v1/me` verified with a session token against the same with the API
key that minted it (the key limited at 1,000,000/s, so the limiter runs and
never refuses; the token shares that bucket): wrk, interleaved twice, with
and without an allowed `Origin` (a browser page's request, answered with
CORS headers). Goal: the token at >= 0.95 of the key.

Usage: python3 scripts/bench_sessions.py [path/to/keyward]   (default: dist/keyward)
Env:   BENCH_SECONDS (10 per wrk run), KEYWARD_TEST_POSTGRES_URL
Needs: wrk (scripts/tools.sh bench installs it)
"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from bench import on_both_engines, write_section  # same directory
from bench_api import listening, run, wrk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ORIGIN = "https://www.agency.example"
HISTORY = ("History. The first run (2026-12-02, same machine, commit 9b10965) measured the token at 0.94 of the "
           "key on SQLite (0.91 with `Origin`) and 0.98 on PostgreSQL (0.96): a token's request formatted its cache id "
           "into a new `String`, took its usage shard's lock twice, and grew `/v1/me`'s header map for the CORS "
           "headers. The cache id is now written inline, the lock taken once and the map made with room (this table).")


def mint(base, key):
    request = urllib.request.Request(
        base + "/v1/session_tokens", method="POST",
        data=json.dumps({"allowed_origins": [ORIGIN], "label": "Bench widget"}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201, answer.status
        return json.load(answer)["token"]


def measure(engine, env):
    run(env, "user", "add", "--agency", "Bench Realty", "--workspace", "Main", "--email", "bench@bench.test",
        "--name", "Bench", "--role", "super_manager", "--password-stdin", stdin="bench password 2026")
    key = run(env, "key", "create", "--agency", "Bench Realty", "--name", "Load test", "--scopes", "read:leads",
              "--rate-limit", "1000000").strip()
    log = open(os.path.join(env["KEYWARD_DATA_DIR"], "server.log"), "w")
    server_env = {k: v for k, v in env.items() if k != "RUST_LOG"}
    proc = subprocess.Popen([BINARY, "serve"], env={**server_env, "KEYWARD_ADDR": "127.0.0.1:0"},
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = listening(proc)
        token = mint(url, key)
        runs = {"key": [], "token": [], "page": []}
        for _ in range(2):  # interleaved, so noise hits all alike
            runs["key"].append(wrk(url + "/v1/me", [f"Authorization: Bearer {key}"]))
            runs["token"].append(wrk(url + "/v1/me", [f"Authorization: Bearer {token}"]))
            runs["page"].append(wrk(url + "/v1/me", [f"Authorization: Bearer {token}", f"Origin: {ORIGIN}"]))
        rps = {name: statistics.mean(values) for name, values in runs.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    goal = lambda ratio: f"≥ 0.95 of the key: {'met' if ratio >= 0.95 else 'MISSED'}"
    return engine, [
        ("`GET /v1/me` with the API key", f"{rps['key']:,.0f} req/s", "1.00", ""),
        ("`GET /v1/me` with a session token of that key", f"{rps['token']:,.0f} req/s",
         f"{rps['token'] / rps['key']:.2f}", goal(rps['token'] / rps['key'])),
        ("the same from its allowed `Origin` (CORS headers added)", f"{rps['page']:,.0f} req/s",
         f"{rps['page'] / rps['key']:.2f}", "for reference: three more headers on every answer"),
    ]


def main():
    results = on_both_engines(measure, "keyward-bench-sessions")
    section = ["## Session tokens (issue 14)", "",
               f"Command: `python3 scripts/bench_sessions.py` (or `make bench`) — release binary, loopback, "
               f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores shared by the load generator and the server, "
               "default logging (`info`, to a file). wrk -t2 -c64, "
               f"{SECONDS} s each, the key, the token and the token with `Origin` interleaved twice; the key "
               "limited at 1,000,000/s (the token shares its bucket), so the limiter runs and never refuses. "
               "A session token's cached record is the key's narrowed; verifying it hashes with the `kw_sess_` "
               "label and writes its cache id (`sess:{id}`) inline.", ""]
    for engine, rows in results:
        section += [f"**{engine}**", "", "| measure | value | ratio | goal |", "| --- | --- | --- | --- |"]
        section += ["| " + " | ".join(row) + " |" for row in rows]
        section.append("")
    section += [HISTORY, ""]
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
