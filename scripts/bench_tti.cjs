// Time to interactive and bytes transferred for Developer Settings with 25
// keys, in Debian's Chromium: navigation start → the Create New Key button
// opens its dialog (clicked again and again until it does), on a cold cache.
// Each binary gets its own data dir (one super manager, 25 keys) and server;
// runs alternate between binaries. Prints JSON; scripts/bench_tti.py
// writes BENCHMARKS.md.
//
//   node scripts/bench_tti.cjs RUNS BINARY [BASELINE_BINARY]
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require(path.join(__dirname, "..", "end2end", "node_modules", "playwright-core"));

const EMAIL = "tti@bench.test";
const PASSWORD = "bench password for keyward";
const KEYS = 25;
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic"];

function seed(binary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-tti-"));
  const env = { PATH: process.env.PATH, KEYWARD_DATA_DIR: dir, RUST_LOG: "warn" };
  const run = (args, input) => execFileSync(binary, args, { env, input, stdio: ["pipe", "ignore", "ignore"] });
  run(["user", "add", "--agency", "Bench Realty", "--email", EMAIL, "--name", "Bench", "--role", "super_manager",
    "--password-stdin"], PASSWORD);
  run(["agency", "set", "--agency", "Bench Realty", "--max-active-keys", "1000"]);
  for (let n = 1; n <= KEYS; n++) {
    run(["key", "create", "--agency", "Bench Realty", "--name", `Feed ${n}`, "--scopes", "read:leads,write:leads"]);
  }
  return { dir, env };
}

function serve(binary, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ["serve"], { env: { ...env, KEYWARD_ADDR: "127.0.0.1:0" }, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)\n/);
      if (match) resolve({ url: match[1], child });
    });
    child.on("exit", (code) => reject(new Error(`keyward exited with ${code}`)));
  });
}

async function once(browser, url) {
  const context = await browser.newContext();
  await context.request.post(`${url}/login`, { form: { email: EMAIL, password: PASSWORD, next: "/admin" }, maxRedirects: 0 });
  const page = await context.newPage();
  await page.goto(`${url}/admin/profile/developer-settings`, { waitUntil: "commit" });
  const button = page.getByRole("button", { name: "Create New Key" });
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  for (;;) {
    await button.click();
    if (await dialog.isVisible()) break;
    await page.waitForTimeout(5);
  }
  const ms = await page.evaluate(() => performance.now());
  await page.waitForLoadState("load");
  const bytes = await page.evaluate(() =>
    [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
      .reduce((sum, entry) => sum + entry.transferSize, 0),
  );
  await context.close();
  return { ms, bytes };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

(async () => {
  const [runs, ...binaries] = process.argv.slice(2);
  const servers = [];
  for (const binary of binaries) {
    const { dir, env } = seed(binary);
    servers.push({ binary, dir, ...(await serve(binary, env)), ms: [], bytes: [] });
  }
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  for (const server of servers) await once(browser, server.url); // warm the servers, not the browser
  for (let run = 0; run < Number(runs); run++) {
    for (const server of servers) {
      const { ms, bytes } = await once(browser, server.url);
      server.ms.push(ms);
      server.bytes.push(bytes);
    }
  }
  await browser.close();
  for (const server of servers) {
    server.child.kill("SIGTERM");
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(servers.map((s) => ({ binary: s.binary, tti_ms: median(s.ms), bytes: median(s.bytes), runs: s.ms.length }))));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
