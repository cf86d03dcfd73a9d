// The Playwright suite drives the real release binary (dist/keyward) in
// Debian's Chromium, once hydrated and once with JavaScript off.
import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import path from "node:path";

import { BINARY, CHROMIUM_ARGS, CHROMIUM_PATH, SEED, stateDir } from "./support/constants";

// One free port for the whole run: workers re-read this file, and inherit
// the variable the first read set.
function freePort(): string {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return execFileSync(process.execPath, ["-e", script]).toString().trim();
}
process.env.KEYWARD_E2E_PORT ??= freePort();
const port = process.env.KEYWARD_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    // A fresh data dir with seeded users, then `keyward serve`.
    command: `bash ${path.join(__dirname, "support", "serve.sh")}`,
    env: {
      KEYWARD_BIN: BINARY,
      KEYWARD_ADDR: `127.0.0.1:${port}`,
      KEYWARD_DATA_DIR: stateDir(port),
      SEED_PASSWORD: SEED.password,
      RUST_LOG: "warn",
      // webhooks.spec.ts's receivers listen on loopback.
      KEYWARD_WEBHOOK_ALLOW_NETS: "127.0.0.1/32",
    },
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
