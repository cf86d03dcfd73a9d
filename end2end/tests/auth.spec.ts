import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { signIn, signInAs } from "../support/pages";

test("signing in shows Developer Settings and who is signed in", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, SEED.superManager.email);

  await expect(page).toHaveURL("/admin/profile/developer-settings");
  await expect(page.getByRole("heading", { level: 1, name: "Developer Settings" })).toBeVisible();
  const header = page.getByRole("banner");
  await expect(header).toContainText(SEED.superManager.name);
  await expect(header).toContainText(SEED.superManager.role);
  await expect(header.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("a wrong password says Invalid email or password and keeps the email", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, SEED.manager.email, "not the password at all");

  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await expect(page).toHaveURL("/login");
  await expect(page.getByLabel("Email")).toHaveValue(SEED.manager.email);
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
});

test("an unknown email gets the same message", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "nobody@acme.test");

  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
});

test("signing out ends the session", async ({ page }) => {
  await signInAs(page, SEED.agent);

  await page.getByRole("button", { name: "Sign out" }).click();

  await expect(page).toHaveURL("/login");
  await page.goto("/admin/profile/developer-settings");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("an anonymous visitor is sent to sign in, then back where they were going", async ({ page }) => {
  await page.goto("/admin/profile");

  await expect(page).toHaveURL("/login?next=%2Fadmin%2Fprofile");
  await signIn(page, SEED.manager.email);

  await expect(page).toHaveURL("/admin/profile");
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await expect(page.getByText(SEED.manager.email)).toBeVisible();
});

test("the breadcrumb leads Admin › Profile › Developer Settings", async ({ page }) => {
  await signInAs(page, SEED.superManager, "/admin");
  const trail = page.getByRole("navigation", { name: "Breadcrumb" });

  await page.getByRole("link", { name: "Profile" }).first().click();
  await expect(page).toHaveURL("/admin/profile");
  await page.getByRole("main").getByRole("link", { name: "Developer Settings" }).click();

  await expect(page).toHaveURL("/admin/profile/developer-settings");
  await expect(trail.getByRole("link", { name: "Developer Settings" })).toHaveAttribute("aria-current", "page");
  await trail.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
});
