// Creating a key: every field, the errors, the one-time reveal with its
// confirmation, and the secret's absence afterwards.
import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { createKey, fillCreateDialog, keyRow, listKeys, signInAs, uniqueName } from "../support/pages";

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "creating keys needs JavaScript");

test("the secret is revealed once, copied, confirmed, and then found nowhere", async ({ page, context }, info) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Portal sync", info.project.name);

  const dialog = await fillCreateDialog(page, {
    name,
    workspace: "Downtown",
    validity: "1 month",
    environment: "Test",
    scopes: ["read:leads", "write:leads"],
  });

  const apiKey = await dialog.getByRole("textbox", { name: "API key" }).inputValue();
  const secret = await dialog.getByRole("textbox", { name: "Secret" }).inputValue();
  const token = await dialog.getByRole("textbox", { name: "Token" }).inputValue();
  expect(apiKey).toMatch(/^kw_test_[0-9A-Za-z]{12}$/);
  expect(token).toBe(`${apiKey}_${secret}`);
  expect(token).toHaveLength(59);
  await expect(dialog.getByText(`Bearer ${token}`)).toBeVisible();

  await dialog.getByRole("button", { name: "Copy Token" }).click();
  await expect(dialog.getByText("Copied", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  const done = dialog.getByRole("button", { name: "Done" });
  await expect(done).toBeDisabled();
  await page.keyboard.press("Escape");
  const ask = dialog.getByRole("alert").filter({ hasText: "Close without confirming? The secret cannot be shown again." });
  await expect(ask).toBeVisible();
  await ask.getByRole("button", { name: "Keep open" }).click();
  await expect(ask).toBeHidden();
  await dialog.getByRole("button", { name: "Close", exact: true }).click();
  await expect(ask).toBeVisible();
  await ask.getByRole("button", { name: "Keep open" }).click();
  await expect(dialog.getByRole("textbox", { name: "Secret" })).toHaveValue(secret);

  await dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
  await expect(done).toBeEnabled();
  await done.click();

  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Create New Key" })).toBeFocused();
  const row = keyRow(page, name);
  await expect(row).toContainText(`${apiKey}…${secret.slice(-4)}`);
  await expect(row).toContainText("Test");
  await expect(row).toContainText("read:leads write:leads");
  await expect(row).toContainText("Active");
  expect(await page.content()).not.toContain(secret);
  await page.reload();
  await expect(keyRow(page, name)).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  const listed = await listKeys(page, name);
  expect(listed.text).not.toContain(secret);
  expect(listed.json.rows[0].workspace).toBe("Downtown");
});

test("closing before confirming asks first, and then the key exists without a way back to its secret", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Unconfirmed", info.project.name);
  const dialog = await fillCreateDialog(page, { name });
  const secret = await dialog.getByRole("textbox", { name: "Secret" }).inputValue();

  await page.keyboard.press("Escape");
  await dialog.getByRole("button", { name: "Close without confirming" }).click();

  await expect(dialog).toBeHidden();
  await expect(keyRow(page, name)).toBeVisible();
  await page.getByRole("button", { name: "Create New Key" }).click();
  await expect(page.getByRole("dialog", { name: "Create API key" }).getByLabel("Key name")).toHaveValue("");
  expect(await page.content()).not.toContain(secret);
});

const DAY = 24 * 60 * 60 * 1000;

/**
 * The product's calendar rule (chrono's, PostgreSQL's): the same day and time
 * `months` later, or the last day of the target month when it is shorter
 * (Nov 30 + 3 months = Feb 28, never March 2 as `setUTCMonth` would say).
 */
function addMonths(date: Date, months: number): Date {
  const first = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  const copy = new Date(date);
  copy.setUTCFullYear(first.getUTCFullYear(), first.getUTCMonth(), Math.min(date.getUTCDate(), lastDay));
  return copy;
}

test("the month rule clamps to the end of shorter months", () => {
  expect(addMonths(new Date("2026-11-30T17:00:00Z"), 3).toISOString()).toBe("2027-02-28T17:00:00.000Z");
  expect(addMonths(new Date("2026-01-31T10:00:00Z"), 1).toISOString()).toBe("2026-02-28T10:00:00.000Z");
  expect(addMonths(new Date("2028-02-29T08:00:00Z"), 12).toISOString()).toBe("2029-02-28T08:00:00.000Z");
  expect(addMonths(new Date("2026-12-31T23:00:00Z"), 1).toISOString()).toBe("2027-01-31T23:00:00.000Z");
  expect(addMonths(new Date("2027-11-30T00:00:00Z"), 3).toISOString()).toBe("2028-02-29T00:00:00.000Z");
});

