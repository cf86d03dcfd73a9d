#!/usr/bin/env python3
"""Webhooks under load, on SQLite and on PostgreSQL. Writes the "Webhooks
(issue 15)" section of BENCHMARKS.md.

1. `POST /v1/leads` (wrk, a fixed body) with 3 enabled endpoints subscribed
   to `lead.created` (each import writes the message and 3 deliveries in its
   transaction, shared by the imports queued together) against the same with those endpoints disabled (nothing
   written), same server, 4 interleaved pairs of runs; the ratio is the
   median of the pairs' ratios. Goal: >= 0.8. The measured
   server sends no webhooks (`KEYWARD_WEBHOOK_CONCURRENCY=0`, an API-only
   instance): a second instance on the same database delivers them between
   runs. For reference, the same with the measured server also delivering
   on the same two cores.
2. Keeping up: 500 imports/s for BENCH_SECONDS (hey, rate-limited) to one
   endpoint; deliveries counted by the receiver every 100 ms. Goal: the
   deliveries follow the imports (backlog bounded, drained within seconds
   of the load stopping).

The receiver is a small Node server on 127.0.0.1 answering 204 (the server
runs with KEYWARD_WEBHOOK_ALLOW_NETS=127.0.0.1/32).

Usage: python3 scripts/bench_webhooks.py [path/to/keyward]   (default: dist/keyward)
Env:   BENCH_SECONDS (10: the keep-up run; wrk runs take half), KEYWARD_TEST_POSTGRES_URL
Needs: wrk, hey (scripts/tools.sh bench), node
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from bench import on_both_engines, write_section  # same directory
from bench_api import listening, run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
RATE = 500
ROUNDS = 4  # interleaved pairs of wrk runs, RUN_SECONDS each
RUN_SECONDS = max(1, SECONDS // 2)

RECEIVER = r"""
const http = require("http");
let count = 0;
const server = http.createServer((req, res) => {
  if (req.method === "GET") { res.end(String(count)); return; }
  req.on("data", () => {});
  req.on("end", () => { count++; res.statusCode = 204; res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
"""


def api(base, key, method, path, body=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
        return json.loads(text) if text else None


def received(receiver_url):
    with urllib.request.urlopen(receiver_url) as answer:
        return int(answer.read())


def wrk_post(url, key, body):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n'
                     f'wrk.headers["Content-Type"] = "application/json"\n'
                     f'wrk.headers["Authorization"] = "Bearer {key}"\n')
    try:
        out = subprocess.run(["wrk", "-t2", "-c32", f"-d{RUN_SECONDS}s", "-s", script.name, url],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not non2xx, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def drain(receiver_url, expected, limit=120):
    began = time.time()
    while received(receiver_url) < expected:
        assert time.time() - began < limit, f"{received(receiver_url)} of {expected} delivered"
        time.sleep(0.1)
    return time.time() - began


def measure(engine, env):
    run(env, "user", "add", "--agency", "Bench Realty", "--workspace", "Main", "--email", "bench@bench.test",
        "--name", "Bench", "--role", "super_manager", "--password-stdin", stdin="bench password 2026")
    key = run(env, "key", "create", "--agency", "Bench Realty", "--name", "Load test", "--scopes",
              "write:leads,webhooks", "--rate-limit", "0").strip()
    receiver = subprocess.Popen(["node", "-e", RECEIVER], stdout=subprocess.PIPE, text=True)
    receiver_url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/"
    log = open(os.path.join(env["KEYWARD_DATA_DIR"], "server.log"), "w")
    server_env = {k: v for k, v in env.items() if k != "RUST_LOG"}

    def serve(concurrency):
        return subprocess.Popen([BINARY, "serve"], env={**server_env, "KEYWARD_ADDR": "127.0.0.1:0",
                                                        "KEYWARD_WEBHOOK_ALLOW_NETS": "127.0.0.1/32",
                                                        "KEYWARD_WEBHOOK_CONCURRENCY": str(concurrency)},
                                stdout=subprocess.PIPE, stderr=log, text=True)

    api_only = serve(0)
    proc = None
    try:
        base = listening(api_only)
        endpoints = [api(base, key, "POST", "/v1/webhooks", {"url": receiver_url + str(n), "event_types": ["lead.created"]})["id"]
                     for n in range(3)]
        body = {"first_name": "Bench", "email": "bench@buyer.test", "source": "wrk"}

        def compare(target, deliver_between):
            runs = {"none": [], "three": []}
            for _ in range(ROUNDS):  # interleaved, so noise hits both alike
                for endpoint in endpoints:
                    api(base, key, "PATCH", f"/v1/webhooks/{endpoint}", {"enabled": False})
                runs["none"].append(wrk_post(target + "/v1/leads", key, body))
                for endpoint in endpoints:
                    api(base, key, "PATCH", f"/v1/webhooks/{endpoint}", {"enabled": True})
                before = received(receiver_url)
                runs["three"].append(wrk_post(target + "/v1/leads", key, body))
                sent = round(runs["three"][-1] * RUN_SECONDS) * 3
                deliverer = serve(64) if deliver_between else None
                try:
                    drain(receiver_url, before + int(sent * 0.98))  # wrk's count is approximate
                finally:
                    if deliverer:
                        deliverer.terminate()
                        deliverer.wait(timeout=30)
                time.sleep(1)
            result = {name: statistics.mean(values) for name, values in runs.items()}
            # The median of each round's ratio: one round's noise (a
            # checkpoint, the other processes on two cores) moves it least.
            result["ratio"] = statistics.median(t / n for t, n in zip(runs["three"], runs["none"]))
            return result

        rps = compare(base, deliver_between=True)
        api_only.terminate()
        api_only.wait(timeout=30)
        proc = serve(64)
        base = listening(proc)
        shared = compare(base, deliver_between=False)

        # Keeping up: one endpoint, 500 imports/s.
        for endpoint in endpoints[1:]:
            api(base, key, "DELETE", f"/v1/webhooks/{endpoint}")
        time.sleep(1)
        start = received(receiver_url)
        backlog = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                backlog.append(received(receiver_url) - start)
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        workers = 50  # each sends one at a time: 10/s each, so a slow answer does not cap the rate
        out = subprocess.run(["hey", "-z", f"{SECONDS}s", "-c", str(workers), "-q", str(RATE // workers), "-m", "POST",
                              "-H", f"Authorization: Bearer {key}", "-T", "application/json", "-d", json.dumps(body),
                              base + "/v1/leads"], check=True, capture_output=True, text=True).stdout
        imported = sum(int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out) if code == "201")
        ended = time.time()
        drain_seconds = drain(receiver_url, start + imported)
        stop.set()
        sampler.join()
        delivered_at_end = received(receiver_url) - start
    finally:
        for server in (api_only, proc):
            if server and server.poll() is None:
                server.terminate()
                server.wait(timeout=30)
        receiver.terminate()
        log.close()
    ratio = rps["ratio"]
    shared_ratio = shared["ratio"]
    return engine, [
        ("`POST /v1/leads`, endpoints disabled (nothing written)", f"{rps['none']:,.0f} req/s", "1.00", ""),
        ("`POST /v1/leads`, 3 endpoints subscribed (message + 3 deliveries written)", f"{rps['three']:,.0f} req/s",
         f"{ratio:.2f}", f"≥ 0.8: {'met' if ratio >= 0.8 else 'MISSED'}"),
        ("the same, the measured server also delivering (3 requests per import, same 2 cores)",
         f"{shared['three']:,.0f} req/s vs {shared['none']:,.0f}", f"{shared_ratio:.2f}", "for reference"),
        (f"{RATE} imports/s for {SECONDS} s to 1 endpoint", f"{imported / SECONDS:,.0f} imports/s, {imported:,} delivered",
         "", f"drained {drain_seconds:.1f} s after the load stopped: {'kept up' if drain_seconds < 3 else 'FELL BEHIND'}"),
    ]


def main():
    results = on_both_engines(measure, "keyward-bench-webhooks")
    section = ["## Webhooks (issue 15)", "",
               f"Command: `python3 scripts/bench_webhooks.py` (or `make bench`) — release binary, loopback, "
               f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores shared by the load generator, the server and "
               f"the receiver (Node, answering 204). wrk -t2 -c32, {RUN_SECONDS} s each, the two `POST /v1/leads` runs "
               f"interleaved {ROUNDS} times on one server (the endpoints disabled, then enabled, between runs; the ratio "
               "is the median of the pairs' ratios, the req/s their means); with them "
               "enabled every import writes its message and 3 deliveries in the import's transaction (imports arriving "
               "together share one transaction and commit: `src/server/webhooks/group_commit.rs`; on SQLite one writer with "
               "a thread and a connection of its own). The measured "
               "server sends no webhooks (`KEYWARD_WEBHOOK_CONCURRENCY=0`, an API-only instance); a second "
               "instance on the same database delivers between runs. The reference row has the measured server "
               f"deliver too, on the same two cores. Then hey at {RATE} imports/s to one endpoint, and the time the "
               "deliveries took to catch up after the load stopped.", ""]
    for engine, rows in results:
        section += [f"**{engine}**", "", "| measure | value | ratio | goal |", "| --- | --- | --- | --- |"]
        section += ["| " + " | ".join(row) + " |" for row in rows]
        section.append("")
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
