// Every spec's `test`: Playwright's, plus a guard that fails the test when
// the browser reports a Content-Security-Policy violation on any page the
// test opened (the policy must let the hydrated app do all it does, and
// nothing else).
import fs from "node:fs";
import path from "node:path";

import { expect, test as base } from "@playwright/test";

import { stateDir } from "./constants";

export type { Locator, Page } from "@playwright/test";
export { expect };

/** What the suite's server logged while `run` ran (support/serve.sh keeps the log). */
async function serverLogDuring(run: () => Promise<void>): Promise<string> {
  const log = path.join(stateDir(), "server.log");
  const size = () => (fs.existsSync(log) ? fs.statSync(log).size : 0);
  const start = size();
  await run();
  const end = size();
  if (end <= start) return "";
  const fd = fs.openSync(log, "r");
  const buffer = Buffer.alloc(end - start);
  fs.readSync(fd, buffer, 0, buffer.length, start);
  fs.closeSync(fd);
  return buffer.toString();
}

export const test = base.extend<{ cspViolations: string[]; serverPanics: void }>({
  // Both projects share one server: a panic seen here may come from the
  // other project's test running at the same moment. Either way it fails.
  serverPanics: [
    async ({}, use) => {
      const logged = await serverLogDuring(() => use());
      const panics = logged.split("\n").filter((line) => /panicked|the request panicked/.test(line));
      expect(panics, "the server logged a panic").toEqual([]);
    },
    { auto: true },
  ],
  cspViolations: [
    async ({ context }, use) => {
      const violations: string[] = [];
      const watch = (page: import("@playwright/test").Page) =>
        page.on("console", (message) => {
          if (/Content.Security.Policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
        });
      context.pages().forEach(watch);
      context.on("page", watch);
      await use(violations);
      expect(violations, "Content-Security-Policy violations reported in the browser").toEqual([]);
    },
    { auto: true },
  ],
});
