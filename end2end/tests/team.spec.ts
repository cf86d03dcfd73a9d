// The team in the browser, hydrated and with JavaScript off (issue 16): a
// super manager invites someone, who accepts in a fresh browser and is
// signed in; changes their role; disables a manager, choosing who the key
// acting as him acts as now; issues a password reset link that works in a
// fresh browser; a person changes their own password and signs out another
// session; a workspace is created and archived. axe finds nothing on any
// of these pages, and invite and disable work from the keyboard alone.
import type { Browser } from "@playwright/test";

import { expect, Locator, Page, test } from "../support/test";

import { SEED } from "../support/constants";
import { expectNoViolations, goto, hydrated, signIn, signInAs, uniqueName } from "../support/pages";

const TEAM = "/admin/team";

async function axe(page: Page) {
  if (test.info().project.use.javaScriptEnabled !== false) await expectNoViolations(page);
}

/** A fresh browser context (no cookies) of this project's kind. */
async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    javaScriptEnabled: test.info().project.use.javaScriptEnabled !== false,
  });
  return context.newPage();
}

function mainNav(page: Page): Locator {
  return page.getByRole("navigation", { name: "Main" });
}

async function openPerson(page: Page, name: string) {
  await goto(page, TEAM);
  await page.getByRole("table", { name: "Team" }).getByRole("link", { name, exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
}

/** Whether the element has focus (asked through Playwright, so it works with JavaScript off too). */
async function isFocused(locator: Locator): Promise<boolean> {
  try {
    await expect(locator).toBeFocused({ timeout: 50 });
    return true;
  } catch {
    return false;
  }
}

async function tabTo(page: Page, locator: Locator) {
  for (let i = 0; i < 60 && !(await isFocused(locator)); i++) await page.keyboard.press("Tab");
  await expect(locator).toBeFocused();
}

test("invite someone, who accepts in a fresh browser and signs in; then change their role", async ({ page, browser }, info) => {
  test.slow();
  const team = SEED.team(info.project.name);
  const email = `${uniqueName("nia", info.project.name).replace(/ /g, "-")}@team.test`;
  await signInAs(page, team.tess);
  await mainNav(page).getByRole("link", { name: "Team", exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Team", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Team" }).getByRole("link", { name: "Mo Manager" })).toBeVisible();
  await axe(page);

  await page.getByRole("link", { name: "Invite person" }).click();
  await hydrated(page);
  await axe(page);
  // Refused first: the message next to the field, what was typed kept (an
  // address the browser's own check lets through, which the server refuses).
  await page.getByLabel("Email").fill("nia@nowhere");
  await page.getByLabel("Name", { exact: true }).fill("Nia New");
  await page.getByRole("checkbox", { name: "Main" }).check();
  await page.getByRole("button", { name: "Create invitation link" }).click();
  await expect(page.getByText("Enter an email address like name@example.com")).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Nia New");
  await axe(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("checkbox", { name: "Main" }).check();
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const field = page.getByLabel("Invitation link", { exact: true });
  await expect(field).toBeVisible();
  const link = await field.inputValue();
  expect(link).toContain("/invitation?token=kw_inv_");
  await hydrated(page);
  await axe(page);

  // The invitee, in a browser of their own.
  const invitee = await freshPage(browser);
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: `Join ${team.agency}` })).toBeVisible();
  await axe(invitee);
  await invitee.getByLabel("Password", { exact: true }).fill("nia's own passphrase");
  await invitee.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(invitee).toHaveURL(/\/admin\/profile\/developer-settings$/);
  await invitee.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(invitee).toHaveURL(/\/login/);
  await signIn(invitee, email, "nia's own passphrase");
  await expect(invitee).toHaveURL(/\/admin\/profile\/developer-settings$/);
  // The link worked once.
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "This invitation link no longer works" })).toBeVisible();
  await invitee.context().close();

  // Back on the team: a manager now, made an agent.
  await openPerson(page, "Nia New");
  await expect(page.getByText("Active", { exact: true })).toBeVisible();
  await axe(page);
  await page.getByRole("radio", { name: /^Agent/ }).check();
  await page.getByRole("button", { name: "Save role and workspaces" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Role and workspaces saved." })).toBeVisible();
  await expect(page.getByRole("radio", { name: /^Agent/ })).toBeChecked();
});

