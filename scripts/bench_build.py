#!/usr/bin/env python3
"""How long `make build` takes when little or nothing changed, against the
plain `cargo build --release` of the same server in the same run:

1. baseline: touch one server file, `cargo build --release --features
   ssr,embed --bin keyward` (what the server step of scripts/build.sh asks
   cargo-leptos for, without the front end);
2. touch the same file, `scripts/build.sh` (what `make build` runs);
3. `scripts/build.sh` again, nothing changed.

Writes the "`make build` when little changed" section of BENCHMARKS.md. The
tree must have been built once (make build) so only the keyward crate is
compiled. About 12 minutes on 2 cores.

Usage: python3 scripts/bench_build.py
"""
import os
import pathlib
import subprocess
import time

from bench import write_section  # same directory

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOUCHED = ROOT / "src" / "server" / "http.rs"


def timed(*command):
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def env_cargo():
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(pathlib.Path.home() / ".cache" / "keyward-target"))
    return env


def main():
    subprocess.run(["scripts/build.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(env_cargo())
    TOUCHED.touch()
    cargo = timed("cargo", "build", "--release", "--features", "ssr,embed", "--bin", "keyward")
    TOUCHED.touch()
    touched = timed("scripts/build.sh")
    nothing = timed("scripts/build.sh")
    rows = [
        ("baseline: touch `src/server/http.rs`, `cargo build --release --features ssr,embed --bin keyward`", cargo, 1.0),
        ("touch `src/server/http.rs`, `scripts/build.sh` (`make build`)", touched, touched / cargo),
        ("`scripts/build.sh` again, nothing changed", nothing, nothing / cargo),
    ]
    section = [
        "## `make build` when little changed (issue 12)",
        "",
        f"Command: `python3 scripts/bench_build.py`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        "a tree built once before. The server embeds `target/embed`, a copy of the site in which a file "
        "is written only when its bytes changed, so a build whose front end did not change leaves cargo "
        "only the server to compile; the release profile is thin LTO with 4 codegen units.",
        "",
        "| build | time | ratio to the plain cargo build |",
        "| --- | --- | --- |",
    ] + [f"| {label} | {seconds:.0f} s | {ratio:.2f} |" for label, seconds, ratio in rows]
    write_section("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
