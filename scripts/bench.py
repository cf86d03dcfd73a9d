#!/usr/bin/env python3
"""Foundation benchmarks for keyward; writes the "Foundation" section of
BENCHMARKS.md. Every timing is reported beside a baseline measured in the
same run, as a ratio, because these machines are noisy (2 shared cores).

Usage: python3 scripts/bench.py [path/to/keyward]   (default: dist/keyward)
"""
import gzip
import json
import http.cookiejar
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist", "keyward"))
WASM = os.path.join(ROOT, "target", "site", "pkg", "keyward.wasm")
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
PASSWORD = "bench password 2026"


def start(data_dir):
    """Starts `keyward serve` on a free port; returns (process, base url, seconds to /readyz OK)."""
    env = {"PATH": os.environ["PATH"], "KEYWARD_DATA_DIR": data_dir, "KEYWARD_ADDR": "127.0.0.1:0", "RUST_LOG": "warn"}
    began = time.perf_counter()
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    url = re.search(r"listening on (http://\S+)", line).group(1)
    while True:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return proc, url, time.perf_counter() - began
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.002)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


def exec_seconds():
    began = time.perf_counter()
    subprocess.run([BINARY, "--version"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def version_max_rss_kib():
    """Peak RSS of `keyward --version`, measured from a fresh parent so that
    no earlier child (a served instance) counts."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run([sys.argv[1], '--version'], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, BINARY], capture_output=True, text=True, check=True)
    return int(out.stdout)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in_seconds(url, email, password, expect):
    """One sign-in; `expect` is its status: 303 (signed in) or 422 (refused,
    the page again). Refusals count towards the sign-in throttle (the 20th
    from one address within 15 s is 429), so a run stays under 20 of them."""
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    began = time.perf_counter()
    try:
        opener.open(url + "/login", data=body, timeout=10)
        status = 200
    except urllib.error.HTTPError as answer:
        status = answer.code
    assert status == expect, (status, expect)
    return time.perf_counter() - began


def median_ms(values):
    return statistics.median(values) * 1000


def main():
    results = []
    binary_bytes = os.path.getsize(BINARY)
    wasm = open(WASM, "rb").read()
    wasm_gzip = len(gzip.compress(wasm, compresslevel=9))
    site = json.loads(subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "wasm_budget.py"), "--json"],
                                     check=True, capture_output=True, text=True).stdout)

    # Cold start: a fresh data dir each time (creates and migrates the database),
    # and a second start on that existing database; baseline: the same binary's --version.
    fresh, existing, baseline = [], [], []
    for _ in range(RUNS):
        data_dir = tempfile.mkdtemp(prefix="keyward-bench-")
        baseline.append(exec_seconds())
        proc, _, seconds = start(data_dir)
        fresh.append(seconds)
        stop(proc)
        proc, _, seconds = start(data_dir)
        existing.append(seconds)
        stop(proc)
        shutil.rmtree(data_dir)

    # Idle RSS after serving the sign-in page once; baseline: the binary's --version peak RSS.
    data_dir = tempfile.mkdtemp(prefix="keyward-bench-")
    subprocess.run([BINARY, "user", "add", "--agency", "Bench", "--email", "bench@bench.test", "--name", "Bench",
                    "--role", "super_manager", "--password-stdin"], input=PASSWORD, text=True, check=True,
                   env={"PATH": os.environ["PATH"], "KEYWARD_DATA_DIR": data_dir, "RUST_LOG": "warn"},
                   stderr=subprocess.DEVNULL)
    proc, url, _ = start(data_dir)
    urllib.request.urlopen(url + "/login").read()
    time.sleep(1)
    idle_rss = rss_kib(proc.pid)
    version_rss = version_max_rss_kib()

    # Sign-in: the known email with its password (argon2id verifies it)
    # against unknown emails (a dummy hash is verified instead), interleaved;
    # each unknown email is new, and there are fewer than the throttle's 20.
    known, unknown = [], []
    for n in range(RUNS):
        known.append(sign_in_seconds(url, "bench@bench.test", PASSWORD, 303))
        unknown.append(sign_in_seconds(url, f"nobody{n}@bench.test", "a wrong password!", 422))
    stop(proc)
    shutil.rmtree(data_dir)

    base = median_ms(baseline)
    rows = [
        ("release binary `dist/keyward`", f"{binary_bytes / 1e6:.1f} MB", ""),
        ("release wasm, raw", f"{len(wasm) / 1e3:.0f} kB", ""),
        ("release wasm, gzip -9", f"{wasm_gzip / 1e3:.0f} kB", ""),
        ("release wasm + js glue, gzip -9 (islands)", f"{site['gzip_total'] / 1e3:.0f} kB",
         f"{site['gzip_total'] / site['budget']:.2f} of the {site['budget'] / 1e3:.0f} kB budget"),
        ("baseline: `keyward --version` (exec, load, exit)", f"{base:.1f} ms", "1.00"),
        ("cold start to `/readyz` OK, fresh data dir (creates + migrates SQLite)", f"{median_ms(fresh):.1f} ms",
         f"{median_ms(fresh) / base:.1f}× baseline"),
        ("cold start to `/readyz` OK, existing database", f"{median_ms(existing):.1f} ms",
         f"{median_ms(existing) / base:.1f}× baseline"),
        ("baseline: `keyward --version` peak RSS", f"{version_rss / 1024:.1f} MiB", "1.00"),
        ("idle RSS after serving one page", f"{idle_rss / 1024:.1f} MiB", f"{idle_rss / version_rss:.1f}× baseline"),
        ("sign-in, known email and its password (argon2id m=19 MiB t=2)", f"{median_ms(known):.1f} ms", "1.00"),
        ("sign-in refused, unknown email (dummy hash)", f"{median_ms(unknown):.1f} ms",
         f"{median_ms(unknown) / median_ms(known):.2f}× known email"),
    ]
    section = ["## Foundation (issue 2)", "",
               f"Command: `python3 scripts/bench.py` (median of {RUNS} runs; sign-in {RUNS} each), "
               f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores.", "",
               "| what | figure | ratio |", "| --- | --- | --- |"]
    section += [f"| {what} | {figure} | {ratio} |" for what, figure, ratio in rows]
    write_section("\n".join(section) + "\n")
    print("\n".join(section))


def write_section(section):
    """Replaces the section of BENCHMARKS.md with the same `## ` heading as
    `section` (its first line), or appends it."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nFigures measured on this kind of machine (2 shared cores); each timing beside a baseline from the same run.\n\n"
    heading = section.splitlines()[0]
    pattern = re.compile(re.escape(heading) + r"\n.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _: section.rstrip("\n"), text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    open(path, "w").write(text.rstrip("\n") + "\n")


def on_both_engines(measure, prefix):
    """Runs `measure(engine, env)` on a fresh SQLite data dir, then on a
    temporary PostgreSQL database (skipped, with a warning, when the server
    at KEYWARD_TEST_POSTGRES_URL does not answer); returns the results."""
    pg_admin = os.environ.get("KEYWARD_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    results = []
    data_dir = tempfile.mkdtemp(prefix=f"{prefix}-")
    env = {"PATH": os.environ["PATH"], "KEYWARD_DATA_DIR": data_dir, "RUST_LOG": "warn"}
    try:
        results.append(measure("SQLite", env))
    finally:
        shutil.rmtree(data_dir)

    name = f"{prefix.replace('-', '_')}_{os.getpid()}"
    if subprocess.run(["psql", pg_admin, "-Atqc", f"CREATE DATABASE {name}"], capture_output=True).returncode == 0:
        url = re.sub(r"/[^/]*$", f"/{name}", pg_admin)
        data_dir = tempfile.mkdtemp(prefix=f"{prefix}-")
        env = {"PATH": os.environ["PATH"], "KEYWARD_DATA_DIR": data_dir, "KEYWARD_DATABASE_URL": url, "RUST_LOG": "warn"}
        try:
            results.append(measure("PostgreSQL", env))
        finally:
            shutil.rmtree(data_dir)
            subprocess.run(["psql", pg_admin, "-Atqc", f"DROP DATABASE {name} WITH (FORCE)"], capture_output=True)
    else:
        print("PostgreSQL did not answer: only SQLite measured", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
