// The key table: sorting, paging and search live in the URL and work with
// JavaScript on and off; the empty state; read-only roles; the key limit.
import { expect, test } from "../support/test";

import { SEED } from "../support/constants";
import { DEVELOPER_SETTINGS, goto, keyNames, keyRow, keyTable, signInAs } from "../support/pages";

test("sorting by name pages through 30 keys, and the URL keeps the view", async ({ page }) => {
  await signInAs(page, SEED.pager);
  const table = keyTable(page);
  for (const name of ["Name", "API key", "Environment", "Scopes", "Status", "Created", "Expires", "Last used", "Usage"]) {
    await expect(table.getByRole("columnheader", { name, exact: true })).toBeVisible();
  }
  await expect(table.getByRole("columnheader", { name: "Created" })).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByText("Showing 1–25 of 30 keys · page 1 of 2")).toBeVisible();

  await table.getByRole("link", { name: "Name", exact: true }).click();
  await expect(page).toHaveURL(`${DEVELOPER_SETTINGS}?sort=name&dir=asc`);
  await expect(table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");
  await expect(table.getByRole("columnheader", { name: "Created" })).not.toHaveAttribute("aria-sort");
  const firstPage = await keyNames(page);
  expect(firstPage).toHaveLength(25);
  expect(firstPage[0]).toBe("Feed 01");
  expect(firstPage[24]).toBe("Feed 25");

  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(`${DEVELOPER_SETTINGS}?sort=name&dir=asc&page=2`);
  await expect(page.getByText("Showing 26–30 of 30 keys · page 2 of 2")).toBeVisible();
  await expect(keyTable(page).getByRole("rowheader")).toHaveText(["Feed 26", "Feed 27", "Feed 28", "Feed 29", "Feed 30"]);

  await page.reload();
  await expect(keyTable(page).getByRole("rowheader")).toHaveText(["Feed 26", "Feed 27", "Feed 28", "Feed 29", "Feed 30"]);

  await keyTable(page).getByRole("link", { name: "Name", exact: true }).click();
  await expect(page).toHaveURL(`${DEVELOPER_SETTINGS}?sort=name&dir=desc`);
  await expect(keyTable(page).getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "descending");
  await expect(keyTable(page).getByRole("rowheader").first()).toHaveText("Feed 30");
  await expect(page.getByRole("link", { name: "Previous page" })).toHaveCount(0);
});

test("sorting by environment puts test keys after live keys, and flips", async ({ page }) => {
  await signInAs(page, SEED.pager);
  await goto(page, `${DEVELOPER_SETTINGS}?sort=environment&dir=desc`);
  const environments = keyTable(page).locator("tbody tr td:nth-child(4)");
  await expect(environments.first()).toHaveText("Test");
  await keyTable(page).getByRole("link", { name: "Environment" }).click();
  await expect(page).toHaveURL(`${DEVELOPER_SETTINGS}?sort=environment&dir=asc`);
  await expect(environments.first()).toHaveText("Live");
  await expect(environments.nth(19)).toHaveText("Live");
  await expect(environments.nth(20)).toHaveText("Test");
});

test("searching by name filters the table and lands in the URL", async ({ page, javaScriptEnabled }) => {
  await signInAs(page, SEED.pager);
  const search = page.getByRole("searchbox", { name: "Search keys" });

  await search.fill("feed 2");
  if (!javaScriptEnabled) {
    await search.press("Enter");
  }
  // With JavaScript the table follows the typing (debounced), without it the form submits.
  await expect(page).toHaveURL(`${DEVELOPER_SETTINGS}?q=feed+2`);
  // The URL changes before the filtered rows arrive: wait for the rows, not the URL.
  await expect(page.getByText("Showing 1–10 of 10 keys")).toBeVisible();
  await expect(keyTable(page).getByRole("rowheader")).toHaveCount(10);
  await expect(keyRow(page, "Feed 20")).toBeVisible();

  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search keys" })).toHaveValue("feed 2");
  await expect(keyTable(page).getByRole("rowheader")).toHaveCount(10);

  await page.getByRole("searchbox", { name: "Search keys" }).fill("no such feed");
  await page.getByRole("searchbox", { name: "Search keys" }).press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "No keys match “no such feed”." })).toBeVisible();
  await expect(keyTable(page)).toHaveCount(0);
});

test("an agency without keys is invited to create the first one", async ({ page }) => {
  await signInAs(page, SEED.empty);

  await expect(page.getByText("No API keys yet.", { exact: false })).toBeVisible();
  await expect(page.getByText("Start with Create New Key above.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create New Key" })).toBeVisible();
});

test("an agent sees the keys but no way to change them", async ({ page }) => {
  await signInAs(page, SEED.agent);

  await expect(keyRow(page, "Seeded feed")).toBeVisible();
  await expect(page.getByText("You can see these keys. Managers and super managers can create and change them.")).toBeVisible();
  for (const name of ["Create New Key", "Rename", "Revoke", "Remove"]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }
  await expect(page.getByText("Key limit")).toHaveCount(0);
});

test("at the limit Create New Key is disabled and says why, until the limit is raised", async ({ page }, info) => {
  const lou = SEED.limit(info.project.name);
  await signInAs(page, lou);
  const create = page.getByRole("button", { name: "Create New Key" });

  await expect(create).toBeDisabled();
  await expect(page.getByText("You can have at most 3 active keys")).toBeVisible();
  await expect(create).toHaveAccessibleDescription(/You can have at most 3 active keys/);

  await page.getByText("Key limit").click();
  await page.getByLabel("Active keys allowed per workspace and agency-wide").fill("4");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(create).toBeEnabled();
  await expect(page.getByText("You can have at most 3 active keys")).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("button", { name: "Create New Key" })).toBeEnabled();
});

test("every column sorts both ways, marked with aria-sort", async ({ page }) => {
  await signInAs(page, SEED.pager);
  const columns: [string, string][] = [
    ["Name", "name"],
    ["API key", "key"],
    ["Environment", "environment"],
    ["Scopes", "scopes"],
    ["Status", "status"],
    ["Created", "created"],
    ["Expires", "expires"],
    ["Last used", "last_used"],
    ["Usage", "usage"],
  ];
  for (const [label, param] of columns) {
    const header = keyTable(page).getByRole("columnheader", { name: label, exact: true });
    const seen: string[] = [];
    for (let click = 0; click < 2; click++) {
      const before = page.url();
      await header.getByRole("link").click();
      await expect(page).not.toHaveURL(before);
      // Newest first is the default view: its URL has no query.
      await expect(page).toHaveURL(
        param === "created"
          ? /developer-settings(\?sort=created&dir=asc)?$/
          : new RegExp(`\\?sort=${param}&dir=(asc|desc)$`),
      );
      const dir = new URL(page.url()).searchParams.get("dir") ?? "desc";
      seen.push(dir);
      await expect(header).toHaveAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
      await expect(keyTable(page).getByRole("rowheader")).toHaveCount(25);
    }
    expect(seen.sort(), label).toEqual(["asc", "desc"]);
  }
});
