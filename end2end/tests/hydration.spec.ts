import { expect, test } from "../support/test";

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

test("the page's policy refuses a script it did not send, and the suite notices", async ({ page, cspViolations, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "needs a script to inject one");
  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "document.documentElement.dataset.injected = 'ran'";
    document.body.append(script);
  });
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  await expect(page.locator("html")).not.toHaveAttribute("data-injected", "ran");
  // Seen and refused: this test's one expected violation.
  cspViolations.length = 0;
});
