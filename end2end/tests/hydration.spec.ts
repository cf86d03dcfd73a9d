import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { DEVELOPER_SETTINGS, goto, hydrated, islandCensus, signInAs } from "../support/pages";

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
  await hydrated(page);
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

// The page is the server's; only islands run in the browser. Each island
// marks itself once its own code has run: every one of them, on every page.
test("every island of every page hydrates, and none is left behind", async ({ page, javaScriptEnabled }) => {
  await signInAs(page, SEED.pager);
  const expected: [string, string[]][] = [
    [DEVELOPER_SETTINGS, ["NotificationsButton", "KeySearch", "CreateKey", "KeyRowActions", "Tip", "LocalTime", "LocalNumber"]],
    ["/admin/leads", ["NotificationsButton", "SubmitOnChange"]],
    ["/admin/notifications", ["NotificationsButton"]],
    [`${DEVELOPER_SETTINGS}/audit-log`, ["NotificationsButton", "LocalTime"]],
  ];
  for (const [path, components] of expected) {
    await page.goto(path);
    if (javaScriptEnabled) await hydrated(page);
    const census = await islandCensus(page);
    const names = new Set(census.map((island) => island.component));
    for (const component of components) expect(names, `${path} has a ${component} island`).toContain(component);
    const waiting = census.filter((island) => island.hydrated !== javaScriptEnabled);
    expect(waiting, `${path}: islands ${javaScriptEnabled ? "not hydrated" : "marked without JavaScript"}`).toEqual([]);
  }
  // A key's own page: its actions are one island.
  await goto(page, `${DEVELOPER_SETTINGS}?q=feed+01`);
  await page.getByRole("link", { name: "Feed 01", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Feed 01", level: 1 })).toBeVisible();
  if (javaScriptEnabled) await hydrated(page);
  const census = await islandCensus(page);
  expect(census.map((island) => island.component)).toContain("KeyPageActions");
  expect(census.filter((island) => island.hydrated !== javaScriptEnabled)).toEqual([]);
});
