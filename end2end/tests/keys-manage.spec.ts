// Key details, Rename, Revoke and Remove: each behind its dialog, each
// effective before the dialog closes.
import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { createKey, keyRow, listKeys, signInAs, uniqueName } from "../support/pages";

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "changing keys needs JavaScript");

test("Key details shows who created the key, when, until when, and for whom", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Details", info.project.name);
  await createKey(page, { name, validity: "Never expires" });
  const row = keyRow(page, name);
  const details = row.getByRole("button", { name: "Key details" });
  const tooltip = row.getByRole("tooltip");

  await expect(tooltip).toBeHidden();
  await details.hover();
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(`Created by ${SEED.superManager.name}`);
  await expect(tooltip).toContainText(/Created \w+/);
  await expect(tooltip).toContainText("Never expires");
  await expect(tooltip).toContainText(`Acting as ${SEED.superManager.name}`);
  await expect(details).toHaveAccessibleDescription(/Created by Sam Super/);

  await page.mouse.move(0, 0);
  await expect(tooltip).toBeHidden();
  await details.focus();
  await expect(tooltip).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(tooltip).toBeHidden();
});

test("Rename changes the name, and refuses an empty one next to the field", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Before", info.project.name);
  const renamed = uniqueName("After", info.project.name);
  await createKey(page, { name });

  await keyRow(page, name).getByRole("button", { name: "Rename" }).click();
  const dialog = page.getByRole("dialog", { name: "Rename API key" });
  const field = dialog.getByLabel("Key name");
  await expect(field).toHaveValue(name);
  await expect(field).toBeFocused();
  await field.fill("  ");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(field).toHaveAccessibleDescription(/Key name/);

  await field.fill(renamed);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, renamed)).toBeVisible();
  await expect(keyRow(page, name)).toHaveCount(0);
  expect((await listKeys(page, renamed)).json.total).toBe(1);
});

test("Rate limit changes the key's requests per second, refuses nonsense next to the field", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Limited", info.project.name);
  await createKey(page, { name });
  const row = keyRow(page, name);
  await row.getByRole("button", { name: "Key details" }).hover();
  await expect(row.getByRole("tooltip")).toContainText("Rate limit: 100 requests per second");

  const trigger = row.getByRole("button", { name: "Rate limit" });
  await trigger.click();
  const dialog = page.getByRole("dialog", { name: "Change rate limit" });
  const field = dialog.getByLabel("Requests per second");
  await expect(field).toBeFocused();
  await expect(field).toHaveValue("100");
  await field.fill("-3");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(field).toHaveAccessibleDescription(/from 0 \(unlimited\)/);

  await field.fill("5");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(trigger).toBeFocused();
  await row.getByRole("button", { name: "Key details" }).hover();
  await expect(row.getByRole("tooltip")).toContainText("Rate limit: 5 requests per second");
  expect((await listKeys(page, name)).json.rows[0].rate_limit).toBe(5);
});

test("Revoke asks first, Cancel keeps the key, Revoke key marks it Revoked", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Revocable", info.project.name);
  await createKey(page, { name });
  const row = keyRow(page, name);

  await row.getByRole("button", { name: "Revoke" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Revoke API key?" });
  await expect(dialog).toContainText("integrations using this key stop working immediately");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("Active");

  await row.getByRole("button", { name: "Revoke" }).click();
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await row.getByRole("button", { name: "Key details" }).hover();
  await expect(row.getByRole("tooltip")).toContainText(`Revoked by ${SEED.superManager.name}`);
  expect((await listKeys(page, name)).json.rows[0].status).toBe("Revoked");
});

test("Remove asks first, Cancel keeps the key, Remove key takes it out of the table", async ({ page }, info) => {
  await signInAs(page, SEED.superManager);
  const name = uniqueName("Removable", info.project.name);
  await createKey(page, { name });

  await keyRow(page, name).getByRole("button", { name: "Remove" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Remove API key?" });
  await expect(dialog).toContainText("integrations using this key stop working immediately");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, name)).toBeVisible();

  await keyRow(page, name).getByRole("button", { name: "Remove" }).click();
  await dialog.getByRole("button", { name: "Remove key" }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, name)).toHaveCount(0);
  expect((await listKeys(page, name)).json.total).toBe(0);
});

test("a manager changes keys of their workspace only", async ({ page }, info) => {
  await signInAs(page, SEED.manager);
  const name = uniqueName("Manager's", info.project.name);
  await page.getByRole("button", { name: "Create New Key" }).click();
  const workspace = page.getByRole("dialog", { name: "Create API key" }).getByLabel("Workspace");
  await expect(workspace.getByRole("option")).toHaveText(["Downtown"]);
  await page.keyboard.press("Escape");

  await createKey(page, { name });
  await expect(keyRow(page, name).getByRole("button", { name: "Rename" })).toBeVisible();
  // The agency-wide key seeded from the command line: visible, not theirs to change.
  await expect(keyRow(page, "Seeded feed")).toBeVisible();
  await expect(keyRow(page, "Seeded feed").getByRole("button")).toHaveCount(1);
  await expect(keyRow(page, "Seeded feed").getByRole("button", { name: "Key details" })).toBeVisible();
});
