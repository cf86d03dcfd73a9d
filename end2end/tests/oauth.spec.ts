// OAuth in the browser, hydrated and with JavaScript off: a super manager
// registers an app (errors next to the fields, the client secret shown once
// behind a confirmation), a person denies and then approves it on the
// consent page, the app's token works on /v1 until the person revokes it
// under Authorized apps, the consent page refuses to be framed, and the app
// is deleted. axe finds nothing on any of these pages.
import { expect, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { expectNoViolations, goto, signInAs } from "../support/pages";

const APPS = "/admin/profile/developer-settings/oauth-apps";
// The app's redirect URI: a loopback address (any port matches, RFC 8252
// §7.3); the browser's requests to it are answered by the test itself.
const REDIRECT = "http://127.0.0.1:9/cb";
// RFC 7636 Appendix B.
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async function axe(page: Page) {
  if (test.info().project.use.javaScriptEnabled !== false) await expectNoViolations(page);
}

function authorizeUrl(clientId: string, state: string): string {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "read:leads",
    state,
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
  });
  return `/oauth/authorize?${query}`;
}

/** Where the browser was sent back to the app: its query. */
async function backAtTheApp(page: Page): Promise<URLSearchParams> {
  await page.waitForURL((url) => url.href.startsWith(REDIRECT));
  return new URL(page.url()).searchParams;
}

test("register an app, consent, use its token, revoke it, delete the app", async ({ page, baseURL, browser }, info) => {
  // Eight pages, axe on each: 14 s on an idle machine, past 30 s on a busy one.
  test.slow();
  const project = info.project.name;
  const appName = `Portal ${project}`;
  await page.context().route(`${REDIRECT}**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>The app</title><p>Back at the app</p>" }),
  );
  await signInAs(page, SEED.oauth(project), APPS);
  await expect(page.getByRole("heading", { name: "OAuth apps", level: 1 })).toBeVisible();
  await axe(page);

  // Register: a look-alike redirect URI is refused next to its field.
  await page.getByRole("link", { name: "Register OAuth app" }).click();
  await expect(page.getByRole("heading", { name: "Register OAuth app" })).toBeVisible();
  await page.getByLabel("App name").fill(appName);
  await page.getByLabel("Redirect URIs").fill("https://good.example@evil.example/cb");
  await page.getByRole("checkbox", { name: /read:leads/ }).check();
  await page.getByRole("button", { name: "Register app" }).click();
  const uriField = page.getByLabel("Redirect URIs");
  await expect(uriField).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#app-redirect_uris-error")).toContainText("Line 1");
  await expect(page.getByLabel("App name")).toHaveValue(appName);
  await axe(page);
  await uriField.fill("http://127.0.0.1/cb");
  await page.getByRole("button", { name: "Register app" }).click();

  // The secret, once, behind the confirmation.
  await expect(page.getByRole("heading", { name: "Copy the client secret now" })).toBeVisible();
  const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
  const secret = await page.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
  expect(clientId).toMatch(/^kw_app_[0-9A-Za-z]{12}$/);
  expect(secret).toMatch(/^kw_ocs_/);
  await axe(page);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("textbox", { name: "Client secret", exact: true })).toBeVisible(); // not ticked: still here
  await page.getByLabel("I have copied the client secret and stored it safely").check();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("heading", { name: appName, level: 1 })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Client secret", exact: true })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await axe(page);

  // Deny, then approve.
  await goto(page, authorizeUrl(clientId, "first"));
  await expect(page.getByRole("heading", { name: `Authorize ${appName}` })).toBeVisible();
  await expect(page.getByText("List and read leads")).toBeVisible();
  await axe(page);
  await page.getByRole("button", { name: "Deny" }).click();
  const denied = await backAtTheApp(page);
  expect(denied.get("error")).toBe("access_denied");
  expect(denied.get("state")).toBe("first");

  // The consent page (nothing granted yet) refuses to be framed by another page.
  const framed = await page.request.get(authorizeUrl(clientId, "framed"), { maxRedirects: 0 });
  expect(framed.headers()["x-frame-options"]).toBe("DENY");
  // (In a context of its own with Olive's cookies: the violation is the
  // point here, and the suite's guard fails a test on any in its context.)
  const elsewhere = await browser.newContext({ storageState: await page.context().storageState() });
  const framer = await elsewhere.newPage();
  const reported: string[] = [];
  framer.on("console", (message) => reported.push(message.text()));
  await framer.setContent(`<iframe title="consent" src="${baseURL}${authorizeUrl(clientId, "framed")}"></iframe>`);
  await expect.poll(() => framer.frames()[1]?.url() ?? "").toMatch(/^chrome-error:/);
  await expect.poll(() => reported.join("\n")).toContain("frame-ancestors 'none'");
  await elsewhere.close();

  await goto(page, authorizeUrl(clientId, "second"));
  await page.getByRole("button", { name: "Approve" }).click();
  const approved = await backAtTheApp(page);
  expect(approved.get("state")).toBe("second");
  expect(approved.get("iss")).toBe(baseURL);
  const code = approved.get("code")!;
  expect(code).toMatch(/^kw_oac_/);

  // The app redeems the code and calls /v1 as Olive.
  const basic = "Basic " + Buffer.from(`${clientId}:${secret}`).toString("base64");
  const tokenAnswer = await page.request.post("/oauth/token", {
    headers: { authorization: basic },
    form: { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: VERIFIER },
  });
  expect(tokenAnswer.status()).toBe(200);
  const tokens = await tokenAnswer.json();
  const me = () => page.request.get("/v1/me", { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect((await me()).status()).toBe(200);

  // Authorized apps: Revoke asks first, then the token stops working.
  await goto(page, "/admin/profile/authorized-apps");
  const own = page.getByRole("table", { name: "Your authorized apps" });
  await expect(own.getByRole("row", { name: new RegExp(appName) })).toBeVisible();
  await axe(page);
  await own.getByRole("link", { name: `Revoke access for ${appName}` }).click();
  await expect(page.getByRole("heading", { name: `Revoke access for ${appName}?` })).toBeVisible();
  await axe(page);
  await page.getByRole("button", { name: "Revoke access" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Access revoked." })).toBeVisible();
  await expect(own.getByRole("row", { name: new RegExp(appName) })).toHaveCount(0);
  expect((await me()).status()).toBe(401);

  // Delete the app, after its confirmation.
  await goto(page, APPS);
  await page.getByRole("link", { name: appName }).click();
  await page.getByRole("link", { name: "Delete app…" }).click();
  await expect(page.getByRole("heading", { name: `Delete ${appName}?` })).toBeVisible();
  await axe(page);
  await page.getByRole("button", { name: "Delete app" }).click();
  await expect(page.getByRole("status").filter({ hasText: "App deleted." })).toBeVisible();
  await expect(page.getByRole("link", { name: appName })).toHaveCount(0);
});

test("only super managers reach OAuth apps; everyone has Authorized apps", async ({ page }) => {
  await signInAs(page, SEED.manager, "/admin/profile");
  await page.getByRole("link", { name: "Authorized apps" }).click();
  await expect(page.getByRole("heading", { name: "Authorized apps", level: 1 })).toBeVisible();
  await expect(page.getByText("You have not authorized any app.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Everyone else in your agency" })).toHaveCount(0);
  const response = await page.goto(APPS);
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("link", { name: "Register OAuth app" })).toHaveCount(0);
});
