// The Leads and Properties pages and the API reference: what keys sent,
// with its key and acting user, live or in Test mode; with JavaScript and
// without.
import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { goto, signInAs } from "../support/pages";

test("Leads lists what keys imported, pages, searches, and switches to Test mode", async ({ page, javaScriptEnabled }) => {
  await signInAs(page, SEED.records, "/admin/leads");
  await expect(page.getByRole("heading", { name: "Leads", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Leads" });
  await expect(page.getByText("Showing 1–25 of 30 leads · page 1 of 2")).toBeVisible();
  await expect(table.getByRole("rowheader")).toHaveCount(25);
  const newest = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Lead 30" }) });
  await expect(newest).toContainText("lead30@example.com");
  await expect(newest).toContainText("Portal sync");
  await expect(newest).toContainText(SEED.records.name);
  await expect(newest).toContainText("Harbour");

  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/\/admin\/leads\?page=2$/);
  await expect(page.getByText("Showing 26–30 of 30 leads · page 2 of 2")).toBeVisible();
  await expect(table.getByRole("rowheader")).toHaveText(["Lead 05", "Lead 04", "Lead 03", "Lead 02", "Lead 01"]);

  const search = page.getByRole("searchbox", { name: "Search leads" });
  await search.fill("lead 2");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/admin\/leads\?q=lead\+2$/);
  await expect(page.getByText("Showing 1–10 of 10 leads")).toBeVisible();

  const mode = page.getByRole("checkbox", { name: "Test mode" });
  await expect(mode).not.toBeChecked();
  await mode.check();
  if (!javaScriptEnabled) {
    await page.getByRole("button", { name: "Search" }).click();
  }
  await expect(page).toHaveURL(/\/admin\/leads\?q=lead\+2&mode=test$/);
  await expect(page.getByRole("status").filter({ hasText: "No leads match “lead 2”." })).toBeVisible();
  await search.fill("");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/admin\/leads\?(q=&)?mode=test$/);
  await expect(page.getByText("Test mode: these leads are test data, not live data.")).toBeVisible();
  await expect(table.getByRole("rowheader")).toHaveText(["Sandbox Lead"]);
  await expect(table).toContainText("Sandbox sync");
  await expect(page.getByRole("checkbox", { name: "Test mode" })).toBeChecked();
});

test("Properties lists the synced listings, live and in Test mode", async ({ page }) => {
  await signInAs(page, SEED.records, "/admin/properties");
  const table = page.getByRole("table", { name: "Properties" });
  await expect(table.getByRole("rowheader")).toHaveText(["Garden cottage", "Harbour loft"]);
  const loft = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Harbour loft" }) });
  await expect(loft).toContainText("MLS-1");
  await expect(loft).toContainText("250,000.00");
  await expect(loft).toContainText("Portsmouth");
  await goto(page, "/admin/properties?mode=test");
  await expect(table.getByRole("rowheader")).toHaveText(["Sandbox flat"]);
});

test("another agency sees none of these leads", async ({ page }) => {
  await signInAs(page, SEED.empty, "/admin/leads");
  await expect(page.getByRole("status").filter({ hasText: "No leads yet." })).toBeVisible();
  await expect(page.getByRole("link", { name: "See the API reference" })).toBeVisible();
});

test("the API reference documents every endpoint with its scope and a curl example", async ({ page, baseURL }) => {
  await signInAs(page, SEED.agent);
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { name: "API reference", level: 1 })).toBeVisible();
  const endpoints = page.getByRole("navigation", { name: "Endpoints" }).getByRole("link");
  // 27 /v1 operations and 6 OAuth ones.
  await expect(endpoints).toHaveCount(33);
  const importLead = page.getByRole("region", { name: "POST /v1/leads" });
  await expect(importLead).toContainText("Scope: write:leads");
  await expect(importLead.locator("pre")).toContainText(`curl -X POST "${baseURL}/v1/leads"`);
  await expect(importLead.locator("pre")).toContainText('"first_name":"Ana"');
  await expect(page.getByRole("region", { name: "GET /v1/me" })).toContainText("Scope: any key");
  const token = page.getByRole("region", { name: "POST /oauth/token" });
  await expect(token).toContainText("Authentication: The app's client id and secret");
  await expect(token.locator("pre")).toContainText('-u "$CLIENT_ID:$CLIENT_SECRET"');
  await expect(page.getByRole("region", { name: "OAuth 2.0 for apps" })).toContainText("code_challenge_method=S256");
  const sessions = page.getByRole("region", { name: "Session tokens for browser pages" });
  await expect(sessions).toContainText(`fetch("${baseURL}/v1/session_tokens"`);
  await expect(sessions).toContainText(`fetch("${baseURL}/v1/properties"`);
  const hooks = page.getByRole("region", { name: "Receiving webhooks" });
  await expect(hooks).toContainText(`curl -X POST "${baseURL}/v1/webhooks"`);
  await expect(hooks).toContainText('import { Webhook } from "standardwebhooks"');
  await expect(page.getByRole("region", { name: "POST /v1/session_tokens" })).toContainText("Scope: any key");
  await page.getByRole("link", { name: "OpenAPI 3.1 document" }).click();
  await expect(page).toHaveURL(/\/v1\/openapi\.json$/);
});
