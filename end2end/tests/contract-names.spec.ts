// Every accessible name CONTRACT.md promises resolves to exactly one
// element in its scope, found the natural way (getByLabel / getByRole, not
// exact unless two contract names overlap), hydrated and with JavaScript
// off. A name that resolves to two elements breaks every strict-mode suite
// written against the contract.
import { expect, Locator, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { DEVELOPER_SETTINGS, fillCreateDialog, hydrated, keyRow, keyTable, signIn, signInAs, uniqueName } from "../support/pages";

async function one(locator: Locator, what: string) {
  await expect(locator, `${what} resolves to exactly one element`).toHaveCount(1);
}

async function signInPage(page: Page) {
  await page.goto("/login");
  await hydrated(page);
  await one(page.getByLabel("Email"), "getByLabel('Email')");
  await one(page.getByLabel("Password"), "getByLabel('Password')");
  await one(page.getByRole("textbox", { name: "Email" }), "textbox Email");
  await one(page.getByRole("button", { name: "Sign in" }), "button Sign in");
}

test("the sign-in page and Developer Settings: one element per contract name", async ({ page }) => {
  await signInPage(page);
  await signIn(page, SEED.superManager.email);
  await expect(page).toHaveURL(DEVELOPER_SETTINGS);
  await hydrated(page);

  await one(page.getByRole("heading", { name: "Developer Settings" }), "heading Developer Settings");
  await one(page.getByRole("button", { name: "Sign out" }), "button Sign out");
  await one(page.getByRole("button", { name: "Notifications" }), "button Notifications");
  await one(page.getByLabel("Search keys"), "getByLabel('Search keys')");
  await one(page.getByRole("searchbox", { name: "Search keys" }), "searchbox Search keys");
  await one(page.getByRole("button", { name: "Create New Key" }), "button Create New Key");
  await one(keyTable(page), "table API keys");
  for (const name of ["Name", "API key", "Environment", "Scopes", "Status", "Created", "Expires", "Last used", "Usage"]) {
    await one(keyTable(page).getByRole("columnheader", { name }), `columnheader ${name}`);
  }
  const row = keyTable(page).getByRole("row").filter({ hasText: "Active" }).first();
  for (const name of ["Key details", "Rename", "Revoke", "Remove"]) {
    await one(row.getByRole("button", { name }), `row button ${name}`);
  }
  await one(row.getByRole("tooltip", { includeHidden: true }), "row tooltip");
});

test("the dialogs: one element per contract name, from the form to the reveal", async ({ page, javaScriptEnabled }, info) => {
  test.skip(!javaScriptEnabled, "the dialogs need JavaScript");
  await signInAs(page, SEED.superManager);

  const name = uniqueName("Names", info.project.name);
  await page.getByRole("button", { name: "Create New Key" }).click();
  const create = page.getByRole("dialog", { name: "Create API key" });
  await one(create, "dialog Create API key");
  for (const label of ["Key name", "Workspace", "Act as", "Validity period"]) {
    await one(create.getByLabel(label), `getByLabel('${label}')`);
  }
  await one(create.getByRole("group", { name: "Environment" }), "group Environment");
  for (const radio of ["Live", "Test"]) await one(create.getByRole("radio", { name: radio }), `radio ${radio}`);
  for (const option of ["1 week", "1 month", "3 months", "1 year", "Never expires", "Custom date"]) {
    await one(create.getByLabel("Validity period").getByRole("option", { name: option }), `option ${option}`);
  }
  for (const scope of ["read:leads", "write:leads", "read:properties", "write:properties", "admin"]) {
    await one(create.getByRole("checkbox", { name: scope }), `checkbox ${scope}`);
  }
  await one(create.getByRole("button", { name: "Create key" }), "button Create key");
  await page.keyboard.press("Escape");
  await expect(create).toBeHidden();

  const reveal = await fillCreateDialog(page, { name });
  await one(reveal.getByLabel("API key"), "getByLabel('API key')");
  await one(reveal.getByLabel("Token"), "getByLabel('Token')");
  // "Secret" is also a word of the confirmation's own contract name.
  await one(reveal.getByLabel("Secret", { exact: true }), "getByLabel('Secret', exact)");
  for (const field of ["API key", "Secret", "Token"]) {
    await one(reveal.getByRole("textbox", { name: field }), `textbox ${field}`);
    await one(reveal.getByRole("button", { name: `Copy ${field}` }), `button Copy ${field}`);
  }
  await one(reveal.getByRole("checkbox", { name: "I have copied and securely stored the secret" }), "the confirmation");
  await one(reveal.getByRole("button", { name: "Done" }), "button Done");
  await reveal.getByRole("checkbox", { name: "I have copied and securely stored the secret" }).check();
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(keyRow(page, name)).toBeVisible();
  await hydrated(page);

  const row = keyRow(page, name);
  await row.getByRole("button", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: "Rename API key" });
  await one(rename, "dialog Rename API key");
  await one(rename.getByLabel("Key name"), "getByLabel('Key name') in Rename");
  await one(rename.getByRole("button", { name: "Save" }), "button Save");
  await page.keyboard.press("Escape");

  for (const [button, title, confirm] of [
    ["Revoke", "Revoke API key?", "Revoke key"],
    ["Remove", "Remove API key?", "Remove key"],
  ]) {
    await row.getByRole("button", { name: button }).click();
    const dialog = page.getByRole("alertdialog", { name: title });
    await one(dialog, `alertdialog ${title}`);
    await one(dialog.getByRole("button", { name: confirm }), `button ${confirm}`);
    await one(dialog.getByRole("button", { name: "Cancel" }), "button Cancel");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
  }
});
