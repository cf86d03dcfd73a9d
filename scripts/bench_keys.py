#!/usr/bin/env python3
"""The key table at scale: 10,000 keys in one workspace, created through the
real create_key server function (19 of every 20 then revoked through
revoke_key, so the key limit leaves room), then the Developer Settings page,
the list server function, a key's page and the audit log (about 19,500
events) timed against GET /healthz on the same server in the same run (a
ratio, because these machines are noisy); then the maintenance jobs over
those keys (`keyward jobs run --now`: the notices 80 days on, the deletion
of every key 91 days on) against a run with nothing due. On SQLite and on
PostgreSQL. Writes the "Key table at 10,000 keys" section of BENCHMARKS.md.

Usage: python3 scripts/bench_keys.py [path/to/keyward]   (default: dist/keyward)
Env:   BENCH_KEYS (10000), BENCH_RUNS (200), KEYWARD_TEST_POSTGRES_URL
"""
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench import on_both_engines, write_section  # same directory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
KEYS = int(os.environ.get("BENCH_KEYS", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
PASSWORD = "bench password 2026"
LIMIT = 1000  # the most active keys the key limit allows in one bucket
KEEP_EVERY = 20  # every 20th key stays active: 500 of 10,000
PAGE = "/admin/profile/developer-settings"
# Issue 3's goals (p50): the page rendered on the server, the list server
# function searching or sorting, and creating a key.
PAGE_GOAL, LIST_GOAL, CREATE_GOAL = 15, 10, 20
AUDIT_LOG = PAGE + "/audit-log"


def cli(env, *args, stdin=None):
    subprocess.run([BINARY, *args], input=stdin, text=True, check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start(env):
    proc = subprocess.Popen([BINARY, "serve"], env={**env, "KEYWARD_ADDR": "127.0.0.1:0"},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = re.search(r"listening on (http://\S+)", proc.stdout.readline()).group(1)
    return proc, url


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session(url):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"email": "bench@bench.test", "password": PASSWORD}).encode()
    try:
        opener.open(url + "/login", data=body, timeout=30)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303, redirect.code
    return opener


def call(opener, url, name, payload):
    request = urllib.request.Request(url + "/api/" + name, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def timed(fn):
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def get(opener, url, path):
    def fetch():
        with opener.open(url + path, timeout=30) as response:
            body = response.read()
            assert response.status == 200, (path, response.status)
            return body
    return fetch


def seed(opener, url, settings):
    """Creates KEYS keys in the first workspace, revoking 19 of every 20;
    returns the create timings."""
    workspace = settings["workspaces"][0]["id"]
    user = settings["viewer_id"]

    def create(i):
        form = {"name": f"Listing sync {i:05d}", "workspace": str(workspace),
                "act_as": str(user), "validity": ["1w", "1m", "3m", "1y", "never"][i % 5], "custom_date": "",
                "environment": "test" if i % 4 == 0 else "live", "scopes": ["read:leads", "write:leads"]}
        began = time.perf_counter()
        key = call(opener, url, "create_key", {"form": form})
        seconds = time.perf_counter() - began
        assert key["token"].startswith("kw_"), key
        if i % KEEP_EVERY:
            form_call(opener, url, "revoke_key", {"id": key["id"]})
        return seconds

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(create, range(KEYS)))


def form_call(opener, url, name, fields):
    request = urllib.request.Request(url + "/api/" + name, data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Accept": "application/json"})
    with opener.open(request, timeout=30) as response:
        assert response.status == 200, (name, response.status)


def measure(engine, env):
    subprocess.run([BINARY, "user", "add", "--agency", "Bench Realty", "--workspace", "W00", "--email", "bench@bench.test",
                    "--name", "Bench", "--role", "super_manager", "--password-stdin"],
                   input=PASSWORD, text=True, check=True, env=env, stderr=subprocess.DEVNULL)
    cli(env, "agency", "set", "--agency", "Bench Realty", "--max-active-keys", str(LIMIT))
    proc, url = start(env)
    try:
        opener = session(url)
        settings = call(opener, url, "get_key_settings", {})
        seeded = time.perf_counter()
        creates = seed(opener, url, settings)
        seeded = time.perf_counter() - seeded
        if "KEYWARD_DATABASE_URL" in env:
            # What autovacuum does within a minute or so of a bulk load: the
            # planner's statistics for the 10,000 new keys (without them it
            # plans for the near-empty table it last sampled).
            # (This machine's PostgreSQL runs with autovacuum off.) The audit
            # log's 19,500 events too, and VACUUM sets the visibility map that
            # index-only counts rely on.
            for table in ("api_keys", "audit_events"):
                subprocess.run(["psql", env["KEYWARD_DATABASE_URL"], "-Atqc", f"VACUUM ANALYZE {table}"], check=True)

        cases = [
            ("baseline: `GET /healthz`", get(opener, url, "/healthz")),
            ("Developer Settings page (SSR), newest first, page 1", get(opener, url, PAGE)),
            ("… sorted by name, page 200 of 400", get(opener, url, PAGE + "?sort=name&dir=asc&page=200")),
            ("… sorted by status, then last used", get(opener, url, PAGE + "?sort=status&dir=desc")),
            ("… search `sync 042` (as you type)", get(opener, url, PAGE + "?q=sync+042")),
            ("`list_keys` server function, sorted by expiry, page 50",
             lambda: call(opener, url, "list_keys", {"query": {"q": "", "sort": "expires", "dir": "asc", "page": 50}})),
            ("`list_keys`, sorted by status, page 2",
             lambda: call(opener, url, "list_keys", {"query": {"q": "", "sort": "status", "dir": "desc", "page": 2}})),
            ("`list_keys`, search `sync 042` (as you type)",
             lambda: call(opener, url, "list_keys", {"query": {"q": "sync 042", "sort": "created", "dir": "desc", "page": 1}})),
        ]
        some_key = call(opener, url, "list_keys", {"query": {"q": "", "sort": "name", "dir": "asc", "page": 1}})["rows"][0]["id"]
        cases += [
            ("a key's page (SSR: details, 30-day chart and table, trail)", get(opener, url, f"{PAGE}/keys/{some_key}")),
            ("Audit log page (SSR), newest first, page 1", get(opener, url, AUDIT_LOG)),
            ("… filtered by action `revoked`, page 100", get(opener, url, AUDIT_LOG + "?action=revoked&page=100")),
            ("… search `sync 042`", get(opener, url, AUDIT_LOG + "?q=sync+042")),
        ]
        for _, fn in cases:  # warm up
            fn()
        timings = {label: [] for label, _ in cases}
        for _ in range(RUNS):  # interleaved, so noise hits every case alike
            for label, fn in cases:
                timings[label].append(timed(fn))
        total = call(opener, url, "list_keys", {"query": {"q": "", "sort": "name", "dir": "asc", "page": 1}})["total"]
        assert total == KEYS, total
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    base = statistics.median(timings[cases[0][0]])
    goal = lambda label: "" if label == cases[0][0] else (LIST_GOAL if label.startswith("`") else PAGE_GOAL)
    rows = [(label, statistics.median(t), statistics.median(t) / base, goal(label)) for label, t in timings.items()]
    rows.append((f"`create_key` (the {KEYS - 1000:,}th to {KEYS:,}th key)", statistics.median(creates[-1000:]),
                 statistics.median(creates[-1000:]) / base, CREATE_GOAL))
    return engine, rows, seeded, jobs(env)


def jobs(env):
    """`keyward jobs run` over the seeded keys, against runs with nothing due."""
    def run(*args):
        return timed(lambda: cli(env, "jobs", "run", *args))
    at = lambda days: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + days * 86400))
    idle = statistics.median([run() for _ in range(5)])
    notices = run("--now", at(80))
    sweep = run("--now", at(91))
    return [
        ("baseline: `keyward jobs run`, nothing due (start, connect, read 10,000 keys' dates, exit)", idle, 1.0),
        (f"… 80 days on: the 15-day notices", notices, notices / idle),
        (f"… 91 days on: every one of the {KEYS:,} keys deleted, audited and announced", sweep, sweep / idle),
    ]


def verdict(seconds, goal):
    if not goal:
        return ""
    return f"≤ {goal} ms: {'met' if seconds * 1000 <= goal else 'MISSED'}"


def main():
    results = on_both_engines(measure, "keyward-bench-keys")

    section = ["## Key table at 10,000 keys (issues 3 and 5)", "",
               f"Command: `python3 scripts/bench_keys.py` — {KEYS:,} keys in one workspace, created through "
               f"`create_key` over HTTP ({KEYS // KEEP_EVERY:,} left active, the rest revoked with `revoke_key`); then the median of {RUNS} interleaved requests "
               f"per row, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores. Ratio: against `GET /healthz` "
               "on the same server in the same run. On PostgreSQL the script runs `VACUUM ANALYZE` on `api_keys` and "
               "`audit_events` after seeding, as autovacuum would shortly after a bulk load (this machine's PostgreSQL "
               "runs with autovacuum off).", ""]
    for engine, rows, seeded, job_rows in results:
        section += [f"**{engine}** (seeding took {seeded:.0f} s)", "", "| request | median | ratio to /healthz | goal |",
                    "| --- | --- | --- | --- |"]
        section += [f"| {label} | {seconds * 1000:.2f} ms | {ratio:.1f}× | {verdict(seconds, goal)} |"
                    for label, seconds, ratio, goal in rows]
        section += ["", "| maintenance jobs | time | ratio |", "| --- | --- | --- |"]
        section += [f"| {label} | {seconds * 1000:.0f} ms | {ratio:.1f}× |" for label, seconds, ratio in job_rows]
        section.append("")
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
