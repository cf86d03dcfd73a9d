// Steps the specs share, in the words a user would use.
import { expect, Page } from "@playwright/test";

import { SEED } from "./constants";

export async function signIn(page: Page, email: string, password = SEED.password) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAs(page: Page, who: { email: string }, path = "/admin/profile/developer-settings") {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await signIn(page, who.email);
  await expect(page).toHaveURL(path);
}
