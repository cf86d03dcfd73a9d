import { expect, test } from "../support/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { BINARY } from "../support/constants";
import { startKeyward } from "../support/keyward";

test("the binary alone in an empty directory serves the page, the wasm and the css, and hydrates", async ({
  page,
  javaScriptEnabled,
}) => {
  test.skip(!javaScriptEnabled, "one run is enough: this checks the binary, not the page");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-alone-"));
  const copy = path.join(dir, "keyward");
  fs.copyFileSync(BINARY, copy);
  fs.chmodSync(copy, 0o755);
  expect(fs.readdirSync(dir)).toEqual(["keyward"]);

  const keyward = await startKeyward(copy, true, dir);
  try {
    const html = await fetch(`${keyward.url}/login`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain("Sign in");

    const wasm = await fetch(`${keyward.url}/pkg/keyward.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    expect(Array.from(bytes.slice(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d]);

    const css = await fetch(`${keyward.url}/pkg/keyward.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");

    await page.goto(`${keyward.url}/login`);
    await expect(page.getByRole("button", { name: "Show password" })).toBeVisible();
    expect(fs.existsSync(path.join(dir, "data", "keyward.db"))).toBe(true);
  } finally {
    await keyward.stop();
  }
});
