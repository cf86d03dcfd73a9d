// Session tokens in the browser: a page served from a second loopback
// origin reads leads from /v1 with `fetch` and a session token its
// "backend" (the test) minted; the same page on an origin the token does
// not name is stopped by the browser's CORS check; the key's page lists
// the token and revokes it after asking, and the page then reads the 401.
// axe finds nothing on the key's page or the confirmation.
import http from "node:http";
import type { AddressInfo } from "node:net";

import { expect, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { expectNoViolations, keyward, signInAs, uniqueName } from "../support/pages";

/** A listing widget: calls `api`/v1/leads with the token in its URL's fragment, shows what came back. */
const WIDGET = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Listing widget</title></head>
<body>
<h1>Latest leads</h1>
<output id="result">loading</output>
<script>
  const params = new URLSearchParams(location.hash.slice(1));
  fetch(params.get("api") + "/v1/leads", { headers: { Authorization: "Bearer " + params.get("token") } })
    .then(async (answer) => {
      const body = await answer.json();
      document.getElementById("result").textContent = answer.ok
        ? "read " + body.data.length + " leads: " + body.data.map((l) => l.first_name + " " + l.last_name).join(", ")
        : "refused " + answer.status + ": " + body.error.message;
    })
    .catch((error) => { document.getElementById("result").textContent = "blocked: " + error.name; });
</script>
</body></html>`;

/** Serves the widget on a free loopback port until the test ends. */
async function serveWidget(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(WIDGET);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function widgetSays(page: Page, url: string): Promise<string> {
  await page.goto(url);
  const result = page.locator("#result");
  await expect(result).not.toHaveText("loading");
  return (await result.textContent()) ?? "";
}

test("a page on an allowed origin reads leads with a session token; the key's page revokes it", async ({
  page,
  context,
  baseURL,
  request,
}, info) => {
  const hydrated = info.project.use.javaScriptEnabled !== false;
  const keyName = uniqueName("Widget backend", info.project.name);
  const key = keyward(
    "key", "create", "--agency", "Records Realty", "--workspace", "Harbour",
    "--name", keyName, "--scopes", "read:leads", "--rate-limit", "0",
  );
  const widget = await serveWidget();
  const origin = `http://127.0.0.1:${widget.port}`;
  try {
    // The backend mints a token for the widget's origin.
    const minted = await request.post(`${baseURL}/v1/session_tokens`, {
      headers: { Authorization: `Bearer ${key}` },
      data: { allowed_origins: [origin], label: `Listing widget ${info.project.name}`, ttl: 3600 },
    });
    expect(minted.status()).toBe(201);
    const { token, id } = await minted.json();
    expect(token).toMatch(/^kw_sess_live_/);
    const fragment = `#api=${encodeURIComponent(baseURL!)}&token=${token}`;

    if (hydrated) {
      // From its origin: the leads. From another origin (the same server
      // under another name): the browser blocks the answer.
      expect(await widgetSays(page, `${origin}/widget.html${fragment}`)).toMatch(/^read \d+ leads: .*Lead \d\d/);
      expect(await widgetSays(page, `http://localhost:${widget.port}/widget.html${fragment}`)).toBe(
        "blocked: TypeError",
      );
    }

    // The key's page lists it; Revoke asks first.
    const tokenPage = await context.newPage();
    await signInAs(tokenPage, SEED.records, "/admin/profile/developer-settings");
    await tokenPage.getByRole("link", { name: keyName, exact: true }).click();
    await expect(tokenPage.getByRole("heading", { name: keyName, level: 1 })).toBeVisible();
    const tokens = tokenPage.getByRole("table", { name: "Live session tokens" });
    const row = tokens.getByRole("row", { name: new RegExp(`Listing widget ${info.project.name}`) });
    await expect(row).toContainText(origin);
    await expect(row).toContainText("read:leads");
    await expect(tokenPage.getByText("1 live session token", { exact: true })).toBeVisible();
    if (hydrated) await expectNoViolations(tokenPage);
    await row.getByRole("link", { name: `Revoke session token Listing widget ${info.project.name}` }).click();
    await expect(
      tokenPage.getByRole("heading", { name: `Revoke session token Listing widget ${info.project.name}?` }),
    ).toBeVisible();
    if (hydrated) await expectNoViolations(tokenPage);
    await tokenPage.getByRole("button", { name: "Revoke session token" }).click();
    await expect(tokenPage.getByRole("status").filter({ hasText: "Session token revoked." })).toBeVisible();
    await expect(tokenPage.getByText("No live session tokens.")).toBeVisible();
    expect(await tokenPage.content()).not.toContain(token);

    // Refused from the next request on; the page can read why.
    if (hydrated) {
      expect(await widgetSays(page, `${origin}/widget.html${fragment}`)).toBe("refused 401: Invalid or expired token");
    }
    const after = await request.get(`${baseURL}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(after.status()).toBe(401);
    expect(id).toHaveLength(12);
  } finally {
    await widget.close();
  }
});

test("Revoke all asks first and ends every token of the key", async ({ page, baseURL, request }, info) => {
  const keyName = uniqueName("Form backend", info.project.name);
  const key = keyward(
    "key", "create", "--agency", "Records Realty", "--workspace", "Harbour",
    "--name", keyName, "--scopes", "write:leads", "--rate-limit", "0",
  );
  const tokens: string[] = [];
  for (const label of ["Lead form A", "Lead form B"]) {
    const minted = await request.post(`${baseURL}/v1/session_tokens`, {
      headers: { Authorization: `Bearer ${key}` },
      data: { allowed_origins: ["https://www.agency.example"], label },
    });
    expect(minted.status()).toBe(201);
    tokens.push((await minted.json()).token);
  }
  await signInAs(page, SEED.records, "/admin/profile/developer-settings");
  await expect(page.getByRole("row", { name: new RegExp(keyName) })).toContainText("2 live session tokens");
  await page.getByRole("link", { name: keyName, exact: true }).click();
  await page.getByRole("link", { name: "Revoke all" }).click();
  await expect(page.getByRole("heading", { name: `Revoke all session tokens of ${keyName}?` })).toBeVisible();
  await expect(page.getByText("All 2 of its live session tokens")).toBeVisible();
  if (info.project.use.javaScriptEnabled !== false) await expectNoViolations(page);
  await page.getByRole("button", { name: "Revoke all session tokens" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Every session token of this key was revoked." })).toBeVisible();
  for (const token of tokens) {
    const me = await request.get(`${baseURL}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(401);
  }
  const me = await request.get(`${baseURL}/v1/me`, { headers: { Authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
});
