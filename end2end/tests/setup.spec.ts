import { expect, test } from "../support/test";

import { BINARY } from "../support/constants";
import { startKeyward } from "../support/keyward";

test("the setup link printed at first run creates the agency and signs in, once", async ({ page }) => {
  const keyward = await startKeyward(BINARY, true);
  try {
    expect(keyward.setupLink).toBeTruthy();
    await page.goto(keyward.setupLink!);
    await page.getByLabel("Agency name").fill("Harbour Homes");
    await page.getByLabel("First workspace").fill("Seaside");
    await page.getByLabel("Your name").fill("Hana Harbour");
    await page.getByLabel("Email").fill("hana@harbour.test");
    await page.getByLabel("Password", { exact: true }).fill("harbour password 2026");
    await page.getByRole("button", { name: "Create agency" }).click();

    await expect(page.getByRole("heading", { level: 1, name: "Developer Settings" })).toBeVisible();
    await expect(page.getByRole("banner")).toContainText("Hana Harbour");
    await expect(page.getByRole("banner")).toContainText("Harbour Homes");

    await page.goto(keyward.setupLink!);
    await expect(page.getByRole("heading", { name: "This setup link is not valid" })).toBeVisible();
  } finally {
    await keyward.stop();
  }
});

test("a refused setup field shows its message and keeps what was typed", async ({ page }) => {
  const keyward = await startKeyward(BINARY, true);
  try {
    await page.goto(keyward.setupLink!);
    await page.getByLabel("Agency name").fill("Harbour Homes");
    await page.getByLabel("Your name").fill("Hana Harbour");
    await page.getByLabel("Email").fill("hana@harbour.test");
    await page.getByLabel("Password", { exact: true }).fill("too short");
    await page.getByRole("button", { name: "Create agency" }).click();

    const password = page.getByLabel("Password", { exact: true });
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(password).toHaveAccessibleDescription(/Password must be at least 12 characters/);
    await expect(page.getByLabel("Agency name")).toHaveValue("Harbour Homes");
    await expect(page.getByLabel("Email")).toHaveValue("hana@harbour.test");
  } finally {
    await keyward.stop();
  }
});

test("a wrong setup token shows a clear message", async ({ page }) => {
  const response = await page.goto("/setup?token=not-the-token");

  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This setup link is not valid" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to sign in" })).toBeVisible();
});
