// Starting a keyward process of a test's own, on a free port in an empty
// directory, and reading what it prints.
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type Running = {
  url: string;
  setupLink?: string;
  dir: string;
  stop: () => Promise<void>;
};

/**
 * Runs `binary serve` in `dir` (a fresh temp dir by default) on port 0 and
 * waits for its address, and for the setup link when `expectSetup`.
 */
export async function startKeyward(binary: string, expectSetup: boolean, dir?: string): Promise<Running> {
  const cwd = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "keyward-e2e-"));
  const child: ChildProcess = spawn(binary, ["serve"], {
    cwd,
    env: { PATH: process.env.PATH, KEYWARD_ADDR: "127.0.0.1:0", RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let errors = "";
  child.stderr!.on("data", (chunk) => (errors += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyward did not start: ${errors}`)), 20_000);
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+)\n/);
      const ready = expectSetup ? /setup\?token=\S+ /.test(output) : true;
      if (match && ready) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`keyward exited with ${code}: ${errors}`)));
  });
  const setupLink = output.match(/(http:\/\/\S+\/setup\?token=\S+)/)?.[1];
  return {
    url,
    setupLink,
    dir: cwd,
    // A server that logged a panic fails the test that stops it.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        child.once("exit", () =>
          /panicked/.test(errors) ? reject(new Error(`keyward logged a panic: ${errors}`)) : resolve(),
        );
        child.kill("SIGTERM");
      }),
  };
}