test.describe("far from UTC", () => {
  // UTC+14: the viewer's date differs from the UTC date for most of the day.
  test.use({ timezoneId: "Pacific/Kiritimati" });

  test("the Validity period control says the exact expiry date, in the viewer's zone", async ({ page }) => {
    await signInAs(page, SEED.superManager);
    await page.getByRole("button", { name: "Create New Key" }).click();
    const dialog = page.getByRole("dialog", { name: "Create API key" });
    const select = dialog.getByLabel("Validity period");
    const localDate = (at: Date) =>
      page.evaluate(
        (ms) => new Date(ms).toLocaleDateString(navigator.language, { year: "numeric", month: "short", day: "numeric" }),
        at.getTime(),
      );
    const cases: [string, (now: Date) => Date][] = [
      ["1 week", (now) => new Date(now.getTime() + 7 * DAY)],
      ["1 month", (now) => addMonths(now, 1)],
      ["3 months", (now) => addMonths(now, 3)],
      ["1 year", (now) => addMonths(now, 12)],
    ];
    for (const [label, expiry] of cases) {
      // The moment can cross midnight while the test reads it: either side is right.
      const before = await localDate(expiry(new Date()));
      await select.selectOption({ label });
      const description = await select.evaluate((el) =>
        (el.getAttribute("aria-describedby") ?? "")
          .split(" ")
          .map((id) => document.getElementById(id)?.textContent ?? "")
          .join(" ")
          .trim(),
      );
      const after = await localDate(expiry(new Date()));
      expect([`Expires on ${before}`, `Expires on ${after}`], label).toContain(description);
    }
    await select.selectOption({ label: "Never expires" });
    await expect(select).toHaveAccessibleDescription("Never expires: the key works until it is revoked.");
  });
});

test("each validity period sets the key's expiry", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const now = new Date();
  const custom = new Date(now.getTime() + 10 * DAY).toISOString().slice(0, 10);
  const cases: { validity: string; expected: Date | null; customDate?: string }[] = [
    { validity: "1 week", expected: new Date(now.getTime() + 7 * DAY) },
    { validity: "1 month", expected: addMonths(now, 1) },
    { validity: "3 months", expected: addMonths(now, 3) },
    { validity: "1 year", expected: addMonths(now, 12) },
    { validity: "Never expires", expected: null },
    { validity: "Custom date", customDate: custom, expected: new Date(new Date(`${custom}T00:00:00Z`).getTime() + DAY) },
  ];
  for (const [i, { validity, expected, customDate }] of cases.entries()) {
    const name = uniqueName(`Validity ${i}`, info.project.name);
    await createKey(page, { name, validity, customDate, environment: i % 2 ? "Test" : "Live" });
    const row = (await listKeys(page, name)).json.rows[0];
    expect(row.environment).toBe(i % 2 ? "test" : "live");
    if (expected === null) {
      expect(row.expires_at, validity).toBeNull();
      await expect(keyRow(page, name)).toContainText("Never");
    } else {
      const delta = Math.abs(new Date(row.expires_at).getTime() - expected.getTime());
      expect(delta, `${validity}: ${row.expires_at}`).toBeLessThan(2 * 60 * 1000);
    }
  }
});

test("refused fields show their message next to them and keep what was typed", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const dialog = await fillCreateDialog(page, { name: "   ", validity: "Custom date", customDate: "2001-01-01", scopes: [] });

  const name = dialog.getByLabel("Key name");
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription(/name/i);
  await expect(dialog.getByLabel("Valid through")).toHaveAccessibleDescription(/after today/i);
  await expect(dialog.locator("#key-scopes-error")).toBeVisible();
  await expect(dialog.getByLabel("Valid through")).toHaveValue("2001-01-01");

  const fixed = uniqueName("Fixed", info.project.name);
  await name.fill(fixed);
  await dialog.getByLabel("Validity period").selectOption({ label: "1 week" });
  await dialog.getByRole("checkbox", { name: "admin", exact: true }).check();
  await expect(dialog.getByRole("checkbox", { name: "read:leads", exact: true })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: "read:leads", exact: true })).toBeDisabled();
  await expect(dialog.getByText("admin includes every other scope")).toBeVisible();
  await dialog.getByRole("button", { name: "Create key" }).click();

  await expect(dialog.getByRole("textbox", { name: "Token" })).toBeVisible();
  await dialog.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(keyRow(page, fixed)).toContainText("admin");
});
