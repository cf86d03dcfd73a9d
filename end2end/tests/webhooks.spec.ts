// Webhooks in the browser, hydrated and with JavaScript off: a super
// manager adds an endpoint that points at a receiver this spec runs on
// 127.0.0.1 (the suite's server allows it: KEYWARD_WEBHOOK_ALLOW_NETS in
// playwright.config.ts), with an internal address refused next to its
// field first; the signing secret is shown once; Send test event shows its
// result at once and the receiver verifies the signature; the delivery log
// shows the attempt with its response, filters it, and resends it with the
// same webhook-id; Rotate secret asks first, then both secrets sign;
// Disable, then Delete after asking. axe finds nothing on any of these
// pages. The create form also works from the keyboard alone, and agents
// are refused the pages.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { expect, Locator, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { DEVELOPER_SETTINGS, expectNoViolations, goto, hydrated, signInAs } from "../support/pages";

const HOOKS = "/admin/profile/developer-settings/webhooks";

async function axe(page: Page) {
  if (test.info().project.use.javaScriptEnabled !== false) await expectNoViolations(page);
}

/** Whether the element has focus (asked through Playwright, so it works with JavaScript off too). */
async function isFocused(locator: Locator): Promise<boolean> {
  try {
    await expect(locator).toBeFocused({ timeout: 50 });
    return true;
  } catch {
    return false;
  }
}

type Delivery = { headers: http.IncomingHttpHeaders; body: string };

/** A webhook receiver on a free loopback port: records what arrives, answers 200 "received". */
async function startReceiver() {
  const got: Delivery[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      got.push({ headers: request.headers, body });
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("received");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    got,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether `secret` (`whsec_…`) signed this delivery, per Standard Webhooks. */
function signedBy(secret: string, delivery: Delivery): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = delivery.headers["webhook-id"] as string;
  const timestamp = delivery.headers["webhook-timestamp"] as string;
  const expected = crypto.createHmac("sha256", key).update(`${id}.${timestamp}.${delivery.body}`).digest("base64");
  const signatures = (delivery.headers["webhook-signature"] as string).split(" ");
  return signatures.some((s) => s === `v1,${expected}`);
}

test("add an endpoint, send a test event, read the log, resend, rotate, disable and delete", async ({ page }, info) => {
  // Nine pages, axe on each.
  test.slow();
  const receiver = await startReceiver();
  try {
    const url = receiver.url(`/hooks/${info.project.name}`);
    await signInAs(page, SEED.webhooks(info.project.name), DEVELOPER_SETTINGS);
    await page.getByRole("link", { name: "Webhooks", exact: true }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    await expect(page.getByText("No webhook endpoints yet.")).toBeVisible();
    await axe(page);

    // Add endpoint: an internal address is refused next to its field, what was typed is kept.
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Add endpoint", level: 1 })).toBeVisible();
    await expect(page.getByRole("checkbox", { name: /lead\.created/ })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: /webhook\.test/ })).toHaveCount(0);
    await axe(page);
    await page.getByLabel("Endpoint URL").fill("http://10.1.2.3/hooks");
    await page.getByLabel("Description").fill("CRM sync");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await hydrated(page);
    const urlField = page.getByLabel("Endpoint URL");
    await expect(urlField).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#webhook-url-error")).toBeVisible();
    await expect(urlField).toHaveValue("http://10.1.2.3/hooks");
    await expect(page.getByLabel("Description")).toHaveValue("CRM sync");
    await axe(page);
    await urlField.fill(url);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await hydrated(page);

    // The signing secret, once.
    await expect(page.getByRole("heading", { name: "Endpoint created", level: 1 })).toBeVisible();
    const secretField = page.getByRole("textbox", { name: "Signing secret" });
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    if (info.project.use.javaScriptEnabled !== false) {
      await expect(page.getByRole("button", { name: "Copy Signing secret" })).toBeVisible();
    }
    await axe(page);
    await page.getByRole("link", { name: "Go to the endpoint" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: url, level: 1 })).toBeVisible();
    await expect(page.getByRole("textbox", { name: "Signing secret" })).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);
    await axe(page);
    const endpointPage = page.url();

    // Send test event: the result at once; the receiver verifies it.
    await page.getByRole("button", { name: "Send test event" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Test event delivered" })).toBeVisible();
    await expect(page.getByText(/HTTP 200 in \d+ ms/)).toBeVisible();
    expect(receiver.got).toHaveLength(1);
    const first = receiver.got[0];
    expect(JSON.parse(first.body).type).toBe("webhook.test");
    expect(signedBy(secret, first)).toBe(true);
    const messageId = first.headers["webhook-id"] as string;

    // The delivery log: the attempt, its response body, filters.
    const log = page.getByRole("table", { name: "Delivery attempts" });
    await expect(log.getByRole("row").filter({ hasText: "webhook.test" })).toHaveCount(1);
    await expect(log.getByRole("row").filter({ hasText: messageId })).toContainText("Succeeded");
    await log.getByText("Response body").first().click();
    await expect(log.getByText("received", { exact: true })).toBeVisible();
    await axe(page);
    await page.getByLabel("Outcome").selectOption({ label: "Failed" });
    await page.getByRole("button", { name: "Filter" }).click();
    await hydrated(page);
    await expect(page.getByText("No attempts match these filters.")).toBeVisible();
    await page.getByRole("link", { name: "Clear filters" }).click();
    await hydrated(page);

    // Resend: the same message, the same webhook-id.
    await page.getByRole("table", { name: "Delivery attempts" }).getByRole("button", { name: "Resend" }).first().click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Message resent" })).toBeVisible();
    expect(receiver.got).toHaveLength(2);
    expect(receiver.got[1].headers["webhook-id"]).toBe(messageId);
    await expect(page.getByRole("table", { name: "Delivery attempts" }).getByRole("row").filter({ hasText: messageId })).toHaveCount(2);

    // Recover since an hour ago: nothing failed, nothing to send.
    const since = new Date(Date.now() - 3600_000).toISOString().slice(0, 16);
    await page.getByLabel("Failed since (UTC)").fill(since);
    await page.getByRole("button", { name: "Recover" }).click();
    await hydrated(page);
    await expect(page.getByRole("status").filter({ hasText: "No failed messages since then" })).toBeVisible();

    // Rotate secret: asks first; the new one shown once; both sign for 24 hours.
    await page.getByRole("link", { name: "Rotate secret…" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Rotate the signing secret?" })).toBeVisible();
    await axe(page);
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "New signing secret" })).toBeVisible();
    await expect(page.getByText(/keeps signing every message beside the new one for 24 hours/)).toBeVisible();
    const rotated = await page.getByRole("textbox", { name: "Signing secret" }).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await axe(page);
    await page.getByRole("button", { name: "Send test event" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Test event delivered" })).toBeVisible();
    const third = receiver.got[2];
    expect(signedBy(rotated, third)).toBe(true);
    expect(signedBy(secret, third)).toBe(true);
    await expect(page.getByText("The previous secret also signs until")).toBeVisible();

    // Reveal secret: the current one, on demand.
    await page.getByRole("button", { name: "Reveal secret" }).click();
    await hydrated(page);
    await expect(page.getByRole("textbox", { name: "Signing secret" })).toHaveValue(rotated);
    await axe(page);

    // Disable: nothing more is sent; Enable is offered.
    await goto(page, endpointPage);
    await page.getByRole("button", { name: "Disable" }).click();
    await hydrated(page);
    await expect(page.getByRole("status").filter({ hasText: "Endpoint disabled." })).toBeVisible();
    await expect(page.getByText("Disabled", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Send test event" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Enable" })).toBeVisible();
    await axe(page);
    await goto(page, HOOKS);
    await expect(page.getByRole("table", { name: "Webhook endpoints" }).getByRole("row", { name: new RegExp(url) })).toContainText(
      "Disabled",
    );

    // Delete, after asking.
    await page.getByRole("link", { name: url }).click();
    await hydrated(page);
    await page.getByRole("link", { name: "Delete endpoint…" }).click();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Delete this endpoint?" })).toBeVisible();
    await axe(page);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await hydrated(page);
    await expect(page.getByRole("status").filter({ hasText: "Endpoint deleted" })).toBeVisible();
    await expect(page.getByRole("link", { name: url })).toHaveCount(0);
    expect(receiver.got).toHaveLength(3);
  } finally {
    await receiver.close();
  }
});

