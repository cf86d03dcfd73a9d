// No page scrolls sideways, from a phone to a wide screen, on the demo
// agency (`keyward demo`: long names, every status, busy keys) and on the
// same agency with 10,000 more keys (`keyward demo --extra-keys 10000`):
// wide tables scroll inside their own labelled region, and from 1280 px up
// the key table fits, row actions included.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect, Page, test } from "../support/test";

import { BINARY } from "../support/constants";
import { startKeyward, Running } from "../support/keyward";
import { hydrated, keyTable, signIn } from "../support/pages";

const WIDTHS = [390, 1280, 1440, 1920];
const PAGES = [
  "/admin",
  "/admin/profile",
  "/admin/profile/developer-settings",
  "/admin/profile/developer-settings?sort=name&dir=asc",
  "/admin/profile/developer-settings/audit-log",
  "/admin/profile/developer-settings/api-reference",
  "/admin/leads",
  "/admin/properties",
  "/admin/notifications",
  "/admin/team",
  "/admin/team/invite",
  "/admin/workspaces",
];

/** The two agencies: the demo as it is, and with 10,000 more keys. */
const AGENCIES = [
  { name: "the demo agency", args: ["demo"] },
  { name: "the demo agency with 10,000 more keys", args: ["demo", "--extra-keys", "10000"] },
];

/** Each agency's server and its super manager's sign-in (each demo has its own password). */
const running: { server: Running; email: string; password: string }[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  for (const agency of AGENCIES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-demo-"));
    const out = execFileSync(BINARY, agency.args, {
      cwd: dir,
      env: { PATH: process.env.PATH, RUST_LOG: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    running.push({
      email: out.match(/super manager\s+(\S+@\S+)/)![1],
      password: out.match(/Password for every demo user: (.+)/)![1].trim(),
      server: await startKeyward(BINARY, false, dir),
    });
  }
});

test.afterAll(async () => {
  for (const { server } of running) await server.stop();
});

/** How far the page reaches past the window's right edge, in CSS pixels (0: it does not). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

for (const [index, agency] of AGENCIES.entries()) {
  test(`no page of ${agency.name} scrolls sideways, at any width`, async ({ page }) => {
    const { server: demo, email, password } = running[index];
    test.setTimeout(90_000);
    await page.goto(`${demo.url}/login`);
    await signIn(page, email, password);
    await expect(page).toHaveURL(/developer-settings/);
    const keyPage = await keyTable(page).getByRole("rowheader").first().getByRole("link").getAttribute("href");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of [...PAGES, keyPage!]) {
        await page.goto(`${demo.url}${path}`);
        await hydrated(page);
        expect(await overflow(page), `${path} at ${width} px`).toBe(0);
      }
    }
  });

  test(`${agency.name}: from 1280 px up every row action is in view; narrower, the table scrolls in its own region`, async ({ page }) => {
    const { server: demo, email, password } = running[index];
    await page.goto(`${demo.url}/login`);
    await signIn(page, email, password);
    await hydrated(page);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${demo.url}/admin/profile/developer-settings`);
      await hydrated(page);
      const region = page.getByRole("region", { name: "API keys table" });
      if (width >= 1280) {
        const edges = await keyTable(page)
          .getByRole("button", { name: /^(Rename|Rate limit|Revoke|Remove)$/ })
          .evaluateAll((buttons) => buttons.map((b) => b.getBoundingClientRect().right));
        expect(edges.length).toBeGreaterThan(0);
        for (const right of edges) expect(right, `a row action at ${width} px`).toBeLessThanOrEqual(width);
        expect(await region.evaluate((r) => r.scrollWidth - r.clientWidth), `the table at ${width} px`).toBeLessThanOrEqual(0);
      } else {
        expect(await region.evaluate((r) => r.scrollWidth > r.clientWidth), "the table scrolls inside its region").toBe(true);
        await region.focus();
        await expect(region).toBeFocused();
        await page.keyboard.press("ArrowRight");
        await expect.poll(() => region.evaluate((r) => r.scrollLeft)).toBeGreaterThan(0);
      }
    }
  });
}
