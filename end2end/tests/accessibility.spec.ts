// axe-core on every page and dialog, and the keyboard alone through the
// main flows. axe runs as a script in the page, so the hydrated project runs
// the page checks twice: on the hydrated page, and on the server-rendered
// HTML with the app's scripts blocked (what a browser without JavaScript
// shows). In the no-js project's own contexts animation frames never fire,
// and axe waits for them.
import { expect, Page, test as base } from "../support/test";

import { SEED } from "../support/constants";
import {
  createKey,
  expectNoViolations,
  fillCreateDialog,
  goto,
  hydrated,
  keyRow,
  listKeys,
  serverRenderedPages,
  signInAs,
  uniqueName,
} from "../support/pages";

const test = base.extend<{ scriptsBlocked: boolean; page: Page }>({
  scriptsBlocked: [false, { option: true }],
  page: async ({ browser, baseURL, scriptsBlocked, page }, use) => {
    if (!scriptsBlocked) {
      await use(page);
      return;
    }
    const context = await browser.newContext({ baseURL });
    // The stylesheet stays: contrast is checked on the real styles.
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    const serverRendered = await context.newPage();
    serverRenderedPages.add(serverRendered);
    await use(serverRendered);
    await context.close();
  },
});

for (const rendering of ["hydrated", "server-rendered"] as const) {
  test.describe(`${rendering} pages`, () => {
    test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "axe runs in the hydrated project, on both renderings");
    test.use({ scriptsBlocked: rendering === "server-rendered" });

    test("the sign-in page has no axe violations, also with an error shown", async ({ page }) => {
      await page.goto("/login");
      await expectNoViolations(page);
      await page.getByLabel("Email").fill(SEED.agent.email);
      await page.getByLabel("Password", { exact: true }).fill("wrong wrong wrong");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert")).toBeVisible();
      await expectNoViolations(page);
    });

    test("the signed-in pages have no axe violations", async ({ page }) => {
      await signInAs(page, SEED.superManager);
      await expectNoViolations(page);
      for (const path of ["/admin", "/admin/profile", "/admin/profile/developer-settings/api-reference", "/admin/properties"]) {
        await page.goto(path);
        await expectNoViolations(page);
      }
    });

    test("Leads has no axe violations, live, in Test mode, and empty", async ({ page }) => {
      await signInAs(page, SEED.records, "/admin/leads");
      await expectNoViolations(page);
      await goto(page, "/admin/leads?mode=test&q=sandbox");
      await expectNoViolations(page);
      await goto(page, "/admin/leads?q=nobody");
      await expectNoViolations(page);
    });

    test("Developer Settings has no axe violations for every role, with many keys, none, or at the limit", async ({ page }, info) => {
      for (const who of [SEED.pager, SEED.empty, SEED.agent, SEED.limit(info.project.name)]) {
        await page.context().clearCookies();
        await signInAs(page, who);
        await expectNoViolations(page);
      }
    });

    test("the notifications, a key's page and the audit log have no axe violations", async ({ page }, info) => {
      const nina = SEED.notice(info.project.name);
      await signInAs(page, nina, "/admin/notifications");
      await expectNoViolations(page);
      const key = (await listKeys(page, nina.key)).json.rows[0].id;
      await goto(page, `/admin/profile/developer-settings/keys/${key}`);
      await expect(page.getByRole("table", { name: "Requests per day, last 30 days" })).toBeVisible();
      await expectNoViolations(page);
      for (const query of ["", "?action=created", "?q=nothing+at+all"]) {
        await goto(page, `/admin/profile/developer-settings/audit-log${query}`);
        await expectNoViolations(page);
      }
    });

    test("the invalid setup link and not-found pages have no axe violations", async ({ page }) => {
      await page.goto("/setup?token=wrong");
      await expectNoViolations(page);
      await page.goto("/no/such/page");
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await expectNoViolations(page);
    });
  });
}