test("the create form works from the keyboard alone", async ({ page }, info) => {
  const receiver = await startReceiver();
  try {
    const url = receiver.url(`/keyboard/${info.project.name}`);
    await signInAs(page, SEED.webhooks(info.project.name), `${HOOKS}/new`);
    const urlField = page.getByLabel("Endpoint URL");
    for (let i = 0; i < 40 && !(await isFocused(urlField)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(urlField).toBeFocused();
    await page.keyboard.type(url);
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Description")).toBeFocused();
    await page.keyboard.type("Typed, not clicked");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Workspace")).toBeFocused();
    await page.keyboard.press("Tab");
    const live = page.getByRole("radio", { name: /Live/ });
    await expect(live).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(page.getByRole("radio", { name: /Test/ })).toBeChecked();
    await page.keyboard.press("Tab");
    // The first event type: untick it with Space.
    const leadCreated = page.getByRole("checkbox", { name: /lead\.created/ });
    await expect(leadCreated).toBeFocused();
    await page.keyboard.press("Space");
    await expect(leadCreated).not.toBeChecked();
    const submit = page.getByRole("button", { name: "Add endpoint" });
    for (let i = 0; i < 20 && !(await isFocused(submit)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(submit).toBeFocused();
    await page.keyboard.press("Enter");
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Endpoint created", level: 1 })).toBeVisible();
    const go = page.getByRole("link", { name: "Go to the endpoint" });
    await go.focus();
    await page.keyboard.press("Enter");
    await hydrated(page);
    await expect(page.getByRole("heading", { name: url, level: 1 })).toBeVisible();
    const details = page.locator("dl.details");
    await expect(details).toContainText("Typed, not clicked");
    await expect(details).toContainText("Test");
    await expect(details).toContainText("lead.updated");
    await expect(details).not.toContainText("lead.created");
    expect(receiver.got).toHaveLength(0);
  } finally {
    await receiver.close();
  }
});

test("agents are refused the Webhooks pages; managers add endpoints to their workspaces only", async ({ page }) => {
  await signInAs(page, SEED.agent, DEVELOPER_SETTINGS);
  const refused = await page.goto(HOOKS);
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  await expect(page.getByText("You do not have permission to do that")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add endpoint" })).toHaveCount(0);
  expect((await page.goto(`${HOOKS}/new`))?.status()).toBe(403);
  await expect(page.getByLabel("Endpoint URL")).toHaveCount(0);

  await page.context().clearCookies();
  await signInAs(page, SEED.manager, `${HOOKS}/new`);
  await expect(page.getByRole("heading", { name: "Add endpoint", level: 1 })).toBeVisible();
  const workspace = page.getByLabel("Workspace");
  await expect(workspace.getByRole("option")).toHaveText(["Downtown"]);
});
