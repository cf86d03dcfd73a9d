import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

import { SEED } from "../support/constants";
import { signInAs } from "../support/pages";

async function expectNoViolations(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

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
  for (const path of ["/admin", "/admin/profile"]) {
    await page.goto(path);
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