test("disable a manager, choosing who the key acting as him acts as now", async ({ page }, info) => {
  const team = SEED.team(info.project.name);
  await signInAs(page, team.tess);
  await openPerson(page, team.mo.name);
  await expect(page.getByRole("link", { name: "Mo's feed" })).toBeVisible();
  await page.getByRole("link", { name: "Disable", exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: `Disable ${team.mo.name}`, level: 1 })).toBeVisible();
  await axe(page);
  // A choice is required for the key.
  const choice = page.getByLabel("Mo's feed (Main · Live)");
  await expect(choice).toHaveValue("");
  await choice.selectOption({ label: `Act as ${team.tess.name}` });
  await page.getByRole("button", { name: `Disable ${team.mo.name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Disabled." })).toBeVisible();
  await expect(page.getByText("No live key acts as them.")).toBeVisible();
  await axe(page);
  // Mo cannot sign in, and is told why.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signIn(page, team.mo.email);
  await expect(page.getByText("This account is disabled.")).toBeVisible();
});

test("a password reset link works once, in a fresh browser", async ({ page, browser }, info) => {
  const team = SEED.team(info.project.name);
  await signInAs(page, team.tess);
  await openPerson(page, team.rex.name);
  await page.getByRole("button", { name: "Create password reset link" }).click();
  const field = page.getByLabel("Password reset link", { exact: true });
  await expect(field).toBeVisible();
  const link = await field.inputValue();
  await hydrated(page);
  await axe(page);
  const rex = await freshPage(browser);
  await rex.goto(link);
  await expect(rex.getByRole("heading", { name: "Choose a new password", level: 1 })).toBeVisible();
  await axe(rex);
  await rex.getByLabel("Password", { exact: true }).fill("short");
  await rex.getByRole("button", { name: "Save password and sign in" }).click();
  await expect(rex.getByText("Password must be at least 12 characters")).toBeVisible();
  await rex.getByLabel("Password", { exact: true }).fill("rex's reset passphrase");
  await rex.getByRole("button", { name: "Save password and sign in" }).click();
  await expect(rex).toHaveURL(/\/admin\/profile\/developer-settings$/);
  await rex.goto(link);
  await expect(rex.getByRole("heading", { name: "This password reset link no longer works" })).toBeVisible();
  await rex.context().close();
});

test("change your own password and sign out another session", async ({ page, browser }, info) => {
  const team = SEED.team(info.project.name);
  const phone = await freshPage(browser);
  await signInAs(phone, team.pia, "/admin/profile");
  await signInAs(page, team.pia, "/admin/profile");
  const sessions = page.getByRole("table", { name: "Sessions" });
  await expect(sessions.getByRole("row")).toHaveCount(3);
  await expect(sessions.getByText("This session")).toBeVisible();
  await axe(page);
  await sessions.getByRole("button", { name: /^Sign out .* from / }).click();
  await expect(page.getByRole("status").filter({ hasText: "That session has been signed out." })).toBeVisible();
  await phone.reload();
  await expect(phone).toHaveURL(/\/login/);
  await phone.context().close();

  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("pia's new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password")).toBeVisible();
  await page.getByLabel("Current password").fill(SEED.password);
  await page.getByLabel("New password").fill("pia's new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toBeVisible();
  await axe(page);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signIn(page, team.pia.email, "pia's new passphrase");
  await expect(page).toHaveURL(/\/admin\/profile\/developer-settings$/);
});

test("create a workspace and archive it", async ({ page }, info) => {
  const team = SEED.team(info.project.name);
  const name = uniqueName("Harbour", info.project.name);
  await signInAs(page, team.tess);
  await mainNav(page).getByRole("link", { name: "Workspaces", exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Workspaces", level: 1 })).toBeVisible();
  await axe(page);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Workspace created." })).toBeVisible();
  await page.getByRole("table", { name: "Workspaces" }).getByRole("link", { name }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await axe(page);
  await page.getByRole("button", { name: "Archive workspace" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Workspace archived." })).toBeVisible();
  await expect(page.getByText("Archived", { exact: true })).toBeVisible();
  await axe(page);
});

test("invite and disable from the keyboard alone", async ({ page }, info) => {
  const team = SEED.team(info.project.name);
  const email = `${uniqueName("kbd", info.project.name).replace(/ /g, "-")}@team.test`;
  await signInAs(page, team.tess, "/admin/team/invite");
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await page.keyboard.type("Kay Keys");
  await page.keyboard.press("Tab");
  // Into the role group: the checked radio (Manager) takes focus.
  await expect(page.getByRole("radio", { name: /^Manager/ })).toBeFocused();
  await page.keyboard.press("Tab");
  const main = page.getByRole("checkbox", { name: "Main" });
  await expect(main).toBeFocused();
  await page.keyboard.press("Space");
  await expect(main).toBeChecked();
  await tabTo(page, page.getByRole("button", { name: "Create invitation link" }));
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Invitation link", { exact: true })).toBeVisible();

  await goto(page, TEAM);
  await openPerson(page, team.kit.name);
  await tabTo(page, page.getByRole("link", { name: "Disable", exact: true }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: `Disable ${team.kit.name}`, level: 1 })).toBeVisible();
  const choice = page.getByLabel("Kit's feed (Main · Live)");
  await tabTo(page, choice);
  await page.keyboard.press("ArrowDown");
  await expect(choice).toHaveValue("revoke");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: `Disable ${team.kit.name}` })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Disabled." })).toBeVisible();
});
