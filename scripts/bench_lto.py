#!/usr/bin/env python3
"""What the release profile's thin LTO costs in build time and buys at run
time, against the same build without LTO, in the same run:

1. for each setting (`thin`, the profile's; `off`, through
   `CARGO_PROFILE_RELEASE_LTO`): build once (dependencies, untimed), then
   touch one server file and time `cargo build --release --features
   ssr,embed --bin keyward` (compiling the server crate and linking: what
   every change to the server costs);
2. the binary's size;
3. both binaries served side by side (SQLite, default logging, the key's
   limiter on), wrk -t2 -c64 on `/healthz` and a verified `/v1/me`,
   interleaved twice; requests/s, off as a ratio of thin.

Writes the "Release profile: LTO" section of BENCHMARKS.md. The tree must
have been built once (`make build`: the site to embed). The first run builds
every dependency a second time without LTO (about 15 minutes on 2 cores);
cargo keeps both sets, so later runs take minutes.

Usage: python3 scripts/bench_lto.py
Needs: wrk (scripts/tools.sh bench)
"""
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

from bench import write_section  # same directory
from bench_api import listening, wrk  # same directory

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOUCHED = ROOT / "src" / "server" / "http.rs"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache" / "keyward-target"))
SETTINGS = ("thin", "off")


def cargo_build(lto):
    env = {**os.environ, "CARGO_TARGET_DIR": str(TARGET), "CARGO_PROFILE_RELEASE_LTO": lto}
    subprocess.run(["cargo", "build", "--release", "--features", "ssr,embed", "--bin", "keyward"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build(lto, into):
    """Builds once (untimed), then times a build after touching one file."""
    cargo_build(lto)
    TOUCHED.touch()
    began = time.perf_counter()
    cargo_build(lto)
    seconds = time.perf_counter() - began
    shutil.copy(TARGET / "release" / "keyward", into)
    return seconds


def serve(binary, data_dir):
    env = {**os.environ, "KEYWARD_DATA_DIR": data_dir, "KEYWARD_JOBS_EVERY": "off"}
    env.pop("RUST_LOG", None)
    env.pop("KEYWARD_DATABASE_URL", None)
    subprocess.run([binary, "user", "add", "--agency", "Bench Realty", "--workspace", "Main",
                    "--email", "bench@bench.test", "--name", "Bench", "--role", "super_manager",
                    "--password-stdin"], input="bench password 2026", text=True, env=env, check=True,
                   capture_output=True)
    token = subprocess.run([binary, "key", "create", "--agency", "Bench Realty", "--name", "Load test",
                            "--scopes", "read:leads", "--rate-limit", "1000000"], text=True, env=env,
                           check=True, capture_output=True).stdout.strip()
    log = open(os.path.join(data_dir, "server.log"), "w")
    proc = subprocess.Popen([binary, "serve"], env={**env, "KEYWARD_ADDR": "127.0.0.1:0"},
                            stdout=subprocess.PIPE, stderr=log, text=True)
    return proc, listening(proc), token


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run scripts/tools.sh bench")
    work = tempfile.mkdtemp(prefix="keyward-bench-lto-")
    binaries, seconds, sizes = {}, {}, {}
    try:
        for lto in SETTINGS:
            binaries[lto] = os.path.join(work, f"keyward-{lto}")
            seconds[lto] = build(lto, binaries[lto])
            sizes[lto] = os.path.getsize(binaries[lto])
        cargo_build("thin")  # leave target/release as the profile builds it
        servers = {}
        for lto in SETTINGS:
            data = os.path.join(work, f"data-{lto}")
            os.mkdir(data)
            servers[lto] = serve(binaries[lto], data)
        runs = {(lto, route): [] for lto in SETTINGS for route in ("health", "me")}
        for _ in range(2):
            for lto in SETTINGS:
                _, url, token = servers[lto]
                runs[(lto, "health")].append(wrk(url + "/healthz", []))
                runs[(lto, "me")].append(wrk(url + "/v1/me", [f"Authorization: Bearer {token}"]))
        for proc, _, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rps = {key: statistics.mean(values) for key, values in runs.items()}
    rows = [
        ("touch `src/server/http.rs`, then `cargo build --release` (compile the server crate, link)",
         f"{seconds['thin']:.0f} s", f"{seconds['off']:.0f} s", f"{seconds['off'] / seconds['thin']:.2f}"),
        ("the binary", f"{sizes['thin'] / 2**20:.1f} MiB", f"{sizes['off'] / 2**20:.1f} MiB",
         f"{sizes['off'] / sizes['thin']:.2f}"),
        ("`GET /healthz`, wrk -t2 -c64", f"{rps[('thin', 'health')]:,.0f} req/s",
         f"{rps[('off', 'health')]:,.0f} req/s", f"{rps[('off', 'health')] / rps[('thin', 'health')]:.2f}"),
        ("verified `GET /v1/me`, wrk -t2 -c64", f"{rps[('thin', 'me')]:,.0f} req/s",
         f"{rps[('off', 'me')]:,.0f} req/s", f"{rps[('off', 'me')] / rps[('thin', 'me')]:.2f}"),
    ]
    section = [
        "## Release profile: LTO (issue 12)",
        "",
        f"Command: `python3 scripts/bench_lto.py`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores. "
        "The release profile (thin LTO, 4 codegen units) against the same profile with LTO off "
        "(`CARGO_PROFILE_RELEASE_LTO=off`), each built once before it is timed; both binaries served "
        "side by side (SQLite, default logging, the key's limiter on), each route interleaved twice.",
        "",
        "| measure | thin LTO (the profile) | LTO off | off / thin |",
        "| --- | --- | --- | --- |",
    ] + ["| " + " | ".join(row) + " |" for row in rows] + [
        "",
        f"What thin LTO buys: {rps[('thin', 'me')] / rps[('off', 'me')] - 1:.0%} more verified `/v1/me` a second "
        f"and a {1 - sizes['thin'] / sizes['off']:.0%} smaller binary, for {seconds['thin'] / seconds['off']:.1f}× "
        "the build after a one-file change. Releases keep it; `make run` and `make test` build the release "
        "binary once per change they test, so the cost is paid there too.",
    ]
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
