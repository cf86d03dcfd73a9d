// Steps the specs share, in the words a user would use.
import { execFileSync } from "node:child_process";

import AxeBuilder from "@axe-core/playwright";
import { expect, Locator, Page, test } from "@playwright/test";

import { BINARY, SEED, stateDir } from "./constants";

export const DEVELOPER_SETTINGS = "/admin/profile/developer-settings";

export async function signIn(page: Page, email: string, password = SEED.password) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAs(page: Page, who: { email: string }, path = DEVELOPER_SETTINGS) {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await signIn(page, who.email);
  await expect(page).toHaveURL(path);
  await hydrated(page);
}

/** Pages whose app scripts are blocked on purpose: they never hydrate. */
export const serverRenderedPages = new WeakSet<Page>();

/**
 * In the hydrated project, waits until the page is interactive: every island
 * on it carries the mark its own code sets once it runs in the browser.
 */
export async function hydrated(page: Page) {
  if (test.info().project.use.javaScriptEnabled !== false && !serverRenderedPages.has(page)) {
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("leptos-island")).every((island) => island.hasAttribute("data-hydrated")),
    );
  }
}

/** Islands on the page, by component, and how many carry the hydrated mark. */
export async function islandCensus(page: Page): Promise<{ component: string; hydrated: boolean }[]> {
  return page.locator("leptos-island").evaluateAll((islands) =>
    islands.map((island) => ({
      component: ((island as HTMLElement).dataset.component ?? "").replace(/_\d+$/, ""),
      hydrated: island.hasAttribute("data-hydrated"),
    })),
  );
}

export async function goto(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

export async function expectNoViolations(page: Page, include?: string) {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const results = await builder.analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual(
    [],
  );
}

/** The key table and its parts. */
export function keyTable(page: Page): Locator {
  return page.getByRole("table", { name: "API keys" });
}

export function keyRow(page: Page, name: string): Locator {
  return keyTable(page)
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name, exact: true }) });
}

/** Names in the first column, top to bottom. */
export async function keyNames(page: Page): Promise<string[]> {
  const headers = keyTable(page).getByRole("rowheader");
  return (await headers.allInnerTexts()).map((t) => t.trim());
}

/** Runs the suite server's binary on its data dir (the CLI, as an operator would). */
export function keyward(...args: string[]): string {
  return execFileSync(BINARY, args, {
    env: { PATH: process.env.PATH, KEYWARD_DATA_DIR: stateDir(), RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  })
    .toString()
    .trim();
}

/** A name no other test or project uses. */
export function uniqueName(base: string, project: string): string {
  return `${base} ${project} ${Math.random().toString(36).slice(2, 7)}`;
}

export type NewKey = {
  name: string;
  workspace?: string;
  validity?: string;
  customDate?: string;
  environment?: "Live" | "Test";
  scopes?: string[];
};

/** Fills the Create API key dialog (opening it first) and submits it. */
export async function fillCreateDialog(page: Page, key: NewKey): Promise<Locator> {
  await page.getByRole("button", { name: "Create New Key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create API key" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Key name").fill(key.name);
  if (key.workspace) await dialog.getByLabel("Workspace").selectOption({ label: key.workspace });
  if (key.validity) await dialog.getByLabel("Validity period").selectOption({ label: key.validity });
  if (key.customDate) await dialog.getByLabel("Valid through").fill(key.customDate);
  if (key.environment) await dialog.getByRole("radio", { name: key.environment }).check();
  for (const scope of key.scopes ?? ["read:leads"]) {
    await dialog.getByRole("checkbox", { name: scope, exact: true }).check();
  }
  await dialog.getByRole("button", { name: "Create key" }).click();
  return dialog;
}

/** Creates a key in the dialog, confirms the reveal, and returns its parts. */
export async function createKey(page: Page, key: NewKey) {
  const dialog = await fillCreateDialog(page, key);
  const token = await dialog.getByRole("textbox", { name: "Token" }).inputValue();
  const apiKey = await dialog.getByRole("textbox", { name: "API key" }).inputValue();
  const secret = await dialog.getByRole("textbox", { name: "Secret" }).inputValue();
  await dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, key.name)).toBeVisible();
  return { token, apiKey, secret };
}

/** The list server function, as the page calls it (with the page's session). */
export async function listKeys(page: Page, q: string) {
  const response = await page.request.post("/api/list_keys", {
    data: { query: { q, sort: "name", dir: "asc", page: 1 } },
  });
  expect(response.status()).toBe(200);
  return { text: await response.text(), json: await response.json() };
}
