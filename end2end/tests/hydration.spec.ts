import { expect, test } from "@playwright/test";

test("the page hydrates: Show password works only with JavaScript", async ({ page, javaScriptEnabled }) => {
  await page.goto("/login");
  const toggle = page.getByRole("button", { name: "Show password" });
  const password = page.getByLabel("Password", { exact: true });

  if (!javaScriptEnabled) {
    // Server-rendered pages stay usable, and a control that needs
    // JavaScript is not offered.
    await expect(toggle).toBeHidden();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    return;
  }
  await expect(toggle).toBeVisible();
  await password.fill("peekaboo");
  await toggle.click();

  await expect(password).toHaveAttribute("type", "text");
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
});