test.describe("with JavaScript", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "dialogs and tooltips need JavaScript");

  test("every key dialog and the tooltip have no axe violations", async ({ page }, info) => {
    await signInAs(page, SEED.superManager);
    const name = uniqueName("Axe", info.project.name);

    const dialog = await fillCreateDialog(page, { name: " ", scopes: [] });
    await expect(dialog.getByLabel("Key name")).toHaveAttribute("aria-invalid", "true");
    await expectNoViolations(page);
    await dialog.getByLabel("Key name").fill(name);
    await dialog.getByRole("checkbox", { name: "admin", exact: true }).check();
    await dialog.getByRole("button", { name: "Create key" }).click();
    await expect(dialog.getByRole("textbox", { name: "Token" })).toBeVisible();
    await expectNoViolations(page);
    await page.keyboard.press("Escape");
    await expect(dialog.getByRole("alert")).toBeVisible();
    await expectNoViolations(page);
    await dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
    await dialog.getByRole("button", { name: "Done" }).click();

    const row = keyRow(page, name);
    await row.getByRole("button", { name: "Key details" }).hover();
    await expect(row.getByRole("tooltip")).toBeVisible();
    await expectNoViolations(page);

    await row.getByRole("button", { name: "Rename" }).click();
    await expect(page.getByRole("dialog", { name: "Rename API key" })).toBeVisible();
    await expectNoViolations(page);
    await page.keyboard.press("Escape");

    await row.getByRole("button", { name: "Rate limit" }).click();
    const limit = page.getByRole("dialog", { name: "Change rate limit" });
    await limit.getByLabel("Requests per second").fill("-1");
    await limit.getByRole("button", { name: "Save" }).click();
    await expect(limit.getByLabel("Requests per second")).toHaveAttribute("aria-invalid", "true");
    await expectNoViolations(page);
    await page.keyboard.press("Escape");

    for (const [button, title] of [
      ["Revoke", "Revoke API key?"],
      ["Remove", "Remove API key?"],
    ]) {
      await row.getByRole("button", { name: button }).click();
      await expect(page.getByRole("alertdialog", { name: title })).toBeVisible();
      await expectNoViolations(page);
      await page.keyboard.press("Escape");
    }
  });

  test("the notifications panel, the maintenance settings, Edit scopes, Roll key and IP allowlist have no axe violations", async ({ page }, info) => {
    await signInAs(page, SEED.notice(info.project.name));
    await page.getByRole("banner").getByRole("button", { name: /^Notifications/ }).click();
    await expect(page.getByRole("dialog", { name: "Notifications" })).toBeVisible();
    await expectNoViolations(page);
    await page.keyboard.press("Escape");

    await page.context().clearCookies();
    await signInAs(page, SEED.superManager);
    await page.getByText("Inactivity and sandbox reset").click();
    await expect(page.getByLabel("Delete keys unused for (days)")).toBeVisible();
    await expectNoViolations(page);
    const name = uniqueName("Axe roll", info.project.name);
    await createKey(page, { name });
    await keyRow(page, name).getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await hydrated(page);

    await page.getByRole("button", { name: "Edit IP allowlist" }).click();
    const allowlist = page.getByRole("dialog", { name: "IP allowlist" });
    await allowlist.getByLabel("Allowed addresses").fill("not an address");
    await allowlist.getByRole("button", { name: "Save allowlist" }).click();
    await expect(allowlist.getByLabel("Allowed addresses")).toHaveAttribute("aria-invalid", "true");
    await expectNoViolations(page);
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Edit scopes" }).click();
    const scopes = page.getByRole("dialog", { name: "Edit scopes" });
    await scopes.getByRole("checkbox", { name: "read:leads", exact: true }).uncheck();
    await scopes.getByRole("button", { name: "Save scopes" }).click();
    await expect(scopes.getByText("Choose at least one scope")).toBeVisible();
    await expectNoViolations(page);
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Roll key" }).click();
    const roll = page.getByRole("dialog", { name: "Roll API key" });
    await expect(roll).toBeVisible();
    await expectNoViolations(page);
    await roll.getByRole("button", { name: "Roll key" }).click();
    await expect(roll.getByRole("textbox", { name: "Token" })).toBeVisible();
    await expectNoViolations(page);
    await roll.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
    await roll.getByRole("button", { name: "Done" }).click();
    await expect(roll).toBeHidden();
  });

  test("a key is created, confirmed and closed with the keyboard alone, and focus stays in the dialog", async ({ page }, info) => {
    await signInAs(page, SEED.superManager);
    const name = uniqueName("Keyboard", info.project.name);
    const create = page.getByRole("button", { name: "Create New Key" });
    await create.focus();
    await page.keyboard.press("Enter");

    const dialog = page.getByRole("dialog", { name: "Create API key" });
    await expect(dialog.getByLabel("Key name")).toBeFocused();
    await page.keyboard.type(name);
    // Shift+Tab from the first field reaches the Close button, and once more wraps to the last control.
    await page.keyboard.press("Shift+Tab");
    await expect(dialog.getByRole("button", { name: "Close", exact: true })).toBeFocused();
    await page.keyboard.press("Shift+Tab");
    await expect(dialog.getByRole("button", { name: "Create key" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Close", exact: true })).toBeFocused();

    // To the first scope checkbox, tick it with Space, then submit with Enter on Create key.
    const firstScope = dialog.getByRole("checkbox").first();
    for (let i = 0; i < 20 && !(await firstScope.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(firstScope).toBeFocused();
    await page.keyboard.press("Space");
    await expect(firstScope).toBeChecked();
    const submit = dialog.getByRole("button", { name: "Create key" });
    for (let i = 0; i < 20 && !(await submit.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");

    const confirm = dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" });
    await expect(confirm).toBeVisible();
    for (let i = 0; i < 20 && !(await confirm.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Done" })).toBeFocused();
    await page.keyboard.press("Enter");

    await expect(dialog).toBeHidden();
    await expect(create).toBeFocused();
    await expect(keyRow(page, name)).toBeVisible();
  });
});

test("signing in and out works with the keyboard alone", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(SEED.manager.email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await page.keyboard.type(SEED.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Developer Settings" })).toBeVisible();

  // Skip link first, then the brand, then on to Sign out.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  const signOut = page.getByRole("button", { name: "Sign out" });
  for (let i = 0; i < 10 && !(await signOut.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(signOut).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL("/login");
});
