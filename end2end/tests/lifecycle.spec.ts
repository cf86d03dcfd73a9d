// Issue 5 in the browser: deletion notices in the notification center, a
// key's own page with its chart and table, rolling a key (the one-time
// reveal), the IP allowlist, and the audit log's filters.
import { expect, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { createKey, DEVELOPER_SETTINGS, goto, hydrated, keyRow, signInAs, uniqueName } from "../support/pages";

const AUDIT_LOG = `${DEVELOPER_SETTINGS}/audit-log`;

function notificationsButton(page: Page) {
  return page.getByRole("banner").getByRole("button", { name: /^Notifications/ });
}

test("deletion notices wait in the notification center and can be marked read", async ({ page }, info) => {
  const nina = SEED.notice(info.project.name);
  await signInAs(page, nina);
  const button = notificationsButton(page);
  await expect(button).toHaveAccessibleName("Notifications 2 unread");

  const hydratedProject = info.project.use.javaScriptEnabled !== false;
  let list;
  if (hydratedProject) {
    await button.click();
    list = page.getByRole("dialog", { name: "Notifications" });
    await expect(list).toBeVisible();
    await expect(button).toHaveAttribute("aria-expanded", "true");
  } else {
    await button.click();
    await expect(page).toHaveURL(/\/admin\/notifications\??$/);
    list = page.getByRole("main");
  }
  const items = list.getByRole("list", { name: "Notices" }).getByRole("listitem");
  await expect(items).toHaveCount(2);
  // Newest first: the 7-day notice, then the 15-day one.
  await expect(items.nth(0)).toContainText(`API key “${nina.key}” will be deleted in 6 days`);
  await expect(items.nth(1)).toContainText(`API key “${nina.key}” will be deleted in 14 days`);
  await expect(items.nth(0)).toContainText("every request resets the clock");
  // Following a notice reads it (the server marks it, then redirects), with or without JavaScript.
  await expect(items.nth(0).getByRole("link", { name: new RegExp(nina.key) })).toHaveAttribute(
    "href",
    /^\/admin\/notifications\/\d+\/open$/,
  );

  await items.nth(1).getByRole("button", { name: /^Mark read/ }).click();
  await expect(button).toHaveAccessibleName("Notifications 1 unread");
  await expect(items.nth(1).getByText("Unread", { exact: true })).toHaveCount(0);

  await list.getByRole("button", { name: "Mark all read" }).click();
  await expect(button).toHaveAccessibleName("Notifications");
  await expect(list.getByText("Unread", { exact: true })).toHaveCount(0);

  if (hydratedProject) {
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog", { name: "Notifications" })).toBeHidden();
    await expect(button).toBeFocused();
  }
  // The full list, a page at a time.
  await goto(page, "/admin/notifications");
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  await expect(page.getByText("Everything is read.")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Pages of notifications" })).toContainText(
    "Showing 1–2 of 2 notifications",
  );
});

test("a key's page shows its details, the chart and its table, and its activity", async ({ page }, info) => {
  const nina = SEED.notice(info.project.name);
  await signInAs(page, nina);
  await keyRow(page, nina.key).getByRole("link", { name: nina.key }).click();
  await expect(page.getByRole("heading", { name: nina.key, level: 1 })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole("img", { name: /^Requests per day from/ })).toBeVisible();
  const table = page.getByRole("table", { name: "Requests per day, last 30 days" });
  await expect(table.getByRole("row")).toHaveCount(31);
  await expect(page.locator("dt", { hasText: "Last used" }).locator("xpath=following-sibling::dd[1]")).toHaveText("Never");
  await expect(page.locator("dt", { hasText: "Acting as" }).locator("xpath=following-sibling::dd[1]")).toHaveText(nina.name);
  await expect(page.getByRole("table", { name: "Key activity" })).toContainText("Created");
});

test("a key's page counts its requests per day", async ({ page }, info) => {
  test.skip(info.project.use.javaScriptEnabled === false, "creating keys needs JavaScript");
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Chart", info.project.name);
  const { token } = await createKey(page, { name });
  for (let i = 0; i < 3; i++) {
    const response = await page.request.get("/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(response.status()).toBe(200);
  }
  await keyRow(page, name).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Requests per day, last 30 days" });
  // Usage is written within a second of the requests.
  await expect(async () => {
    await page.reload();
    await expect(table.getByRole("row").nth(1).getByRole("cell")).toHaveText("3", { timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole("img", { name: /3 in all, at most 3 in a day/ })).toBeVisible();
  await expect(page.locator("dd").filter({ hasText: "from 127.0.0.1" })).toBeVisible();
});

test("rolling a key reveals the new secret once; the old one works for its grace", async ({ page }, info) => {
  test.skip(info.project.use.javaScriptEnabled === false, "rolling keys needs JavaScript");
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Roll", info.project.name);
  const { token: old, apiKey } = await createKey(page, { name });
  await keyRow(page, name).getByRole("link", { name }).click();
  await hydrated(page);

  await page.getByRole("button", { name: "Roll key" }).click();
  const dialog = page.getByRole("dialog", { name: "Roll API key" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("radio", { name: "1 hour" }).check();
  await dialog.getByRole("button", { name: "Roll key" }).click();

  const tokenField = dialog.getByRole("textbox", { name: "Token" });
  await expect(tokenField).toBeVisible();
  await expect(dialog.getByRole("textbox", { name: "API key" })).toHaveValue(apiKey);
  const fresh = await tokenField.inputValue();
  expect(fresh).not.toBe(old);
  const done = dialog.getByRole("button", { name: "Done" });
  await expect(done).toBeDisabled();
  await page.keyboard.press("Escape");
  await expect(dialog.getByRole("alert")).toContainText("The secret cannot be shown again");
  await dialog.getByRole("button", { name: "Keep open" }).click();
  await dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
  await done.click();
  await expect(dialog).toBeHidden();

  await expect(page.getByText("Still works until")).toBeVisible();
  await expect(page.getByRole("table", { name: "Key activity" }).getByRole("row").nth(1)).toContainText("Rolled");
  for (const token of [fresh, old]) {
    const response = await page.request.get("/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(response.status()).toBe(200);
  }
  await goto(page, DEVELOPER_SETTINGS);
  await expect(keyRow(page, name)).toContainText("Old secret valid until");
  expect(await page.content()).not.toContain(fresh.slice(-20));
});

test("the IP allowlist refuses bad entries next to the field and other addresses with 403", async ({ page }, info) => {
  test.skip(info.project.use.javaScriptEnabled === false, "editing the allowlist needs JavaScript");
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Allow", info.project.name);
  const { token } = await createKey(page, { name });
  await keyRow(page, name).getByRole("link", { name }).click();
  await hydrated(page);

  await page.getByRole("button", { name: "Edit IP allowlist" }).click();
  const dialog = page.getByRole("dialog", { name: "IP allowlist" });
  const field = dialog.getByLabel("Allowed addresses");
  await field.fill("203.0.113.0/24\n10.0.0.300");
  await dialog.getByRole("button", { name: "Save allowlist" }).click();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText("“10.0.0.300” is not an IP address")).toBeVisible();
  await field.fill("203.0.113.0/24\n2001:db8::/32");
  await dialog.getByRole("button", { name: "Save allowlist" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Edit IP allowlist" })).toBeFocused();
  await expect(page.getByText("2001:db8::/32", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Edit scopes" }).click();
  const scopes = page.getByRole("dialog", { name: "Edit scopes" });
  await scopes.getByRole("checkbox", { name: "read:leads", exact: true }).uncheck();
  await scopes.getByRole("button", { name: "Save scopes" }).click();
  await expect(scopes.getByText("at least one", { exact: false })).toBeVisible();
  await scopes.getByRole("checkbox", { name: "read:properties", exact: true }).check();
  await scopes.getByRole("button", { name: "Save scopes" }).click();
  await expect(scopes).toBeHidden();
  await expect(page.locator("dt", { hasText: "Scopes" }).locator("xpath=following-sibling::dd[1]")).toHaveText("read:properties");

  const refused = await page.request.get("/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("IP_NOT_ALLOWED");
});

test("the audit log filters by action, key and search, in the URL", async ({ page }, info) => {
  await signInAs(page, SEED.superManager, AUDIT_LOG);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Audit log" });
  await expect(table.getByRole("row")).not.toHaveCount(0);

  await page.getByLabel("Action").selectOption({ label: "Created" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=created/);
  const actions = table.getByRole("row").locator("td:nth-child(3)");
  // Hydrated, the URL changes before the filtered rows arrive: wait for
  // every row to be a creation, not only the first (often one already).
  await expect
    .poll(async () => {
      const texts = await actions.allInnerTexts();
      return texts.length > 0 && texts.every((text) => text === "Created");
    })
    .toBe(true);

  await page.getByLabel("Key").selectOption({ label: "Seeded feed" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/key=\w{12}/);
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table).toContainText("command line");

  await goto(page, `${AUDIT_LOG}?q=no+such+thing+${info.project.name}`);
  await expect(page.getByText("No events match these filters.")).toBeVisible();
  await expect(page.getByLabel("Search events")).toHaveValue(`no such thing ${info.project.name}`);
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(AUDIT_LOG);
});

test("the notifications panel opens, is read and closes with the keyboard alone", async ({ page }, info) => {
  test.skip(info.project.use.javaScriptEnabled === false, "the panel needs JavaScript; without it the button opens the page");
  const nina = SEED.notice(info.project.name);
  await signInAs(page, nina);
  const button = notificationsButton(page);
  await button.focus();
  await page.keyboard.press("Enter");
  const panel = page.getByRole("dialog", { name: "Notifications" });
  await expect(panel).toBeVisible();
  await expect(panel).toBeFocused();
  const firstLink = panel.getByRole("list", { name: "Notices" }).getByRole("link").first();
  for (let i = 0; i < 10 && !(await firstLink.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(firstLink).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
  await expect(button).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(panel).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(button).toHaveAttribute("aria-expanded", "false");
});
