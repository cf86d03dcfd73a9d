// Shared by the config and the specs: where things are, and who exists.
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BINARY = process.env.KEYWARD_BIN ?? path.join(ROOT, "dist", "keyward");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Without the background-networking flags Chromium floods the closed
// network with refused connections (TOOLCHAIN.md).
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Users support/serve.sh creates before the server starts. */
export const SEED = {
  password: "e2e password 4 keyward",
  superManager: { email: "sam@acme.test", name: "Sam Super", role: "Super manager" },
  manager: { email: "max@acme.test", name: "Max Manager", role: "Manager" },
  agent: { email: "ada@acme.test", name: "Ada Agent", role: "Agent" },
};
