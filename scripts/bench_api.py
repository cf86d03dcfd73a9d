#!/usr/bin/env python3
"""The /v1 verification path under load, against the bare server in the
same run: wrk's requests/s for a verified `GET /v1/me` divided by the same
server's `GET /healthz` (issue 4's goal: >= 0.85); hey's p99 latency for
both at a fixed 10,000 requests/s (goal: /v1/me <= 1 ms); and the server's
peak RSS during it all (goal: <= 100 MB). On SQLite and on PostgreSQL.
Writes the "/v1 under load" section of BENCHMARKS.md.

Usage: python3 scripts/bench_api.py [path/to/keyward]   (default: dist/keyward)
Env:   BENCH_SECONDS (10 per wrk run), KEYWARD_TEST_POSTGRES_URL
Needs: wrk and hey (Debian packages; scripts/tools.sh bench installs them)
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from bench import on_both_engines, write_section  # same directory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
RATE = 10_000  # requests/s for the latency run
HEY_WORKERS = 50


def run(env, *args, stdin=None):
    return subprocess.run([BINARY, *args], input=stdin, text=True, check=True, env=env,
                          capture_output=True).stdout


def start(env):
    proc = subprocess.Popen([BINARY, "serve"], env={**env, "KEYWARD_ADDR": "127.0.0.1:0"},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = re.search(r"listening on (http://\S+)", proc.stdout.readline()).group(1)
    return proc, url


class PeakRss:
    """Samples the server's resident memory every 50 ms while running."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def wrk(url, headers):
    args = ["wrk", "-t2", "-c64", f"-d{SECONDS}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not non2xx, f"{url}: {non2xx.group(0)}"
    return rps


def hey(url, headers):
    """p99 latency (seconds) and achieved rate at RATE requests/s."""
    args = ["hey", "-z", f"{SECONDS}s", "-c", str(HEY_WORKERS), "-q", str(RATE // HEY_WORKERS)]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True).stdout
    p99 = float(re.search(r"99%+ in ([\d.]+) secs", out).group(1))
    achieved = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)
    assert all(code == "200" for code, _ in statuses), statuses
    return p99, achieved


def measure(engine, env):
    run(env, "user", "add", "--agency", "Bench Realty", "--workspace", "Main", "--email", "bench@bench.test",
        "--name", "Bench", "--role", "super_manager", "--password-stdin", stdin="bench password 2026")
    token = run(env, "key", "create", "--agency", "Bench Realty", "--name", "Load test", "--scopes", "read:leads",
                "--rate-limit", "0").strip()
    proc, url = start(env)
    auth = [f"Authorization: Bearer {token}"]
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/v1/me", headers={"Authorization": f"Bearer {token}"})) as r:
            assert r.status == 200
        rss = PeakRss(proc.pid)
        health, me = [], []
        for _ in range(2):  # interleaved, so noise hits both alike
            health.append(wrk(url + "/healthz", []))
            me.append(wrk(url + "/v1/me", auth))
        health_p99, health_rate = hey(url + "/healthz", [])
        me_p99, me_rate = hey(url + "/v1/me", auth)
        peak = rss.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    health_rps, me_rps = statistics.mean(health), statistics.mean(me)
    ratio = me_rps / health_rps
    return engine, [
        ("`GET /healthz` (baseline), wrk -t2 -c64", f"{health_rps:,.0f} req/s", "1.00", ""),
        ("`GET /v1/me`, verified, wrk -t2 -c64", f"{me_rps:,.0f} req/s", f"{ratio:.2f}",
         f"≥ 0.85: {'met' if ratio >= 0.85 else 'MISSED'}"),
        (f"`GET /healthz` p99 at {RATE:,} req/s (hey; achieved {health_rate:,.0f})", f"{health_p99 * 1000:.2f} ms", "1.00", ""),
        (f"`GET /v1/me` p99 at {RATE:,} req/s (hey; achieved {me_rate:,.0f})", f"{me_p99 * 1000:.2f} ms",
         f"{me_p99 / health_p99:.2f}", f"≤ 1 ms: {'met' if me_p99 <= 0.001 else 'MISSED'}"),
        ("server peak RSS during all of the above", f"{peak / 2**20:.1f} MiB", "",
         f"≤ 100 MB: {'met' if peak <= 100e6 else 'MISSED'}"),
    ]


def main():
    for tool in ("wrk", "hey"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run scripts/tools.sh bench")
    results = on_both_engines(measure, "keyward-bench-api")

    section = ["## /v1 under load (issue 4)", "",
               f"Command: `python3 scripts/bench_api.py` (or `make bench`) — release binary, loopback, "
               f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores shared by the load generator and the server. "
               f"wrk runs {SECONDS} s each, `/healthz` and `/v1/me` interleaved twice; then hey at a fixed "
               f"{RATE:,} requests/s ({HEY_WORKERS} workers) for {SECONDS} s each. The key has no rate limit; "
               "every `/v1/me` is verified (parse, checksum, cache, HMAC) and counted.", ""]
    for engine, rows in results:
        section += [f"**{engine}**", "", "| measure | value | ratio to /healthz | goal |", "| --- | --- | --- | --- |"]
        section += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        section.append("")
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
