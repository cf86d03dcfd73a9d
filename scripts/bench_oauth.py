#!/usr/bin/env python3
"""OAuth under load, against baselines from the same run, on SQLite and on
PostgreSQL. Writes the "OAuth (issue 13)" section of BENCHMARKS.md.

1. `/v1/me` verified with an OAuth access token against the same with an API
   key (both limited at 1,000,000/s, so the limiter runs and never refuses):
   wrk, interleaved. Goal: the token at >= 0.95 of the key.
2. `POST /oauth/token` with `grant_type=refresh_token` (a rotation: the old
   pair revoked and announced, a new pair written), one request at a time
   over a kept-alive connection: p50 with 10 live families, then with
   10,000 (each made by a real authorization: the consent skipped once
   granted, a code, its redemption). Goal: p50 <= 5 ms at 10,000.

Usage: python3 scripts/bench_oauth.py [path/to/keyward]   (default: dist/keyward)
Env:   BENCH_SECONDS (10 per wrk run), BENCH_FAMILIES (10000), KEYWARD_TEST_POSTGRES_URL
Needs: wrk (scripts/tools.sh bench installs it)
"""
import base64
import hashlib
import html.parser
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

from bench import on_both_engines, write_section  # same directory
from bench_api import listening, run, wrk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
FAMILIES = int(os.environ.get("BENCH_FAMILIES", "10000"))
REFRESHES = 300
HISTORY = ("History. The first run of this benchmark (2026-12-02, same machine, commit d28d744) found refresh p50 at 10,000 families 8.79 ms on SQLite (5.82× the one at 10 families) and 5.12 ms on PostgreSQL (1.99×): a refresh looks up the pair its token issued and the pair issued from it by `oauth_tokens.parent_id`, which had no index, so each refresh read every token. Migration 18 indexes it (this table).")
PASSWORD = "bench password 2026"
REDIRECT = "http://127.0.0.1:9/cb"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Hidden(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")


class Client:
    """One kept-alive connection, a session cookie, and the app's credentials."""

    def __init__(self, base, client_id, secret):
        self.base = base
        self.conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
        self.cookie = ""
        self.basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        self.client_id = client_id

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body)
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def sign_in(self, email):
        status, _, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD, "next": ""})
        assert status == 303, status

    def code(self):
        """A code for a new authorization: the consent page answered the first time, skipped after."""
        query = urllib.parse.urlencode({
            "client_id": self.client_id, "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "read:leads", "state": "s", "code_challenge": CHALLENGE, "code_challenge_method": "S256"})
        status, location, page = self.request("GET", f"/oauth/authorize?{query}")
        if status == 200:
            form = Hidden()
            form.feed(page.decode())
            status, location, page = self.request(
                "POST", "/oauth/authorize", {**form.fields, "decision": "approve"}, {"Origin": self.base})
        assert status == 303 and location.startswith(REDIRECT), (status, location, page[:300])
        return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]

    def token(self, fields):
        status, _, data = self.request("POST", "/oauth/token", fields, {"Authorization": self.basic})
        assert status == 200, (status, data)
        return json.loads(data)

    def new_family(self):
        return self.token({"grant_type": "authorization_code", "code": self.code(),
                           "redirect_uri": REDIRECT, "code_verifier": VERIFIER})

    def refresh_ms(self, refresh_token):
        began = time.perf_counter()
        answer = self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return (time.perf_counter() - began) * 1000, answer


def unlimited_app(env, client_id):
    """The app's rate limit raised like the key's (1,000,000/s): no setting offers it yet."""
    app_id = client_id.removeprefix("kw_app_")
    url = env.get("KEYWARD_DATABASE_URL")
    if url:
        subprocess.run(["psql", url, "-Atqc", f"UPDATE oauth_apps SET rate_limit = 1000000 WHERE id = '{app_id}'"],
                       check=True, capture_output=True)
    else:
        with sqlite3.connect(os.path.join(env["KEYWARD_DATA_DIR"], "keyward.db")) as db:
            db.execute("UPDATE oauth_apps SET rate_limit = 1000000 WHERE id = ?", (app_id,))


def measure(engine, env):
    run(env, "user", "add", "--agency", "Bench Realty", "--workspace", "Main", "--email", "bench@bench.test",
        "--name", "Bench", "--role", "super_manager", "--password-stdin", stdin=PASSWORD)
    key = run(env, "key", "create", "--agency", "Bench Realty", "--name", "Load test", "--scopes", "read:leads",
              "--rate-limit", "1000000").strip()
    registered = run(env, "oauth-app", "create", "--agency", "Bench Realty", "--name", "Bench App",
                     "--redirect-uri", REDIRECT, "--scopes", "read:leads")
    client_id = re.search(r"client_id: (\S+)", registered).group(1)
    secret = re.search(r"client_secret: (\S+)", registered).group(1)
    unlimited_app(env, client_id)
    log = open(os.path.join(env["KEYWARD_DATA_DIR"], "server.log"), "w")
    server_env = {k: v for k, v in env.items() if k != "RUST_LOG"}
    proc = subprocess.Popen([BINARY, "serve"], env={**server_env, "KEYWARD_ADDR": "127.0.0.1:0"},
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = listening(proc)
        client = Client(url, client_id, secret)
        client.sign_in("bench@bench.test")
        first = client.new_family()

        runs = {"key": [], "token": []}
        for _ in range(2):  # interleaved, so noise hits both alike
            runs["key"].append(wrk(url + "/v1/me", [f"Authorization: Bearer {key}"]))
            runs["token"].append(wrk(url + "/v1/me", [f"Authorization: Bearer {first['access_token']}"]))
        rps = {name: statistics.mean(values) for name, values in runs.items()}

        # Refresh with 10 live families: each refresh continues its family.
        chains = [client.new_family()["refresh_token"] for _ in range(9)] + [first["refresh_token"]]
        small = []
        for i in range(REFRESHES):
            ms, answer = client.refresh_ms(chains[i % len(chains)])
            chains[i % len(chains)] = answer["refresh_token"]
            small.append(ms)

        began = time.perf_counter()
        seeded = [client.new_family()["refresh_token"] for _ in range(FAMILIES - len(chains))]
        seed_seconds = time.perf_counter() - began
        large = [client.refresh_ms(token)[0] for token in seeded[-REFRESHES:]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    p50_small, p50_large = statistics.median(small), statistics.median(large)
    p99_large = statistics.quantiles(large, n=100)[98]
    return engine, [
        ("`GET /v1/me` with an API key", f"{rps['key']:,.0f} req/s", "1.00", ""),
        ("`GET /v1/me` with an OAuth access token", f"{rps['token']:,.0f} req/s", f"{rps['token'] / rps['key']:.2f}",
         f"≥ 0.95 of the key: {'met' if rps['token'] / rps['key'] >= 0.95 else 'MISSED'}"),
        ("`POST /oauth/token` refresh p50, 10 live families", f"{p50_small:.2f} ms", "1.00", ""),
        (f"`POST /oauth/token` refresh p50, {FAMILIES:,} live families", f"{p50_large:.2f} ms",
         f"{p50_large / p50_small:.2f}", f"≤ 5 ms: {'met' if p50_large <= 5 else 'MISSED'}"),
        (f"`POST /oauth/token` refresh p99, {FAMILIES:,} live families", f"{p99_large:.2f} ms",
         f"{p99_large / p50_small:.2f}", ""),
        (f"making the {FAMILIES - len(chains):,} families (authorize + code redemption each)",
         f"{seed_seconds:.1f} s ({seed_seconds * 1000 / (FAMILIES - len(chains)):.2f} ms each)", "", ""),
    ]


def main():
    results = on_both_engines(measure, "keyward-bench-oauth")
    section = ["## OAuth (issue 13)", "",
               f"Command: `python3 scripts/bench_oauth.py` (or `make bench`) — release binary, loopback, "
               f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores shared by the load generator and the server, "
               "default logging (`info`, to a file). `/v1/me`: wrk -t2 -c64, "
               f"{SECONDS} s each, the key and the token interleaved twice; both limited at 1,000,000/s, so the "
               "limiter runs and never refuses. Refresh: one request at a time over a kept-alive connection from "
               f"Python (its own time included), {REFRESHES} refreshes each; with 10 families each refresh continues "
               f"one, with {FAMILIES:,} each refreshes a different one of the newest. A refresh rotates: it reads "
               "the token, its family and grant, revokes and announces the old pair and writes the new one, in one "
               "transaction.", ""]
    for engine, rows in results:
        section += [f"**{engine}**", "", "| measure | value | ratio | goal |", "| --- | --- | --- | --- |"]
        section += ["| " + " | ".join(row) + " |" for row in rows]
        section.append("")
    section += [HISTORY, ""]
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
